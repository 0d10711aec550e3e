#include "htpx/url.hpp"

#include <cstring>

#include "htpx/headers.hpp"

namespace htpx {

namespace {

// The parser's and encoder's helpers take a text as pointers, or a view by reference: a 32-bit
// ABI spills a view passed by value to the stack, which costs code in each function.
using sv = std::string_view;

// Every URL error is errc::invalid_url; the parts below return only the detail (nullptr: no
// error), and the public functions wrap it, so an error is built in one place.
using why = const char*;

constexpr char too_long[] = "URL too long for the buffer";

error invalid(why detail) noexcept { return {errc::invalid_url, detail}; }

// Views [b, e) without string_view::substr, which would pull in its throw helper.
sv span(const char* b, const char* e) noexcept { return {b, static_cast<std::size_t>(e - b)}; }

// Bits of url_chars[c]: every per-byte class the URL code tests, so each test is one load. The
// first four say whether a byte carries on a component and passes the byte check
// (check_byte()) without a second look, so one scan both splits and checks.
enum : std::uint8_t {
  plain = 0x01,          // not CTL, SP, DEL, '\\' or '%': goes on a fragment (RFC 3986 §3.5)
  in_query = 0x02,       // plain and not "#", which ends a query (RFC 3986 §3.4)
  in_path = 0x04,        // plain and not "?" or "#", which end a path (RFC 3986 §3.3)
  in_authority = 0x08,   // plain and not "/", "?" or "#", which end an authority (RFC 3986 §3.2)
  unreserved = 0x10,     // ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 §2.3)
  reg_name_char = 0x20,  // unreserved / sub-delims (RFC 3986 §3.2.2), see parse_authority()
  hex_digit = 0x40,      // HEXDIG
  raw_in_target = 0x80,  // may be sent as is in a request-target ('%' is looked at apart)
};

// The table holds ASCII only: bytes >= 0x80 (UTF-8 and the like) all have these classes. They
// are allowed in userinfo, path, query and fragment, never in a host (no IDNA here), and
// encoded on the wire.
constexpr std::uint8_t non_ascii = plain | in_query | in_path | in_authority;

struct url_char_table {
  std::uint8_t bits[128];
  constexpr url_char_table() : bits() {
    for (int c = 0; c != 128; ++c) {
      const bool lower = c >= 'a' && c <= 'z';
      const bool upper = c >= 'A' && c <= 'Z';
      const bool digit = c >= '0' && c <= '9';
      int b = 0;
      if (c > 0x20 && c != 0x7f && c != '\\' && c != '%') {
        b |= plain;
        if (c != '#') b |= in_query;
        if (c != '#' && c != '?') b |= in_path;
        if (c != '#' && c != '?' && c != '/') b |= in_authority;
      }
      if (lower || upper || digit || c == '-' || c == '.' || c == '_' || c == '~') b |= unreserved | reg_name_char;
      if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) b |= hex_digit;
      // RFC 9112 §3.2 / RFC 3986 §2: never raw in a request-target: SP, CTL, DEL, non-ASCII and
      // these; '#' too, as it would start a fragment.
      if (c > 0x20 && c < 0x7f && c != '%') b |= raw_in_target;
      bits[c] = static_cast<std::uint8_t>(b);
    }
    for (const char c : "!$&'()*+,;=") bits[static_cast<unsigned char>(c)] |= reg_name_char;
    for (const char c : "\"#<>\\^`{|}")
      bits[static_cast<unsigned char>(c)] &= static_cast<std::uint8_t>(~raw_in_target);
    bits[0] = 0;  // the string literals' terminators
  }
};
constexpr url_char_table url_chars{};

std::uint8_t class_of(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x80 ? url_chars.bits[u] : non_ascii;
}
bool is(char c, std::uint8_t bit) noexcept { return (class_of(c) & bit) != 0; }
bool is_alpha(char c) noexcept { return static_cast<unsigned>((c | 0x20) - 'a') < 26u; }
unsigned digit_value(char c) noexcept { return static_cast<unsigned>(c - '0'); }  // above 9: not a DIGIT
bool is_digit(char c) noexcept { return digit_value(c) < 10u; }

// Whether the '%' at `p` starts a pct-encoded triplet that ends by `end` (RFC 3986 §2.1).
bool pct_triplet_at(const char* p, const char* end) noexcept {
  return end - p >= 3 && is(p[1], hex_digit) && is(p[2], hex_digit);
}

// The first byte in [p, end) without `bit`, or `end`. URLs are mostly long runs of one class,
// so it looks at four bytes per step while all four have the bit; the step is for ASCII, whose
// bytes index the table without a test each.
const char* skip_class(const char* p, const char* end, std::uint8_t bit) noexcept {
  const auto ascii = [](const char* q) { return url_chars.bits[static_cast<unsigned char>(*q)]; };
  for (; end - p >= 4; p += 4) {
    std::uint32_t word;
    std::memcpy(&word, p, 4);
    if ((word & 0x80808080u) != 0 || (ascii(p) & ascii(p + 1) & ascii(p + 2) & ascii(p + 3) & bit) == 0) break;
  }
  while (p != end && is(*p, bit)) ++p;
  return p;
}

// The byte check for a byte that is not `plain`: what no component may hold.
why check_byte(const char* p, const char* end) noexcept {
  const auto c = static_cast<unsigned char>(*p);
  if (c <= 0x20 || c == 0x7f) return detail_text("control character or space in URL");
  if (c == '\\') return detail_text("backslash in URL");
  if (!pct_triplet_at(p, end)) return detail_text("bad percent-encoding");
  return nullptr;
}

// Length of the scheme when [text, end) starts with ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
// (RFC 3986 §3.1), else 0.
std::size_t scheme_length(const char* text, const char* end) noexcept {
  for (const char* p = text; p != end; ++p) {
    const char c = *p;
    if (c == ':') return static_cast<std::size_t>(p - text);  // 0 when there is no first letter
    if (!is_alpha(c) && (p == text || !(is_digit(c) || c == '+' || c == '-' || c == '.'))) return 0;
  }
  return 0;
}

// http, https (compared ignoring case, RFC 3986 §3.1) or other. A scheme's bytes are letters,
// digits, "+", "-" and "."; of these, `| 0x20` folds only letters, and onto letters.
url_scheme scheme_of(sv s) noexcept {
  if (s.size() < 4 || s.size() > 5) return url_scheme::other;
  std::uint32_t word;
  std::uint32_t http;
  std::memcpy(&word, s.data(), 4);
  std::memcpy(&http, "http", 4);
  if ((word | 0x20202020u) != http) return url_scheme::other;
  if (s.size() == 4) return url_scheme::http;
  return (s[4] | 0x20) == 's' ? url_scheme::https : url_scheme::other;
}

// A URI-reference split into the five components of RFC 3986 Appendix B, with the authority's
// parts in the url. A scheme is never empty, and a present authority, even an empty one, points
// into the text: an absent one is null.
struct reference : url {
  sv authority;
  [[nodiscard]] bool has_scheme() const noexcept { return !scheme_text.empty(); }
  [[nodiscard]] bool has_authority() const noexcept { return authority.data() != nullptr; }
};

// Reads a URI-reference's components left to right and checks every byte on the way (RFC 3986
// §2: CTL, SP, DEL and '\\' are never allowed, '%' only as a triplet), so the text is read once.
struct scanner {
  const char* p;
  const char* const end;
  why failure = nullptr;  // the first bad byte's; the scan then stops

