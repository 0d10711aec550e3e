// RFC 6265 §5.1.3 domain matching and §5.1.4 paths: which requests a stored cookie goes to.
#include <cstddef>
#include <string_view>

#include "htpx/cookies.hpp"
#include "htpx/headers.hpp"

namespace htpx {

bool cookie_host_is_ip(std::string_view host) noexcept {
  if (host.empty()) return false;
  bool dotted = true;
  for (const char c : host) {
    if (c == ':') return true;  // IPv6 (the URL parser strips the brackets)
    dotted = dotted && ((c >= '0' && c <= '9') || c == '.');
  }
  return dotted;
}

bool cookie_domain_match(std::string_view host, std::string_view domain) noexcept {
  if (iequals(host, domain)) return true;
  if (domain.empty() || host.size() <= domain.size()) return false;
  const std::size_t cut = host.size() - domain.size();
  return host[cut - 1] == '.' && iequals({host.data() + cut, domain.size()}, domain) && !cookie_host_is_ip(host);
}

bool cookie_path_match(std::string_view request_path, std::string_view cookie_path) noexcept {
  const std::size_t n = cookie_path.size();
  if (n == 0 || request_path.size() < n || std::string_view{request_path.data(), n} != cookie_path) return false;
  return request_path.size() == n || cookie_path[n - 1] == '/' || request_path[n] == '/';
}

std::string_view cookie_default_path(std::string_view uri_path) noexcept {
  if (uri_path.empty() || uri_path[0] != '/') return "/";
  const std::size_t last = uri_path.rfind('/');
  if (last == 0) return "/";
  return {uri_path.data(), last};
}

}  // namespace htpx
