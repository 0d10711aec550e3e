#include "htpx/url.hpp"

#include <cstring>

#include "htpx/headers.hpp"

namespace htpx {

namespace {

using sv = std::string_view;

constexpr const char* too_long = "URL too long for the buffer";

constexpr error invalid(const char* why) noexcept { return {errc::invalid_url, why}; }

// Views [b, e) without string_view::substr, which would pull in its throw helper.
sv span(const char* b, const char* e) noexcept { return {b, static_cast<std::size_t>(e - b)}; }

// Bits of url_chars[c]: every per-byte class the URL code tests, so each test is one load.
enum : std::uint8_t {
  path_char = 0x01,       // not "?" or "#", which end a path (RFC 3986 §3.3)
  scheme_char = 0x02,     // ALPHA / DIGIT / "+" / "-" / "." (RFC 3986 §3.1)
  unreserved = 0x04,      // ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 §2.3)
  reg_name_char = 0x08,   // unreserved / sub-delims (RFC 3986 §3.2.2), see parse_authority()
  hex_digit = 0x10,       // HEXDIG
  plain = 0x20,           // passes check_bytes() without a second look: not CTL, SP, DEL, '\\' or '%'
  raw_in_target = 0x40,   // may be sent as is in a request-target ('%' is looked at apart)
  authority_char = 0x80,  // not "/", "?" or "#", which end an authority (RFC 3986 §3.2)
};

struct url_char_table {
  std::uint8_t bits[256];
  constexpr url_char_table() : bits() {
    for (int c = 0; c != 256; ++c) {
      const bool lower = c >= 'a' && c <= 'z';
      const bool upper = c >= 'A' && c <= 'Z';
      const bool digit = c >= '0' && c <= '9';
      int b = 0;
      if (c != '?' && c != '#') b |= path_char;
      if (lower || upper || digit || c == '+' || c == '-' || c == '.') b |= scheme_char;
      if (lower || upper || digit || c == '-' || c == '.' || c == '_' || c == '~') b |= unreserved | reg_name_char;
      if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) b |= hex_digit;
      if (c > 0x20 && c != 0x7f && c != '\\' && c != '%') b |= plain;
      // RFC 9112 §3.2 / RFC 3986 §2: never raw in a request-target: SP, CTL, DEL, non-ASCII and
      // these; '#' too, as it would start a fragment.
      if (c > 0x20 && c < 0x7f && c != '%') b |= raw_in_target;
      if (c != '/' && c != '?' && c != '#') b |= authority_char;
      bits[c] = static_cast<std::uint8_t>(b);
    }
    for (const char c : "!$&'()*+,;=") bits[static_cast<unsigned char>(c)] |= reg_name_char;
    for (const char c : "\"#<>\\^`{|}")
      bits[static_cast<unsigned char>(c)] &= static_cast<std::uint8_t>(~raw_in_target);
    bits[0] = 0;  // the string literals' terminators
  }
};
constexpr url_char_table url_chars{};

std::uint8_t class_of(char c) noexcept { return url_chars.bits[static_cast<unsigned char>(c)]; }
bool is(unsigned char c, std::uint8_t bit) noexcept { return (url_chars.bits[c] & bit) != 0; }
bool is_alpha(unsigned char c) noexcept { return static_cast<unsigned>((c | 0x20) - 'a') < 26u; }
bool is_digit(unsigned char c) noexcept { return static_cast<unsigned>(c - '0') < 10u; }
bool is_hex(unsigned char c) noexcept { return is(c, hex_digit); }
bool is_unreserved(unsigned char c) noexcept { return is(c, unreserved); }

// Whether the '%' at `p` starts a pct-encoded triplet that ends by `end` (RFC 3986 §2.1).
bool pct_triplet_at(const char* p, const char* end) noexcept {
  return end - p >= 3 && is_hex(static_cast<unsigned char>(p[1])) && is_hex(static_cast<unsigned char>(p[2]));
}

// The first byte in [p, end) without `bit`, or `end`. URLs are mostly long runs of one class,
// so it looks at four bytes per step while all four have the bit.
const char* skip_class(const char* p, const char* end, std::uint8_t bit) noexcept {
  while (end - p >= 4 && (class_of(p[0]) & class_of(p[1]) & class_of(p[2]) & class_of(p[3]) & bit) != 0) p += 4;
  while (p != end && (class_of(*p) & bit) != 0) ++p;
  return p;
}

// Length of the scheme when `s` starts with ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
// (RFC 3986 §3.1), else 0.
std::size_t scheme_length(sv s) noexcept {
  if (s.empty() || !is_alpha(static_cast<unsigned char>(s[0]))) return 0;
  for (std::size_t i = 1; i != s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == ':') return i;
    if (!is(c, scheme_char)) return 0;
  }
  return 0;
}

