// Text encodings for authentication headers: base64 (Basic credentials) and lowercase hex
// (Digest hashes).
#pragma once

#include <cstddef>

#include "htpx/bytes.hpp"

namespace htpx::detail {

/// Returns the base64 length of `n` bytes: 4 * ceil(n / 3).
[[nodiscard]] constexpr std::size_t base64_size(std::size_t n) noexcept { return (n + 2) / 3 * 4; }

/// Writes `in` in base64 with padding (RFC 4648 §4) to `out` (no terminator). Returns the number
/// of characters written, or 0 when they would not fit in `cap` (and for an empty input).
[[nodiscard]] std::size_t base64_encode(bytes_view in, char* out, std::size_t cap) noexcept;

/// Writes the `n` bytes at `in` as 2 * n lowercase hex digits to `out` (no terminator).
void hex_encode(const unsigned char* in, std::size_t n, char* out) noexcept;

}  // namespace htpx::detail
