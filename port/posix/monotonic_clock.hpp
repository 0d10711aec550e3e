// CLOCK_MONOTONIC in microseconds: the POSIX port's one reading of the clock, for the platform's
// now_ms() and the transport's Connection Attempt Delay. Private to port/posix.
#pragma once

#include <cstdint>
#include <ctime>

namespace htpx::port {

inline std::uint64_t monotonic_us() noexcept {
  timespec now{};
  (void)::clock_gettime(CLOCK_MONOTONIC, &now);  // cannot fail with a valid clock and pointer
  return static_cast<std::uint64_t>(now.tv_sec) * 1000000u + static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
}

}  // namespace htpx::port