// http, https (compared ignoring case, RFC 3986 §3.1) or other. A scheme's bytes are letters,
// digits, "+", "-" and "."; of these, `| 0x20` folds only letters, and onto letters.
url_scheme scheme_of(sv s) noexcept {
  const auto folded = [&](std::size_t i) { return static_cast<char>(s[i] | 0x20); };
  if (s.size() < 4 || s.size() > 5 || folded(0) != 'h' || folded(1) != 't' || folded(2) != 't' || folded(3) != 'p') {
    return url_scheme::other;
  }
  if (s.size() == 4) return url_scheme::http;
  return folded(4) == 's' ? url_scheme::https : url_scheme::other;
}

// One pass over the whole text for what no component may hold.
error check_bytes(sv s) noexcept {
  const char* const end = s.data() + s.size();
  for (const char* p = skip_class(s.data(), end, plain); p != end; p = skip_class(p + 1, end, plain)) {
    const auto c = static_cast<unsigned char>(*p);
    if (c <= 0x20 || c == 0x7f) return invalid("control character or space in URL");
    if (c == '\\') return invalid("backslash in URL");
    if (!pct_triplet_at(p, end)) return invalid("bad percent-encoding");
  }
  return {};
}

// The five components of RFC 3986 Appendix B; `has_*` tell a present-but-empty one apart.
struct components {
  sv scheme, authority, path, query, fragment;
  bool has_scheme = false, has_authority = false, has_query = false, has_fragment = false;
};

components split(sv s) noexcept {
  components r;
  const char* p = s.data();
  const char* const end = p + s.size();
  if (const std::size_t n = scheme_length(s); n != 0) {
    r.scheme = {p, n};
    r.has_scheme = true;
    p += n + 1;
  }
  if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
    const char* a = p + 2;
    p = skip_class(a, end, authority_char);
    r.authority = span(a, p);
    r.has_authority = true;
  }
  const char* q = skip_class(p, end, path_char);
  r.path = span(p, q);
  if (q != end && *q == '?') {
    ++q;
    p = static_cast<const char*>(std::memchr(q, '#', static_cast<std::size_t>(end - q)));
    if (p == nullptr) p = end;
    r.query = span(q, p);
    r.has_query = true;
    q = p;
  }
  if (q != end) {
    r.fragment = span(q + 1, end);
    r.has_fragment = true;
  }
  return r;
}

// dec-octet "." dec-octet "." dec-octet "." dec-octet, no leading zeros (RFC 3986 §3.2.2).
bool is_ipv4(sv s) noexcept {
  std::size_t i = 0;
  for (int octet = 0; octet != 4; ++octet) {
    if (octet != 0 && (i == s.size() || s[i++] != '.')) return false;
    const std::size_t start = i;
    unsigned value = 0;
    while (i != s.size() && is_digit(static_cast<unsigned char>(s[i])) && i - start < 3) {
      value = value * 10 + static_cast<unsigned>(s[i++] - '0');
    }
    const std::size_t digits = i - start;
    if (digits == 0 || value > 255 || (digits > 1 && s[start] == '0')) return false;
  }
  return i == s.size();
}

