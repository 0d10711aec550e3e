// The URL fuzz target's body (RFC 3986 parsing, reference resolution, the request-target writer
// and query encoding), shared by the libFuzzer entry point (fuzz_url.cpp) and the corpus replay
// unit test.
//
// Input: byte 0 picks the output buffer's size (0..255, so short buffers are common); the rest
// is "BASE\nREFERENCE" (no newline: the reference alone, against a fixed base). Invariants:
//   - parse_url(): every view lies inside the text; http(s) has a host; a port only with digits;
//   - resolve_url(): never writes past the buffer it was given (guard bytes after it stay); a
//     result fits and is a URL parse_url() accepts, or an http(s) one without a host (which
//     RFC 3986 resolves and parse_url() refuses);
//   - write_request_target(): never writes past its buffer; for http(s) the target starts with
//     '/' and has no byte a request-target may not carry raw (RFC 9112 §3.2: SP, CTL, DEL,
//     >= 0x80, '#');
//   - encode_query_component(): only unreserved bytes and %XX triplets;
//   - parse_ip_address() reads every host parse_url() accepts as an address ([IPv6] or a
//     dotted quad, the only hosts whose last label starts with a digit) as one of the right size: the URL's
//     validator and the address reader (NO_PROXY, the TLS port) agree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "htpx/ip_address.hpp"
#include "htpx/url.hpp"

namespace htpx_fuzz::url_target {

constexpr std::string_view fixed_base = "http://user@a.example:8080/b/c/d;p?q#f";
constexpr std::uint8_t guard = 0xA5;

inline bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}
inline bool is_unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// A buffer of `size` bytes followed by guard bytes that must survive every call.
class guarded_buffer {
 public:
  explicit guarded_buffer(std::size_t size) : bytes_(size + 16, guard), size_(size) {}
  htpx::mutable_bytes view() noexcept { return {reinterpret_cast<char*>(bytes_.data()), size_}; }
  const char* data() const noexcept { return reinterpret_cast<const char*>(bytes_.data()); }
  bool guards_intact() const noexcept {
    for (std::size_t i = size_; i != bytes_.size(); ++i) {
      if (bytes_[i] != guard) return false;
    }
    return true;
  }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t size_;
};

inline void check_parsed(std::string_view text, const htpx::url& u) {
  const char* base = text.data();
  const std::size_t n = text.size();
  for (const std::string_view part :
       {u.scheme_text, u.userinfo, u.host, u.authority_host, u.path, u.query, u.fragment}) {
    HTPX_FUZZ_CHECK(within(base, n, part.data(), part.size()));
  }
  if (u.scheme != htpx::url_scheme::other) HTPX_FUZZ_CHECK(!u.host.empty());
  HTPX_FUZZ_CHECK(u.has_query || u.query.empty());
  HTPX_FUZZ_CHECK(u.has_fragment || u.fragment.empty());
  if (!u.host.empty()) {
    htpx::ip_address address;
    const bool bracketed = u.authority_host.size() > u.host.size() && u.authority_host[0] == '[';
    std::string_view name = u.host;  // its last label, a trailing dot aside
    if (name.back() == '.') name.remove_suffix(1);
    const std::size_t dot = name.rfind('.');
    if (dot != std::string_view::npos) name.remove_prefix(dot + 1);
    const bool ends_in_number = !name.empty() && name[0] >= '0' && name[0] <= '9';
    if (bracketed) HTPX_FUZZ_CHECK(htpx::parse_ip_address(u.host, address) && address.size == 16);
    if (!bracketed && ends_in_number) {
      HTPX_FUZZ_CHECK(htpx::parse_ip_address(u.host, address) && address.size == 4);
    }
  }
}

inline void check_target(std::string_view target) {
  HTPX_FUZZ_CHECK(!target.empty() && target[0] == '/');
  for (const char c : target) {
    const auto b = static_cast<unsigned char>(c);
    HTPX_FUZZ_CHECK(b > 0x20 && b < 0x7f && c != '#');
  }
}

inline int fuzz_url_one(const std::uint8_t* data, std::size_t size) {
  input_reader in(data, size);
  const std::size_t out_size = in.byte();
  const std::string_view rest(in.rest(), in.rest_size());
  const std::size_t newline = rest.find('\n');
  const std::string_view base = newline == std::string_view::npos ? fixed_base : rest.substr(0, newline);
  const std::string_view reference = newline == std::string_view::npos ? rest : rest.substr(newline + 1);

  // Parsing: the base and the reference as absolute URLs.
  for (const std::string_view text : {base, reference}) {
    const htpx::result<htpx::url> parsed = htpx::parse_url(text);
    if (!parsed) continue;
    check_parsed(text, parsed.value());
    // The request-target of what parsed, with one query parameter from the text itself.
    const htpx::query_param param{text.substr(0, text.size() / 2), text.substr(text.size() / 2)};
    guarded_buffer target(out_size);
    const htpx::result<std::size_t> written = htpx::write_request_target(parsed.value(), &param, 1, target.view());
    HTPX_FUZZ_CHECK(target.guards_intact());
    if (written) {
      HTPX_FUZZ_CHECK(written.value() <= out_size);
      // Only http(s) URLs reach the wire (the client refuses other schemes before writing).
      if (parsed.value().scheme != htpx::url_scheme::other) check_target({target.data(), written.value()});
    }
  }

  // Resolution: what it writes stays inside the buffer and is a URL again.
  guarded_buffer resolved(out_size);
  const htpx::result<std::size_t> r = htpx::resolve_url(base, reference, resolved.view());
  HTPX_FUZZ_CHECK(resolved.guards_intact());
  if (r) {
    HTPX_FUZZ_CHECK(r.value() <= out_size);
    const std::string_view text(resolved.data(), r.value());
    const htpx::result<htpx::url> again = htpx::parse_url(text);
    if (again) {
      check_parsed(text, again.value());
    } else {
      // RFC 3986 resolves "http:g" and "//" (against an http base) for any scheme; an http(s)
      // URL without a host is refused by parse_url() (RFC 9110 §4.2.1), and so by a redirect.
      const std::string_view why = again.err().detail;
      HTPX_FUZZ_CHECK(why == "no authority" || why == "empty host");
    }
  }

  // Query encoding of the reference, at an offset inside the buffer.
  guarded_buffer encoded(out_size);
  const std::size_t at = out_size / 3;
  const htpx::result<std::size_t> e = htpx::encode_query_component(reference, encoded.view(), at);
  HTPX_FUZZ_CHECK(encoded.guards_intact());
  if (e) {
    HTPX_FUZZ_CHECK(e.value() >= at && e.value() <= out_size);
    const std::string_view out(encoded.data() + at, e.value() - at);
    for (std::size_t i = 0; i != out.size(); ++i) {
      if (out[i] == '%') {
        HTPX_FUZZ_CHECK(i + 2 < out.size() && is_hex(out[i + 1]) && is_hex(out[i + 2]));
        i += 2;
      } else {
        HTPX_FUZZ_CHECK(is_unreserved(out[i]));
      }
    }
  }
  return 0;
}

}  // namespace htpx_fuzz::url_target
