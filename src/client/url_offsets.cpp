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
  url u;
  u.scheme = scheme_;
  u.scheme_text = view(scheme_text_);
  u.userinfo = view(userinfo_);
  u.has_userinfo = has_userinfo_;
  u.host = view(host_);
  u.authority_host = view(authority_host_);
  u.port = port_;
  u.has_port = has_port_;
  u.path = view(path_);
  u.query = view(query_);
  u.has_query = has_query_;
  return u;
}

}  // namespace htpx::detail
