// The cookie fuzz target's body (RFC 6265: Set-Cookie parsing and storing, the Cookie field, the
// cookie-date parser), shared by the libFuzzer entry point (fuzz_cookies.cpp) and the corpus
// replay unit test.
//
// Input: byte 0 picks the jar (bits 0-1: 1, 2, 4 or 8 entries; bits 2-3: 16, 64, 256 or 4096
// text bytes) and the first request URL (bits 4-6); byte 1 the time step between lines; byte 2
// the Cookie buffer sizes (bits 0-2 and 3-5). The rest is up to 48 lines ('\n'): each is a
// Set-Cookie value stored for the next of a few request URLs, or, starting with \x01,
// "name\x01value\x01domain\x01path" for set(), or, starting with \x02, the same for remove().
// After each line the jar is checked and the Cookie field written for that URL and the next.
// Invariants:
//   - the jar: within its entries and text bytes (guards after both stay), text_size() the sum
//     of the cookies' bytes, every cookie within the text storage, a non-empty name without
//     '=', ';' or a control character, no ';' or control character in the value, a lowercase
//     domain, a path starting with '/', no two with the same name,
//     domain and path; store() and set() fail only with their documented errors, and a stored
//     session cookie is in the jar;
//   - header_for(): never writes past its buffer; the field is exactly the matching cookies
//     (RFC 6265 §5.4, by a plain reference: Secure only over https, domain and path match)
//     joined by "; ", longer paths first, then creation order, so no CR, LF or NUL; "larger
//     than the buffer" exactly when that does not fit;
//   - parse_cookie_date() of each line: true only for a time from 1601 to 9999.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "htpx/cookies.hpp"
#include "htpx/url.hpp"

namespace htpx_fuzz::cookies {

constexpr char guard_byte = '\xA5';

// Request URLs with related hosts and paths, so domains and paths match some and not others.
constexpr std::string_view request_urls[8] = {
    "http://example.com/",          "https://www.example.com/a/b?q=1",
    "http://sub.www.example.com/a", "http://localhost:8080/x/y/z",
    "http://192.168.0.1/x/",        "https://co.uk/",
    "http://WWW.Example.COM/A/b/c", "https://shop.example.co.uk/cart/",
};

inline bool is_ctl(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return (c < 0x20 && c != '\t') || c == 0x7F;
}
inline bool has_ctl(std::string_view s) { return std::any_of(s.begin(), s.end(), is_ctl); }

inline std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
  return out;
}

// A cookie_jar over heap storage with guard bytes after the text and a guard slot after the
// entries, so a write past either shows.
class guarded_jar {
 public:
  guarded_jar(std::size_t entries, std::size_t text)
      : slots_(entries + 1),
        text_(text + 16, guard_byte),
        entries_(entries),
        text_size_(text),
        jar_({slots_.data(), entries}, {text_.data(), text}) {
    slots_[entries] = guard_slot();
  }
  htpx::cookie_jar& jar() noexcept { return jar_; }
  bool guards_intact() const {
    const htpx::detail::cookie_slot g = guard_slot();
    const htpx::detail::cookie_slot& s = slots_[entries_];
    if (s.expires != g.expires || s.offset != g.offset || s.name_size != g.name_size) return false;
    for (std::size_t i = text_size_; i != text_.size(); ++i) {
      if (text_[i] != guard_byte) return false;
    }
    return true;
  }
  bool in_text(std::string_view s) const noexcept { return within(text_.data(), text_size_, s); }

 private:
  static htpx::detail::cookie_slot guard_slot() noexcept { return {0x5A5A5A5A, 0xA5A5A5A5u, 0xA5A5, 0, 0, 0, 0, 0}; }

  std::vector<htpx::detail::cookie_slot> slots_;
  std::vector<char> text_;
  std::size_t entries_;
  std::size_t text_size_;
  htpx::cookie_jar jar_;
};

// What the jar holds, in creation order; the views live until the jar changes.
struct stored {
  std::string_view name, value, domain, path;
  std::int64_t expires;
  bool host_only, secure;
};

