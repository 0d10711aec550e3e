// The epoll-based sleep of the POSIX port on Linux (port/README.md: W-01 to W-04).
#if defined(__linux__)

#include "epoll_platform.hpp"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "wait_entries.hpp"

namespace htpx::port {
namespace {

std::uint32_t epoll_events(interest what) noexcept {
  return (wants_read(what) ? static_cast<std::uint32_t>(EPOLLIN) : 0u) |
         (wants_write(what) ? static_cast<std::uint32_t>(EPOLLOUT) : 0u);
}

interest ready_for(std::uint32_t events) noexcept {
  return ready_as((events & EPOLLIN) != 0, (events & EPOLLOUT) != 0, (events & (EPOLLERR | EPOLLHUP)) != 0);
}

}  // namespace

epoll_platform::epoll_platform() noexcept : set_(::epoll_create1(EPOLL_CLOEXEC)) {}

epoll_platform::~epoll_platform() {
  if (set_ >= 0) (void)::close(set_);
}

void epoll_platform::wait(wait_entry* entries, std::size_t count, std::uint32_t timeout_ms) noexcept {
  if (any_buffered_input(entries, count)) return;  // `ready` stays as filled: try them all
  if (set_ < 0 || count > UINT16_MAX) return clock_.wait(entries, count, timeout_ms);
  if (++stamp_ == 0) stamp_ = 1;  // 0 is "never listed"
  for (std::size_t i = 0; i != count; ++i) {
    const int fd = usable_handle(entries[i]);
    if (fd < 0) continue;
    if (static_cast<std::size_t>(fd) >= max_handle || !watch_entry(entries[i], fd, i)) {
      return clock_.wait(entries, count, timeout_ms);
    }
  }
  drop_unlisted();

  epoll_event reports[report_batch];
  const int n = ::epoll_wait(set_, reports, static_cast<int>(report_batch), timeout_arg(timeout_ms));
  if (n < 0) return;  // a signal (W-01): nothing was looked at, `ready` stays as filled
  // W-03. With a full batch, entries not reported may be ready too: they keep `ready` as filled.
  // (The set now holds exactly this wait's usable entries: no handle is asked for again.)
  if (static_cast<std::size_t>(n) < report_batch) {
    for (std::size_t k = 0; k != watched_count_; ++k) entries[table_[watched_[k]].entry].ready = interest::none;
  }
  for (int k = 0; k != n; ++k) {
    // A report for a handle not on this list is a socket taken out of the table whose
    // registration outlived it (its number now names another file, so the DEL missed it; the
    // kernel drops it when that socket closes): a spurious wake-up (W-01), nothing to report.
    const watch& w = table_[reports[k].data.fd];
    if (w.stamp == stamp_) entries[w.entry].ready = ready_for(reports[k].events);
  }
}

bool epoll_platform::watch_entry(const wait_entry& entry, int fd, std::size_t index) noexcept {
  watch& w = table_[fd];
  if (w.stamp == stamp_) return false;  // listed twice in one wait: poll(2) sorts that out
  if (w.conn == nullptr) {
    if (!control(EPOLL_CTL_ADD, fd, entry.what)) return false;
    watched_[watched_count_++] = static_cast<std::uint16_t>(fd);
  } else if (w.conn != entry.conn || w.what != entry.what || wants_write(entry.what)) {
    // Another transport's socket under a number still in the table, or another interest. A
    // wait for writability is set again every time: it is what a connect waits for, and a
    // connect racing addresses (RFC 8305) may move another socket under the same number.
    if (!control(EPOLL_CTL_MOD, fd, entry.what)) return false;
  }
  w.conn = entry.conn;
  w.what = entry.what;
  w.stamp = stamp_;
  w.entry = static_cast<std::uint16_t>(index);
  return true;
}

bool epoll_platform::control(int op, int fd, interest what) noexcept {
  epoll_event event{};
  event.events = epoll_events(what);
  event.data.fd = fd;
  if (::epoll_ctl(set_, op, fd, &event) == 0) return true;
  if (op == EPOLL_CTL_ADD && errno == EEXIST) return ::epoll_ctl(set_, EPOLL_CTL_MOD, fd, &event) == 0;
  if (op == EPOLL_CTL_MOD && errno == ENOENT) return ::epoll_ctl(set_, EPOLL_CTL_ADD, fd, &event) == 0;
  return false;
}

void epoll_platform::drop_unlisted() noexcept {
  std::size_t kept = 0;
  for (std::size_t k = 0; k != watched_count_; ++k) {
    const std::uint16_t fd = watched_[k];
    if (table_[fd].stamp == stamp_) {
      watched_[kept++] = fd;
    } else {
      drop(fd);  // level-triggered: left in the set, a readable socket would end every wait
    }
  }
  watched_count_ = kept;
}

void epoll_platform::forget(const transport& conn) noexcept {
  std::size_t kept = 0;
  for (std::size_t k = 0; k != watched_count_; ++k) {
    const std::uint16_t fd = watched_[k];
    if (table_[fd].conn == &conn) {
      drop(fd);
    } else {
      watched_[kept++] = fd;
    }
  }
  watched_count_ = kept;
}

void epoll_platform::drop(int fd) noexcept {
  // ENOENT or EBADF when the socket was closed (closing it took it out of the set), or when the
  // number now names a file that was never in it: nothing to undo either way.
  (void)::epoll_ctl(set_, EPOLL_CTL_DEL, fd, nullptr);
  table_[fd] = watch{};
}

}  // namespace htpx::port

#endif  // __linux__