  // Takes into `part` the bytes up to the first plain byte without `bit`, which ends the
  // component. (Written through a reference: 32-bit ABIs return a view through memory.)
  void take(sv& part, std::uint8_t bit) noexcept {
    const char* const from = p;
    for (;;) {
      p = skip_class(p, end, bit);
      if (p == end || is(*p, plain)) break;
      failure = check_byte(p, end);
      if (failure != nullptr) {
        p = end;
        break;
      }
      ++p;  // a triplet's hex digits carry on every component
    }
    part = span(from, p);
  }
};

why split(const char* text, const char* end, reference& r) noexcept {
  scanner s{text, end};
  if (const std::size_t n = scheme_length(text, end); n != 0) {
    r.scheme_text = {s.p, n};
    s.p += n + 1;
  }
  if (s.end - s.p >= 2 && s.p[0] == '/' && s.p[1] == '/') {
    s.p += 2;
    s.take(r.authority, in_authority);
  }
  s.take(r.path, in_path);
  if (s.p != s.end && *s.p == '?') {
    ++s.p;
    s.take(r.query, in_query);
    r.has_query = true;
  }
  if (s.p != s.end) {  // at '#'
    ++s.p;
    s.take(r.fragment, plain);
    r.has_fragment = true;
  }
  return s.failure;
}

// Reads the DIGITs at `p` into `value` (which stops growing above 65535, so it cannot wrap);
// returns where they end.
const char* read_digits(const char* p, const char* end, std::uint32_t& value) noexcept {
  value = 0;
  for (; p != end && is_digit(*p); ++p) {
    if (value <= 65535) value = value * 10 + digit_value(*p);
  }
  return p;
}

// dec-octet "." dec-octet "." dec-octet "." dec-octet, no leading zeros (RFC 3986 §3.2.2). One
// pass, a byte a step: every request to an address host runs it.
bool is_ipv4(const char* p, const char* end) noexcept {
  unsigned value = 0;
  unsigned digits = 0;  // of the octet being read
  unsigned dots = 0;
  for (; p != end; ++p) {
    const unsigned d = digit_value(*p);
    if (d < 10) {
      if (digits != 0 && value == 0) return false;  // a leading zero ("01")
      value = value * 10 + d;
      if (value > 255) return false;  // (also stops a fourth digit: 100 * 10 > 255)
      ++digits;
    } else if (*p == '.' && digits != 0 && dots != 3) {
      ++dots;
      digits = value = 0;
    } else {
      return false;
    }
  }
  return dots == 3 && digits != 0;
}

// True when the last label of a host starts with a digit (a trailing dot ends the name, it is
// no label). Name resolvers that follow inet_aton(3) (glibc's getaddrinfo) read such a host as
// an IPv4 address in a short, decimal, hex or octal form ("127.1", "2130706433", "0x7f.1",
// "017.0.0.1" = 15.0.0.1), and no DNS name ends so (RFC 3696 §2: top-level labels are not
// numeric; none starts with a digit).
bool ends_in_number(const char* p, const char* end) noexcept {
  if (p != end && end[-1] == '.') --end;
  const char* label = end;
  while (label != p && label[-1] != '.') --label;
  return label != end && is_digit(*label);
}

// IPv6address (RFC 3986 §3.2.2): eight h16 groups, or fewer around one "::", the last two may
// be an IPv4 address.
bool is_ipv6(const char* p, const char* end) noexcept {
  unsigned groups = 0;
  bool gap = false;
  if (end - p >= 2 && p[0] == ':' && p[1] == ':') {
    gap = true;
    p += 2;
  }
  while (p != end) {
    const char* const q = skip_class(p, end, hex_digit);
    if (q != end && *q == '.') {  // the last 32 bits as an IPv4 address: two groups
      groups += 2;
      if (!is_ipv4(p, end)) return false;
      break;
    }
    if (q == p || q - p > 4) return false;
    ++groups;
    p = q;
    if (p == end) break;
    if (*p++ != ':' || p == end) return false;  // a group ends in ':' and one follows
    if (*p == ':') {
      if (gap) return false;
      gap = true;
      ++p;
    }
  }
  return gap ? groups <= 7 : groups == 8;
}

// port = *DIGIT (RFC 3986 §3.2.3); empty means the scheme's default.
why parse_port(const char* p, const char* end, url& u) noexcept {
  if (p == end) return nullptr;
  std::uint32_t value;
  if (read_digits(p, end, value) != end) return detail_text("invalid port");
  // Port 0 is reserved (RFC 6335 §6): no server listens there, and connect() would fail late.
  if (value > 65535 || value == 0) return detail_text("port out of range");
  u.port = static_cast<std::uint16_t>(value);
  u.has_port = true;
  return nullptr;
}

// authority = [ userinfo "@" ] host [ ":" port ]   (RFC 3986 §3.2)
why parse_authority(sv authority, url& u) noexcept {
  const char* p = authority.data();
  const char* const end = p + authority.size();
  if (const auto* at = static_cast<const char*>(std::memchr(p, '@', authority.size()))) {
    u.userinfo = span(p, at);
    u.has_userinfo = true;
    p = at + 1;
  }
  u.authority_host = span(p, end);
  const char* host_end;
  if (p != end && *p == '[') {
    const auto* close = static_cast<const char*>(std::memchr(p, ']', static_cast<std::size_t>(end - p)));
    if (close == nullptr) return detail_text("unterminated IPv6 literal");
    u.host = span(p + 1, close);
    if (!is_ipv6(p + 1, close)) return detail_text("invalid IPv6 literal");
    host_end = close + 1;
  } else {
    // reg-name = *( unreserved / pct-encoded / sub-delims ): pct-encoded is left out, as the host
    // is handed to name resolution as written, so an encoded one could never connect.
    host_end = skip_class(p, end, reg_name_char);
    u.host = span(p, host_end);
    // Only RFC 3986's dotted-quad IPv4address may name an address: any other numeric form would
    // reach an address that a check of the text ("is it 127.0.0.1?") does not see (SSRF).
    if (ends_in_number(p, host_end) && !is_ipv4(p, host_end)) return detail_text("invalid IPv4 address");
  }
  if (host_end == end) return nullptr;
  if (*host_end != ':') return detail_text("invalid character in host");
  return parse_port(host_end + 1, end, u);
}

// Splits and checks a URI-reference (RFC 3986 §4.1), and parses its authority when it has one.
// With `absolute`, one without a scheme is refused before its authority is looked at.
why parse_reference(const char* text, const char* end, reference& r, bool absolute) noexcept {
  if (const why bad = split(text, end, r)) return bad;
  if (absolute && !r.has_scheme()) return detail_text("no scheme");
  if (!r.has_authority()) return nullptr;
  return parse_authority(r.authority, r);
}

// parse_url() without the result: a URL with a scheme, and for http(s) an authority with a host
// (RFC 9110 §4.2.1) and the scheme's default port when none is written (§4.2.1, §4.2.2).
why parse_absolute(const char* text, const char* end, reference& r) noexcept {
  if (const why bad = parse_reference(text, end, r, true)) return bad;
  r.scheme = scheme_of(r.scheme_text);
  if (r.scheme == url_scheme::other) return nullptr;  // the authority and host are optional
  if (!r.has_authority()) return detail_text("no authority");
  if (r.host.empty()) return detail_text("empty host");
  if (!r.has_port) r.port = r.scheme == url_scheme::http ? 80 : 443;
  return nullptr;
}

// Writes into out[at, size) and counts on past size without writing, so done() can tell.
struct writer {
  char* data = nullptr;
  std::size_t size = 0;
  std::size_t at = 0;

