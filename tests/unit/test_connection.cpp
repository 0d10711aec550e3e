// h1::connection: the request/response cycle over caller buffers, framing of request bodies,
// reuse decisions, backpressure, early responses and data with no request in flight.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "htpx/h1/connection.hpp"

namespace {

using htpx::h1::body_framing;
using htpx::h1::conn_state;
using htpx::h1::event;
using htpx::h1::event_type;

struct fixture {
  explicit fixture(std::size_t rx_size = 256, std::size_t tx_size = 256)
      : rx(rx_size), tx(tx_size), conn({rx.data(), rx.size()}, {tx.data(), tx.size()}, limits) {}

  // Takes everything the connection wants to send.
  std::string drain() {
    std::string out;
    for (htpx::bytes_view pending = conn.pending_output(); !pending.empty(); pending = conn.pending_output()) {
      out.append(pending.data, pending.size);
      conn.consume_output(pending.size);
    }
    return out;
  }

  // Delivers server bytes (as much as fits each time), collecting events into a transcript.
  std::string receive(std::string_view bytes, bool eof = false) {
    std::string transcript;
    for (;;) {
      const htpx::mutable_bytes space = conn.receive_buffer();
      const std::size_t n = bytes.size() < space.size ? bytes.size() : space.size;
      if (n != 0) std::copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n), space.data);
      conn.commit_received(n);
      bytes.remove_prefix(n);
      if (bytes.empty() && eof) conn.receive_eof();
      const bool stop = take_events(transcript);
      if (stop || (bytes.empty() && (n == 0 || !eof))) break;
    }
    return transcript;
  }

  bool take_events(std::string& transcript) {
    for (;;) {
      const event ev = conn.next_event();
      switch (ev.type) {
        case event_type::need_more: return false;
        case event_type::informational: transcript += "1xx " + std::to_string(ev.head.status_code) + ";"; break;
        case event_type::head: transcript += "head " + std::to_string(ev.head.status_code) + ";"; break;
        case event_type::body: transcript += "body " + std::string(ev.body.str()) + ";"; break;
        case event_type::trailers: transcript += "trailers;"; break;
        case event_type::end: transcript += "end;"; return true;
        case event_type::failed: transcript += std::string("failed ") + ev.failure.detail + ";"; return true;
      }
    }
  }

  htpx::h1::parser_limits limits;
  std::vector<char> rx;
  std::vector<char> tx;
  htpx::h1::connection conn;
};

htpx::bytes_view bytes(std::string_view s) { return s; }

htpx::h1::request_head get(std::string_view method = "GET") {
  htpx::h1::request_head head;
  head.method = method;
  head.target = "/x";
  head.host = "h";
  return head;
}