// IPv6address (RFC 3986 §3.2.2): eight h16 groups, or fewer around one "::", the last two may
// be an IPv4 address.
bool is_ipv6(sv s) noexcept {
  std::size_t i = 0;
  unsigned groups = 0;
  bool gap = false;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = true;
    i = 2;
  }
  while (i != s.size()) {
    std::size_t j = i;
    while (j != s.size() && is_hex(static_cast<unsigned char>(s[j]))) ++j;
    if (j != s.size() && s[j] == '.') {
      if (!is_ipv4(sv(s.data() + i, s.size() - i))) return false;
      groups += 2;
      break;
    }
    if (j == i || j - i > 4) return false;
    ++groups;
    i = j;
    if (i == s.size()) break;
    if (s[i++] != ':' || i == s.size()) return false;  // a group ends in ':' and one follows
    if (s[i] == ':') {
      if (gap) return false;
      gap = true;
      ++i;
    }
  }
  return gap ? groups <= 7 : groups == 8;
}

// port = *DIGIT (RFC 3986 §3.2.3); empty means the scheme's default.
error parse_port(sv digits, url& u) noexcept {
  if (digits.empty()) return {};
  std::uint32_t value = 0;
  for (const char c : digits) {
    if (!is_digit(static_cast<unsigned char>(c))) return invalid("invalid port");
    if (value <= 65535) value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value > 65535) return invalid("port out of range");
  u.port = static_cast<std::uint16_t>(value);
  u.has_port = true;
  return {};
}

// authority = [ userinfo "@" ] host [ ":" port ]   (RFC 3986 §3.2)
error parse_authority(sv authority, url& u) noexcept {
  const char* p = authority.data();
  const char* const end = p + authority.size();
  if (const auto* at = static_cast<const char*>(std::memchr(p, '@', authority.size()))) {
    u.userinfo = span(p, at);
    u.has_userinfo = true;
    p = at + 1;
  }
  u.authority_host = span(p, end);
  const char* host_end = p;
  if (p != end && *p == '[') {
    const auto* close = static_cast<const char*>(std::memchr(p, ']', static_cast<std::size_t>(end - p)));
    if (close == nullptr) return invalid("unterminated IPv6 literal");
    u.host = span(p + 1, close);
    if (!is_ipv6(u.host)) return invalid("invalid IPv6 literal");
    host_end = close + 1;
  } else {
    // reg-name = *( unreserved / pct-encoded / sub-delims ): pct-encoded is left out, as the host
    // is handed to name resolution as written, so an encoded one could never connect.
    host_end = skip_class(host_end, end, reg_name_char);
    u.host = span(p, host_end);
  }
  if (host_end == end) return {};
  if (*host_end != ':') return invalid("invalid character in host");
  return parse_port(span(host_end + 1, end), u);
}

// Writes into out[at, size) and remembers whether anything did not fit; never writes past size.
struct writer {
  char* data = nullptr;
  std::size_t size = 0;
  std::size_t at = 0;
  bool fits = true;

  void put(char c) noexcept {
    if (at < size) {
      data[at++] = c;
    } else {
      fits = false;
    }
  }
  void put(sv s) noexcept {
    if (s.size() <= size - at) {
      if (!s.empty()) std::memcpy(data + at, s.data(), s.size());  // an empty view may be null
      at += s.size();
    } else {
      fits = false;
    }
  }
  void put_pct(unsigned char c) noexcept {
    constexpr const char* hex = "0123456789ABCDEF";
    put('%');
    put(hex[c >> 4]);
    put(hex[c & 15]);
  }
  [[nodiscard]] result<std::size_t> done() const noexcept {
    if (!fits) return invalid(too_long);
    return at;
  }
};

void put_component(writer& w, sv s) noexcept {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (is_unreserved(u)) {
      w.put(c);
    } else {
      w.put_pct(u);
    }
  }
}

// Copies runs of bytes that may stay as they are, and percent-encodes the rest.
void put_target_part(writer& w, sv s) noexcept {
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p != end) {
    const char* const run_end = skip_class(p, end, raw_in_target);
    w.put(span(p, run_end));
    if (run_end == end) return;
    const auto u = static_cast<unsigned char>(*run_end);
    if (u == '%' && pct_triplet_at(run_end, end)) {
      w.put('%');
    } else {
      w.put_pct(u);
    }
    p = run_end + 1;
  }
}

