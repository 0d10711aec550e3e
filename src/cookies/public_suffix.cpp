// The jar's small public suffix list (RFC 6265 §5.3 step 5). The real Public Suffix List is
// ~200 KB, too big for a microcontroller; this one refuses every top-level domain and the
// common two-label registries, which stops "Domain=com" and "Domain=co.uk" cookie bombs.
#include <cstddef>
#include <string_view>

#include "htpx/cookies.hpp"
#include "htpx/headers.hpp"

namespace htpx {

namespace {
// Two-label suffixes; every single-label domain is a suffix already (see below).
constexpr char two_label_suffixes[] = "co.uk org.uk ac.uk gov.uk co.jp com.au co.nz com.br com.cn co.in";
}  // namespace

bool cookie_public_suffix(std::string_view domain) noexcept {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  if (domain.empty()) return false;
  // A single label is a top-level domain (com, io, uk, ...), except "localhost", which names
  // the machine itself and is allowed.
  if (domain.find('.') == std::string_view::npos) return !iequals(domain, "localhost");
  std::string_view list = two_label_suffixes;
  while (!list.empty()) {
    const std::size_t end = list.find(' ');
    const std::size_t n = end == std::string_view::npos ? list.size() : end;
    if (iequals({list.data(), n}, domain)) return true;
    list.remove_prefix(n == list.size() ? n : n + 1);
  }
  return false;
}

}  // namespace htpx
