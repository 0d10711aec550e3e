// RFC 6265 §5.3: storing a Set-Cookie received for a request URL, with RFC 6265bis's "Leave
// Secure Cookies Alone" (draft-ietf-httpbis-rfc6265bis-12 §5.7 steps 8 and 16).
#include <cstdint>
#include <string_view>

#include "htpx/cookies.hpp"
#include "htpx/headers.hpp"
#include "set_cookie.hpp"

namespace htpx {

namespace {
constexpr error rejected(const char* why) noexcept { return {errc::decoding_error, why}; }

// Only https is a secure protocol here: a plain http:// URL to localhost is not either (a
// Secure cookie is never sent to one).
bool secure_scheme(const url& u) noexcept { return u.scheme == url_scheme::https; }
}  // namespace

// 6265bis §5.7 step 16: a cookie from an insecure origin may not shadow a Secure one with its
// name whose domain domain-matches its own (either way) and whose path its path path-matches.
// Without this, one plain http answer (from anyone on the network path) replaces or shadows the
// https session cookie.
bool cookie_jar::shadows_secure(const cookie& c) const noexcept {
  for (std::size_t i = 0; i != count_; ++i) {
    const cookie old = at(i);
    if (old.secure && old.name == c.name && cookie_path_match(c.path, old.path) &&
        (cookie_domain_match(c.domain, old.domain) || cookie_domain_match(old.domain, c.domain))) {
      return true;
    }
  }
  return false;
}

error cookie_jar::store(const url& request_url, std::string_view set_cookie_value, std::int64_t now) noexcept {
  last_now_ = now;
  detail::set_cookie_fields f;
  if (const char* why = detail::parse_set_cookie(set_cookie_value, now, f)) return rejected(why);
  const std::string_view host = request_url.host;
  if (host.empty()) return rejected("cookie rejected: no request host");
  std::string_view domain = f.domain;
  // Step 5: a public suffix is refused, unless it is the request host itself: host-only then.
  if (cookie_public_suffix(domain)) {
    if (!iequals(domain, host)) return rejected("cookie rejected: public suffix domain");
    domain = {};
  }
  // Step 6: a Domain the request host does not domain-match is refused (an IP host only
  // matches itself).
  if (!domain.empty() && !cookie_domain_match(host, domain)) return rejected("cookie rejected: domain does not match");
  // 6265bis §5.7 step 8: only a secure origin sets a Secure cookie.
  if (f.secure && !secure_scheme(request_url)) return rejected("cookie rejected: Secure from an insecure origin");
  cookie c;
  c.name = f.name;
  c.value = f.value;
  c.host_only = domain.empty();
  c.domain = c.host_only ? host : domain;
  // Step 7 and §5.2.4: a Path that is empty or does not start with '/' is the default-path.
  c.path = (!f.path.empty() && f.path[0] == '/') ? f.path : cookie_default_path(request_url.path);
  c.expires = f.expires;
  c.secure = f.secure;
  c.http_only = f.http_only;
  c.site = f.site;
  if (!secure_scheme(request_url) && shadows_secure(c)) {
    return rejected("cookie rejected: an insecure origin would overwrite a Secure cookie");
  }
  if (const char* why = put(c, now)) return rejected(why);
  return {};
}

void cookie_jar::store_all(const url& request_url, const headers_view& response_headers, std::int64_t now) noexcept {
  for (const header& field : response_headers) {
    if (iequals(field.name, "set-cookie")) (void)store(request_url, field.value, now);
  }
}

}  // namespace htpx