// ---- remove_dot_segments (RFC 3986 §5.2.4) ---------------------------------------------------
// The input is the merged path, which exists only as two pieces (the base's directory and the
// reference's path), and the output must be exact for the caller's buffer, so the algorithm
// runs on segments from the right: a ".." cancels the nearest segment to its left that no later
// ".." cancelled, which is what the RFC's output-buffer pops amount to. A first pass measures,
// a second writes from the end backwards: no scratch memory, and out of bounds is impossible.
//
// After the leading "../" and "./" are dropped (rules A and D), the path is an optional first
// segment without a slash, then "/seg" pieces. A final "/." or "/.." leaves a "/" (rules B, C).

struct joined_path {
  sv head, tail;
  [[nodiscard]] std::size_t size() const noexcept { return head.size() + tail.size(); }
  [[nodiscard]] char operator[](std::size_t i) const noexcept {
    return i < head.size() ? head[i] : tail[i - head.size()];
  }
  [[nodiscard]] bool has(std::size_t at, sv text) const noexcept {
    if (size() - at < text.size()) return false;
    for (std::size_t k = 0; k != text.size(); ++k) {
      if ((*this)[at + k] != text[k]) return false;
    }
    return true;
  }
};

enum class segment : std::uint8_t { normal, dot, dot_dot };

segment classify(const joined_path& p, std::size_t begin, std::size_t end) noexcept {
  if (p[begin] == '/') ++begin;
  if (end - begin == 1 && p[begin] == '.') return segment::dot;
  if (end - begin == 2 && p.has(begin, "..")) return segment::dot_dot;
  return segment::normal;
}

// Returns where the kept path starts after rules A and D.
std::size_t skip_leading_dots(const joined_path& p) noexcept {
  std::size_t at = 0;
  for (;;) {
    if (p.has(at, "../")) {
      at += 3;
    } else if (p.has(at, "./")) {
      at += 2;
    } else {
      break;
    }
  }
  const std::size_t rest = p.size() - at;
  if ((rest == 1 && p[at] == '.') || (rest == 2 && p.has(at, ".."))) return p.size();
  return at;
}

// Walks the segments right to left; returns the output length. With `dst` (pointing one past
// the end of the output) it also writes them.
std::size_t walk_segments(const joined_path& p, char* dst) noexcept {
  const std::size_t begin = skip_leading_dots(p);
  std::size_t length = 0;
  std::size_t pending = 0;  // ".." segments still to cancel something
  auto emit = [&](std::size_t from, std::size_t to) {
    length += to - from;
    if (dst == nullptr) return;
    for (std::size_t i = to; i != from;) *--dst = p[--i];
  };
  for (std::size_t end = p.size(); end > begin;) {
    std::size_t start = end;
    while (start > begin && p[start - 1] != '/') --start;
    if (start > begin) --start;  // the segment owns its leading '/'
    const segment kind = classify(p, start, end);
    if (kind != segment::normal && end == p.size()) {
      length += 1;
      if (dst != nullptr) *--dst = '/';
    }
    if (kind == segment::dot_dot) {
      ++pending;
    } else if (kind == segment::normal) {
      if (pending != 0) {
        --pending;
      } else {
        emit(start, end);
      }
    }
    end = start;
  }
  return length;
}

void put_path_without_dots(writer& w, sv head, sv tail) noexcept {
  const joined_path p{head, tail};
  const std::size_t length = walk_segments(p, nullptr);
  if (w.size - w.at < length || w.at > w.size) {
    w.fits = false;
    return;
  }
  w.at += length;
  walk_segments(p, w.data + w.at);
}

// The directory of the base path for §5.2.3 merge: up to and including its last '/'.
sv base_directory(const components& base) noexcept {
  if (base.has_authority && base.path.empty()) return "/";
  std::size_t n = base.path.size();
  while (n != 0 && base.path[n - 1] != '/') --n;
  return {base.path.data(), n};
}

}  // namespace

bool has_scheme(std::string_view text) noexcept { return scheme_length(text) != 0; }

