// Private: keeping a response head beyond the receive buffer it was parsed in.
#pragma once

#include "htpx/bytes.hpp"
#include "htpx/error.hpp"
#include "htpx/response.hpp"

namespace htpx::detail {

/// Copies the reason phrase and field block of `head` into `store` and points `out` at the
/// copy (body empty). Returns DecodingError when they do not fit.
[[nodiscard]] error copy_head(const response& head, mutable_bytes store, response& out) noexcept;

}  // namespace htpx::detail
