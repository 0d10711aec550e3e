// The smallest useful program: one GET over h1::connection, linked for Cortex-M4 by size.sh to
// show what an application pays for the HTTP/1.1 engine after --gc-sections. There is no
// transport: the request bytes are dropped and a canned response is "received" in 7-byte reads.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "htpx/bytes.hpp"
#include "htpx/h1/connection.hpp"
#include "htpx/h1/parser_limits.hpp"
#include "htpx/h1/request_writer.hpp"
#include "htpx/h1/response_parser.hpp"

namespace {

char rx_buffer[512];
char tx_buffer[256];
const htpx::h1::parser_limits limits{};

constexpr char canned_response[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5\r\nhello\r\n0\r\n\r\n";
constexpr std::size_t canned_size = sizeof(canned_response) - 1;
constexpr std::size_t read_size = 7;

}  // namespace

int main() {
  htpx::h1::connection conn{htpx::mutable_bytes{rx_buffer}, htpx::mutable_bytes{tx_buffer}, limits};
  htpx::h1::request_head head;
  head.host = "example.com";
  head.target = "/hello";
  if (conn.send_request(head)) return 1;

  std::size_t received = 0;
  std::size_t body_bytes = 0;
  std::uint16_t status = 0;
  for (int round = 0; round < 100; ++round) {
    const htpx::bytes_view out = conn.pending_output();
    if (!out.empty()) conn.consume_output(out.size);  // the "transport" takes everything

    const htpx::h1::event ev = conn.next_event();
    switch (ev.type) {
      case htpx::h1::event_type::need_more: {
        const htpx::mutable_bytes in = conn.receive_buffer();
        std::size_t n = canned_size - received;
        if (n > read_size) n = read_size;
        if (n > in.size) n = in.size;
        if (n == 0) {
          conn.receive_eof();
        } else {
          std::memcpy(in.data, canned_response + received, n);
          received += n;
          conn.commit_received(n);
        }
        break;
      }
      case htpx::h1::event_type::head: status = ev.head.status_code; break;
      case htpx::h1::event_type::body: body_bytes += ev.body.size; break;
      case htpx::h1::event_type::end: return status == 200 && body_bytes == 5 ? 0 : 2;
      case htpx::h1::event_type::failed: return 3;
      default: break;
    }
  }
  return 4;
}
