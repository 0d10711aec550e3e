// Private: keeping a response head beyond the receive buffer it was parsed in.
#pragma once

#include "htpx/bytes.hpp"
#include "htpx/error.hpp"
#include "htpx/response.hpp"

namespace htpx::detail {

/// Records the hops of redirect_history into a store: 2-byte status, 2-byte length, the URL.
class history_recorder {
 public:
  explicit history_recorder(mutable_bytes store) noexcept : store_(store) {}
  /// Adds a hop; once the store is full, later hops only mark the history truncated.
  void add(std::uint16_t status, std::string_view url) noexcept;
  /// Returns the hops recorded so far.
  [[nodiscard]] redirect_history view() const noexcept { return {{store_.data, used_}, count_, truncated_}; }

 private:
  mutable_bytes store_;
  std::size_t used_ = 0;
  std::uint8_t count_ = 0;
  bool truncated_ = false;
};

/// Copies the reason phrase and field block of `head` into `store` and points `out` at the
/// copy (body empty). Returns DecodingError when they do not fit.
[[nodiscard]] error copy_head(const response& head, mutable_bytes store, response& out) noexcept;

}  // namespace htpx::detail
