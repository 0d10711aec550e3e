// Fuzz target body for htpx::h1::connection, shared by the libFuzzer entry point
// (fuzz_connection.cpp) and the corpus replay test (tests/unit/test_fuzz_corpus.cpp).
//
// Input: 8 option bytes, then (when flags bit 7 is set) a caller header field as a length
// byte and a name, a length byte and a value, then the server's bytes.
//   [0] flags: bits 0-2 method (7: CONNECT to the authority), bits 3-4 body framing (none,
//       Content-Length, chunked, none),
//       bit 5 interleave (server bytes may arrive while the request is still going out),
//       bit 6 small limits, bit 7 a caller header with a fuzzed name and value
//   [1] buffers: bits 0-2 receive buffer size, bits 3-5 transmit buffer size,
//       bit 6 alternate write_body() with body_buffer()/commit_body() for the body,
//       bit 7 after a recycle, deliver the next slice (or EOF) to the idle connection first
//   [2] body length / 4      [3] split plan of the server's bytes      [4] seed, limits
//   [5] bytes the transport takes per send (0: all)   [6] body bytes per write (0: all)
//   [7] caller: bit 0 produce body bytes before sending pending output (a full transmit
//       buffer), bit 1 probe API misuse (each must be refused without a state change),
//       bit 2 with buffers bit 7: deliver the bytes before recycle() rather than after
// A whole exchange runs: send the request, feed the server's bytes in slices with EOF at the
// end, consume events until end or failed; on a reusable end, recycle and run the next
// exchange on the remaining bytes. Checked throughout: every state change is a transition of
// the table, buffers and views stay inside the caller's buffers, events follow the response
// grammar, a well-behaved caller never sees LocalProtocolError, the bytes sent are a valid
// request carrying the body written, and the loop always makes progress and terminates.
// write_request_head() is also checked alone: every framing, Content-Length of every width,
// exact-fit sizing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "htpx/h1/chunked_decoder.hpp"
#include "htpx/h1/connection.hpp"

namespace htpx_fuzz::connection {

using htpx::h1::body_framing;
using htpx::h1::body_kind;
using htpx::h1::conn_state;
using htpx::h1::event_type;

inline constexpr std::string_view methods[8] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT"};
inline constexpr std::size_t rx_sizes[8] = {8, 32, 64, 128, 256, 1024, 4096, 16384};
// The request heads are 75 to 110 bytes: the small sizes test refusal and tight framing.
inline constexpr std::size_t tx_sizes[8] = {100, 108, 112, 128, 160, 256, 1024, 4096};

/// Returns true when some input of the table takes `from` to `to`.
inline bool legal_transition(conn_state from, conn_state to) {
  if (from == to) return true;
  for (int i = 0; i != htpx::h1::conn_input_count; ++i) {
    const auto input = static_cast<htpx::h1::conn_input>(i);
    if (htpx::h1::transition_defined(from, input) && htpx::h1::next_state(from, input) == to) return true;
  }
  return false;
}

/// Watches the connection's state between calls.
class state_watch {
 public:
  explicit state_watch(const htpx::h1::connection& c) : c_(c), last_(c.state()) {}
  /// Checks the state after a call and returns it.
  conn_state check() {
    const conn_state now = c_.state();
    HTPX_FUZZ_CHECK(static_cast<int>(now) < htpx::h1::conn_state_count);
    HTPX_FUZZ_CHECK(legal_transition(last_, now));
    if (now == conn_state::failed) HTPX_FUZZ_CHECK(c_.failure().code != htpx::errc::none);
    if (now != last_ && now == conn_state::awaiting_head) reached_awaiting_ = true;
    last_ = now;
    return now;
  }
  bool reached_awaiting() const { return reached_awaiting_; }
  void new_exchange() { reached_awaiting_ = false; }

