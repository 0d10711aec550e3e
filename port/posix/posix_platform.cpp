// The monotonic clock and poll(2)-based sleep of the POSIX port (port/README.md: T-01, W-01).
#include "posix_platform.hpp"

#include <poll.h>
#include <time.h>

#include <climits>

#include "monotonic_clock.hpp"

namespace htpx::port {
namespace {

// W-02: received bytes held inside a transport do not show on its handle.
bool any_buffered_input(const wait_entry* entries, std::size_t count) noexcept {
  for (std::size_t i = 0; i != count; ++i) {
    const wait_entry& entry = entries[i];
    if (entry.conn != nullptr && entry.what != interest::none && entry.conn->has_buffered_input()) return true;
  }
  return false;
}

short poll_events(interest what) noexcept {
  const auto bits = static_cast<unsigned>(what);
  return static_cast<short>(((bits & static_cast<unsigned>(interest::read)) != 0 ? POLLIN : 0) |
                            ((bits & static_cast<unsigned>(interest::write)) != 0 ? POLLOUT : 0));
}

// The descriptor wait() polls for `entry`, or -1 when it ignores the entry (W-02).
int usable_handle(const wait_entry& entry) noexcept {
  if (entry.conn == nullptr || entry.what == interest::none) return -1;
  const std::intptr_t handle = entry.conn->native_handle();
  return handle >= 0 && handle <= INT_MAX ? static_cast<int>(handle) : -1;
}

// Fills `fds` with up to wait_batch usable entries from `next` on and returns how many; `taken`
// gets the index in `entries` of each. Leaves `next` at the first usable entry not taken, or at
// `count` when none is left.
std::size_t fill_batch(const wait_entry* entries, std::size_t count, std::size_t& next, pollfd* fds,
                       std::size_t* taken) noexcept {
  std::size_t used = 0;
  for (; next != count; ++next) {
    const int fd = usable_handle(entries[next]);
    if (fd < 0) continue;
    if (used == posix_platform::wait_batch) break;
    taken[used] = next;
    fds[used++] = pollfd{fd, poll_events(entries[next].what), 0};
  }
  return used;
}

// W-03: what poll(2) saw. An error or a hang-up counts as both, so that the caller's next read
// or write meets it and reports it.
interest ready_for(short revents) noexcept {
  const bool failed = (revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
  const bool readable = failed || (revents & POLLIN) != 0;
  const bool writable = failed || (revents & POLLOUT) != 0;
  return static_cast<interest>((readable ? static_cast<unsigned>(interest::read) : 0u) |
                               (writable ? static_cast<unsigned>(interest::write) : 0u));
}

// Returns how many descriptors are ready, or -1 when a signal ended the sleep (EINTR: a
// spurious wake-up, W-01).
int poll_for(pollfd* fds, std::size_t used, std::uint32_t timeout_ms) noexcept {
  const int timeout = timeout_ms > static_cast<std::uint32_t>(INT_MAX) ? INT_MAX : static_cast<int>(timeout_ms);
  return ::poll(used != 0 ? fds : nullptr, static_cast<nfds_t>(used), timeout);
}

}  // namespace

std::uint32_t posix_platform::now_ms() noexcept {
  return static_cast<std::uint32_t>(monotonic_us() / 1000u);  // T-02: truncated, never clamped
}

std::int64_t posix_platform::unix_time_s() noexcept {
  timespec now{};
  (void)::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec);
}

void posix_platform::wait(wait_entry* entries, std::size_t count, std::uint32_t timeout_ms) noexcept {
  if (any_buffered_input(entries, count)) return;  // `ready` stays as filled: try them all
  pollfd fds[wait_batch];
  std::size_t taken[wait_batch];
  std::size_t next = 0;
  std::size_t used = fill_batch(entries, count, next, fds, taken);
  if (next == count) {
    // One poll(2) saw every usable entry: report what it found (W-03). After a signal nothing
    // was looked at, so `ready` stays as filled.
    if (poll_for(fds, used, timeout_ms) < 0) return;
    for (std::size_t i = 0; i != used; ++i) entries[taken[i]].ready = ready_for(fds[i].revents);
    return;
  }
  // More usable entries than one poll(2) takes: look at every batch without sleeping, then nap.
  // (Readiness is not reported here: `ready` stays as filled and the caller tries them all.)
  while (true) {
    if (poll_for(fds, used, 0) > 0) return;
    if (next == count) break;
    used = fill_batch(entries, count, next, fds, taken);
  }
  (void)poll_for(fds, 0, timeout_ms < overflow_nap_ms ? timeout_ms : overflow_nap_ms);
}

}  // namespace htpx::port
