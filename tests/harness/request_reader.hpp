// Test-side reader for the requests a client sent: finds where one request ends and decodes
// its body, independently of the engine's own code, so a test can check the bytes on the wire.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace htpx::test {

/// One request as a server would read it from the start of `bytes`.
struct read_request {
  bool complete = false;  ///< A whole request (head and framed body) is present.
  bool valid = true;      ///< false: the bytes are not a request this reader accepts.
  std::size_t size = 0;   ///< Bytes the request takes on the wire (when complete).
  std::string head;       ///< Request line and fields, up to and including the empty line.
  std::string body;       ///< The body, with chunked framing removed.
  std::string trailers;   ///< Trailer field lines of a chunked body (without the final CRLF).
  bool chunked = false;   ///< The body used Transfer-Encoding: chunked.
  std::size_t chunks = 0; ///< Chunks with payload (not counting the last chunk).
  std::string problem;    ///< Why the bytes are invalid (when !valid).
  std::size_t need = 0;   ///< When incomplete: the request cannot be complete before this many bytes.
  std::size_t resume = 0; ///< When incomplete in a chunked body: where decoding stopped.
};

/// Reads the first request in `bytes`: the head up to CRLF CRLF, then a Content-Length body
/// or a chunked body (RFC 9112 §6.3 for requests: no framing field means no body). Strict:
/// CRLF line ends, hex chunk sizes, CRLF after chunk data.
[[nodiscard]] read_request read_first_request(std::string_view bytes);

/// Continues `previous` (an incomplete result for a prefix of `bytes`) without decoding the
/// chunks it already decoded again; otherwise the same as read_first_request(bytes).
[[nodiscard]] read_request continue_request(std::string_view bytes, read_request previous);

/// Returns the value of the field `name` (case-insensitive) in `head`, or "" when absent.
[[nodiscard]] std::string_view field_value(std::string_view head, std::string_view name);

}  // namespace htpx::test
