// A build without error texts (HTPX_ERROR_TEXTS 0, include/htpx/config.hpp): htpx_core and the
// client compiled that way (tests/CMakeLists.txt) still refuse what they refused, with the same
// errc, and every detail is "" (never null). The field names the engine compares and writes,
// which a build with texts reads out of its fault texts, are its own here: framing must work.
// (make size checks that the texts are out of the image.)
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>

#include "htpx/client.hpp"
#include "htpx/h1/connection.hpp"
#include "htpx/h1/request_writer.hpp"
#include "htpx/url.hpp"

static_assert(HTPX_ERROR_TEXTS == 0, "this test is built without error texts");

namespace {

using htpx::errc;
using htpx::h1::event_type;

// Feeds `response` to a connection that sent a GET and returns its transcript: body bytes, then
// "end" or the failure's errc number and detail in brackets.
std::string exchange(std::string_view response) {
  char rx[512];
  char tx[256];
  const htpx::h1::parser_limits limits{};
  htpx::h1::connection conn({rx, sizeof rx}, {tx, sizeof tx}, limits);
  htpx::h1::request_head head;
  head.host = "device.local";
  if (conn.send_request(head)) return "send_request failed";
  conn.consume_output(conn.pending_output().size);
  const htpx::mutable_bytes space = conn.receive_buffer();
  if (space.size < response.size()) return "response too long for the test";
  std::memcpy(space.data, response.data(), response.size());
  conn.commit_received(response.size());
  conn.receive_eof();
  std::string transcript;
  for (;;) {
    const htpx::h1::event ev = conn.next_event();
    switch (ev.type) {
      case event_type::body: transcript.append(ev.body.data, ev.body.size); break;
      case event_type::end: return transcript + "|end";
      case event_type::failed:
        if (ev.failure.detail == nullptr) return transcript + "|null detail";
        return transcript + "|failed " + std::to_string(static_cast<int>(ev.failure.code)) + " [" + ev.failure.detail +
               "]";
      case event_type::need_more: return transcript + "|need more";
      default: break;
    }
  }
}

std::string code_of(errc code) { return std::to_string(static_cast<int>(code)); }

TEST(NoErrorTexts, ContentLengthAndChunkedFramingStillWork) {
  EXPECT_EQ(exchange("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloTRAILING"), "hello|end");
  EXPECT_EQ(exchange("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"), "hello|end");
}

TEST(NoErrorTexts, FramingFaultsAreRefusedWithAnEmptyDetail) {
  const std::string refused = "|failed " + code_of(errc::remote_protocol_error) + " []";
  EXPECT_EQ(exchange("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"), refused);
  EXPECT_EQ(exchange("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nhello"), refused);
  EXPECT_EQ(exchange("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZ\r\n"), refused);
  EXPECT_EQ(exchange("HTTP/1.1 200 OK\nX: y\r\n\r\n"), refused);
}

TEST(NoErrorTexts, TheWriterStillRefusesFramingFieldsSetByTheCaller) {
  char out[256];
  for (const std::string_view name : {"Content-Length", "transfer-encoding"}) {
    const htpx::header fields[] = {{name, "5"}};
    htpx::h1::request_head head;
    head.host = "device.local";
    head.headers = fields;
    head.header_count = 1;
    const htpx::result<std::size_t> written = htpx::h1::write_request_head({out, sizeof out}, head);
    ASSERT_FALSE(written) << name;
    EXPECT_EQ(written.err().code, errc::local_protocol_error) << name;
    EXPECT_STREQ(written.err().detail, "") << name;
  }
  htpx::h1::request_head chunked;
  chunked.host = "device.local";
  chunked.framing = htpx::h1::body_framing::chunked;
  const htpx::result<std::size_t> written = htpx::h1::write_request_head({out, sizeof out}, chunked);
  ASSERT_TRUE(written);
  EXPECT_NE(std::string_view(out, written.value()).find("\r\nTransfer-Encoding: chunked\r\n"), std::string_view::npos);
}

TEST(NoErrorTexts, UrlErrorsKeepTheirCode) {
  for (const char* bad : {"http://127.1/", "http://host:0/", "http://[::1/", "http://a b/", "no-scheme"}) {
    const htpx::result<htpx::url> parsed = htpx::parse_url(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.err().code, errc::invalid_url) << bad;
    EXPECT_STREQ(parsed.err().detail, "") << bad;
  }
  EXPECT_TRUE(htpx::parse_url("http://127.0.0.1:8080/a?b"));
}

// A transport the client never reaches: start() refuses the request first.
class unused_transport final : public htpx::port::transport {
 public:
  htpx::port::io_result connect(std::string_view, std::uint16_t) noexcept override { return {}; }
  htpx::port::io_result send(htpx::bytes_view) noexcept override { return {}; }
  htpx::port::io_result recv(htpx::mutable_bytes) noexcept override { return {}; }
  void close() noexcept override {}
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return -1; }
};

class still_platform final : public htpx::port::platform {
 public:
  std::uint32_t now_ms() noexcept override { return 0; }
  void wait(htpx::port::wait_entry*, std::size_t, std::uint32_t) noexcept override {}
};

class ignoring_handler final : public htpx::response_handler {
 public:
  htpx::error on_head(const htpx::response&) noexcept override { return {}; }
  htpx::body_ack on_body(htpx::bytes_view data) noexcept override { return {data.size, {}}; }
  void on_complete(htpx::error) noexcept override {}
};

TEST(NoErrorTexts, TheClientRefusesWithTheSameCodes) {
  still_platform platform;
  htpx::client_options options;
  options.trust_env = false;
  htpx::static_client<htpx::default_client_config, unused_transport> client(platform, options);
  ignoring_handler handler;
  htpx::request req;
  req.url = "ftp://device.local/";
  htpx::result<htpx::request_handle> started = client.start(req, handler);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.err().code, errc::unsupported_protocol);
  EXPECT_STREQ(started.err().detail, "");
  req.url = "http://0x7f.1/";
  started = client.start(req, handler);
  ASSERT_FALSE(started);
  EXPECT_EQ(started.err().code, errc::invalid_url);
  EXPECT_STREQ(started.err().detail, "");
}

}  // namespace
