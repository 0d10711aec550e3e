// Calendar arithmetic without timegm() (which firmware lacks): shared by the cookie-date parser
// (RFC 6265 §5.1.1, Retry-After dates) and the mbedTLS port's certificate dates.
#pragma once

#include <cstdint>

namespace htpx {

/// Returns the days from 1970-01-01 to the proleptic Gregorian date `year`-`month`-`day`
/// (negative before 1970) for year >= 1, month 1..12 and day 1..31 (not checked against the
/// month; other arguments give a meaningless number, never undefined behaviour).
[[nodiscard]] std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept;

/// True for a leap year of the Gregorian calendar.
[[nodiscard]] constexpr bool is_leap_year(std::int64_t year) noexcept {
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

}  // namespace htpx
