// The POSIX port's platform: the monotonic clock and a sleep over poll(2).
#pragma once

#include <cstddef>
#include <cstdint>

#include "htpx/port/transport.hpp"

namespace htpx::port {

/// The clock and the sleep of the POSIX port (port/README.md: T-01, T-02, W-01 to W-03). Holds no
/// state; one object serves any number of threads and transports.
class posix_platform final : public platform {
 public:
  /// Most handles one poll(2) call waits on; the pollfd array lives on the stack (8 bytes each).
  static constexpr std::size_t wait_batch = 64;
  /// Longest sleep of a wait() with more usable entries than wait_batch (see wait()).
  static constexpr std::uint32_t overflow_nap_ms = 10;

  posix_platform() noexcept = default;

  /// Returns CLOCK_MONOTONIC in milliseconds truncated to 32 bits: it wraps after 2^32 ms and is
  /// never clamped (T-01, T-02). Never fails.
  [[nodiscard]] std::uint32_t now_ms() noexcept override;
  /// Sleeps in poll(2) until an entry's handle is ready for its interest (read: POLLIN, write:
  /// POLLOUT; errors and hang-ups also wake it) or `timeout_ms` pass (W-01). Returns at once when
  /// an entry with an interest has buffered input (W-02). Ignores entries with interest none,
  /// no transport or native_handle() -1. `timeout_ms` 0 polls; `count` 0 just sleeps. A signal
  /// ends the sleep early. With more than wait_batch usable entries it polls them batch by batch
  /// without sleeping, then sleeps at most overflow_nap_ms: an early return, which W-01 allows.
  /// `entries` need only live for the call. When one poll(2) covered every usable entry, each
  /// one's `ready` gets what poll(2) saw (W-03; none after a timeout); otherwise `ready` is left.
  void wait(wait_entry* entries, std::size_t count, std::uint32_t timeout_ms) noexcept override;
  /// Returns CLOCK_REALTIME in whole seconds (cookie expiry dates).
  [[nodiscard]] std::int64_t unix_time_s() noexcept override;
};

}  // namespace htpx::port
