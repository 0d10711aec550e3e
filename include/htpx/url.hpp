// URLs (RFC 3986): a strict zero-copy parser, reference resolution for redirects, the
// request-target writer with query parameters, and the same-origin test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/bytes.hpp"
#include "htpx/result.hpp"

namespace htpx {

/// Schemes the client knows. `other` parses but the client refuses it (UnsupportedProtocol).
enum class url_scheme : std::uint8_t { http, https, other };

/// A parsed absolute URL (RFC 3986 §3). Every view points into the parsed string and lives as
/// long as that string.
struct url {
  url_scheme scheme = url_scheme::http;
  std::string_view scheme_text;  ///< as written, e.g. "HTTP"
  std::string_view userinfo;     ///< without the '@'; empty if none (has_userinfo tells)
  bool has_userinfo = false;
  std::string_view host;            ///< for connecting: IPv6 without brackets, reg-name as written (case kept)
  std::string_view authority_host;  ///< host[:port] exactly as written after userinfo: the Host header value
                                    ///< (RFC 9110 §7.2); brackets kept
  std::uint16_t port = 0;           ///< explicit port, or the scheme's default (80/443; 0 for `other`)
  bool has_port = false;            ///< true when digits followed the ':' ("http://a:/" has none)
  std::string_view path;            ///< may be empty (means "/" on the wire)
  std::string_view query;           ///< without '?'; has_query tells whether '?' was present
  bool has_query = false;
  std::string_view fragment;  ///< without '#'
  bool has_fragment = false;
};

/// Parses an absolute URL. Schemes other than http/https (compared case-insensitively) parse
/// with scheme == other, and for them the authority is optional ("mailto:x") and the host may
/// be empty; the client refuses them. Returns the views into `text` (they live as long as it),
/// or errc::invalid_url with one of these details:
///   "control character or space in URL"  a byte < 0x21 (NUL, CTL, SP) or DEL anywhere
///   "backslash in URL"                    '\' anywhere (refused, never normalised to '/')
///   "bad percent-encoding"                '%' not followed by two hex digits
///   "no scheme"                           no ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
///   "no authority"                        http(s) without "//" ("http:x", "http:/x")
///   "unterminated IPv6 literal"           '[' without ']'
///   "invalid IPv6 literal"                not an RFC 3986 IPv6address between the brackets
///                                         (no IPvFuture, no zone identifiers)
///   "invalid character in host"           a reg-name byte outside unreserved / sub-delims
///                                         ('%' and bytes >= 0x80 included: no IDNA here), a
///                                         second '@', or junk after ']'
///   "invalid port"                        a port with a non-digit
///   "invalid IPv4 address"                a host whose last label starts with a digit but is
///                                         not d.d.d.d without leading zeros ("127.1",
///                                         "2130706433", "0x7f.1", "017.0.0.1", "1.2.3.4."):
///                                         resolvers would read these as addresses
///   "port out of range"                   port 0 or a port above 65535
///   "empty host"                          http(s) with no host
/// Percent-encoded bytes and UTF-8 (bytes >= 0x80) are accepted as they are in userinfo, path,
/// query and fragment; write_request_target() percent-encodes them on the wire.
[[nodiscard]] result<url> parse_url(std::string_view text) noexcept;

/// Returns true when `text` starts with a scheme (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
/// ":"), i.e. is not a relative reference (RFC 3986 §4.1).
[[nodiscard]] bool has_scheme(std::string_view text) noexcept;

/// Resolves `reference` against the absolute `base` (RFC 3986 §5.2.2, strict: a reference with
/// a scheme is absolute, so "http:g" stays "http:g"; §5.2.3 merge; §5.2.4 remove_dot_segments)
/// and writes the result into `out`, which must not overlap either input. The fragment is the
/// reference's, never the base's. Returns the number of bytes written (the result is exact:
/// it fits whenever out.size is at least its length), or errc::invalid_url with parse_url()'s
/// details when `base` is not a valid URL or `reference` has a bad byte, percent-encoding or
/// authority, or "URL too long for the buffer" (bytes past out.size are never touched).
[[nodiscard]] result<std::size_t> resolve_url(std::string_view base, std::string_view reference,
                                              mutable_bytes out) noexcept;

/// Appends `text` percent-encoded as one query-parameter name or value into out[at...]:
/// unreserved bytes (ALPHA / DIGIT / "-" / "." / "_" / "~") are kept, every other byte becomes
/// %XX with uppercase hex: space is "%20" (not "+"), '/' "%2F", '+' "%2B", '%' "%25", and UTF-8
/// is encoded byte by byte ("é" is "%C3%A9"). This is httpx's `params=` encoding
/// (`httpx/_urlparse.py` `urlencode`: `percent_encoded(k, safe="") + "=" + percent_encoded(v,
/// safe="")`, as in httpx 0.27.2 quoted in encode/httpx#3413; '%20' rather than '+' since
/// encode/httpx#2536: what browsers send). Returns the new `at`, or errc::invalid_url
/// "URL too long for the buffer" when it does not fit (or `at` > out.size); nothing is written
/// past out.size.
[[nodiscard]] result<std::size_t> encode_query_component(std::string_view text, mutable_bytes out,
                                                         std::size_t at) noexcept;

/// One query parameter; both views are the caller's, encoded by write_request_target().
struct query_param {
  std::string_view name;
  std::string_view value;
};

/// Writes the request-target (RFC 9112 §3.2.1 origin-form) for `u` into `out`: the path ("/"
/// when empty), then '?' and the existing query when `u` had a '?', then `param_count` pairs
/// name=value from `params` (each encoded as encode_query_component() does) joined by '&'. The
/// first pair follows '&' when there is a non-empty existing query, nothing when the existing
/// query is empty ("/?" + "a=1"), '?' when there is none. In the existing path and query, bytes
/// that may not appear raw in a request-target are written as %XX (uppercase hex): SP, CTL, DEL,
/// bytes >= 0x80, '"', '#', '<', '>', '\', '^', '`', '{', '|', '}', and a '%' not followed by
/// two hex digits; existing %XX triplets are kept. The fragment is never sent (RFC 9110 §4.2.5;
/// RFC 9112 §3.2). A null `params` counts as none. Returns the number of bytes written, or
/// errc::invalid_url "URL too long for the buffer" (bytes past out.size are never touched).
[[nodiscard]] result<std::size_t> write_request_target(const url& u, const query_param* params, std::size_t param_count,
                                                       mutable_bytes out) noexcept;

/// Returns true when `a` and `b` have the same origin (RFC 6454 §5): scheme and host equal
/// ignoring ASCII case, and the same effective port (the explicit one or the scheme's default).
[[nodiscard]] bool same_origin(const url& a, const url& b) noexcept;

}  // namespace htpx
