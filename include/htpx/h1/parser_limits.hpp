// The limits a server's response is held to. Exceeding one is a RemoteProtocolError.
#pragma once

#include <cstdint>

#include "htpx/config.hpp"

namespace htpx::h1 {

/// Limits on what a response may make the parser accept (RFC 9110 §17.5: length attacks).
/// Defaults come from config.hpp. A limit larger than the receive buffer is capped by it.
struct parser_limits {
  /// Bytes of response head, including every 1xx head before the final one.
  std::uint32_t max_head_bytes = HTPX_MAX_HEAD_BYTES;
  /// Header fields in one head.
  std::uint16_t max_headers = HTPX_MAX_HEADERS;
  /// Chunk-extension bytes on one chunk-size line.
  std::uint16_t max_chunk_ext_bytes = HTPX_MAX_CHUNK_EXT_BYTES;
  /// Bytes of the trailer section after the last chunk.
  std::uint16_t max_trailer_bytes = HTPX_MAX_TRAILER_BYTES;
  /// 1xx interim responses before the final response.
  std::uint8_t max_informational = HTPX_MAX_INFORMATIONAL;
};

}  // namespace htpx::h1
