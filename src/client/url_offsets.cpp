// A request's origin kept as offsets into its URL's text (url_offsets.hpp): out of line, as
// the client reads it in several places and a copy inlined at each would cost code.
#include "htpx/url_offsets.hpp"

namespace htpx::detail {

void url_offsets::keep(const url& u, std::string_view whole) noexcept {
  const char* text = whole.data();
  text_ = text;
  scheme_text_ = part_of(text, u.scheme_text);
  userinfo_ = part_of(text, u.userinfo);
  host_ = part_of(text, u.host);
  authority_host_ = part_of(text, u.authority_host);
  path_ = part_of(text, u.path);
  query_ = part_of(text, u.query);
  port_ = u.port;
  scheme_ = u.scheme;
  has_userinfo_ = u.has_userinfo;
  has_port_ = u.has_port;
  has_query_ = u.has_query;
}

url url_offsets::get() const noexcept {
  // Every member once, in declaration order (no default values first, then overwritten).
  return url{scheme_, view(scheme_text_), view(userinfo_), has_userinfo_, view(host_), view(authority_host_),
             port_,   has_port_,          view(path_),     view(query_),  has_query_,  {},
             false};
}

}  // namespace htpx::detail
