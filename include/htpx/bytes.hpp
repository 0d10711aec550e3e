// Non-owning views over contiguous bytes (C++17 has no std::span).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace htpx {

/// A read-only view of `size` bytes at `data`. Never owns; the producer states its lifetime.
struct bytes_view {
  const char* data = nullptr;
  std::size_t size = 0;

  constexpr bytes_view() noexcept = default;
  constexpr bytes_view(const char* d, std::size_t n) noexcept : data(d), size(n) {}
  /// Views the characters of `s` (no terminator).
  constexpr bytes_view(std::string_view s) noexcept : data(s.data()), size(s.size()) {}  // NOLINT(google-explicit-constructor)

  /// Returns true when the view holds no bytes.
  [[nodiscard]] constexpr bool empty() const noexcept { return size == 0; }
  /// Returns the same bytes as a string_view (valid as long as this view).
  [[nodiscard]] constexpr std::string_view str() const noexcept { return {data, size}; }
};

/// A writable view of `size` bytes at `data`, typically free space in a caller buffer.
struct mutable_bytes {
  char* data = nullptr;
  std::size_t size = 0;

  constexpr mutable_bytes() noexcept = default;
  constexpr mutable_bytes(char* d, std::size_t n) noexcept : data(d), size(n) {}
  /// Views a whole array, e.g. `char buf[512]; mutable_bytes{buf}`.
  template <std::size_t N>
  constexpr mutable_bytes(char (&array)[N]) noexcept : data(array), size(N) {}  // NOLINT(google-explicit-constructor)

  /// Returns true when the view holds no bytes.
  [[nodiscard]] constexpr bool empty() const noexcept { return size == 0; }
};

}  // namespace htpx
