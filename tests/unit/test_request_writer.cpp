// The request writer: exact bytes, framing owned by the library, and every injection refused
// without writing anything (catalogue H1-28, H1-29).
#include "htpx/h1/request_writer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using htpx::header;
using htpx::h1::body_framing;
using htpx::h1::request_head;

std::string write(const request_head& head, std::size_t capacity = 512) {
  std::string out(capacity, '#');
  const htpx::result<std::size_t> n = htpx::h1::write_request_head({out.data(), out.size()}, head);
  if (!n) return std::string("error: ") + htpx::to_string(n.err().code) + ": " + n.err().detail;
  out.resize(n.value());
  return out;
}

TEST(RequestWriter, WritesMethodTargetHostFieldsAndFraming) {
  const header fields[] = {{"Accept", "*/*"}, {"X-Empty", ""}};
  request_head head;
  head.method = "POST";
  head.target = "/upload?a=1&b=%20";
  head.host = "example.com:8080";
  head.headers = fields;
  head.header_count = 2;
  head.framing = body_framing::content_length;
  head.content_length = 18446744073709551615u;
  EXPECT_EQ(write(head),
            "POST /upload?a=1&b=%20 HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\nX-Empty: \r\n"
            "Content-Length: 18446744073709551615\r\n\r\n");
  head.framing = body_framing::chunked;
  EXPECT_EQ(write(head),
            "POST /upload?a=1&b=%20 HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\nX-Empty: \r\n"
            "Transfer-Encoding: chunked\r\n\r\n");
  head.framing = body_framing::content_length;
  head.content_length = 0;
  head.header_count = 0;
  EXPECT_EQ(write(head), "POST /upload?a=1&b=%20 HTTP/1.1\r\nHost: example.com:8080\r\nContent-Length: 0\r\n\r\n");
}

TEST(RequestWriter, CallerHostReplacesTheAutomaticOne) {
  const header fields[] = {{"host", "virtual.example"}};
  request_head head;
  head.host = "10.0.0.1";
  head.headers = fields;
  head.header_count = 1;
  EXPECT_EQ(write(head), "GET / HTTP/1.1\r\nhost: virtual.example\r\n\r\n");
  head.header_count = 0;
  head.host = "[::1]:80";
  EXPECT_EQ(write(head), "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n");
}

TEST(RequestWriter, RefusesInjectionInEveryElement) {
  const char* const bad_values[] = {"a\r\nX-Evil: 1", "a\rb", "a\nb", std::string_view("a\0b", 3).data(), "a\x7f"};
  const std::string nul_value("a\0b", 3);
  for (const std::string_view value : {std::string_view("a\r\nX: 1"), std::string_view("a\rb"), std::string_view("a\nb"),
                                       std::string_view(nul_value), std::string_view("a\x01")}) {
    const header fields[] = {{"X-Ok", value}};
    request_head head;
    head.headers = fields;
    head.header_count = 1;
    EXPECT_EQ(write(head).rfind("error: LocalProtocolError", 0), 0u) << value;
  }
  (void)bad_values;
  for (const std::string_view name : {std::string_view("X Bad"), std::string_view("X:Bad"), std::string_view(""),
                                      std::string_view("X\r\nBad"), std::string_view("X\0", 2)}) {
    const header fields[] = {{name, "v"}};
    request_head head;
    head.headers = fields;
    head.header_count = 1;
    EXPECT_EQ(write(head).rfind("error: LocalProtocolError", 0), 0u) << name;
  }
  for (const std::string_view method : {std::string_view("GET /x"), std::string_view(""), std::string_view("G\r\nET"),
                                        std::string_view("GE\0T", 4)}) {
    request_head head;
    head.method = method;
    EXPECT_EQ(write(head).rfind("error: LocalProtocolError", 0), 0u) << method;
  }
  for (const std::string_view target : {std::string_view("/a b"), std::string_view("/a\r\nHost: evil"), std::string_view(""),
                                        std::string_view("/a\0", 3), std::string_view("/a#frag"), std::string_view("/\xc3\xa9")}) {
    request_head head;
    head.target = target;
    EXPECT_EQ(write(head).rfind("error: LocalProtocolError", 0), 0u) << target;
  }
  for (const std::string_view host : {std::string_view("a b"), std::string_view("a\r\nX: y"), std::string_view("a/b"),
                                      std::string_view("user@host"), std::string_view("h\0", 2), std::string_view("a\\b")}) {
    request_head head;
    head.host = host;
    EXPECT_EQ(write(head).rfind("error: LocalProtocolError", 0), 0u) << host;
  }
}

TEST(RequestWriter, FramingFieldsBelongToTheLibrary) {
  for (const std::string_view name : {"Content-Length", "transfer-encoding", "TRANSFER-ENCODING"}) {
    const header fields[] = {{name, "5"}};
    request_head head;
    head.headers = fields;
    head.header_count = 1;
    EXPECT_EQ(write(head), "error: LocalProtocolError: framing field set by caller");
  }
}

TEST(RequestWriter, NeverWritesAPartialHead) {
  request_head head;
  head.host = "example.com";
  const std::string whole = write(head);
  ASSERT_EQ(whole, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
  for (std::size_t capacity = 0; capacity < whole.size(); ++capacity) {
    std::string out(capacity + 1, '#');
    const htpx::result<std::size_t> n = htpx::h1::write_request_head({out.data(), capacity}, head);
    ASSERT_FALSE(n.ok()) << capacity;
    EXPECT_EQ(n.err().code, htpx::errc::local_protocol_error);
    EXPECT_EQ(out, std::string(capacity + 1, '#')) << "bytes written for capacity " << capacity;
  }
  EXPECT_EQ(write(head, whole.size()), whole);
}

TEST(RequestWriter, ChunkHeadersArePaddedHexOfTheReservedWidth) {
  EXPECT_EQ(htpx::h1::chunk_header_size(0), 3u);
  EXPECT_EQ(htpx::h1::chunk_header_size(15), 3u);
  EXPECT_EQ(htpx::h1::chunk_header_size(16), 4u);
  EXPECT_EQ(htpx::h1::chunk_header_size(4095), 5u);
  EXPECT_EQ(htpx::h1::chunk_header_size(4096), 6u);
  char out[8];
  htpx::h1::write_chunk_header(out, 6, 0x1a);
  EXPECT_EQ(std::string(out, 6), "001a\r\n");
  htpx::h1::write_chunk_header(out, 5, 0xfff);
  EXPECT_EQ(std::string(out, 5), "fff\r\n");
  EXPECT_EQ(htpx::h1::last_chunk, "0\r\n\r\n");
}

}  // namespace
