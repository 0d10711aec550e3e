#include "htpx/civil_date.hpp"

namespace htpx {

namespace {

// Days from 0001-01-01 to January 1st of `year` (year >= 1).
std::int64_t days_before_year(std::int64_t year) noexcept {
  const std::int64_t y = year - 1;
  return y * 365 + y / 4 - y / 100 + y / 400;
}

constexpr std::uint16_t days_before_month[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

}  // namespace

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept {
  const unsigned m = (month - 1u) % 12u;  // never out of the table, whatever the caller passes
  const std::int64_t leap_day = (m >= 2 && is_leap_year(year)) ? 1 : 0;
  return days_before_year(year) - days_before_year(1970) + days_before_month[m] + leap_day +
         static_cast<std::int64_t>(day) - 1;
}

}  // namespace htpx