inline std::vector<stored> check_jar(const guarded_jar& g, htpx::cookie_jar& jar) {
  HTPX_FUZZ_CHECK(g.guards_intact());
  HTPX_FUZZ_CHECK(jar.size() <= jar.capacity());
  HTPX_FUZZ_CHECK(jar.text_size() <= jar.text_capacity());
  std::vector<stored> all;
  std::size_t bytes = 0;
  jar.for_each([&](const htpx::cookie& c) {
    for (const std::string_view part : {c.name, c.value, c.domain, c.path}) HTPX_FUZZ_CHECK(g.in_text(part));
    bytes += c.name.size() + c.value.size() + c.domain.size() + c.path.size();
    HTPX_FUZZ_CHECK(!c.name.empty() && c.name.find_first_of("=;") == std::string_view::npos && !has_ctl(c.name));
    HTPX_FUZZ_CHECK(c.value.find(';') == std::string_view::npos && !has_ctl(c.value));
    HTPX_FUZZ_CHECK(c.name.size() + c.value.size() <= HTPX_COOKIE_MAX_BYTES);
    HTPX_FUZZ_CHECK(std::none_of(c.domain.begin(), c.domain.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; }));
    HTPX_FUZZ_CHECK(!c.path.empty() && c.path[0] == '/');
    HTPX_FUZZ_CHECK(c.expires >= -1);
    for (const stored& s : all) HTPX_FUZZ_CHECK(!(s.name == c.name && s.domain == c.domain && s.path == c.path));
    all.push_back({c.name, c.value, c.domain, c.path, c.expires, c.host_only, c.secure});
  });
  HTPX_FUZZ_CHECK(all.size() == jar.size());
  HTPX_FUZZ_CHECK(bytes == jar.text_size());
  HTPX_FUZZ_CHECK(jar.at(jar.size()).name.empty());
  return all;
}

// RFC 6265 §5.4 written plainly: the unexpired cookies that match, longer paths first, then
// creation order, as "name=value" joined by "; ".
inline std::string expected_header(const std::vector<stored>& all, const htpx::url& u, std::int64_t now) {
  std::vector<const stored*> sent;
  const std::string_view path = u.path.empty() ? std::string_view("/") : u.path;
  for (const stored& c : all) {
    if (c.expires != -1 && c.expires <= now) continue;
    if (c.secure && u.scheme != htpx::url_scheme::https) continue;
    const bool host = c.host_only ? htpx::iequals(u.host, c.domain)
                                  : (c.domain.empty() || htpx::cookie_domain_match(u.host, c.domain));
    if (host && htpx::cookie_path_match(path, c.path)) sent.push_back(&c);
  }
  std::stable_sort(sent.begin(), sent.end(),
                   [](const stored* a, const stored* b) { return a->path.size() > b->path.size(); });
  std::string header;
  for (const stored* c : sent) {
    if (!header.empty()) header += "; ";
    header.append(c->name).append(1, '=').append(c->value);
  }
  return header;
}

// `out` has room for out_size + 16 bytes; the 16 after out_size are guards.
inline void check_header_for(guarded_jar& g, const htpx::url& u, std::int64_t now, std::vector<char>& out,
                             std::size_t out_size) {
  const std::string expected = expected_header(check_jar(g, g.jar()), u, now);  // before the jar changes
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(out_size),
            out.begin() + static_cast<std::ptrdiff_t>(out_size + 16), guard_byte);
  const htpx::result<std::size_t> written = g.jar().header_for(u, now, {out.data(), out_size});
  for (std::size_t i = out_size; i != out_size + 16; ++i) HTPX_FUZZ_CHECK(out[i] == guard_byte);
  if (expected.size() > out_size) {
    HTPX_FUZZ_CHECK(!written && std::string_view(written.err().detail) == "Cookie header larger than the buffer");
  } else {
    HTPX_FUZZ_CHECK(written.ok() && written.value() <= out_size);
    const std::string_view field(out.data(), written.value());
    HTPX_FUZZ_CHECK(field == expected);
    HTPX_FUZZ_CHECK(field.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos);
  }
  // header_for() evicts the expired cookies.
  g.jar().for_each([now](const htpx::cookie& c) { HTPX_FUZZ_CHECK(c.expires == -1 || c.expires > now); });
}

// Splits "a\x01b\x01c\x01d" into up to four parts (missing ones empty).
inline std::vector<std::string_view> parts(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t k = 0; k != 4; ++k) {
    const std::size_t at = s.find('\x01');
    out.push_back(s.substr(0, at));
    s = at == std::string_view::npos ? std::string_view() : s.substr(at + 1);
  }
  return out;
}

inline bool mentions_expiry(std::string_view line) {
  const std::string lower = lowercase(line);
  return lower.find("expires") != std::string::npos || lower.find("max-age") != std::string::npos;
}

