// Cookies (RFC 6265): a fixed-capacity jar over caller storage that stores Set-Cookie fields
// and writes the Cookie field, plus the RFC's matching rules as free functions.
#pragma once

#include "htpx/config.hpp"

/// Most bytes of one cookie's name plus value (browsers: 4096); a longer one is rejected.
#ifndef HTPX_COOKIE_MAX_BYTES
#define HTPX_COOKIE_MAX_BYTES 4096
#endif

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/bytes.hpp"
#include "htpx/civil_date.hpp"  // days_from_civil(), which cookie dates use
#include "htpx/error.hpp"
#include "htpx/headers.hpp"
#include "htpx/result.hpp"
#include "htpx/span.hpp"
#include "htpx/url.hpp"

static_assert(HTPX_COOKIE_MAX_BYTES > 0 && HTPX_COOKIE_MAX_BYTES <= 0xFFFF, "HTPX_COOKIE_MAX_BYTES: 1..65535");

namespace htpx {

/// One stored cookie. The views point into the jar's storage and are valid until the jar
/// changes (store, set, header_for, remove, clear).
struct cookie {
  enum class same_site : std::uint8_t { unspecified, lax, strict, none };
  std::string_view name;
  std::string_view value;
  std::string_view domain;  ///< lowercase, no leading dot; empty: every host (set() only)
  std::string_view path;
  std::int64_t expires = -1;                ///< unix seconds; -1 for a session cookie
  bool host_only = false;                   ///< sent to `domain` exactly, not to its subdomains
  bool secure = false;                      ///< sent over https only
  bool http_only = false;                   ///< kept and sent (this is an HTTP client); for dumps
  same_site site = same_site::unspecified;  ///< kept for dumps; a client has no site to enforce it on
};

namespace detail {
/// One cookie's bookkeeping in a jar; its text lives in the jar's text storage.
struct cookie_slot {
  std::int64_t expires;
  std::uint32_t offset;  // of name, value, domain and path, stored back to back
  std::uint16_t name_size, value_size, domain_size, path_size;
  std::uint8_t flags;  // cookie_jar::flag bits
  std::uint8_t site;   // cookie::same_site
};
}  // namespace detail

/// A cookie jar over caller storage: `entries` bounds the number of cookies, `text` their total
/// bytes (name + value + domain + path each). No heap. Cookies are kept in creation order; a
/// replaced cookie keeps its place (RFC 6265 §5.3 step 11.3).
///
/// Full jar: to make room for a new cookie, the expired cookies go first, then the oldest by
/// creation (the first stored), until one entry and enough text bytes are free. A full jar is
/// never an error. Removing a cookie compacts the text storage (memmove), so views from for_each()
/// or at() die with any change.
///
/// Public suffixes (§5.3 step 5), deliberately small since a real Public Suffix List is ~200 KB:
/// every single-label domain except "localhost" (so com, net, org, edu, gov, mil, int, io, co,
/// uk, de, fr, jp, au, nz, br, cn, in, ru, us, eu, info, biz and every other TLD), and co.uk
/// org.uk ac.uk gov.uk co.jp com.au co.nz com.br com.cn co.in. A Domain attribute naming one is
/// refused, unless it equals the request host, which makes the cookie host-only.
///
/// Strict RFC 6265 where RFC 6265bis differs: Secure cookies are sent over https only (no
/// localhost exception) but may be stored from http; a Set-Cookie without '=' is ignored. From
/// RFC 6265bis: a name or value with a control character (other than HTAB) is refused, and a
/// Domain or Path attribute longer than 1024 bytes is ignored. SameSite is parsed and kept,
/// never enforced (as httpx and curl).
///
/// The client calls store_all() and header_for() through the jar's vtable, so a program that
/// never builds a jar links none of the cookie code (make size: the minimal client profile).
class cookie_jar {  // NOLINT(cppcoreguidelines-virtual-class-destructor): never deleted through cookie_jar*
 public:
  /// Views the caller's storage, which must outlive the jar; starts empty.
  cookie_jar(span<detail::cookie_slot> entries, mutable_bytes text) noexcept;
  cookie_jar(const cookie_jar&) = delete;
  cookie_jar& operator=(const cookie_jar&) = delete;

