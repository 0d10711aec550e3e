// A parsed URL kept compactly while its request lives: offsets into the URL's text instead of
// a url's string views (36 bytes instead of 76 on a 32-bit target, 40 instead of 152 on a
// 64-bit one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/url.hpp"

namespace htpx::detail {

/// Where a connection goes: what a pooled connection is looked up by.
struct endpoint {
  url_scheme scheme = url_scheme::http;
  std::uint16_t port = 0;
  std::string_view host;
};

/// Returns where `u` connects to.
[[nodiscard]] inline endpoint endpoint_of(const url& u) noexcept { return {u.scheme, u.port, u.host}; }

/// What the client needs of a request's origin after start(): everything parse_url() gives but
/// the fragment, which never goes on the wire. The text it was parsed from must outlive it (the
/// caller's URL or base_url, or the request's redirect area).
class url_offsets {
 public:
  /// The longest text a url_offsets can point into: the client refuses longer URLs.
  static constexpr std::size_t max_text = 0xFFFF;

  /// Keeps `u`, parsed from `text` (at most max_text bytes).
  void keep(const url& u, std::string_view text) noexcept;

  /// Returns the URL kept (no fragment), its views into the text it was parsed from.
  [[nodiscard]] url get() const noexcept;

  /// Returns the scheme kept (the one part read often on its own).
  [[nodiscard]] url_scheme scheme() const noexcept { return scheme_; }
  /// Returns where the URL connects to, without building the whole url.
  [[nodiscard]] endpoint where() const noexcept { return {scheme_, port_, view(parts_[host])}; }

 private:
  // The url's views kept, by their index in parts_ (url_offsets.cpp has their members in order).
  enum : std::uint8_t { scheme_text, userinfo, host, authority_host, path, query, view_count };
  struct part {
    std::uint16_t at = 0;
    std::uint16_t size = 0;
  };
  [[nodiscard]] std::string_view view(part p) const noexcept { return {text_ + p.at, p.size}; }

  const char* text_ = nullptr;
  part parts_[view_count];
  std::uint16_t port_ = 0;
  url_scheme scheme_ = url_scheme::http;
  bool has_userinfo_ = false;
  bool has_port_ = false;
  bool has_query_ = false;
};

}  // namespace htpx::detail