// The name and value store() reads (§5.2 steps 1-4), for checking that a session cookie landed.
inline bool name_value(std::string_view line, std::string& name, std::string& value) {
  const std::string_view pair = line.substr(0, line.find(';'));
  const std::size_t eq = pair.find('=');
  if (eq == std::string_view::npos) return false;
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
  };
  name = trim(pair.substr(0, eq));
  value = trim(pair.substr(eq + 1));
  return true;
}

inline void check_date(std::string_view line) {
  std::int64_t t = 0;
  if (htpx::parse_cookie_date(line, t)) {
    constexpr std::int64_t year_1601 = -11644473600;  // 1601-01-01T00:00:00Z
    constexpr std::int64_t end_of_9999 = 253402300799;
    HTPX_FUZZ_CHECK(t >= year_1601 && t <= end_of_9999);
  }
}

inline int fuzz_cookies_one(const std::uint8_t* data, std::size_t size) {
  static constexpr std::size_t entries[4] = {1, 2, 4, 8};
  static constexpr std::size_t text_bytes[4] = {16, 64, 256, 4096};
  static constexpr std::size_t out_sizes[8] = {0, 1, 4, 8, 16, 32, 128, 8192};
  constexpr std::size_t max_lines = 48;
  input_reader in(data, size);
  const std::uint8_t jar_opts = in.byte();
  const std::int64_t step = std::int64_t{in.byte()} * 97;
  const std::uint8_t out_opts = in.byte();
  std::string_view rest(in.rest(), in.rest_size());

  htpx::url urls[8];
  for (std::size_t i = 0; i != 8; ++i) {
    const htpx::result<htpx::url> u = htpx::parse_url(request_urls[i]);
    HTPX_FUZZ_CHECK(u.ok());
    urls[i] = u.value();
  }
  guarded_jar g(entries[jar_opts & 3u], text_bytes[(jar_opts >> 2u) & 3u]);
  htpx::cookie_jar& jar = g.jar();
  std::int64_t now = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
  std::size_t which = (jar_opts >> 4u) & 7u;
  std::vector<char> out(out_sizes[7] + 16);

  // A jar of at most 8 cookies shows all it does within a few dozen lines; more would only slow
  // the target down.
  for (std::size_t line_count = 0; !rest.empty() && line_count != max_lines; ++line_count) {
    const std::size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    const htpx::url& u = urls[which++ % 8];
    now += step;
    check_date(line);
    if (!line.empty() && (line[0] == '\x01' || line[0] == '\x02')) {
      const std::vector<std::string_view> p = parts(line.substr(1));
      if (line[0] == '\x02') {
        jar.remove(p[0], p[1], p[2]);
      } else {
        const htpx::error e = jar.set(p[0], p[1], p[2], p[3]);
        const std::string_view why = e.detail;
        HTPX_FUZZ_CHECK(!e || (e.code == htpx::errc::local_protocol_error &&
                               (why == "invalid cookie name or value" || why == "cookie too large")));
      }
    } else {
      const std::size_t before = jar.size();
      const htpx::error e = jar.store(u, line, now);
      const std::string_view why = e.detail;
      HTPX_FUZZ_CHECK(!e ||
                      (e.code == htpx::errc::decoding_error &&
                       (why == "cookie rejected: no '='" || why == "cookie rejected: empty name" ||
                        why == "cookie rejected: control character" || why == "cookie rejected: no request host" ||
                        why == "cookie rejected: public suffix domain" ||
                        why == "cookie rejected: Secure from an insecure origin" ||
                        why == "cookie rejected: an insecure origin would overwrite a Secure cookie" ||
                        why == "cookie rejected: domain does not match" || why == "cookie too large")));
      if (e) HTPX_FUZZ_CHECK(jar.size() == before);
      std::string name, value;
      if (!e && !mentions_expiry(line) && name_value(line, name, value)) {
        bool found = false;
        jar.for_each([&](const htpx::cookie& c) { found = found || (c.name == name && c.value == value); });
        HTPX_FUZZ_CHECK(found);
      }
    }
    // The URL stored for and the next one (each URL comes round every eight lines).
    check_header_for(g, u, now, out, out_sizes[out_opts & 7u]);
    check_header_for(g, urls[which % 8], now, out, out_sizes[(out_opts >> 3u) & 7u]);
  }
  (void)check_jar(g, jar);
  return 0;
}

}  // namespace htpx_fuzz::cookies