  /// RFC 6265 §5.2/§5.3: parses one Set-Cookie field value received for `request_url` at `now`
  /// (unix seconds) and stores the cookie, replaces the one with the same name, domain and path,
  /// or deletes it (an expiry at or before `now`: Max-Age <= 0 or a past Expires; dates before
  /// 1970 count as 0, so `now` should be >= 0). Returns
  /// errc::none, or for the caller's information (the client ignores rejections; the jar is
  /// unchanged) errc::decoding_error with one of these details:
  ///   "cookie rejected: no '='"                  no '=' before the first ';' (§5.2 step 2)
  ///   "cookie rejected: empty name"              (§5.2 step 5)
  ///   "cookie rejected: control character"       a CTL other than HTAB in the name or value
  ///   "cookie rejected: no request host"         `request_url` has an empty host
  ///   "cookie rejected: public suffix domain"    Domain names a public suffix (list above)
  ///   "cookie rejected: domain does not match"   the request host does not domain-match Domain
  ///   "cookie rejected: Secure from an insecure origin"   Secure set by a non-https URL
  ///   "cookie rejected: an insecure origin would overwrite a Secure cookie"   a non-https URL
  ///                                              sets a cookie named as a stored Secure one
  ///                                              whose domain and path it matches (RFC
  ///                                              6265bis §5.7 "Leave Secure Cookies Alone")
  ///   "cookie too large"                         name + value > HTPX_COOKIE_MAX_BYTES, domain >
  ///                                              255 or path > 1024 bytes, or larger than the
  ///                                              jar's whole text storage (or no entries)
  [[nodiscard]] error store(const url& request_url, std::string_view set_cookie_value, std::int64_t now) noexcept;

  /// Stores every Set-Cookie field of a response head, in order, ignoring rejections.
  virtual void store_all(const url& request_url, const headers_view& response_headers, std::int64_t now) noexcept;

  /// Sets a session cookie from the application (httpx `Cookies.set(name, value, domain="",
  /// path="/")`). As in httpx (http.cookiejar), an empty `domain` means every host, and a
  /// non-empty one (leading dot ignored) that host and its subdomains (never host-only); no
  /// public suffix check: the application decides. A `path` not starting with '/' means "/".
  /// Replaces the cookie with the same name, domain and path. Expired cookies are evicted as of
  /// the last `now` given to store() or header_for(). Returns errc::none, or
  /// errc::local_protocol_error "invalid cookie name or value" (empty name, '=' in the name, ';'
  /// or a CTL other than HTAB in either), "cookie text inside the jar" (a view into this jar's
  /// own storage: copy it first), or "cookie too large" (as store()).
  [[nodiscard]] error set(std::string_view name, std::string_view value, std::string_view domain = {},
                          std::string_view path = "/") noexcept;

  /// RFC 6265 §5.4: removes the expired cookies, then writes the Cookie field value for a
  /// request to `u` at `now` into `out`: "a=1; b=2", cookies whose domain and path match `u`,
  /// longer paths first, then earlier creation; Secure ones only when `u` is https. Returns the
  /// length written (0: no cookie applies, omit the field), or errc::local_protocol_error "Cookie
  /// header larger than the buffer" (nothing past out.size is touched).
  [[nodiscard]] virtual result<std::size_t> header_for(const url& u, std::int64_t now, mutable_bytes out) noexcept;

  /// Removes the cookie with exactly this name, domain (any case, leading dot ignored) and path.
  void remove(std::string_view name, std::string_view domain, std::string_view path) noexcept;
  /// Removes every cookie.
  void clear() noexcept;
  /// Returns the number of cookies stored (expired ones not yet evicted included).
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  /// Returns the most cookies the jar holds.
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
  /// Returns the text bytes in use (the sum of every cookie's name, value, domain and path).
  [[nodiscard]] std::size_t text_size() const noexcept { return used_; }
  /// Returns the text bytes the jar holds.
  [[nodiscard]] std::size_t text_capacity() const noexcept { return text_size_; }
  /// Returns cookie `i` in creation order (an empty cookie when i >= size()); views live until
  /// the jar changes.
  [[nodiscard]] cookie at(std::size_t i) const noexcept;
  /// Calls f(const cookie&) for each cookie in creation order (for `htpx --cookie-jar` dumps
  /// and tests); `f` must not change the jar.
  template <class F>
  void for_each(F&& f) const noexcept {
    for (std::size_t i = 0; i != count_; ++i) {
      const cookie c = at(i);
      f(c);
    }
  }

