// The POSIX port's platform for Linux with many connections: posix_platform's clock, and a sleep
// over an epoll set kept from one wait to the next.
#pragma once

#include <cstddef>
#include <cstdint>

#include "htpx/port/transport.hpp"
#include "posix_platform.hpp"

#if defined(__linux__)
namespace htpx::port {

/// The clock and the sleep of the POSIX port on Linux, for a client with many connections
/// (port/README.md: T-01, T-02, W-01 to W-04). poll(2) looks at every socket waited on in every
/// call: with 64 connections that is most of the client's system time. This platform keeps
/// its sockets in an epoll set between waits, so a wait costs what is ready and what changed
/// since the last wait (an entry added, dropped or asking for something else: one
/// epoll_ctl(2) each), not what is waited on.
///
/// Holds the set: one object per thread, not copyable. Takes no memory from the heap; the
/// object holds a table of max_handle entries (16 KiB on a 64-bit target). Where the set cannot
/// serve a wait (no epoll set could be opened, a handle of max_handle or more, the same handle
/// twice in one list, an epoll_ctl(2) refused), that wait is posix_platform's.
/// On systems other than Linux the class is not declared.
class epoll_platform final : public platform {
 public:
  /// Handles below this number are kept in the set (a table indexed by handle).
  static constexpr std::size_t max_handle = 1024;
  /// Most readiness reports one epoll_wait(2) returns; more ready entries are reported by the
  /// next wait (until then their `ready` stays as the caller filled it).
  static constexpr std::size_t report_batch = 64;

  /// Opens the epoll set (close-on-exec). When that fails (EMFILE, ENOMEM), every wait is
  /// posix_platform's.
  epoll_platform() noexcept;
  /// Closes the epoll set (the sockets in it stay open: they are their transports').
  ~epoll_platform();
  epoll_platform(const epoll_platform&) = delete;
  epoll_platform& operator=(const epoll_platform&) = delete;

  /// posix_platform's: CLOCK_MONOTONIC in milliseconds truncated to 32 bits (T-01, T-02).
  [[nodiscard]] std::uint32_t now_ms() noexcept override { return clock_.now_ms(); }
  /// Sleeps in epoll_wait(2) until an entry's handle is ready for its interest (read: EPOLLIN,
  /// write: EPOLLOUT; errors and hang-ups also wake it) or `timeout_ms` pass (W-01). Returns at
  /// once when an entry with an interest has buffered input (W-02). Ignores entries with
  /// interest none, no transport or native_handle() -1; a handle kept in the set from an
  /// earlier wait and not on this list is taken out first, so it cannot wake this one.
  /// `timeout_ms` 0 polls; `count` 0 just sleeps; a signal ends the sleep early. Each usable
  /// entry's `ready` gets what epoll_wait(2) reported (W-03; none after a timeout), unless it
  /// returned report_batch reports: then unreported entries keep `ready` as filled.
  void wait(wait_entry* entries, std::size_t count, std::uint32_t timeout_ms) noexcept override;
  /// posix_platform's: CLOCK_REALTIME in whole seconds.
  [[nodiscard]] std::int64_t unix_time_s() noexcept override { return clock_.unix_time_s(); }
  /// Takes `conn`'s handle out of the set (W-04): the client calls it before `conn` connects
  /// again, whose new socket may get the number of its old one. The set knows a socket, not a
  /// number: without this, a new socket under a number already in the table would be taken
  /// for the old one and never added, and a wait on it would sleep through its data.
  void forget(const transport& conn) noexcept override;

  /// Returns true when waits use the epoll set (false: it could not be opened).
  [[nodiscard]] bool has_epoll_set() const noexcept { return set_ >= 0; }
  /// Returns how many handles the set holds now (for tests).
  [[nodiscard]] std::size_t watched() const noexcept { return watched_count_; }

 private:
  // What the set holds for one handle, indexed by the handle.
  struct watch {
    const transport* conn = nullptr;  // whose handle it is; null: not in the set
    std::uint32_t stamp = 0;          // the wait that last listed it (stamp_)
    std::uint16_t entry = 0;          // its index in that wait's list
    interest what = interest::none;   // what the set waits for on it
  };

  // Puts entry `index` (handle `fd`) in the set as it asks, unless it is there already as it
  // asks. Returns false when the set cannot serve this wait.
  [[nodiscard]] bool watch_entry(const wait_entry& entry, int fd, std::size_t index) noexcept;
  // epoll_ctl(2) ADD or MOD; an ADD of a handle already there becomes a MOD and a MOD of one
  // that is not there an ADD (its socket was closed, which took it out). Returns false on
  // any other failure.
  [[nodiscard]] bool control(int op, int fd, interest what) noexcept;
  // Takes out of the set every handle this wait did not list.
  void drop_unlisted() noexcept;
  // Takes `fd` out of the set (its socket may be closed already: the kernel then did it).
  void drop(int fd) noexcept;

  int set_ = -1;
  std::uint32_t stamp_ = 0;
  std::size_t watched_count_ = 0;
  std::uint16_t watched_[max_handle] = {};  // the handles in the set, watched_count_ of them
  watch table_[max_handle];
  posix_platform clock_;  // the clock, and the wait when the set cannot serve one
};

}  // namespace htpx::port
#endif  // __linux__
