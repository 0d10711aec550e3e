// A transport that wraps another one and fails its Nth call of a chosen kind, so a sweep can fail
// every call in turn (reliability-catalogue.md §6.1 item 3, S-01..S-05).
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "htpx/port/transport.hpp"

namespace htpx::test {

/// Which calls a fault counts.
enum class call_kind : std::uint8_t { connect, send, recv, any };

/// What the failing call does instead of its work.
enum class fault : std::uint8_t {
  none,
  error,           ///< Returns error(sys_error). The connection is dead afterwards (sticky).
  closed,          ///< Returns closed: on recv the peer's EOF (sticky for recv); on send the peer
                   ///< stopped reading (sticky for send); on connect a broken port (S-14).
  short_transfer,  ///< send/recv move at most `short_bytes` (the inner transport decides the
                   ///< rest); connect reports would_block once more (still in progress).
  would_block,     ///< Returns would_block without calling the inner transport.
};

/// Returns "connect", "send", "recv" or "any".
[[nodiscard]] const char* to_string(call_kind kind);
/// Returns "none", "error", "closed", "short_transfer" or "would_block".
[[nodiscard]] const char* to_string(fault f);

/// Wraps `inner` and injects one fault. Counting is 1-based and per kind (call_kind::any
/// counts every connect, send and recv). Without arm() it only forwards and counts.
class fault_transport final : public port::transport {
 public:
  explicit fault_transport(port::transport& inner) : inner_(&inner) {}

  /// Fails the `n`th call (1-based) of `kind` with `f`. Replaces any earlier arming and
  /// restarts nothing: counting continues from the calls already made.
  void arm(call_kind kind, std::size_t n, fault f, std::int32_t sys_error = ECONNRESET);
  /// Removes the fault (a fault already injected stays in effect until close() if sticky).
  void disarm() { armed_ = fault::none; }
  /// Bytes a short_transfer moves at most (default 1).
  void set_short_bytes(std::size_t n) { short_bytes_ = n == 0 ? 1 : n; }
  /// Whether error and closed faults persist as a real socket would (default true): after an
  /// error every call fails; after closed on recv every recv is closed; after closed on send
  /// every send is closed. close() ends the effect.
  void set_sticky(bool sticky) { sticky_ = sticky; }

  port::io_result connect(std::string_view host, std::uint16_t port) noexcept override;
  port::io_result send(bytes_view data) noexcept override;
  port::io_result recv(mutable_bytes buffer) noexcept override;
  void close() noexcept override;
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return inner_->native_handle(); }
  [[nodiscard]] bool has_buffered_input() const noexcept override { return inner_->has_buffered_input(); }

  /// Calls of `kind` made so far (any: connect + send + recv; close() is not counted).
  [[nodiscard]] std::size_t calls(call_kind kind) const;
  /// The kind of every connect/send/recv call in order (index 0 is call 1).
  [[nodiscard]] const std::vector<call_kind>& call_log() const { return log_; }
  /// True once the armed fault was injected.
  [[nodiscard]] bool fired() const { return fired_; }
  /// The call (call_kind::connect, send or recv) the fault hit; meaningful when fired().
  [[nodiscard]] call_kind fired_on() const { return fired_on_; }

 private:
  // Counts the call and returns the fault to inject into it (fault::none for a plain call).
  fault next_call(call_kind kind);

  port::transport* inner_;
  std::vector<call_kind> log_;
  std::size_t counts_[3] = {0, 0, 0};
  call_kind armed_kind_ = call_kind::any;
  std::size_t armed_n_ = 0;
  fault armed_ = fault::none;
  std::int32_t sys_error_ = ECONNRESET;
  std::size_t short_bytes_ = 1;
  bool sticky_ = true;
  bool fired_ = false;
  call_kind fired_on_ = call_kind::any;
  bool dead_ = false;         // sticky error
  bool recv_closed_ = false;  // sticky closed on recv
  bool send_closed_ = false;  // sticky closed on send
};

}  // namespace htpx::test
