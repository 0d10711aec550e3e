// A request's origin kept as offsets into its URL's text (url_offsets.hpp): out of line, as
// the client reads it in several places and a copy inlined at each would cost code.
#include "htpx/url_offsets.hpp"

namespace htpx::detail {

namespace {

// The members behind parts_, in its order: one loop keeps them all and one gives them back.
constexpr std::string_view url::*const kept_views[] = {&url::scheme_text,    &url::userinfo, &url::host,
                                                       &url::authority_host, &url::path,     &url::query};

}  // namespace

void url_offsets::keep(const url& u, std::string_view whole) noexcept {
  static_assert(sizeof kept_views / sizeof kept_views[0] == view_count && kept_views[host] == &url::host);
  text_ = whole.data();
  for (std::size_t i = 0; i != view_count; ++i) {
    // An empty view may point anywhere (or nowhere): it is kept as empty at the text's start.
    const std::string_view v = u.*kept_views[i];
    parts_[i] =
        v.empty() ? part{} : part{static_cast<std::uint16_t>(v.data() - text_), static_cast<std::uint16_t>(v.size())};
  }
  port_ = u.port;
  scheme_ = u.scheme;
  has_userinfo_ = u.has_userinfo;
  has_port_ = u.has_port;
  has_query_ = u.has_query;
}

url url_offsets::get() const noexcept {
  url u;
  for (std::size_t i = 0; i != view_count; ++i) u.*kept_views[i] = view(parts_[i]);
  u.port = port_;
  u.scheme = scheme_;
  u.has_userinfo = has_userinfo_;
  u.has_port = has_port_;
  u.has_query = has_query_;
  return u;
}

}  // namespace htpx::detail