  void put(char c) noexcept {
    if (at < size) data[at] = c;
    ++at;
  }
  void put(sv s) noexcept {
    // (An empty view may be null, which memcpy may not be given.)
    if (!s.empty() && at <= size && s.size() <= size - at) std::memcpy(data + at, s.data(), s.size());
    at += s.size();
  }
  void put_pct(unsigned char c) noexcept {
    constexpr const char* hex = "0123456789ABCDEF";
    put('%');
    put(hex[c >> 4]);
    put(hex[c & 15]);
  }
  [[nodiscard]] bool fits() const noexcept { return at <= size; }
  [[nodiscard]] result<std::size_t> done() const noexcept {
    if (!fits()) return invalid(detail_text(too_long));
    return at;
  }
};

// Writes `s` with the bytes of class `kept` as they are and the rest as %XX. In a
// request-target (`kept` is raw_in_target) an existing triplet is kept too (RFC 3986 §2.4: it
// is already encoded); in a query parameter a '%' is data, "%25".
void put_encoded(writer& into, const sv& s, std::uint8_t kept) noexcept {
  // A local copy: written through `into`, every byte stored could (as a char) change the writer,
  // which would then be read again for each byte.
  writer w = into;
  const char* const end = s.data() + s.size();
  for (const char* p = s.data(); p != end; ++p) {
    if (is(*p, kept) || (*p == '%' && kept == raw_in_target && pct_triplet_at(p, end))) {
      w.put(*p);
    } else {
      w.put_pct(static_cast<unsigned char>(*p));
    }
  }
  into.at = w.at;
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
  if (w.fits() && length <= w.size - w.at) walk_segments(p, w.data + w.at + length);
  w.at += length;
}

// The directory of the base path for §5.2.3 merge: up to and including its last '/'.
sv base_directory(const reference& base) noexcept {
  if (base.has_authority() && base.path.empty()) return "/";
  std::size_t n = base.path.size();
  while (n != 0 && base.path[n - 1] != '/') --n;
  return {base.path.data(), n};
}

}  // namespace

