// RFC 6265 §5.3: storing a Set-Cookie received for a request URL.
#include <cstdint>
#include <string_view>

#include "htpx/cookies.hpp"
#include "htpx/headers.hpp"
#include "set_cookie.hpp"

namespace htpx {

namespace {
constexpr error rejected(const char* why) noexcept { return {errc::decoding_error, why}; }
}  // namespace

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
  if (const char* why = put(c, now)) return rejected(why);
  return {};
}

void cookie_jar::store_all(const url& request_url, const headers_view& response_headers, std::int64_t now) noexcept {
  for (const header& field : response_headers) {
    if (iequals(field.name, "set-cookie")) (void)store(request_url, field.value, now);
  }
}

}  // namespace htpx