 private:
  const htpx::h1::connection& c_;
  conn_state last_;
  bool reached_awaiting_ = false;
};

inline char body_byte(std::size_t i) { return static_cast<char>('a' + i % 26); }

/// Checks the bytes the connection sent for one request: a head that names our method,
/// target and Host, then exactly the body written, framed as declared.
inline void check_sent_request(const std::string& sent, const htpx::h1::request_head& head, std::size_t body_len,
                               bool custom_host) {
  const std::size_t head_end = sent.find("\r\n\r\n");
  HTPX_FUZZ_CHECK(head_end != std::string::npos);
  const std::string_view h{sent.data(), head_end + 4};
  const std::string start = std::string(head.method) + " " + std::string(head.target) + " HTTP/1.1\r\n";
  HTPX_FUZZ_CHECK(h.substr(0, start.size()) == start);
  if (!custom_host) HTPX_FUZZ_CHECK(h.find("\r\nHost: " + std::string(head.host) + "\r\n") != std::string_view::npos);
  // Every caller field is there, in order, as a line of its own.
  std::size_t at = 0;
  for (std::size_t i = 0; i != head.header_count; ++i) {
    const std::string line =
        "\r\n" + std::string(head.headers[i].name) + ": " + std::string(head.headers[i].value) + "\r\n";
    at = h.find(line, at);
    HTPX_FUZZ_CHECK(at != std::string_view::npos);
    at += line.size() - 2;
  }
  // Nothing but CRLF line ends: no caller byte split a line (catalogue H1-28).
  for (std::size_t i = 0; i != h.size(); ++i) {
    if (h[i] == '\r') HTPX_FUZZ_CHECK(i + 1 < h.size() && h[i + 1] == '\n');
    if (h[i] == '\n') HTPX_FUZZ_CHECK(i != 0 && h[i - 1] == '\r');
  }
  std::string expected_body;
  for (std::size_t i = 0; i != body_len; ++i) expected_body += body_byte(i);
  std::string rest = sent.substr(head_end + 4);
  switch (head.framing) {
    case body_framing::none:
      HTPX_FUZZ_CHECK(h.find("\r\nContent-Length:") == std::string_view::npos);
      HTPX_FUZZ_CHECK(h.find("\r\nTransfer-Encoding:") == std::string_view::npos);
      HTPX_FUZZ_CHECK(rest.empty());
      break;
    case body_framing::content_length:
      HTPX_FUZZ_CHECK(h.find("\r\nContent-Length: " + std::to_string(body_len) + "\r\n") != std::string_view::npos);
      HTPX_FUZZ_CHECK(rest == expected_body);
      break;
    case body_framing::chunked: {
      HTPX_FUZZ_CHECK(h.find("\r\nTransfer-Encoding: chunked\r\n") != std::string_view::npos);
      // Our own decoder must read our own encoder's output back exactly.
      const htpx::h1::parser_limits limits;
      htpx::h1::chunked_decoder decoder(limits);
      std::string payload;
      std::size_t used = 0;
      for (int guard = 0; guard != 1 << 20; ++guard) {
        const htpx::h1::chunk_step step = decoder.decode(&rest[used], rest.size() - used);
        used += step.consumed;
        if (step.status == htpx::h1::chunk_status::data) payload.append(step.data.data, step.data.size);
        if (step.status != htpx::h1::chunk_status::data) {
          HTPX_FUZZ_CHECK(step.status == htpx::h1::chunk_status::end);
          break;
        }
      }
      HTPX_FUZZ_CHECK(used == rest.size());
      HTPX_FUZZ_CHECK(payload == expected_body);
      break;
    }
  }
}

/// Checks write_request_head() alone: every framing and Content-Length values of every width
/// (against std::to_string), and exact sizing: the head fits a buffer of exactly its size, and
/// one byte less is refused with nothing written (the buffers are exact heap blocks, so ASan
/// sees any byte written past them).
inline void check_writer(htpx::h1::request_head head, bool valid, std::uint64_t random) {
  // A boundary (digit-count changes, 32-bit edges, the maximum) and a value of any width.
  static constexpr std::uint64_t boundaries[] = {
      0, 9, 10, 99, 4294967295u, 4294967296u, 9999999999999999999u, ~std::uint64_t{0}};
  const std::uint64_t lengths[] = {boundaries[random % 8u], random >> (random & 63u)};
  for (int framing = 0; framing != 3; ++framing) {
    head.framing = static_cast<body_framing>(framing);
    for (const std::uint64_t length : lengths) {
      head.content_length = length;
      std::vector<char> big(2048);
      const htpx::result<std::size_t> written = htpx::h1::write_request_head({big.data(), big.size()}, head);
      HTPX_FUZZ_CHECK(written.ok() == valid);
      if (!written.ok()) {
        HTPX_FUZZ_CHECK(written.err().code == htpx::errc::local_protocol_error);
        return;
      }
      const std::string_view text{big.data(), written.value()};
      HTPX_FUZZ_CHECK(text.size() >= 4 && text.substr(text.size() - 4) == "\r\n\r\n");
      if (head.framing == body_framing::content_length) {
        const std::string field = "\r\nContent-Length: " + std::to_string(length) + "\r\n";
        HTPX_FUZZ_CHECK(text.find(field) != std::string_view::npos);
      }
      std::vector<char> exact(written.value());
      const htpx::result<std::size_t> again = htpx::h1::write_request_head({exact.data(), exact.size()}, head);
      HTPX_FUZZ_CHECK(again.ok() && again.value() == written.value());
      HTPX_FUZZ_CHECK(std::string_view(exact.data(), exact.size()) == text);
      std::vector<char> short_by_one(written.value() - 1, '#');
      const htpx::result<std::size_t> refused =
          htpx::h1::write_request_head({short_by_one.data(), short_by_one.size()}, head);
      HTPX_FUZZ_CHECK(!refused.ok() && refused.err().code == htpx::errc::local_protocol_error);
      HTPX_FUZZ_CHECK(std::string(short_by_one.data(), short_by_one.size()) == std::string(short_by_one.size(), '#'));
      if (head.framing != body_framing::content_length) break;  // the length is not written
    }
  }
}

struct options {
  htpx::h1::request_head head;
  htpx::h1::parser_limits limits;
  std::size_t body_len = 0;
  bool interleave = false;
  bool use_write_body = false;
  std::size_t rx_size = 0;
  std::size_t tx_size = 0;
  std::size_t send_slice = 0;  // 0: all pending output at once
  std::size_t body_slice = 0;  // 0: as much as fits
  bool idle_gap = false;
  bool body_first = false;
  bool probe_misuse = false;
  bool gap_before_recycle = false;
  bool custom_header_valid = true;
  bool custom_host = false;  // the caller's header is Host, so no Host is added
};

/// Calls that a caller must not make now: each is refused with LocalProtocolError and changes
/// neither the state nor the queued output.
inline void probe(htpx::h1::connection& c, state_watch& watch, const options& opt) {
  const conn_state st = c.state();
  const std::size_t queued = c.pending_output().size;
  HTPX_FUZZ_CHECK(c.send_request(opt.head).code == htpx::errc::local_protocol_error);
  HTPX_FUZZ_CHECK(c.recycle().code == htpx::errc::local_protocol_error);
  if (opt.head.framing == body_framing::content_length) {
    // Ending a Content-Length body early would desynchronise the server.
    HTPX_FUZZ_CHECK(c.finish_body().code == htpx::errc::local_protocol_error);
  }
  HTPX_FUZZ_CHECK(watch.check() == st);
  HTPX_FUZZ_CHECK(c.pending_output().size == queued);
  HTPX_FUZZ_CHECK(c.failure().code == htpx::errc::none);
}

/// Runs exchanges over `server` until the bytes run out, the connection fails or must close.
inline void run(const options& opt, std::string_view server, split_plan plan) {
  std::vector<char> rx(opt.rx_size);
  std::vector<char> tx(opt.tx_size);
  htpx::h1::connection c({rx.data(), rx.size()}, {tx.data(), tx.size()}, opt.limits);
  state_watch watch(c);
  HTPX_FUZZ_CHECK(watch.check() == conn_state::idle);

  std::size_t fed = 0;
  bool eof_sent = false;
  std::size_t budget = 4096 + 64 * (server.size() + opt.body_len);
  for (int exchange = 0; exchange != 4; ++exchange) {
    watch.new_exchange();
    const htpx::error sent_error = c.send_request(opt.head);
    watch.check();
    if (sent_error) {
      // Only an invalid caller header or a head too big for the transmit buffer is refused.
      HTPX_FUZZ_CHECK(sent_error.code == htpx::errc::local_protocol_error);
      HTPX_FUZZ_CHECK(c.state() == conn_state::idle);
      return;
    }
    HTPX_FUZZ_CHECK(opt.custom_header_valid);
    HTPX_FUZZ_CHECK(c.state() == conn_state::sending_head);
    HTPX_FUZZ_CHECK(!c.response_started());

    std::string sent;
    std::size_t body_written = 0;
    bool body_finished = opt.head.framing == body_framing::none;  // finish_body() done (or not needed)
    const auto request_complete = [&] {
      return body_written == opt.body_len && (opt.head.framing != body_framing::chunked || body_finished);
    };
    bool head_seen = false;
    bool tunnel = false;
    bool trailers_seen = false;
    body_kind kind = body_kind::none;
    std::uint64_t content_length = 0;
    std::uint64_t delivered = 0;
    bool ended = false;
    bool failed = false;
    std::size_t write_count = 0;

    while (!ended && !failed) {
      HTPX_FUZZ_CHECK(budget-- != 0);
      bool progress = false;
      const conn_state st = c.state();
      const bool sending = st == conn_state::sending_head || st == conn_state::sending_body;

      // ---- the transport takes request bytes ----
      const auto send_some = [&] {
        const htpx::bytes_view out = c.pending_output();
        HTPX_FUZZ_CHECK(within(tx.data(), tx.size(), out.data, out.size));
        if (out.empty()) return false;
        HTPX_FUZZ_CHECK(sending);
        const std::size_t take = opt.send_slice == 0 || opt.send_slice > out.size ? out.size : opt.send_slice;
        sent.append(out.data, take);
        c.consume_output(take);
        watch.check();
        return true;
      };
      // ---- the application produces body bytes ----
      const auto produce_some = [&] {
        if (!sending || request_complete()) return false;
        const std::size_t left = opt.body_len - body_written;
        if (left == 0) {
          const htpx::error e = c.finish_body();
          watch.check();
          HTPX_FUZZ_CHECK(!e);
          body_finished = true;
          return true;
        }
        if (opt.probe_misuse) probe(c, watch, opt);
        std::size_t want = opt.body_slice == 0 || opt.body_slice > left ? left : opt.body_slice;
        bool produced = false;
        if (opt.use_write_body && (write_count++ & 1u) == 0) {
          std::string chunk;
          for (std::size_t i = 0; i != want; ++i) chunk += body_byte(body_written + i);
          const htpx::result<std::size_t> r = c.write_body({chunk.data(), chunk.size()});
          watch.check();
          HTPX_FUZZ_CHECK(r.ok());
          HTPX_FUZZ_CHECK(r.value() <= want);
          body_written += r.value();
          produced = r.value() != 0;
        } else {
          const htpx::mutable_bytes space = c.body_buffer();
          watch.check();
          HTPX_FUZZ_CHECK(within(tx.data(), tx.size(), space.data, space.size));
          // The space never overlaps bytes still waiting for the transport.
          const htpx::bytes_view waiting = c.pending_output();
          HTPX_FUZZ_CHECK(space.size == 0 || waiting.size == 0 || space.data >= waiting.data + waiting.size ||
                          space.data + space.size <= waiting.data);
          if (opt.probe_misuse) {
            // More than body_buffer() offered is refused, and nothing is queued.
            const std::size_t before = waiting.size;
            HTPX_FUZZ_CHECK(c.commit_body(space.size + 1).code == htpx::errc::local_protocol_error);
            HTPX_FUZZ_CHECK(watch.check() == st && c.pending_output().size == before);
          }
          if (want > space.size) want = space.size;
          for (std::size_t i = 0; i != want; ++i) space.data[i] = body_byte(body_written + i);
          const htpx::error e = c.commit_body(want);
          watch.check();
          HTPX_FUZZ_CHECK(!e);
          body_written += want;
          produced = want != 0;
        }
        if (opt.head.framing == body_framing::content_length && body_written == opt.body_len) {
          // Every declared byte is queued: finishing the body is then a no-op.
          HTPX_FUZZ_CHECK(!c.finish_body());
          watch.check();
          body_finished = true;
        }
        return produced;
      };
      if (!sending) HTPX_FUZZ_CHECK(c.pending_output().empty());
      if (opt.body_first) {
        progress = produce_some();
        progress = send_some() || progress;
      } else {
        progress = send_some() || produce_some();
      }
      if (watch.reached_awaiting() && sent.size() != 0 && c.pending_output().empty() && !head_seen) {
        // The request is out: it must be exactly what we asked for.
        HTPX_FUZZ_CHECK(request_complete());
        check_sent_request(sent, opt.head, opt.body_len, opt.custom_host);
        sent.clear();
      }

      // ---- the transport delivers response bytes ----
      const conn_state now = c.state();
      const bool may_receive = opt.interleave || !(now == conn_state::sending_head || now == conn_state::sending_body);
      if (may_receive) {
        if (fed < server.size()) {
          const htpx::mutable_bytes space = c.receive_buffer();
          watch.check();
          HTPX_FUZZ_CHECK(within(rx.data(), rx.size(), space.data, space.size));
          if (space.size != 0) {
            std::size_t n = plan.next(server.size() - fed);
            if (n > space.size) n = space.size;
            std::memcpy(space.data, server.data() + fed, n);
            c.commit_received(n);
            watch.check();
            fed += n;
            progress = true;
          }
        } else if (!eof_sent) {
          c.receive_eof();
          watch.check();
          eof_sent = true;
          progress = true;
        }

        // ---- the application consumes events ----
        for (;;) {
          HTPX_FUZZ_CHECK(budget-- != 0);
          const htpx::h1::event ev = c.next_event();
          const conn_state after = watch.check();
          if (ev.type == event_type::need_more) {
            // After EOF the response must be settled at once: there is nothing left to wait for.
            HTPX_FUZZ_CHECK(!eof_sent);
            break;
          }
          progress = true;
          // Parsed response bytes (not just blank lines) mean a retry is no longer safe.
          if (ev.type != event_type::failed) HTPX_FUZZ_CHECK(c.response_started());
          switch (ev.type) {
            case event_type::informational:
              HTPX_FUZZ_CHECK(!head_seen);
              HTPX_FUZZ_CHECK(ev.head.status_code >= 100 && ev.head.status_code <= 199);
              (void)check_fields(ev.head.headers, rx.data(), rx.size());
              HTPX_FUZZ_CHECK(within(rx.data(), rx.size(), ev.head.reason));
              break;
            case event_type::head:
              HTPX_FUZZ_CHECK(!head_seen);
              HTPX_FUZZ_CHECK((ev.head.status_code < 100 || ev.head.status_code >= 200) && ev.head.status_code <= 999);
              (void)check_fields(ev.head.headers, rx.data(), rx.size());
              HTPX_FUZZ_CHECK(within(rx.data(), rx.size(), ev.head.reason));
              if (opt.head.method == "HEAD") HTPX_FUZZ_CHECK(ev.head.body == body_kind::none);
              // RFC 9112 §6.3 rule 2: a 2xx to CONNECT opens a tunnel after the head.
              tunnel = opt.head.method == "CONNECT" && ev.head.status_code >= 200 && ev.head.status_code <= 299;
              HTPX_FUZZ_CHECK(ev.head.tunnel == tunnel);
              if (tunnel) HTPX_FUZZ_CHECK(ev.head.body == body_kind::none && !ev.head.keep_alive);
              HTPX_FUZZ_CHECK(after == conn_state::receiving_body);
              head_seen = true;
              kind = ev.head.body;
              content_length = ev.head.content_length;
              break;
            case event_type::body:
              HTPX_FUZZ_CHECK(head_seen && kind != body_kind::none && !trailers_seen);
              HTPX_FUZZ_CHECK(ev.body.size != 0);
              HTPX_FUZZ_CHECK(within(rx.data(), rx.size(), ev.body.data, ev.body.size));
              delivered += ev.body.size;
              if (kind == body_kind::content_length) HTPX_FUZZ_CHECK(delivered <= content_length);
              HTPX_FUZZ_CHECK(after == conn_state::receiving_body);
              break;
            case event_type::trailers:
              HTPX_FUZZ_CHECK(head_seen && kind == body_kind::chunked && !trailers_seen);
              (void)check_fields(ev.trailers, rx.data(), rx.size());
              trailers_seen = true;
              break;
            case event_type::end:
              HTPX_FUZZ_CHECK(head_seen);
              if (kind == body_kind::content_length) HTPX_FUZZ_CHECK(delivered == content_length);
              HTPX_FUZZ_CHECK(after == conn_state::done || after == conn_state::must_close);
              ended = true;
              break;
            case event_type::failed:
              // We are a well-behaved caller: only the server can be at fault.
              HTPX_FUZZ_CHECK(ev.failure.code == htpx::errc::remote_protocol_error);
              HTPX_FUZZ_CHECK(after == conn_state::failed);
              HTPX_FUZZ_CHECK(c.failure().code == ev.failure.code);
              failed = true;
              break;
            case event_type::need_more: break;
          }
          if (ended || failed) break;
        }
      }
      // Something must move in every round, or a real event loop would hang here.
      HTPX_FUZZ_CHECK(progress);
    }

    if (failed) {
      // Failed stays failed: the same error again, no buffer to read into, no new request.
      const htpx::h1::event again = c.next_event();
      watch.check();
      HTPX_FUZZ_CHECK(again.type == event_type::failed && again.failure.code == c.failure().code);
      HTPX_FUZZ_CHECK(c.receive_buffer().empty());
      HTPX_FUZZ_CHECK(c.send_request(opt.head).code == htpx::errc::local_protocol_error);
      HTPX_FUZZ_CHECK(watch.check() == conn_state::failed);
      HTPX_FUZZ_CHECK(c.recycle().code == htpx::errc::local_protocol_error);
      watch.check();
      break;
    }
    if (tunnel) {
      // The bytes after the head are the tunnel's: whatever they are (and however many more
      // arrive), never parsed, dropped or an error; unparsed() holds them, the last ones fed.
      HTPX_FUZZ_CHECK(c.state() == conn_state::must_close);
      for (int round = 0; round != 2; ++round) {
        const htpx::bytes_view rest = c.unparsed();
        HTPX_FUZZ_CHECK(within(rx.data(), rx.size(), rest.data, rest.size) && rest.size <= fed);
        HTPX_FUZZ_CHECK(std::string_view(rest.data, rest.size) == server.substr(fed - rest.size, rest.size));
        HTPX_FUZZ_CHECK(c.next_event().type == event_type::need_more);
        HTPX_FUZZ_CHECK(watch.check() == (eof_sent ? conn_state::closed : conn_state::must_close));
        HTPX_FUZZ_CHECK(c.unparsed().data == rest.data && c.unparsed().size == rest.size);
        if (eof_sent || fed == server.size()) break;
        const htpx::mutable_bytes space = c.receive_buffer();
        watch.check();
        if (space.size == 0) break;
        std::size_t n = plan.next(server.size() - fed);
        if (n > space.size) n = space.size;
        std::memcpy(space.data, server.data() + fed, n);
        c.commit_received(n);
        fed += n;
      }
      HTPX_FUZZ_CHECK(c.recycle().code == htpx::errc::local_protocol_error);
      watch.check();
      break;
    }
    // A response ended. A done connection may be reused only if the server sent nothing more.
    if (c.state() == conn_state::must_close) {
      HTPX_FUZZ_CHECK(c.recycle().code == htpx::errc::local_protocol_error);
      HTPX_FUZZ_CHECK(watch.check() == conn_state::must_close);
      break;
    }
    HTPX_FUZZ_CHECK(c.state() == conn_state::done);
    HTPX_FUZZ_CHECK(request_complete() && c.pending_output().empty());
    HTPX_FUZZ_CHECK(watch.reached_awaiting());

    // Bytes (or EOF) between responses: only blank lines are harmless (RFC 9112 §9.2).
    bool gap_blank = true;
    const auto deliver_gap = [&] {
      if (fed < server.size()) {
        const htpx::mutable_bytes space = c.receive_buffer();
        watch.check();
        HTPX_FUZZ_CHECK(within(rx.data(), rx.size(), space.data, space.size) && space.size != 0);
        std::size_t n = plan.next(server.size() - fed);
        if (n > space.size) n = space.size;
        std::memcpy(space.data, server.data() + fed, n);
        for (std::size_t i = 0; i != n; ++i) gap_blank = gap_blank && (space.data[i] == '\r' || space.data[i] == '\n');
        c.commit_received(n);
        watch.check();
        fed += n;
      } else {
        c.receive_eof();
        watch.check();
        eof_sent = true;
      }
    };
    const bool gap_first = opt.idle_gap && opt.gap_before_recycle;
    if (gap_first) deliver_gap();
    const htpx::error recycled = c.recycle();
    const conn_state after = watch.check();
    if (gap_first) HTPX_FUZZ_CHECK(static_cast<bool>(recycled) == (!gap_blank || eof_sent));
    if (recycled) {
      HTPX_FUZZ_CHECK(recycled.code == htpx::errc::remote_protocol_error);
      HTPX_FUZZ_CHECK(after == conn_state::failed);
      break;
    }
    HTPX_FUZZ_CHECK(after == conn_state::idle);
    HTPX_FUZZ_CHECK(!eof_sent);
    if (opt.idle_gap && !gap_first) {
      deliver_gap();
      const htpx::h1::event ev = c.next_event();
      const conn_state idle_after = watch.check();
      if (!gap_blank) {
        HTPX_FUZZ_CHECK(ev.type == event_type::failed && ev.failure.code == htpx::errc::remote_protocol_error);
        HTPX_FUZZ_CHECK(idle_after == conn_state::failed);
        break;
      }
      HTPX_FUZZ_CHECK(ev.type == event_type::need_more);
      HTPX_FUZZ_CHECK(idle_after == (eof_sent ? conn_state::closed : conn_state::idle));
      if (eof_sent) {
        HTPX_FUZZ_CHECK(c.send_request(opt.head).code == htpx::errc::local_protocol_error);
        watch.check();
        break;
      }
    }
    if (fed == server.size()) break;
  }

  // Closing always works; reset() returns to a fresh idle connection.
  c.close();
  HTPX_FUZZ_CHECK(watch.check() == conn_state::closed);
  HTPX_FUZZ_CHECK(c.receive_buffer().empty());
  HTPX_FUZZ_CHECK(c.next_event().type == event_type::need_more);
  watch.check();
  c.reset();
  HTPX_FUZZ_CHECK(c.state() == conn_state::idle && c.failure().code == htpx::errc::none);
  HTPX_FUZZ_CHECK(c.pending_output().empty());
}

/// The fuzz target: returns 0 (libFuzzer's "keep going"); violations trap.
inline int fuzz_connection_one(const std::uint8_t* data, std::size_t size) {
  input_reader in(data, size);
  const std::uint8_t flags = in.byte();
  const std::uint8_t buffers = in.byte();
  const std::uint8_t body_byte_count = in.byte();
  const std::uint8_t plan_byte = in.byte();
  const std::uint8_t seed = in.byte();
  const std::uint8_t send_slice = in.byte();
  const std::uint8_t body_slice = in.byte();
  const std::uint8_t caller = in.byte();

  options opt;
  opt.head.method = methods[flags & 7u];
  opt.head.host = "example.test:8080";
  // RFC 9112 §3.2.3: CONNECT takes the authority-form target.
  opt.head.target = opt.head.method == "CONNECT" ? opt.head.host : "/fuzz?q=1";
  switch ((flags >> 3u) & 3u) {
    case 1: opt.head.framing = body_framing::content_length; break;
    case 2: opt.head.framing = body_framing::chunked; break;
    default: opt.head.framing = body_framing::none; break;
  }
  opt.body_len = opt.head.framing == body_framing::none ? 0 : std::size_t{body_byte_count} * 4u;
  opt.head.content_length = opt.body_len;
  opt.interleave = (flags & 0x20u) != 0;
  opt.limits = choose_limits((flags & 0x40u) != 0, seed);
  opt.rx_size = rx_sizes[buffers & 7u];
  opt.tx_size = tx_sizes[(buffers >> 3u) & 7u];
  opt.use_write_body = (buffers & 0x40u) != 0;
  opt.idle_gap = (buffers & 0x80u) != 0;
  opt.body_first = (caller & 1u) != 0;
  opt.probe_misuse = (caller & 2u) != 0;
  opt.gap_before_recycle = (caller & 4u) != 0;
  opt.send_slice = send_slice;
  opt.body_slice = body_slice;

  htpx::header fields[2] = {{"User-Agent", "htpx-fuzz"}, {}};
  opt.head.headers = fields;
  opt.head.header_count = 1;
  if ((flags & 0x80u) != 0) {
    fields[1].name = in.take(in.byte());
    fields[1].value = in.take(in.byte());
    opt.head.header_count = 2;
    // RFC 9110 §5.1: the name is a token; the library owns the framing fields (§6.1, §6.2).
    static constexpr std::string_view tchars = "!#$%&'*+-.^_`|~";
    bool token = !fields[1].name.empty();
    for (const char ch : fields[1].name) {
      const auto u = static_cast<unsigned char>(ch);
      const bool alnum = (u >= '0' && u <= '9') || ((u | 0x20u) >= 'a' && (u | 0x20u) <= 'z');
      token = token && (alnum || tchars.find(ch) != std::string_view::npos);
    }
    if (!token || htpx::iequals(fields[1].name, "content-length") ||
        htpx::iequals(fields[1].name, "transfer-encoding")) {
      opt.custom_header_valid = false;
    }
    // RFC 9110 §5.5: a value with CR, LF, NUL or another CTL (HTAB aside) must be refused.
    for (const char ch : fields[1].value) {
      const auto u = static_cast<unsigned char>(ch);
      if ((u < 0x20 && ch != '\t') || u == 0x7f) opt.custom_header_valid = false;
    }
    opt.custom_host = htpx::iequals(fields[1].name, "host");
  }

  const std::string_view server{in.rest(), in.rest_size()};
  std::uint64_t random = 0x9e3779b97f4a7c15u;
  for (std::size_t i = 0; i != size; ++i) random = (random ^ data[i]) * 0x100000001b3u;
  check_writer(opt.head, opt.custom_header_valid, random);
  run(opt, server, split_plan::from_bytes(plan_byte, seed));
  return 0;
}

}  // namespace htpx_fuzz::connection
