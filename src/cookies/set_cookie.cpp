// RFC 6265 §5.2: the Set-Cookie parser. Lenient as the RFC asks of user agents (unknown or bad
// attributes are ignored), with the RFC 6265bis refusal of control characters.
#include "set_cookie.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/cookies.hpp"
#include "htpx/headers.hpp"

namespace htpx::detail {

namespace {

using sv = std::string_view;

// RFC 6265bis §5.6: a Domain or Path attribute value longer than this is ignored.
constexpr std::size_t max_attribute_bytes = 1024;
// Max-Age digits stop counting here (~34,000 years): no overflow, "huge values clamp".
constexpr std::int64_t max_age_cap = std::int64_t{1} << 40;

bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }

sv trim(sv s) noexcept {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

// Returns what precedes the first `c` in `s` (all of it when there is none) and leaves in `s`
// what follows; `found` tells whether there was a `c`.
sv cut(sv& s, char c, bool& found) noexcept {
  const std::size_t at = s.find(c);
  found = at != sv::npos;
  const sv head{s.data(), found ? at : s.size()};
  s.remove_prefix(found ? at + 1 : s.size());
  return head;
}

// §5.2.2: max-age = ["-"] 1*DIGIT, anything else is ignored. <= 0 is the earliest time (0).
bool parse_max_age(sv v, std::int64_t now, std::int64_t& expires) noexcept {
  const bool negative = !v.empty() && v[0] == '-';
  if (negative) v.remove_prefix(1);
  if (v.empty()) return false;
  std::int64_t delta = 0;
  for (const char c : v) {
    if (c < '0' || c > '9') return false;
    if (delta < max_age_cap) delta = delta * 10 + (c - '0');
  }
  if (negative || delta == 0) {
    expires = 0;
  } else {
    expires = now > INT64_MAX - delta ? INT64_MAX : now + delta;
    if (expires < 0) expires = 0;
  }
  return true;
}

cookie::same_site parse_same_site(sv v) noexcept {
  if (iequals(v, "strict")) return cookie::same_site::strict;
  if (iequals(v, "lax")) return cookie::same_site::lax;
  if (iequals(v, "none")) return cookie::same_site::none;
  return cookie::same_site::unspecified;  // RFC 6265bis §5.6.7: unknown values are ignored
}

// Expiry attributes seen so far: -1 none, else unix seconds >= 0.
struct expiry {
  std::int64_t expires = -1;
  std::int64_t max_age = -1;
};

// §5.2.1-§5.2.6: one cookie-av; the last of each name wins.
void apply_attribute(sv key, sv val, std::int64_t now, set_cookie_fields& out, expiry& e) noexcept {
  std::int64_t t = 0;
  if (iequals(key, "expires")) {
    if (parse_cookie_date(val, t)) e.expires = t < 0 ? 0 : t;
  } else if (iequals(key, "max-age")) {
    if (parse_max_age(val, now, t)) e.max_age = t;
  } else if (iequals(key, "domain")) {
    if (val.empty() || val.size() > max_attribute_bytes) return;  // §5.2.3: empty is ignored
    if (val[0] == '.') val.remove_prefix(1);
    out.domain = val;
  } else if (iequals(key, "path")) {
    if (val.size() <= max_attribute_bytes) out.path = val;
  } else if (iequals(key, "secure")) {
    out.secure = true;
  } else if (iequals(key, "httponly")) {
    out.http_only = true;
  } else if (iequals(key, "samesite")) {
    out.site = parse_same_site(val);
  }
}

}  // namespace

bool has_cookie_ctl(sv s) noexcept {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != 0x09) || c == 0x7F) return true;
  }
  return false;
}

const char* parse_set_cookie(sv text, std::int64_t now, set_cookie_fields& out) noexcept {
  bool more = false;
  bool has_equals = false;
  sv pair = cut(text, ';', more);  // text keeps the unparsed-attributes
  out.name = trim(cut(pair, '=', has_equals));
  out.value = trim(pair);
  if (!has_equals) return "cookie rejected: no '='";
  if (out.name.empty()) return "cookie rejected: empty name";
  if (has_cookie_ctl(out.name) || has_cookie_ctl(out.value)) return "cookie rejected: control character";
  expiry e;
  while (more) {
    sv av = cut(text, ';', more);
    bool unused = false;
    const sv key = trim(cut(av, '=', unused));
    apply_attribute(key, trim(av), now, out, e);
  }
  out.expires = e.max_age >= 0 ? e.max_age : e.expires;  // §5.3 step 3: Max-Age wins
  return nullptr;
}

}  // namespace htpx::detail
