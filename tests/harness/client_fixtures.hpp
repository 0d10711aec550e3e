// Shared by the client's unit tests (test_client.cpp, test_catalogue_client.cpp): a small
// static_client over scripted transports, the redirect helpers, and a body that can be read once.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "htpx/body.hpp"
#include "htpx/client.hpp"
#include "scripted_transport.hpp"

namespace htpx::test {

/// Two connections, eight requests and 512-byte buffers: small enough for tests to reach every
/// limit.
struct small_config : default_client_config {
  static constexpr std::size_t max_connections = 2;
  static constexpr std::size_t max_requests = 8;
  static constexpr std::size_t rx_bytes = 512;
  static constexpr std::size_t tx_bytes = 512;
  static constexpr std::size_t body_store_bytes = 256;
};
using scripted_client = static_client<small_config, scripted_transport>;

/// One connection slot: a request that must not reuse it shows as a second connection.
struct one_connection : small_config {
  static constexpr std::size_t max_connections = 1;
};

inline client_options following() {
  client_options o;
  o.follow_redirects = true;
  return o;
}

/// A redirect with `status` to `location`, and the body "gone".
inline std::string redirect_to(int status, std::string_view location) {
  return "HTTP/1.1 " + std::to_string(status) + " Moved\r\nLocation: " + std::string(location) +
         "\r\nContent-Length: 4\r\n\r\ngone";
}

/// A streamed body of one byte, "x", that cannot start again (body_source::rewind() says false).
struct one_shot_source final : body_source {
  port::io_result read(mutable_bytes out) noexcept override {
    if (done) return {port::io_status::closed, 0, 0};
    done = true;
    out.data[0] = 'x';
    return {port::io_status::ok, 1, 0};
  }
  bool done = false;
};

}  // namespace htpx::test
