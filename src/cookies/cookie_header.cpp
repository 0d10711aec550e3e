// RFC 6265 §5.4: the Cookie field for a request.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "htpx/cookies.hpp"
#include "htpx/headers.hpp"

namespace htpx {

namespace {

// Appends "; name=value" ("name=value" first) at out[at...]; false when it does not fit.
bool append_pair(const cookie& c, mutable_bytes out, std::size_t& at) noexcept {
  const std::size_t separator = at == 0 ? 0 : 2;
  const std::size_t need = separator + c.name.size() + 1 + c.value.size();
  if (out.size - at < need) return false;
  char* p = out.data + at;
  if (separator != 0) {
    *p++ = ';';
    *p++ = ' ';
  }
  std::memcpy(p, c.name.data(), c.name.size());
  p[c.name.size()] = '=';
  if (!c.value.empty()) std::memcpy(p + c.name.size() + 1, c.value.data(), c.value.size());
  at += need;
  return true;
}

}  // namespace

// §5.4 step 1: the host matches (exactly when host-only; an empty domain from set() matches
// every host), the path matches, and a Secure cookie needs a secure protocol. Strict RFC 6265:
// https only, without RFC 6265bis' allowance for http://localhost.
bool cookie_jar::matches(std::size_t i, const url& u) const noexcept {
  const cookie c = at(i);
  if (c.secure && u.scheme != url_scheme::https) return false;
  const bool host_ok =
      c.host_only ? iequals(u.host, c.domain) : (c.domain.empty() || cookie_domain_match(u.host, c.domain));
  return host_ok && cookie_path_match(u.path.empty() ? std::string_view("/") : u.path, c.path);
}

// §5.4 step 2: longer paths first, then earlier creation (slot order). No sorting buffer: each
// round writes the matching cookies with the longest path still below `bound`.
result<std::size_t> cookie_jar::header_for(const url& u, std::int64_t now, mutable_bytes out) noexcept {
  last_now_ = now;
  (void)purge_expired(now, 0);
  std::size_t written = 0;
  std::size_t bound = SIZE_MAX;
  for (;;) {
    bool any = false;
    std::size_t longest = 0;
    for (std::size_t i = 0; i != count_; ++i) {
      const std::size_t n = slots_[i].path_size;
      if (n < bound && (!any || n > longest) && matches(i, u)) any = true, longest = n;
    }
    if (!any) return written;
    for (std::size_t i = 0; i != count_; ++i) {
      if (slots_[i].path_size != longest || !matches(i, u)) continue;
      if (!append_pair(at(i), out, written))
        return error{errc::local_protocol_error, "Cookie header larger than the buffer"};
    }
    bound = longest;
  }
}

}  // namespace htpx
