// Serialises a request head and frames its body (RFC 9112 §3, §6, §7.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/bytes.hpp"
#include "htpx/headers.hpp"
#include "htpx/result.hpp"

namespace htpx::h1 {

/// How the request body is delimited on the wire. The library owns framing: a caller's own
/// Content-Length or Transfer-Encoding field is refused (RFC 9112 §6.1, §6.2).
enum class body_framing : std::uint8_t {
  none,            ///< No body and no framing field.
  content_length,  ///< `Content-Length: content_length`, then exactly that many bytes.
  chunked,         ///< `Transfer-Encoding: chunked`, for bodies of unknown length.
};

/// Everything that goes into a request head. Views only; nothing is copied until written.
struct request_head {
  std::string_view method = "GET";  ///< A token (RFC 9110 §9.1).
  /// origin-form, absolute-form, or authority-form (`host:port`, for CONNECT, RFC 9112 §3.2.3);
  /// no SP, CTL or fragment. The form is not checked against the method.
  std::string_view target = "/";
  std::string_view host;            ///< The Host value, uri-host[:port]; empty: caller sends Host.
  const header* headers = nullptr;  ///< Caller fields, written in order.
  std::size_t header_count = 0;
  body_framing framing = body_framing::none;
  std::uint64_t content_length = 0;  ///< Used when framing == content_length.
};

/// Writes the head of `request` into `out`. Returns the number of bytes written, or
/// LocalProtocolError when a method, target, Host, field name or value holds a byte HTTP
/// forbids there (CR, LF and NUL among them), when the caller set Content-Length or
/// Transfer-Encoding, or when the head does not fit `out`. Never writes a partial head: on
/// error nothing has been written.
[[nodiscard]] result<std::size_t> write_request_head(mutable_bytes out, const request_head& request) noexcept;

/// Returns the bytes a chunk-size line (hex digits and CRLF) takes for payloads up to
/// `max_payload` bytes.
[[nodiscard]] std::size_t chunk_header_size(std::size_t max_payload) noexcept;

/// Writes the chunk-size line for `payload` bytes into exactly `header_size` bytes at `out`,
/// padding the hex size with leading zeros (valid: chunk-size = 1*HEXDIG, RFC 9112 §7.1).
/// `header_size` must come from chunk_header_size(n) for some n >= payload.
void write_chunk_header(char* out, std::size_t header_size, std::size_t payload) noexcept;

/// The last chunk and an empty trailer section, which end a chunked body.
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

}  // namespace htpx::h1
