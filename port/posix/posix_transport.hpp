// The POSIX port's transport: one non-blocking TCP connection over IPv4 or IPv6 (Linux, glibc).
// port/README.md states the contract; port/posix/README.md says where this port deviates.
#pragma once

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "address_list.hpp"
#include "htpx/port/transport.hpp"

namespace htpx::port {

/// Returns true when `sys_error` (from posix_transport::connect() with status error) is a
/// name-resolution failure rather than an errno value. Resolver failures are negative
/// (`-abs(EAI_*)`: on glibc the EAI_* value itself, so `gai_strerror(sys_error)` describes it);
/// errno values are positive.
[[nodiscard]] constexpr bool is_resolver_error(std::int32_t sys_error) noexcept { return sys_error < 0; }

/// A non-blocking TCP connection (port/README.md: P-01..X-03, H-01). Every call returns at once.
///
/// connect() resolves numeric IPv4/IPv6 addresses and `localhost` at once, and other names with
/// glibc's getaddrinfo_a() in the background: while that runs, connect() gives would_block and
/// native_handle() is -1, so the caller waits on a timer rather than on the handle (P-02). It
/// then tries up to max_addresses addresses, families interleaved, moving on when one fails and
/// racing the next beside one still in progress after attempt_delay_ms (RFC 8305 §5).
///
/// Holds its descriptor, its state, the resolved addresses and the pending lookup inline; the
/// library allocates nothing (glibc allocates inside getaddrinfo_a). Not copyable or movable:
/// glibc's resolver thread writes into the object while a lookup runs. Use from one thread.
class posix_transport final : public transport {
 public:
  /// Most addresses one connect() tries (the first ones the resolver returns).
  static constexpr std::size_t max_addresses = address_list::capacity;
  /// Longest host name accepted, without a trailing dot (RFC 1035 §2.3.4: 255 octets on the
  /// wire). Longer names fail with a resolver error (EAI_NONAME) at once.
  static constexpr std::size_t max_host_length = 253;

  /// An idle transport: native_handle() is -1 until the first connect().
  posix_transport() noexcept = default;
  posix_transport(const posix_transport&) = delete;
  posix_transport& operator=(const posix_transport&) = delete;
  /// Closes the connection. If a lookup that close() could not cancel is still running, waits
  /// for it to finish (at most the resolver's timeout): the lookup writes into this object.
  ~posix_transport();

  /// Starts or continues connecting to `host`:`port` (C-01..C-04). Returns would_block while the
  /// name resolves or the TCP handshake runs (call again with the same arguments), ok once
  /// connected, error otherwise: an errno value (ECONNREFUSED, ETIMEDOUT, ENETUNREACH: the last
  /// address's failure) or a negative resolver code (is_resolver_error()). After error, the
  /// same error again until close(). `host` need only live for the call.
  io_result connect(std::string_view host, std::uint16_t port) noexcept override;
  /// Sends a prefix of `data` (S-01, S-02, S-04, S-05): ok with 0 < bytes <= data.size,
  /// would_block, or error with errno (EPIPE, ECONNRESET); never closed, never SIGPIPE. After an
  /// error, the same error again. Error ENOTCONN before connect() gave ok, EINVAL for no bytes.
  io_result send(bytes_view data) noexcept override;
  /// Receives into a prefix of `buffer` (R-01..R-04): ok with 0 < bytes <= buffer.size,
  /// would_block, closed on orderly EOF (again on every later call), or error with errno
  /// (ECONNRESET), again on every later call even after the OS forgot it. Bytes the peer sent
  /// before a failure are returned first. Error ENOTCONN before connect() gave ok, EINVAL for an
  /// empty buffer.
  io_result recv(mutable_bytes buffer) noexcept override;
  /// recv(), sleeping up to `timeout_ms` for the first byte: a blocking recv(2) bounded by
  /// SO_RCVTIMEO (set again only when the timeout changes). The socket is switched to blocking
  /// mode once connected, and every other call passes MSG_DONTWAIT, so they still return at once.
  /// recv_wait_unsupported when the switch failed.
  io_result recv_wait(mutable_bytes buffer, std::uint32_t timeout_ms) noexcept override;
  /// Releases the descriptor and cancels a pending lookup, in any state; never blocks or
  /// lingers. A second call does nothing. connect() may follow.
  void close() noexcept override;
  /// Returns the socket descriptor from the first socket of a connection to close(), the same
  /// number across address fallbacks (H-01); -1 when idle and while the name resolves.
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return fd_; }
  /// While connecting with addresses left to try: the time until the next joins the race (RFC
  /// 8305 §5, attempt_delay_ms), and at most race_poll_ms while an earlier attempt still runs
  /// beside the one native_handle() shows (C-05). no_step otherwise.
  [[nodiscard]] std::uint32_t connect_step_ms() const noexcept override;

  /// RFC 8305 §5's Connection Attempt Delay: an attempt still in progress after this long is
  /// joined by one to the next address, and the first of the two to connect is kept.
  static constexpr std::uint32_t attempt_delay_ms = 250;
  /// How often an earlier attempt, whose descriptor the caller does not wait on, is looked at.
  static constexpr std::uint32_t race_poll_ms = 25;

 private:
  enum class state : std::uint8_t { idle, resolving, connecting, connected, failed };

  io_result start(std::string_view host) noexcept;
  bool resolve_at_once(std::string_view host) noexcept;
  io_result start_lookup(std::string_view host) noexcept;
  io_result continue_lookup() noexcept;
  io_result try_next_address(std::int32_t last_error) noexcept;
  std::int32_t open_and_connect(const socket_address& address) noexcept;
  io_result join_race() noexcept;
  void close_earlier() noexcept;
  void adopt_socket(int socket_fd) noexcept;
  io_result finish_connect() noexcept;
  bool reap_lookup() noexcept;
  void release_lookup() noexcept;
  io_result fail(std::int32_t sys_error) noexcept;
  io_result fail_io(std::int32_t sys_error) noexcept;
  io_result connected() noexcept;
  io_result receive(mutable_bytes buffer, int flags) noexcept;

  int fd_ = -1;
  state state_ = state::idle;
  bool lookup_pending_ = false;           // submitted to getaddrinfo_a and not yet reaped
  bool blocking_ = false;                 // connected, the descriptor in blocking mode (recv_wait)
  std::uint32_t receive_timeout_ms_ = 0;  // SO_RCVTIMEO as last set; 0: never set
  std::uint16_t port_ = 0;
  std::int32_t error_ = 0;                // the connection's first failure: repeated by every later call
  address_list addresses_;                // what to try, in order
  std::size_t next_ = 0;                  // the next of them to try
  int earlier_fd_ = -1;                   // an attempt started before fd_'s and still running (RFC 8305 §5)
  std::uint64_t attempt_started_us_ = 0;  // when fd_'s attempt began (CLOCK_MONOTONIC, µs)
  // The pending lookup: glibc's resolver thread reads the name and hints and writes the result
  // here until gai_error() stops saying EAI_INPROGRESS.
  gaicb lookup_{};
  addrinfo hints_{};
  char name_[max_host_length + 2]{};  // the name, a trailing dot, the terminator
};

}  // namespace htpx::port
