// A deterministic fake server behind the port contract (reliability-catalogue.md §6.1 item 1):
// it plays recorded response bytes in any slicing, with would_block, EOF and reset where the
// script says, caps the bytes moved per call, and records everything the client did.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "htpx/port/transport.hpp"
#include "request_reader.hpp"

namespace htpx::test {

/// A scripted transport. Build the script first (the builder calls chain), then hand it to the
/// code under test. Each connection (connect ... close) plays its own script; the first one is
/// being built from the start, next_connection() starts the next one.
///
/// It also checks the caller's side of the port contract (calls before connect or after close,
/// a zero-sized recv buffer, an empty send, different connect arguments while connecting, an
/// invalid request) and lists every breach in violations().
class scripted_transport final : public port::transport {
 public:
  /// Knobs that apply to every connection.
  struct options {
    std::size_t recv_cap = SIZE_MAX;  ///< Most bytes one recv() returns (1: one byte at a time).
    std::size_t send_cap = SIZE_MAX;  ///< Most bytes one send() takes (partial sends).
    bool would_block_between_slices = false;  ///< recv() gives would_block once between slices.
    bool alternate_would_block = false;  ///< Every other send()/recv() gives would_block first.
    bool buffered_input = false;  ///< has_buffered_input() is true while a slice is ready (TLS-like).
  };

  scripted_transport();

  // ---- building the script of the current connection ------------------------------------

  /// The server sends `bytes` as one slice (one recv() may return less: the buffer or recv_cap).
  scripted_transport& serve(std::string_view bytes);
  /// The server sends `bytes` in slices of `slice` bytes (the last one may be shorter).
  scripted_transport& serve_sliced(std::string_view bytes, std::size_t slice);
  /// The next `times` recv() calls give would_block.
  scripted_transport& recv_would_block(std::size_t times = 1);
  /// recv() gives would_block until the client has sent one more complete request (head and
  /// framed body, read with read_first_request()). An invalid request is a violation and
  /// resets the connection.
  scripted_transport& wait_for_request();
  /// recv() gives would_block until the client has sent `total` bytes on this connection.
  scripted_transport& wait_for_sent(std::size_t total);
  /// The server closes in order: recv() gives closed from now on.
  scripted_transport& eof();
  /// The connection is reset: recv() and send() give error(`sys_error`) from now on.
  scripted_transport& reset(std::int32_t sys_error = ECONNRESET);
  /// connect() gives would_block `times` times before its outcome.
  scripted_transport& connect_would_block(std::size_t times);
  /// connect() fails with error(`sys_error`) (after any connect_would_block()).
  scripted_transport& refuse_connect(std::int32_t sys_error = ECONNREFUSED);
  /// Once the client has sent `bytes` on this connection, send() gives `status` (closed or
  /// error with `sys_error`): the server stopped reading.
  scripted_transport& fail_send_after(std::size_t bytes, port::io_status status, std::int32_t sys_error = EPIPE);
  /// Later builder calls describe the next connection (the one after the next close()).
  scripted_transport& next_connection();

  /// The knobs; change them before or between calls.
  options& opts() { return options_; }

  // ---- the transport -----------------------------------------------------------------------

  port::io_result connect(std::string_view host, std::uint16_t port) noexcept override;
  port::io_result send(bytes_view data) noexcept override;
  port::io_result recv(mutable_bytes buffer) noexcept override;
  void close() noexcept override;
  [[nodiscard]] std::intptr_t native_handle() const noexcept override;
  [[nodiscard]] bool has_buffered_input() const noexcept override;

  // ---- what happened -----------------------------------------------------------------------

  /// Bytes the client sent on the current (or last) connection.
  [[nodiscard]] const std::string& sent() const;
  /// Bytes the client sent on connection `index` (0-based, in order of connect).
  [[nodiscard]] const std::string& sent(std::size_t index) const;
  /// Connections started (the first connect() after construction or close(): a socket taken).
  [[nodiscard]] std::size_t connections_started() const { return started_; }
  /// Connections released by close().
  [[nodiscard]] std::size_t connections_released() const { return released_; }
  /// True while a connection holds resources (from its first connect() to close()).
  [[nodiscard]] bool is_open() const { return phase_ != phase::idle; }
  /// True when the current connection completed connect().
  [[nodiscard]] bool is_connected() const { return phase_ == phase::connected; }
  [[nodiscard]] std::size_t connect_calls() const { return connect_calls_; }
  [[nodiscard]] std::size_t send_calls() const { return send_calls_; }
  [[nodiscard]] std::size_t recv_calls() const { return recv_calls_; }
  /// Where the last recv() that returned bytes put them: inside the caller's buffer.
  [[nodiscard]] bytes_view last_received() const { return last_received_; }
  [[nodiscard]] std::size_t close_calls() const { return close_calls_; }
  /// The host and port of the last connect().
  [[nodiscard]] const std::string& connected_host() const { return host_; }
  [[nodiscard]] std::uint16_t connected_port() const { return port_; }
  /// True when every recv step of the current connection has been played.
  [[nodiscard]] bool script_finished() const;
  /// Breaches of the caller's side of the port contract, in order.
  [[nodiscard]] const std::vector<std::string>& violations() const { return violations_; }
  /// One line summing up the counters (for test failure messages).
  [[nodiscard]] std::string summary() const;

 private:
  enum class step_kind : std::uint8_t { data, would_block, wait_sent, wait_request, eof, reset };
  struct step {
    step_kind kind = step_kind::data;
    std::string bytes;       // data
    std::size_t count = 0;   // would_block: times; wait_sent: total bytes
    std::int32_t sys_error = 0;
  };
  struct script {
    std::vector<step> steps;
    std::size_t connect_blocks = 0;
    bool refuse = false;
    std::int32_t refuse_error = 0;
    std::size_t send_limit = SIZE_MAX;
    port::io_status send_fail = port::io_status::error;
    std::int32_t send_fail_error = 0;
    std::string sent;
  };
  enum class phase : std::uint8_t { idle, connecting, connected, refused };

  script& building() { return scripts_.back(); }
  script* current();
  const script* current() const;
  void violation(std::string what);
  bool usable(const char* call);
  bool alternate_blocks(bool& flip);

  options options_{};
  std::vector<script> scripts_;
  std::vector<std::string> violations_;
  std::string host_;
  std::uint16_t port_ = 0;
  phase phase_ = phase::idle;
  std::size_t conn_ = SIZE_MAX;   // index of the current connection's script
  std::size_t started_ = 0;
  std::size_t released_ = 0;
  std::size_t connect_calls_ = 0;
  std::size_t send_calls_ = 0;
  std::size_t recv_calls_ = 0;
  bytes_view last_received_;
  std::size_t close_calls_ = 0;
  std::size_t connect_blocks_left_ = 0;
  std::size_t step_ = 0;           // next recv step
  std::size_t step_progress_ = 0;  // bytes served of a data step, or would_blocks given
  std::size_t request_mark_ = 0;   // sent bytes already matched by wait_for_request steps
  std::size_t request_need_ = 0;   // wait_for_request: sent bytes needed before parsing again
  read_request request_progress_;  // wait_for_request: the request read so far
  bool block_pending_ = false;     // would_block_between_slices owes one would_block
  bool flip_send_ = false;
  bool flip_recv_ = false;
  bool eof_ = false;               // the server closed: recv gives closed from now on
  bool dead_ = false;              // reset: send and recv give error from now on
  std::int32_t dead_error_ = 0;
};

}  // namespace htpx::test
