// Pool limits, as httpx.Limits.
#pragma once

#include <cstdint>

namespace htpx {

/// How many connections the pool opens and keeps (httpx.Limits). The storage of the client
/// caps both counts: a limit above the number of slots means "every slot".
struct limits {
  std::uint16_t max_connections = 0xFFFF;            ///< Open at once (0xFFFF: every slot).
  std::uint16_t max_keepalive_connections = 0xFFFF;  ///< Idle connections kept for reuse.
  std::uint32_t keepalive_expiry_ms = 5000;          ///< An idle connection older is closed.
};

}  // namespace htpx
