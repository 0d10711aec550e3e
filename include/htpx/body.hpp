// Request bodies: bytes in memory, or a source streamed as it is read.
#pragma once

#include <cstdint>
#include <string_view>

#include "htpx/bytes.hpp"
#include "htpx/port/transport.hpp"

namespace htpx {

/// A request body produced piece by piece (a file, a sensor, stdin). The client asks for bytes
/// only when the transmit buffer has room, so a body of any size passes through it.
class body_source {
 public:
  /// Writes up to `out.size` bytes. Returns ok with bytes > 0, would_block (nothing now: asked
  /// again on a later poll), closed (the body is complete) or error (the request fails with
  /// WriteError).
  virtual port::io_result read(mutable_bytes out) noexcept = 0;
  /// Starts the body again from its first byte, for a retry. Returns false when it cannot
  /// (then the request is not retried).
  virtual bool rewind() noexcept { return false; }

 protected:
  body_source() = default;
  body_source(const body_source&) = default;
  body_source& operator=(const body_source&) = default;
  ~body_source() = default;
};

/// A request body: none, bytes in memory, or a source of known or unknown length.
struct request_body {
  enum class kind : std::uint8_t { none, bytes, source };
  static constexpr std::uint64_t unknown_length = ~std::uint64_t{0};

  kind type = kind::none;
  bytes_view data;                        ///< kind::bytes: the body (outlives the request).
  body_source* source = nullptr;          ///< kind::source: outlives the request.
  std::uint64_t length = unknown_length;  ///< kind::source: Content-Length, or chunked when unknown.
  std::string_view content_type;          ///< Sent as Content-Type unless the caller sets one.
};

namespace body {
/// Raw bytes sent with Content-Length (httpx `content=`).
[[nodiscard]] inline request_body bytes(bytes_view data, std::string_view content_type = {}) noexcept {
  request_body b;
  b.type = request_body::kind::bytes;
  b.data = data;
  b.content_type = content_type;
  return b;
}
/// A streamed body: Content-Length when `length` is known, chunked otherwise (RFC 9112 §7.1).
[[nodiscard]] inline request_body source(body_source& src, std::uint64_t length = request_body::unknown_length,
                                         std::string_view content_type = {}) noexcept {
  request_body b;
  b.type = request_body::kind::source;
  b.source = &src;
  b.length = length;
  b.content_type = content_type;
  return b;
}
}  // namespace body

}  // namespace htpx