result<url> parse_url(std::string_view text) noexcept {
  if (const error e = check_bytes(text)) return e;
  const components c = split(text);
  if (!c.has_scheme) return invalid("no scheme");
  url u;
  u.scheme_text = c.scheme;
  u.scheme = scheme_of(c.scheme);
  const bool known = u.scheme != url_scheme::other;
  if (c.has_authority) {
    if (const error e = parse_authority(c.authority, u)) return e;
  } else if (known) {
    return invalid("no authority");
  }
  if (known && u.host.empty()) return invalid("empty host");
  if (!u.has_port) u.port = u.scheme == url_scheme::http ? 80 : u.scheme == url_scheme::https ? 443 : 0;
  u.path = c.path;
  u.query = c.query;
  u.has_query = c.has_query;
  u.fragment = c.fragment;
  u.has_fragment = c.has_fragment;
  return u;
}

// RFC 3986 §5.2.2, strict (a reference's scheme is never ignored), written component by
// component per §5.3.
result<std::size_t> resolve_url(std::string_view base, std::string_view reference, mutable_bytes out) noexcept {
  const result<url> parsed = parse_url(base);
  if (!parsed) return parsed.err();
  if (const error e = check_bytes(reference)) return e;
  const components b = split(base);
  const components r = split(reference);
  if (r.has_authority) {
    url scratch;
    if (const error e = parse_authority(r.authority, scratch)) return e;
  }
  // The target's authority, path, query, and whether the path needs remove_dot_segments.
  const components& from = r.has_scheme || r.has_authority ? r : b;
  sv head;
  sv path = r.path;
  sv query = r.query;
  bool has_query = r.has_query;
  bool remove_dots = true;
  if (!r.has_scheme && !r.has_authority) {
    if (r.path.empty()) {
      path = b.path;
      remove_dots = false;
      if (!r.has_query) {
        query = b.query;
        has_query = b.has_query;
      }
    } else if (r.path[0] != '/') {
      head = base_directory(b);
    }
  }
  writer w{out.data, out.size, 0};
  w.put(r.has_scheme ? r.scheme : b.scheme);
  w.put(':');
  if (from.has_authority) {
    w.put("//");
    w.put(from.authority);
  }
  const std::size_t path_at = w.at;
  if (remove_dots) {
    put_path_without_dots(w, head, path);
  } else {
    w.put(path);
  }
  // Without an authority a path may not begin with "//" (RFC 3986 §3.3), yet removing dot
  // segments can make one ("https:x//../..//evil/" would become "https://evil/", read again
  // with evil as its host): refused, not turned into another URL (found by fuzz_url).
  if (!from.has_authority && w.fits && w.at - path_at >= 2 && out.data[path_at] == '/' && out.data[path_at + 1] == '/') {
    return invalid("path would read as an authority");
  }
  if (has_query) {
    w.put('?');
    w.put(query);
  }
  if (r.has_fragment) {
    w.put('#');
    w.put(r.fragment);
  }
  return w.done();
}

result<std::size_t> encode_query_component(std::string_view text, mutable_bytes out, std::size_t at) noexcept {
  if (at > out.size) return invalid(too_long);
  writer w{out.data, out.size, at};
  put_component(w, text);
  return w.done();
}

result<std::size_t> write_request_target(const url& u, const query_param* params, std::size_t param_count,
                                         mutable_bytes out) noexcept {
  writer w{out.data, out.size, 0};
  if (u.path.empty()) {
    w.put('/');
  } else {
    put_target_part(w, u.path);
  }
  bool need_separator = false;
  if (u.has_query) {
    w.put('?');
    put_target_part(w, u.query);
    need_separator = !u.query.empty();
  }
  if (params == nullptr) param_count = 0;
  for (std::size_t i = 0; i != param_count; ++i) {
    if (need_separator) w.put('&');
    if (!u.has_query && i == 0) w.put('?');
    need_separator = true;
    put_component(w, params[i].name);
    w.put('=');
    put_component(w, params[i].value);
  }
  return w.done();
}

bool same_origin(const url& a, const url& b) noexcept {
  return iequals(a.scheme_text, b.scheme_text) && iequals(a.host, b.host) && a.port == b.port;
}

}  // namespace htpx
