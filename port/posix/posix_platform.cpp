// The monotonic clock and poll(2)-based sleep of the POSIX port (port/README.md: T-01, W-01).
#include "posix_platform.hpp"

#include <poll.h>
#include <time.h>

#include "monotonic_clock.hpp"
#include "wait_entries.hpp"

namespace htpx::port {
namespace {

short poll_events(interest what) noexcept {
  return static_cast<short>((wants_read(what) ? POLLIN : 0) | (wants_write(what) ? POLLOUT : 0));
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

interest ready_for(short revents) noexcept {
  return ready_as((revents & POLLIN) != 0, (revents & POLLOUT) != 0, (revents & (POLLERR | POLLHUP | POLLNVAL)) != 0);
}

// Returns how many descriptors are ready, or -1 when a signal ended the sleep (EINTR: a
// spurious wake-up, W-01).
int poll_for(pollfd* fds, std::size_t used, std::uint32_t timeout_ms) noexcept {
  return ::poll(used != 0 ? fds : nullptr, static_cast<nfds_t>(used), timeout_arg(timeout_ms));
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
