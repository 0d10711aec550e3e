// A platform whose clock moves only when the test (or a blocking call's wait()) moves it, so
// timeout tests run instantly and can start just before the 32-bit wrap (port contract T-02).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "htpx/port/transport.hpp"

namespace htpx::test {

class fake_platform final : public port::platform {
 public:
  /// Starts the clock at `start` (default: 4 s before the 2^32 ms wrap).
  explicit fake_platform(std::uint32_t start = 0xFFFFF000u) : now_(start), start_(start) {}

  std::uint32_t now_ms() noexcept override { return now_; }
  /// Sleeping: with sockets to wait on, 1 ms passes (a scripted peer is always "ready soon");
  /// with none, the whole timeout passes.
  void wait(port::wait_entry* entries, std::size_t count, std::uint32_t timeout_ms) noexcept override {
    (void)entries;
    ++waits_;
    now_ += count != 0 && timeout_ms > 1 ? 1 : timeout_ms;
  }

  /// The calendar clock moves with the millisecond one, from `unix_start`.
  std::int64_t unix_time_s() noexcept override { return unix_start + (now_ - start_) / 1000; }

  /// W-04: the client says a transport is about to connect (again); `on_forget` sees each call.
  void forget(const port::transport& conn) noexcept override {
    if (on_forget) on_forget(conn);
  }
  std::function<void(const port::transport&)> on_forget;

  void advance(std::uint32_t ms) { now_ += ms; }
  std::int64_t unix_start = 1767225600;  // 2026-01-01T00:00:00Z
  [[nodiscard]] std::uint32_t now() const { return now_; }
  [[nodiscard]] std::size_t waits() const { return waits_; }

 private:
  std::uint32_t now_;
  std::uint32_t start_;
  std::size_t waits_ = 0;
};

}  // namespace htpx::test
