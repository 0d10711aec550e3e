// result<T>: a value or an htpx::error, without exceptions.
#pragma once

#include "htpx/error.hpp"

namespace htpx {

/// Holds either a `T` or an `error`. `T` must be default-constructible and copyable.
template <class T>
class [[nodiscard]] result {
 public:
  /// A successful result holding `value`.
  constexpr result(T value) noexcept : value_(value) {}  // NOLINT(google-explicit-constructor)
  /// A failed result; `failure.code` must not be errc::none.
  constexpr result(error failure) noexcept : error_(failure) {}  // NOLINT(google-explicit-constructor)

  /// Returns true when a value is held.
  [[nodiscard]] constexpr bool ok() const noexcept { return !error_; }
  /// Returns true when a value is held.
  constexpr explicit operator bool() const noexcept { return ok(); }
  /// Returns the value; meaningful only when ok().
  [[nodiscard]] constexpr const T& value() const noexcept { return value_; }
  /// Returns the error; `errc::none` when ok().
  [[nodiscard]] constexpr error err() const noexcept { return error_; }

 private:
  T value_{};
  error error_{};
};

}  // namespace htpx