bool has_scheme(std::string_view text) noexcept { return scheme_length(text.data(), text.data() + text.size()) != 0; }

result<url> parse_url(std::string_view text) noexcept {
  reference r;
  if (const why bad = parse_absolute(text.data(), text.data() + text.size(), r)) return invalid(bad);
  return static_cast<const url&>(r);
}

// RFC 3986 §5.2.2, strict (a reference's scheme is never ignored), written component by
// component per §5.3.
result<std::size_t> resolve_url(std::string_view base_text, std::string_view reference_text,
                                mutable_bytes out) noexcept {
  // The base must be a URL parse_url() accepts; the parts needed here are then read again.
  if (const result<url> base = parse_url(base_text); !base) return base.err();
  reference b;
  reference r;
  (void)parse_reference(base_text.data(), base_text.data() + base_text.size(), b, true);  // parsed above
  const char* const text = reference_text.data();
  if (const why bad = parse_reference(text, text + reference_text.size(), r, false)) return invalid(bad);
  // The target's authority, path, query, and whether the path needs remove_dot_segments.
  const reference& from = r.has_scheme() || r.has_authority() ? r : b;
  sv head;
  sv path = r.path;
  sv query = r.query;
  bool has_query = r.has_query;
  bool remove_dots = true;
  if (!r.has_scheme() && !r.has_authority()) {
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
  w.put(r.has_scheme() ? r.scheme_text : b.scheme_text);
  w.put(':');
  if (from.has_authority()) {
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
  if (!from.has_authority() && w.fits() && w.at - path_at >= 2 && out.data[path_at] == '/' &&
      out.data[path_at + 1] == '/') {
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
  // (An `at` past the end fails in done(): the writer writes nothing past out.size.)
  writer w{out.data, out.size, at};
  put_encoded(w, text, unreserved);
  return w.done();
}

result<std::size_t> write_request_target(const url& u, const query_param* params, std::size_t param_count,
                                         mutable_bytes out) noexcept {
  writer w{out.data, out.size, 0};
  if (u.path.empty()) w.put('/');
  put_encoded(w, u.path, raw_in_target);
  if (u.has_query) {
    w.put('?');
    put_encoded(w, u.query, raw_in_target);
  }
  if (params == nullptr) param_count = 0;
  for (std::size_t i = 0; i != param_count; ++i) {
    // The first pair starts the query, or follows a non-empty one.
    if (!u.has_query && i == 0) {
      w.put('?');
    } else if (i != 0 || !u.query.empty()) {
      w.put('&');
    }
    put_encoded(w, params[i].name, unreserved);
    w.put('=');
    put_encoded(w, params[i].value, unreserved);
  }
  return w.done();
}

bool same_origin(const url& a, const url& b) noexcept {
  return iequals(a.scheme_text, b.scheme_text) && iequals(a.host, b.host) && a.port == b.port;
}

}  // namespace htpx
