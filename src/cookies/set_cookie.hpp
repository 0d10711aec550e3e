// Private: the Set-Cookie parser's result (RFC 6265 §5.2), before the jar applies §5.3.
#pragma once

#include <cstdint>
#include <string_view>

#include "htpx/cookies.hpp"

namespace htpx::detail {

/// The cookie-pair and attributes of one Set-Cookie value; views into that value.
struct set_cookie_fields {
  std::string_view name;
  std::string_view value;
  std::string_view domain;    ///< the last Domain attribute without its leading '.'; empty: none
  std::string_view path;      ///< the last Path attribute; empty or not starting with '/': default
  std::int64_t expires = -1;  ///< Max-Age over Expires (§5.3 step 3), clamped to >= 0; -1: session
  bool secure = false;
  bool http_only = false;
  cookie::same_site site = cookie::same_site::unspecified;
};

/// RFC 6265 §5.2: parses `text` received at `now`. Returns nullptr, or the rejection detail
/// ("cookie rejected: no '='", "cookie rejected: empty name", "cookie rejected: control
/// character").
const char* parse_set_cookie(std::string_view text, std::int64_t now, set_cookie_fields& out) noexcept;

/// Returns true when `s` holds a CTL other than HTAB (%x00-08 / %x0A-1F / %x7F).
bool has_cookie_ctl(std::string_view s) noexcept;

}  // namespace htpx::detail
