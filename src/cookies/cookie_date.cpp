// RFC 6265 §5.1.1: the cookie-date algorithm, and the calendar arithmetic it needs (no libc
// time functions: they read the time zone and, on newlib, may allocate).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/cookies.hpp"

namespace htpx {

namespace {

using sv = std::string_view;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// delimiter = %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E
bool is_delimiter(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  return c == 0x09 || (c >= 0x20 && c <= 0x2F) || (c >= 0x3B && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

// Reads `min` to `max` DIGITs at t[i...] into `value`.
bool digits(sv t, std::size_t& i, std::size_t min, std::size_t max, unsigned& value) noexcept {
  value = 0;
  std::size_t n = 0;
  for (; i != t.size() && n != max && is_digit(t[i]); ++i, ++n) value = value * 10u + static_cast<unsigned>(t[i] - '0');
  return n >= min;
}

// A numeric field ends the token or is followed by a non-digit and anything ("( non-digit
// *OCTET )", optional as RFC 6265bis spells it).
bool field_ends(sv t, std::size_t i) noexcept { return i == t.size() || !is_digit(t[i]); }

// day-of-month = 1*2DIGIT, year = 2*4DIGIT
bool match_number(sv t, std::size_t min, std::size_t max, unsigned& value) noexcept {
  std::size_t i = 0;
  return digits(t, i, min, max, value) && field_ends(t, i);
}

// time = hms-time ( non-digit *OCTET ); hms-time = time-field ":" time-field ":" time-field
bool match_time(sv t, unsigned (&hms)[3]) noexcept {
  std::size_t i = 0;
  for (std::size_t k = 0; k != 3; ++k) {
    if (k != 0 && (i == t.size() || t[i++] != ':')) return false;
    if (!digits(t, i, 1, 2, hms[k])) return false;
  }
  return field_ends(t, i);
}

// month = ( "jan" / ... / "dec" ) *OCTET, case-insensitive
bool match_month(sv t, unsigned& month) noexcept {
  static constexpr char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
  if (t.size() < 3) return false;
  for (unsigned m = 0; m != 12; ++m) {
    bool same = true;
    for (unsigned k = 0; k != 3; ++k) same = same && static_cast<char>(t[k] | 0x20) == names[m * 3 + k];
    if (same) {
      month = m + 1;
      return true;
    }
  }
  return false;
}

constexpr std::uint8_t month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

unsigned days_in_month(std::int64_t year, unsigned month) noexcept {
  return month_days[month - 1] + ((month == 2 && is_leap_year(year)) ? 1u : 0u);
}

}  // namespace

bool parse_cookie_date(sv text, std::int64_t& unix_seconds) noexcept {
  unsigned hms[3] = {0, 0, 0}, day = 0, month = 0, year = 0;
  bool found_time = false, found_day = false, found_month = false, found_year = false;
  std::size_t i = 0;
  while (i != text.size()) {
    while (i != text.size() && is_delimiter(text[i])) ++i;
    const std::size_t start = i;
    while (i != text.size() && !is_delimiter(text[i])) ++i;
    const sv token{text.data() + start, i - start};
    if (token.empty()) break;
    if (!found_time && match_time(token, hms)) {
      found_time = true;
    } else if (!found_day && match_number(token, 1, 2, day)) {
      found_day = true;
    } else if (!found_month && match_month(token, month)) {
      found_month = true;
    } else if (!found_year && match_number(token, 2, 4, year)) {
      found_year = true;
    }
  }
  if (!(found_time && found_day && found_month && found_year)) return false;
  if (year >= 70 && year <= 99) year += 1900;
  if (year <= 69) year += 2000;
  if (day < 1 || year < 1601 || hms[0] > 23 || hms[1] > 59 || hms[2] > 59) return false;
  if (day > days_in_month(year, month)) return false;  // "no such date" (Feb 30)
  unix_seconds = days_from_civil(year, month, day) * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2];
  return true;
}

}  // namespace htpx