TEST(Connection, KeepAliveCycleAndReuse) {
  fixture f;
  for (int round = 0; round != 3; ++round) {
    ASSERT_EQ(f.conn.state(), conn_state::idle);
    ASSERT_FALSE(f.conn.send_request(get()));
    EXPECT_EQ(f.conn.state(), conn_state::sending_head);
    const htpx::bytes_view out = f.conn.pending_output();
    ASSERT_EQ(out.str(), "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
    f.conn.consume_output(4);  // a partial send keeps the rest queued
    EXPECT_EQ(f.conn.state(), conn_state::sending_head);
    EXPECT_EQ(f.conn.pending_output().str(), "/x HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(f.drain(), "/x HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(f.conn.state(), conn_state::awaiting_head);
    EXPECT_FALSE(f.conn.response_started());
    EXPECT_EQ(f.receive("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), "head 200;body hello;end;");
    EXPECT_TRUE(f.conn.response_started());
    EXPECT_EQ(f.conn.state(), conn_state::done);
    ASSERT_FALSE(f.conn.recycle());
  }
}

TEST(Connection, RefusesASecondRequestInFlight) {
  fixture f;
  ASSERT_FALSE(f.conn.send_request(get()));
  const htpx::error busy = f.conn.send_request(get());
  EXPECT_EQ(busy.code, htpx::errc::local_protocol_error);
  EXPECT_EQ(f.conn.state(), conn_state::sending_head);
}

TEST(Connection, InvalidRequestHeadLeavesTheConnectionIdle) {
  fixture f;
  htpx::h1::request_head head = get();
  head.target = "/a\r\nX: y";
  EXPECT_EQ(f.conn.send_request(head).code, htpx::errc::local_protocol_error);
  EXPECT_EQ(f.conn.state(), conn_state::idle);
  EXPECT_TRUE(f.conn.pending_output().empty());
}

TEST(Connection, ReuseIsRefusedWhenTheServerSaysSo) {
  const char* const responses[] = {
      "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA",  // bytes after the response
  };
  for (const char* response : responses) {
    fixture f;
    ASSERT_FALSE(f.conn.send_request(get()));
    f.drain();
    f.receive(response);
    EXPECT_EQ(f.conn.state(), conn_state::must_close) << response;
    EXPECT_TRUE(f.conn.recycle()) << response;
  }
  fixture f;
  ASSERT_FALSE(f.conn.send_request(get()));
  f.drain();
  EXPECT_EQ(f.receive("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"), "head 200;end;");
  EXPECT_EQ(f.conn.state(), conn_state::done);
}

// Blank lines after a response are harmless (RFC 9112 §9.2): the connection is reusable
// whether they arrive with the response or later.
TEST(Connection, BlankLinesAfterAResponseDoNotPreventReuse) {
  for (const bool same_read : {true, false}) {
    fixture f;
    ASSERT_FALSE(f.conn.send_request(get()));
    f.drain();
    const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    if (same_read) {
      EXPECT_EQ(f.receive(response + "\r\n"), "head 200;end;");
    } else {
      EXPECT_EQ(f.receive(response), "head 200;end;");
      EXPECT_EQ(f.receive("\r\n"), "");
    }
    EXPECT_EQ(f.conn.state(), conn_state::done) << same_read;
    EXPECT_FALSE(f.conn.recycle()) << same_read;
  }
}

TEST(Connection, CloseDelimitedBodyEndsAtEofAndIsNotReused) {
  fixture f;
  ASSERT_FALSE(f.conn.send_request(get()));
  f.drain();
  EXPECT_EQ(f.receive("HTTP/1.1 200 OK\r\n\r\nuntil close", true), "head 200;body until close;end;");
  EXPECT_EQ(f.conn.state(), conn_state::must_close);
  f.conn.close();
  EXPECT_EQ(f.conn.state(), conn_state::closed);
}

TEST(Connection, EofMidBodyIsARemoteProtocolError) {
  fixture f;
  ASSERT_FALSE(f.conn.send_request(get()));
  f.drain();
  EXPECT_EQ(f.receive("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", true),
            "head 200;body half;failed EOF in body;");
  EXPECT_EQ(f.conn.state(), conn_state::failed);
  EXPECT_EQ(f.conn.failure().code, htpx::errc::remote_protocol_error);
}

TEST(Connection, EofBeforeAnyByteSaysNothingWasSent) {
  fixture f;
  ASSERT_FALSE(f.conn.send_request(get()));
  f.drain();
  EXPECT_EQ(f.receive("\r\n", true), "failed EOF before response;");
  EXPECT_FALSE(f.conn.response_started());
  fixture g;
  ASSERT_FALSE(g.conn.send_request(get()));
  g.drain();
  EXPECT_EQ(g.receive("HTTP/1.1 2"), "");
  EXPECT_TRUE(g.conn.response_started());
}

TEST(Connection, HeadRequestHasNoBodyWhateverTheFieldsSay) {
  fixture f;
  ASSERT_FALSE(f.conn.send_request(get("HEAD")));
  f.drain();
  EXPECT_EQ(f.receive("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"), "head 200;end;");
  EXPECT_EQ(f.conn.state(), conn_state::done);
}

TEST(Connection, InformationalResponsesAreReportedThenSkipped) {
  fixture f;
  ASSERT_FALSE(f.conn.send_request(get()));
  f.drain();
  EXPECT_EQ(f.receive("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                      "HTTP/1.1 204 No Content\r\n\r\n"),
            "1xx 100;1xx 103;head 204;end;");
}

TEST(Connection, ContentLengthBodyIsFramedAndChecked) {
  fixture f;
  htpx::h1::request_head head = get("POST");
  head.framing = body_framing::content_length;
  head.content_length = 11;
  ASSERT_FALSE(f.conn.send_request(head));
  const htpx::result<std::size_t> first = f.conn.write_body(bytes("hello "));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.value(), 6u);
  EXPECT_EQ(f.conn.finish_body().code, htpx::errc::local_protocol_error);  // 5 bytes short
  EXPECT_EQ(f.conn.write_body(bytes("world!")).value(), 5u);               // capped at the declared length
  EXPECT_TRUE(f.conn.body_buffer().empty());
  EXPECT_EQ(f.conn.commit_body(1).code, htpx::errc::local_protocol_error);
  EXPECT_FALSE(f.conn.finish_body());
  EXPECT_EQ(f.drain(), "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world");
  EXPECT_EQ(f.conn.state(), conn_state::awaiting_head);
}

// Streams a body much larger than the transmit buffer with chunked framing, then decodes what
// went out with the chunked decoder: the bytes must round-trip exactly.
TEST(Connection, ChunkedBodyStreamsThroughASmallBuffer) {
  fixture f(256, 64);
  htpx::h1::request_head head = get("PUT");
  head.host = "";
  head.framing = body_framing::chunked;
  ASSERT_FALSE(f.conn.send_request(head));
  std::string body;
  for (int i = 0; i != 700; ++i) body += static_cast<char>('a' + i % 26);
  std::string wire;
  std::size_t sent = 0;
  while (sent != body.size()) {
    const htpx::mutable_bytes space = f.conn.body_buffer();
    if (space.empty()) {
      // Send a few bytes at a time so the buffer has to wrap and compact.
      const htpx::bytes_view pending = f.conn.pending_output();
      ASSERT_FALSE(pending.empty());
      const std::size_t n = pending.size < 7 ? pending.size : 7;
      wire.append(pending.data, n);
      f.conn.consume_output(n);
      continue;
    }
    const std::size_t n = std::min<std::size_t>(space.size, body.size() - sent);
    std::copy(body.begin() + static_cast<std::ptrdiff_t>(sent), body.begin() + static_cast<std::ptrdiff_t>(sent + n),
              space.data);
    ASSERT_FALSE(f.conn.commit_body(n));
    sent += n;
  }
  ASSERT_FALSE(f.conn.finish_body());
  EXPECT_EQ(f.conn.state(), conn_state::sending_body);
  wire += f.drain();
  EXPECT_EQ(f.conn.state(), conn_state::awaiting_head);
  const std::string head_bytes = "PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  ASSERT_EQ(wire.substr(0, head_bytes.size()), head_bytes);
  std::string chunked = wire.substr(head_bytes.size());
  htpx::h1::parser_limits limits;
  htpx::h1::chunked_decoder decoder(limits);
  std::string decoded;
  std::size_t offset = 0;
  for (;;) {
    const htpx::h1::chunk_step step = decoder.decode(chunked.data() + offset, chunked.size() - offset);
    offset += step.consumed;
    ASSERT_NE(step.status, htpx::h1::chunk_status::failed) << decoder.failure().detail;
    if (step.status == htpx::h1::chunk_status::data) decoded.append(step.data.data, step.data.size);
    if (step.status == htpx::h1::chunk_status::end) break;
    ASSERT_NE(step.status, htpx::h1::chunk_status::need_more);
  }
  EXPECT_EQ(decoded, body);
  EXPECT_EQ(offset, chunked.size());
}

TEST(Connection, ZeroLengthCommitDoesNotEndAChunkedBody) {
  fixture f;
  htpx::h1::request_head head = get("POST");
  head.framing = body_framing::chunked;
  ASSERT_FALSE(f.conn.send_request(head));
  ASSERT_FALSE(f.conn.commit_body(0));
  ASSERT_TRUE(f.conn.write_body(bytes("abc")).ok());
  ASSERT_FALSE(f.conn.finish_body());
  const std::string wire = f.drain();
  // About 200 bytes were free, so the size is written as two zero-padded hex digits.
  EXPECT_EQ(wire.substr(wire.find("\r\n\r\n") + 4), "03\r\nabc\r\n0\r\n\r\n");
}

// The application stops consuming: the receive buffer fills and the connection asks for no
// more bytes; consuming events frees room again. A body of any size passes through.
TEST(Connection, BackpressureStopsReadingUntilEventsAreConsumed) {
  fixture f(64, 256);
  ASSERT_FALSE(f.conn.send_request(get()));
  f.drain();
  std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n";
  std::string body;
  for (int i = 0; i != 5000; ++i) body += static_cast<char>('0' + i % 10);
  response += body;
  std::size_t fed = 0;
  std::string received;
  int pauses = 0;
  bool ended = false;
  while (!ended) {
    htpx::mutable_bytes space = f.conn.receive_buffer();
    // Fill until the connection refuses more, without consuming events.
    while (!space.empty() && fed != response.size()) {
      const std::size_t n = std::min(space.size, response.size() - fed);
      std::copy(response.begin() + static_cast<std::ptrdiff_t>(fed),
                response.begin() + static_cast<std::ptrdiff_t>(fed + n), space.data);
      f.conn.commit_received(n);
      fed += n;
      space = f.conn.receive_buffer();
    }
    if (space.empty()) ++pauses;
    for (event ev = f.conn.next_event(); ev.type != event_type::need_more; ev = f.conn.next_event()) {
      ASSERT_NE(ev.type, event_type::failed) << ev.failure.detail;
      if (ev.type == event_type::body) received.append(ev.body.data, ev.body.size);
      if (ev.type == event_type::end) {
        ended = true;
        break;
      }
    }
  }
  EXPECT_EQ(received, body);
  EXPECT_GT(pauses, 50);
  EXPECT_EQ(f.conn.state(), conn_state::done);
}

TEST(Connection, HeadLargerThanTheReceiveBufferFails) {
  fixture f(64, 256);
  ASSERT_FALSE(f.conn.send_request(get()));
  f.drain();
  EXPECT_EQ(f.receive("HTTP/1.1 200 OK\r\nX-Long: " + std::string(100, 'v') + "\r\n\r\n"),
            "failed head over rx buffer;");
  EXPECT_EQ(f.conn.state(), conn_state::failed);
  EXPECT_TRUE(f.conn.receive_buffer().empty());
}

// RFC 9112 §9.5: a server may answer (413, 401) before the body is sent. The answer is reported
// and the connection, with half a request on it, is never reused.
TEST(Connection, EarlyResponseStopsTheUploadAndPreventsReuse) {
  fixture f;
  htpx::h1::request_head head = get("POST");
  head.framing = body_framing::content_length;
  head.content_length = 100000;
  ASSERT_FALSE(f.conn.send_request(head));
  ASSERT_TRUE(f.conn.write_body(bytes(std::string(100, 'x'))).ok());
  f.drain();
  EXPECT_EQ(f.conn.state(), conn_state::sending_body);
  EXPECT_EQ(f.receive("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n\r\nbig!"), "head 413;body big!;end;");
  EXPECT_EQ(f.conn.state(), conn_state::must_close);
  EXPECT_TRUE(f.conn.pending_output().empty());
  EXPECT_TRUE(f.conn.body_buffer().empty());
}

TEST(Connection, DataWithNoRequestInFlightPoisonsTheConnection) {
  fixture f;
  EXPECT_EQ(f.receive("\r\n\r\n"), "");  // blank lines are harmless (RFC 9112 §9.2)
  EXPECT_EQ(f.conn.state(), conn_state::idle);
  EXPECT_EQ(f.receive("HTTP/1.1 408 Request Timeout\r\n\r\n"), "failed data while idle;");
  EXPECT_EQ(f.conn.state(), conn_state::failed);

  fixture g;
  ASSERT_FALSE(g.conn.send_request(get()));
  g.drain();
  g.receive("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(g.conn.state(), conn_state::done);
  const htpx::mutable_bytes space = g.conn.receive_buffer();
  space.data[0] = 'X';
  g.conn.commit_received(1);
  EXPECT_EQ(g.conn.recycle().code, htpx::errc::remote_protocol_error);
  EXPECT_EQ(g.conn.state(), conn_state::failed);
}

TEST(Connection, ServerClosingAnIdleConnectionIsNoticed) {
  fixture f;
  ASSERT_FALSE(f.conn.send_request(get()));
  f.drain();
  f.receive("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  ASSERT_FALSE(f.conn.recycle());
  f.conn.receive_eof();
  EXPECT_EQ(f.conn.next_event().type, event_type::need_more);
  EXPECT_EQ(f.conn.state(), conn_state::closed);
  EXPECT_EQ(f.conn.send_request(get()).code, htpx::errc::local_protocol_error);
  f.conn.reset();
  EXPECT_EQ(f.conn.state(), conn_state::idle);
  EXPECT_FALSE(f.conn.send_request(get()));
}

// RFC 9112 §3.2.3: CONNECT takes the authority-form target (host:port); §6.3 rule 2: a 2xx to
// it opens a tunnel right after the head. The bytes after the head are the tunnel's.
htpx::h1::request_head connect(std::string_view authority = "example.test:443") {
  htpx::h1::request_head head;
  head.method = "CONNECT";
  head.target = authority;
  head.host = authority;
  return head;
}

TEST(Connection, ConnectTwoHundredOpensATunnelAndKeepsItsBytes) {
  fixture f;
  ASSERT_FALSE(f.conn.send_request(connect()));
  EXPECT_EQ(f.drain(), "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n");
  const std::string_view head = "HTTP/1.1 200 Connection established\r\nContent-Length: 9\r\n\r\n";
  const std::string_view tunnel = "\x16\x03\x01HTTP/1.1 200 OK\r\n\r\n";
  const htpx::mutable_bytes space = f.conn.receive_buffer();
  ASSERT_GE(space.size, head.size() + tunnel.size());
  std::copy(head.begin(), head.end(), space.data);
  std::copy(tunnel.begin(), tunnel.end(), space.data + head.size());
  f.conn.commit_received(head.size() + tunnel.size());

  const event ev = f.conn.next_event();
  ASSERT_EQ(ev.type, event_type::head);
  EXPECT_EQ(ev.head.status_code, 200);
  EXPECT_TRUE(ev.head.tunnel);
  EXPECT_EQ(ev.head.body, htpx::h1::body_kind::none);
  EXPECT_FALSE(ev.head.keep_alive);
  EXPECT_EQ(f.conn.next_event().type, event_type::end);  // at once: no body to wait for
  EXPECT_EQ(f.conn.state(), conn_state::must_close);
  // The tunnel's bytes are neither parsed nor an error, however often the caller asks.
  for (int i = 0; i != 3; ++i) {
    EXPECT_EQ(f.conn.next_event().type, event_type::need_more);
    EXPECT_EQ(f.conn.state(), conn_state::must_close);
    EXPECT_EQ(f.conn.unparsed().str(), tunnel);
  }
  EXPECT_EQ(f.conn.recycle().code, htpx::errc::local_protocol_error);
  EXPECT_EQ(f.conn.send_request(get()).code, htpx::errc::local_protocol_error);
  EXPECT_EQ(f.conn.unparsed().str(), tunnel);
  // The caller takes the transport over; reset() readies the object for the tunneled exchange.
  f.conn.reset();
  EXPECT_EQ(f.conn.state(), conn_state::idle);
  EXPECT_TRUE(f.conn.unparsed().empty());
  ASSERT_FALSE(f.conn.send_request(get()));
  f.drain();
  EXPECT_EQ(f.receive("HTTP/1.1 200 OK\r\n\r\nabc", true), "head 200;body abc;end;");
}

TEST(Connection, ConnectTunnelThenEofCloses) {
  fixture f;
  ASSERT_FALSE(f.conn.send_request(connect()));
  f.drain();
  EXPECT_EQ(f.receive("HTTP/1.1 200 OK\r\n\r\nxy", true), "head 200;end;");
  EXPECT_EQ(f.conn.next_event().type, event_type::need_more);
  EXPECT_EQ(f.conn.state(), conn_state::closed);
  EXPECT_EQ(f.conn.unparsed().str(), "xy");
}

TEST(Connection, ConnectRefusalIsFramedAsUsualAndReusable) {
  fixture f;
  ASSERT_FALSE(f.conn.send_request(connect()));
  f.drain();
  EXPECT_EQ(f.receive("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 4\r\n\r\ndeny"),
            "head 407;body deny;end;");
  EXPECT_EQ(f.conn.state(), conn_state::done);
  ASSERT_FALSE(f.conn.recycle());
  ASSERT_FALSE(f.conn.send_request(connect()));
  f.drain();
  EXPECT_EQ(f.receive("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"), "1xx 100;head 204;end;");
  EXPECT_EQ(f.conn.state(), conn_state::must_close);
}

TEST(Connection, OnlyTheExactMethodConnectOpensATunnel) {
  // Methods are case-sensitive (RFC 9110 §9.1): "connect" is another method, and its 200
  // without framing is a close-delimited body.
  fixture f;
  htpx::h1::request_head head = connect();
  head.method = "connect";
  ASSERT_FALSE(f.conn.send_request(head));
  f.drain();
  EXPECT_EQ(f.receive("HTTP/1.1 200 OK\r\n\r\nabc", true), "head 200;body abc;end;");
}

TEST(Connection, ParserResetKeepsTheHeadOnlyForm) {
  // reset(bool) as before: HEAD only; reset() is neither HEAD nor CONNECT.
  const htpx::h1::parser_limits limits;
  htpx::h1::response_parser parser(limits);
  char bytes[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n";
  parser.reset(true);
  htpx::h1::parse_step step = parser.parse(bytes, sizeof bytes - 1);
  ASSERT_EQ(step.ev.type, event_type::head);
  EXPECT_EQ(step.ev.head.body, htpx::h1::body_kind::none);
  EXPECT_FALSE(step.ev.head.tunnel);
  EXPECT_FALSE(parser.tunnel());
  parser.reset();
  step = parser.parse(bytes, sizeof bytes - 1);
  ASSERT_EQ(step.ev.type, event_type::head);
  EXPECT_EQ(step.ev.head.body, htpx::h1::body_kind::content_length);
  parser.reset(false, true);
  step = parser.parse(bytes, sizeof bytes - 1);
  ASSERT_EQ(step.ev.type, event_type::head);
  EXPECT_TRUE(step.ev.head.tunnel);
  EXPECT_TRUE(parser.tunnel());
  EXPECT_EQ(parser.parse(bytes, 0).ev.type, event_type::end);
}

TEST(Connection, StateFitsTheEmbeddedBudget) {
  // The target is 128 bytes beyond the caller's buffers on 32-bit targets; `make size` checks
  // it for Cortex-M4. On a 64-bit host the 7 pointers are wider and alignment adds padding
  // (168 bytes today): this guards against growth between the Cortex-M4 checks.
  EXPECT_LE(sizeof(htpx::h1::connection), sizeof(void*) == 4 ? 128u : 168u);
}

}  // namespace
