// The port contract: what a transport (TCP, TLS, lwIP, a test double) must provide.
// port/README.md states every rule as a MUST; the conformance test checks them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/bytes.hpp"

namespace htpx::port {

/// The outcome of one transport call. Progress is not an error: would_block is a status.
enum class io_status : std::uint8_t {
  ok,           ///< `bytes` moved (connect: the connection is up).
  would_block,  ///< Nothing can move now; wait for readiness and call again.
  closed,       ///< The peer closed in order (EOF on recv); nothing more will arrive.
  error,        ///< The connection failed; `sys_error` holds the port's error number.
};

/// The result of a transport call.
struct io_result {
  io_status status = io_status::ok;
  std::size_t bytes = 0;       ///< Bytes moved; > 0 whenever status is ok on send or recv.
  std::int32_t sys_error = 0;  ///< errno or the port's own code when status is error.
};

/// What a caller wants to wait for on one transport.
enum class interest : std::uint8_t { none = 0, read = 1, write = 2, read_write = 3 };

/// One non-blocking connection. Every call returns at once.
class transport {
 public:
  /// Starts or continues connecting to `host`:`port`. Returns would_block while in progress
  /// (call again with the same arguments), ok once connected, error when it cannot connect.
  virtual io_result connect(std::string_view host, std::uint16_t port) noexcept = 0;
  /// Sends a prefix of `data`. ok with bytes > 0 (possibly fewer than asked), would_block,
  /// closed or error.
  virtual io_result send(bytes_view data) noexcept = 0;
  /// Receives into a prefix of `buffer` (size > 0). ok with 0 < bytes <= buffer.size,
  /// would_block, closed (orderly EOF) or error (reset and every other failure).
  virtual io_result recv(mutable_bytes buffer) noexcept = 0;
  /// Receives like recv(), but when nothing has arrived sleeps until bytes arrive or `timeout_ms`
  /// pass: for a caller with one connection to wait on, one call where wait() and recv()
  /// would be two. would_block after the timeout or a signal; `timeout_ms` 0 does not sleep. A
  /// transport that cannot sleep in a receive (the default) returns would_block at once with
  /// `sys_error == recv_wait_unsupported`: the caller then sleeps in platform::wait().
  virtual io_result recv_wait(mutable_bytes buffer, std::uint32_t timeout_ms) noexcept {
    (void)buffer;
    (void)timeout_ms;
    return {io_status::would_block, 0, recv_wait_unsupported};
  }
  /// Closes the connection and releases its resources; the transport may then connect again.
  virtual void close() noexcept = 0;
  /// Returns the OS handle readiness is waited on (a file descriptor on POSIX), or -1.
  [[nodiscard]] virtual std::intptr_t native_handle() const noexcept = 0;
  /// Returns true when received bytes are already buffered inside the transport (decrypted TLS
  /// records), so the caller must call recv() before sleeping (readiness would not show them).
  [[nodiscard]] virtual bool has_buffered_input() const noexcept { return false; }

  // ---- TLS (a transport that can secure its connection overrides these) --------------------

  /// Starts TLS on a connection that connect() reported ok (directly, or after a CONNECT
  /// tunnel through a proxy was opened on it). `server_name` is the origin's host: for SNI and
  /// for verifying the certificate (DNS name or IP address). Returns ok when the handshake has
  /// begun: the caller then calls connect() again, with its original arguments, until it
  /// returns ok (handshake done and verified) or error (C-01: a handshake is a connect in
  /// progress). Returns error with `sys_error == tls_unsupported` when this transport cannot do
  /// TLS (the default).
  virtual io_result start_tls(std::string_view server_name) noexcept {
    (void)server_name;
    return {io_status::error, 0, tls_unsupported};
  }
  /// Returns a static text saying exactly what `sys_error` (from this transport) means, such as
  /// "certificate has expired" or "hostname mismatch", or nullptr to let the caller describe it.
  [[nodiscard]] virtual const char* describe_error(std::int32_t sys_error) const noexcept {
    (void)sys_error;
    return nullptr;
  }
  /// While connect() returns would_block: what the connection waits for. A TCP connect waits to
  /// become writable (the default); a TLS handshake alternates, and says which it needs now, so
  /// the caller does not spin on an always-writable socket.
  [[nodiscard]] virtual interest wants() const noexcept { return interest::write; }
  /// While connect() returns would_block: the longest the caller may wait before it calls
  /// connect() again even when native_handle() shows nothing (C-05). A port that races addresses
  /// (RFC 8305 §5) starts the next one then. no_step (the default): only readiness and the
  /// caller's timeout matter.
  [[nodiscard]] virtual std::uint32_t connect_step_ms() const noexcept { return no_step; }
  /// Returns the application protocol TLS agreed on with ALPN ("http/1.1", later "h2"), or an
  /// empty view (no TLS, or no ALPN).
  [[nodiscard]] virtual std::string_view negotiated_protocol() const noexcept { return {}; }

  /// connect_step_ms() of a connection that waits only on readiness.
  static constexpr std::uint32_t no_step = 0xFFFFFFFFu;
  /// `sys_error` of start_tls() on a transport without TLS.
  static constexpr std::int32_t tls_unsupported = -0x7001;
  /// `sys_error` of recv_wait() on a transport that cannot sleep in a receive.
  static constexpr std::int32_t recv_wait_unsupported = -0x7002;

 protected:
  transport() = default;
  transport(const transport&) = default;
  transport& operator=(const transport&) = default;
  ~transport() = default;  // protected, non-virtual: no operator delete is ever needed
};

/// One transport, what to wait for on it, and what wait() found.
struct wait_entry {
  const transport* conn = nullptr;
  interest what = interest::none;
  /// What wait() found the handle ready for when it returned (W-03): none, read, write or both.
  /// The caller fills it with `what` ("may be ready"); a port that cannot tell leaves it so,
  /// and the caller then tries every entry, as without the report.
  interest ready = interest::none;
};

/// The clock and the sleep a port supplies for blocking calls (the non-blocking API takes the
/// time as an argument instead).
class platform {
 public:
  /// Returns a monotonic millisecond clock. It wraps after 2^32 ms: compare with wrap-safe
  /// arithmetic (`int32_t(a - b) < 0`), never with `<`.
  [[nodiscard]] virtual std::uint32_t now_ms() noexcept = 0;
  /// Sleeps until one entry is ready for what it asks, or `timeout_ms` pass. Returns at once
  /// when an entry has buffered input. Spurious wake-ups are allowed. May write each entry's
  /// `ready` (W-03), so that the caller reads only the connections that have something to say.
  virtual void wait(wait_entry* entries, std::size_t count, std::uint32_t timeout_ms) noexcept = 0;
  /// Returns the calendar time in seconds since the Unix epoch (for cookie expiry dates), or -1
  /// when the device does not know the date (the default).
  [[nodiscard]] virtual std::int64_t unix_time_s() noexcept { return -1; }
  /// Called by the client before `conn` connects (again) (W-04): a platform that remembers
  /// handles between waits (an epoll set) drops what it knows of conn's, whose handle may soon
  /// name another socket with the same number. The default remembers nothing and does nothing.
  virtual void forget(const transport& conn) noexcept { (void)conn; }

 protected:
  platform() = default;
  platform(const platform&) = default;
  platform& operator=(const platform&) = default;
  ~platform() = default;
};

}  // namespace htpx::port
