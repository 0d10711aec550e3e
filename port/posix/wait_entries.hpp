// What both POSIX platforms (poll(2) and epoll) read of a wait list: which entries they watch,
// whether one already has bytes inside its transport, and how a readiness report reads back.
// Private to port/posix.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>

#include "htpx/port/transport.hpp"

namespace htpx::port {

// W-02: received bytes held inside a transport do not show on its handle.
inline bool any_buffered_input(const wait_entry* entries, std::size_t count) noexcept {
  for (std::size_t i = 0; i != count; ++i) {
    const wait_entry& entry = entries[i];
    if (entry.conn != nullptr && entry.what != interest::none && entry.conn->has_buffered_input()) return true;
  }
  return false;
}

// The descriptor a wait watches for `entry`, or -1 when it ignores the entry (W-02).
inline int usable_handle(const wait_entry& entry) noexcept {
  if (entry.conn == nullptr || entry.what == interest::none) return -1;
  const std::intptr_t handle = entry.conn->native_handle();
  return handle >= 0 && handle <= INT_MAX ? static_cast<int>(handle) : -1;
}

inline bool wants_read(interest what) noexcept {
  return (static_cast<unsigned>(what) & static_cast<unsigned>(interest::read)) != 0;
}
inline bool wants_write(interest what) noexcept {
  return (static_cast<unsigned>(what) & static_cast<unsigned>(interest::write)) != 0;
}

// W-03: what a wait found. An error or a hang-up counts as both, so that the caller's next read
// or write meets it and reports it.
inline interest ready_as(bool readable, bool writable, bool failed) noexcept {
  return static_cast<interest>(((failed || readable) ? static_cast<unsigned>(interest::read) : 0u) |
                               ((failed || writable) ? static_cast<unsigned>(interest::write) : 0u));
}

// A wait's timeout as poll(2) and epoll_wait(2) take it.
inline int timeout_arg(std::uint32_t timeout_ms) noexcept {
  return timeout_ms > static_cast<std::uint32_t>(INT_MAX) ? INT_MAX : static_cast<int>(timeout_ms);
}

}  // namespace htpx::port