 private:
  enum flag : std::uint8_t { host_only_flag = 1, secure_flag = 2, http_only_flag = 4 };
  const char* put(const cookie& c, std::int64_t now) noexcept;
  [[nodiscard]] std::size_t find(std::string_view name, std::string_view domain, std::string_view path) const noexcept;
  [[nodiscard]] bool expired(std::size_t i, std::int64_t now) const noexcept;
  [[nodiscard]] bool shadows_secure(const cookie& c) const noexcept;
  [[nodiscard]] bool owns(std::string_view s) const noexcept;
  [[nodiscard]] bool matches(std::size_t i, const url& u) const noexcept;
  std::size_t purge_expired(std::int64_t now, std::size_t keep_index) noexcept;
  void erase(std::size_t i) noexcept;
  void insert(std::size_t i, const cookie& c) noexcept;

  span<detail::cookie_slot> slots_;
  char* text_;
  std::size_t text_size_;
  std::size_t count_ = 0;
  std::size_t used_ = 0;
  std::int64_t last_now_ = INT64_MIN;
};

namespace detail {
/// The inline storage of a static_cookie_jar, a base so it is built before the jar.
template <std::size_t MaxCookies, std::size_t TextBytes>
struct static_cookie_storage {
  static_assert(MaxCookies > 0 && TextBytes > 0, "a cookie jar needs entries and text bytes");
  cookie_slot cookie_slots_[MaxCookies];
  char cookie_text_[TextBytes];
};
}  // namespace detail

/// A cookie jar that owns its storage inline: `MaxCookies` cookies, `TextBytes` text bytes.
template <std::size_t MaxCookies, std::size_t TextBytes>
class static_cookie_jar final  // NOLINT(cppcoreguidelines-virtual-class-destructor): final, deleted as itself
    : private detail::static_cookie_storage<MaxCookies, TextBytes>,
      public cookie_jar {
 public:
  static_cookie_jar() noexcept : cookie_jar({this->cookie_slots_, MaxCookies}, {this->cookie_text_, TextBytes}) {}
};

/// RFC 6265 §5.1.1: parses a cookie-date (any of the usual formats: "Sun, 06 Nov 1994 08:49:37
/// GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", ...; two-digit years
/// 70-99 are 19xx, 00-69 20xx). Returns true and sets `unix_seconds`, or false for a missing
/// part, a year before 1601, a field out of range or a date that does not exist (Feb 30).
[[nodiscard]] bool parse_cookie_date(std::string_view text, std::int64_t& unix_seconds) noexcept;

/// RFC 6265 §5.1.3: returns true when `host` domain-matches `domain` (ASCII case ignored): equal,
/// or `host` ends with "." + `domain` and is a host name, not an IP address.
[[nodiscard]] bool cookie_domain_match(std::string_view host, std::string_view domain) noexcept;

/// RFC 6265 §5.1.4: returns true when `request_path` path-matches `cookie_path`.
[[nodiscard]] bool cookie_path_match(std::string_view request_path, std::string_view cookie_path) noexcept;

/// RFC 6265 §5.1.4: returns the default-path of a request URI path: "/" when it is empty, does
/// not start with '/' or has one '/' only, else everything before the last '/'. The result views
/// `uri_path` or a static "/".
[[nodiscard]] std::string_view cookie_default_path(std::string_view uri_path) noexcept;

/// Returns true when `domain` (any case, one trailing dot ignored) is on the jar's small public
/// suffix list (see cookie_jar); false for an empty domain.
[[nodiscard]] bool cookie_public_suffix(std::string_view domain) noexcept;

/// Returns true when `host` is an IP address literal: IPv6 (holds ':') or digits and dots only.
[[nodiscard]] bool cookie_host_is_ip(std::string_view host) noexcept;

}  // namespace htpx
