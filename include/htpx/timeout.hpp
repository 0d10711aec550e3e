// Per-phase timeouts, as httpx.Timeout: connect, read, write, pool, plus a total deadline.
#pragma once

#include <cstdint>

namespace htpx {

/// Timeouts in milliseconds. read and write are idle timeouts: the time allowed without any
/// byte moving, not the time for the whole body. 0 disables one (total is off by default).
struct timeout {
  std::uint32_t connect_ms = 5000;  ///< Connection not up in time: ConnectTimeout.
  std::uint32_t read_ms = 5000;     ///< No response byte for this long: ReadTimeout.
  std::uint32_t write_ms = 5000;    ///< No request byte taken for this long: WriteTimeout.
  std::uint32_t pool_ms = 5000;     ///< No connection slot free for this long: PoolTimeout.
  /// Deadline for the whole request from start(); it fires as the timeout of the phase the
  /// request is in (PoolTimeout, ConnectTimeout, WriteTimeout or ReadTimeout) with the detail
  /// "total deadline exceeded".
  std::uint32_t total_ms = 0;

  /// The same value for connect, read, write and pool (httpx: `Timeout(5.0)`).
  static constexpr timeout all(std::uint32_t ms) noexcept { return {ms, ms, ms, ms, 0}; }
};

}  // namespace htpx
