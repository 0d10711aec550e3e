// URLs: the strict parser and each of its errors, RFC 3986 §5.4 resolution examples, the
// request-target writer with parameters, same-origin, and every output buffer size with guard
// bytes behind it.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "htpx/url.hpp"
#include "htpx/url_offsets.hpp"

namespace {

using htpx::query_param;
using htpx::url;
using htpx::url_scheme;

constexpr const char* too_long = "URL too long for the buffer";
constexpr char guard = '\x5a';
constexpr std::size_t guard_size = 16;

url parse_ok(std::string_view text) {
  const htpx::result<url> r = htpx::parse_url(text);
  EXPECT_TRUE(r.ok()) << "'" << text << "': " << r.err().detail;
  return r.value();
}

// Returns the error detail, or "ok".
std::string parse_error(std::string_view text) {
  const htpx::result<url> r = htpx::parse_url(text);
  if (r) return "ok";
  EXPECT_EQ(r.err().code, htpx::errc::invalid_url);
  return r.err().detail;
}

// Runs `write` into a buffer of exactly `size` bytes followed by guard bytes; returns the text
// or "error: detail", and fails the test when a guard byte changed.
template <class Write>
std::string into_buffer(std::size_t size, Write write) {
  std::vector<char> buffer(size + guard_size, guard);
  const htpx::result<std::size_t> n = write(htpx::mutable_bytes{buffer.data(), size});
  for (std::size_t i = size; i != buffer.size(); ++i) {
    EXPECT_EQ(buffer[i], guard) << "byte " << i << " written past a buffer of " << size;
  }
  if (!n) return std::string("error: ") + n.err().detail;
  EXPECT_LE(n.value(), size);
  return std::string(buffer.data(), n.value());
}

// Checks `write` at every buffer size from 0 to the result's length + 2: an exact fit works,
// one byte less fails with the buffer error, and nothing is ever written past the end.
template <class Write>
void expect_at_every_size(const std::string& expected, Write write) {
  for (std::size_t size = 0; size <= expected.size() + 2; ++size) {
    const std::string got = into_buffer(size, write);
    if (size < expected.size()) {
      EXPECT_EQ(got, std::string("error: ") + too_long) << "size " << size;
    } else {
      EXPECT_EQ(got, expected) << "size " << size;
    }
  }
}

std::string resolve(std::string_view base, std::string_view reference) {
  return into_buffer(512, [&](htpx::mutable_bytes out) { return htpx::resolve_url(base, reference, out); });
}

std::string target(std::string_view text, std::vector<query_param> params = {}) {
  const url u = parse_ok(text);
  return into_buffer(
      512, [&](htpx::mutable_bytes out) { return htpx::write_request_target(u, params.data(), params.size(), out); });
}

std::string encode(std::string_view text) {
  return into_buffer(512, [&](htpx::mutable_bytes out) { return htpx::encode_query_component(text, out, 0); });
}

// ---- parse_url ------------------------------------------------------------------------------

TEST(UrlParse, SplitsEveryComponent) {
  const url u = parse_ok("https://user:pa%20ss@Example.COM:8443/a/b;p?q=1&r=%2F#frag/x?y");
  EXPECT_EQ(u.scheme, url_scheme::https);
  EXPECT_EQ(u.scheme_text, "https");
  EXPECT_TRUE(u.has_userinfo);
  EXPECT_EQ(u.userinfo, "user:pa%20ss");
  EXPECT_EQ(u.host, "Example.COM");
  EXPECT_EQ(u.authority_host, "Example.COM:8443");
  EXPECT_TRUE(u.has_port);
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.path, "/a/b;p");
  EXPECT_TRUE(u.has_query);
  EXPECT_EQ(u.query, "q=1&r=%2F");
  EXPECT_TRUE(u.has_fragment);
  EXPECT_EQ(u.fragment, "frag/x?y");
}

TEST(UrlParse, ViewsPointIntoTheText) {
  const std::string text = "http://h:1/p?q#f";
  const url u = parse_ok(text);
  const char* begin = text.data();
  const char* end = begin + text.size();
  for (const std::string_view part : {u.scheme_text, u.host, u.authority_host, u.path, u.query, u.fragment}) {
    EXPECT_GE(part.data(), begin);
    EXPECT_LE(part.data() + part.size(), end);
  }
}

// The client keeps a request's origin as offsets (url_offsets.hpp): the same views come back.
TEST(UrlOffsets, GiveBackEveryPartButTheFragment) {
  for (const std::string text : {"https://user:pa%20ss@Example.COM:8443/a/b;p?q=1&r=%2F#frag", "http://h",
                                 "http://[::1]:80/?", "HTTP://h.test/p"}) {
    const url u = parse_ok(text);
    htpx::detail::url_offsets kept;
    kept.keep(u, text);
    const url back = kept.get();
    EXPECT_EQ(back.scheme, u.scheme) << text;
    EXPECT_EQ(kept.scheme(), u.scheme) << text;
    EXPECT_EQ(back.scheme_text, u.scheme_text) << text;
    EXPECT_EQ(back.has_userinfo, u.has_userinfo) << text;
    EXPECT_EQ(back.userinfo, u.userinfo) << text;
    EXPECT_EQ(back.host, u.host) << text;
    EXPECT_EQ(back.authority_host, u.authority_host) << text;
    EXPECT_EQ(back.has_port, u.has_port) << text;
    EXPECT_EQ(back.port, u.port) << text;
    EXPECT_EQ(back.path, u.path) << text;
    EXPECT_EQ(back.has_query, u.has_query) << text;
    EXPECT_EQ(back.query, u.query) << text;
    EXPECT_EQ(back.host.data(), u.host.data()) << text;  // into the same text, not a copy
  }
}

TEST(UrlParse, MinimalUrlsHaveDefaultPortsAndEmptyParts) {
  url u = parse_ok("http://example.com");
  EXPECT_EQ(u.scheme, url_scheme::http);
  EXPECT_EQ(u.port, 80);
  EXPECT_FALSE(u.has_port);
  EXPECT_FALSE(u.has_userinfo);
  EXPECT_EQ(u.userinfo, "");
  EXPECT_EQ(u.path, "");
  EXPECT_FALSE(u.has_query);
  EXPECT_FALSE(u.has_fragment);
  EXPECT_EQ(u.authority_host, "example.com");

  u = parse_ok("https://example.com/");
  EXPECT_EQ(u.port, 443);
  EXPECT_FALSE(u.has_port);
  EXPECT_EQ(u.path, "/");

  u = parse_ok("http://example.com?#");
  EXPECT_TRUE(u.has_query);
  EXPECT_EQ(u.query, "");
  EXPECT_TRUE(u.has_fragment);
  EXPECT_EQ(u.fragment, "");
  EXPECT_EQ(u.path, "");

  u = parse_ok("http://example.com:/x");  // empty port: the default (RFC 3986 §3.2.3)
  EXPECT_FALSE(u.has_port);
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.authority_host, "example.com:");

  u = parse_ok("http://example.com:443");
  EXPECT_TRUE(u.has_port);
  EXPECT_EQ(u.port, 443);
  u = parse_ok("https://example.com:0080");
  EXPECT_EQ(u.port, 80);
  u = parse_ok("http://a:65535");
  EXPECT_EQ(u.port, 65535);
}

TEST(UrlParse, SchemesAreCaseInsensitive) {
  url u = parse_ok("HTTP://a/");
  EXPECT_EQ(u.scheme, url_scheme::http);
  EXPECT_EQ(u.scheme_text, "HTTP");
  EXPECT_EQ(u.port, 80);
  u = parse_ok("hTtPs://a/");
  EXPECT_EQ(u.scheme, url_scheme::https);
  EXPECT_EQ(u.port, 443);
}

TEST(UrlParse, OtherSchemesParseAsOther) {
  url u = parse_ok("ftp://files.example:21/pub");
  EXPECT_EQ(u.scheme, url_scheme::other);
  EXPECT_EQ(u.scheme_text, "ftp");
  EXPECT_EQ(u.host, "files.example");
  EXPECT_EQ(u.port, 21);
  u = parse_ok("mailto:someone@example.com");
  EXPECT_EQ(u.scheme, url_scheme::other);
  EXPECT_EQ(u.host, "");
  EXPECT_EQ(u.path, "someone@example.com");
  EXPECT_EQ(u.port, 0);
  u = parse_ok("file:///etc/hosts");
  EXPECT_EQ(u.scheme, url_scheme::other);
  EXPECT_EQ(u.host, "");
  EXPECT_EQ(u.path, "/etc/hosts");
  u = parse_ok("httpx+unix://x");
  EXPECT_EQ(u.scheme, url_scheme::other);
  u = parse_ok("https2://x");
  EXPECT_EQ(u.scheme, url_scheme::other);
}

TEST(UrlParse, Userinfo) {
  url u = parse_ok("http://user@host/");
  EXPECT_TRUE(u.has_userinfo);
  EXPECT_EQ(u.userinfo, "user");
  EXPECT_EQ(u.host, "host");
  EXPECT_EQ(u.authority_host, "host");
  u = parse_ok("http://@host/");
  EXPECT_TRUE(u.has_userinfo);
  EXPECT_EQ(u.userinfo, "");
  u = parse_ok("http://a:b:c@[::1]:8080/");
  EXPECT_EQ(u.userinfo, "a:b:c");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.authority_host, "[::1]:8080");
  EXPECT_EQ(u.port, 8080);
  // A second '@' is never part of the host: no "which host did you mean" confusion.
  EXPECT_EQ(parse_error("http://a@b@c/"), "invalid character in host");
}

TEST(UrlParse, Ipv6Literals) {
  url u = parse_ok("http://[::1]/");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.authority_host, "[::1]");
  EXPECT_EQ(u.port, 80);
  EXPECT_FALSE(u.has_port);
  u = parse_ok("https://[2001:DB8::a:1]:8443?x");
  EXPECT_EQ(u.host, "2001:DB8::a:1");
  EXPECT_EQ(u.authority_host, "[2001:DB8::a:1]:8443");
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.path, "");
  EXPECT_EQ(u.query, "x");
  for (const char* good :
       {"http://[::]/", "http://[1:2:3:4:5:6:7:8]/", "http://[1:2:3:4:5:6:7::]/", "http://[::2:3:4:5:6:7:8]/",
        "http://[::ffff:192.0.2.1]/", "http://[1:2:3:4:5:6:1.2.3.4]/", "http://[fe80::abcd]:1/"}) {
    EXPECT_EQ(parse_error(good), "ok") << good;
  }
  for (const char* bad : {"http://[]/", "http://[1:2:3:4:5:6:7:8:9]/", "http://[1:2:3:4:5:6:7]/", "http://[1::2::3]/",
                          "http://[:1]/", "http://[1:]/", "http://[12345::]/", "http://[::g]/", "http://[1.2.3.4]/",
                          "http://[::1.2.3.256]/", "http://[::01.2.3.4]/", "http://[1:2:3:4:5:6:7:1.2.3.4]/",
                          "http://[fe80::1%25eth0]/", "http://[v1.x]/", "http://[example.com]/"}) {
    EXPECT_EQ(parse_error(bad), "invalid IPv6 literal") << bad;
  }
  EXPECT_EQ(parse_error("http://[::1/"), "unterminated IPv6 literal");
  EXPECT_EQ(parse_error("http://[::1"), "unterminated IPv6 literal");
  EXPECT_EQ(parse_error("http://[::1]:80]/"), "invalid port");
  EXPECT_EQ(parse_error("http://[::1]x/"), "invalid character in host");
  EXPECT_EQ(parse_error("http://x[::1]/"), "invalid character in host");
}

TEST(UrlParse, HostsKeepTheirCaseAndAllowSubDelims) {
  url u = parse_ok("http://WWW.Example.Com./");
  EXPECT_EQ(u.host, "WWW.Example.Com.");
  u = parse_ok("http://192.0.2.1:8080");
  EXPECT_EQ(u.host, "192.0.2.1");
  u = parse_ok("http://a-b_c~d!$&'()*+,;=/");
  EXPECT_EQ(u.host, "a-b_c~d!$&'()*+,;=");
}

TEST(UrlParse, PathAndQueryKeepEncodedAndUtf8Bytes) {
  const url u = parse_ok("http://a/caf\xc3\xa9/%41[x]?q=\xc3\xa9&r=\"<>\"#\xc3\xa9");
  EXPECT_EQ(u.path, "/caf\xc3\xa9/%41[x]");
  EXPECT_EQ(u.query, "q=\xc3\xa9&r=\"<>\"");
  EXPECT_EQ(u.fragment, "\xc3\xa9");
}

TEST(UrlParse, EachErrorDetail) {
  struct bad_case {
    std::string text;
    const char* detail;
  };
  const bad_case cases[] = {
      {"", "no scheme"},
      {"example.com/path", "no scheme"},
      {"//example.com/", "no scheme"},
      {"/relative", "no scheme"},
      {"1http://a/", "no scheme"},
      {"://a/", "no scheme"},
      {"ht_tp://a/", "no scheme"},
      {"http:a/b", "no authority"},
      {"http:/a/b", "no authority"},
      {"https:", "no authority"},
      {"http://", "empty host"},
      {"http:///path", "empty host"},
      {"http://:80/", "empty host"},
      {"http://user@/", "empty host"},
      {"https://?q", "empty host"},
      {"http://a:8x/", "invalid port"},
      {"http://a:-1/", "invalid port"},
      {"http://a:+80/", "invalid port"},
      {"http://a:80:80/", "invalid port"},
      {"http://a:65536/", "port out of range"},
      {"http://a:0/", "port out of range"},
      {"http://a:000/", "port out of range"},
      {"http://127.1/", "invalid IPv4 address"},
      {"http://a:99999999999999999999999/", "port out of range"},
      {"http://exa%6dple.com/", "invalid character in host"},
      {"http://caf\xc3\xa9.example/", "invalid character in host"},
      {"http://a\"b/", "invalid character in host"},
      {"http://a<b/", "invalid character in host"},
      {"http://a]/", "invalid character in host"},
      {"http://a/%", "bad percent-encoding"},
      {"http://a/%4", "bad percent-encoding"},
      {"http://a/%zz", "bad percent-encoding"},
      {"http://a/?q=%g1", "bad percent-encoding"},
      {"http://a/#%", "bad percent-encoding"},
      {"http://u%@a/", "bad percent-encoding"},
      {"http://a/b c", "control character or space in URL"},
      {" http://a/", "control character or space in URL"},
      {"http://a/\t", "control character or space in URL"},
      {"http://a/\r\nHost: evil", "control character or space in URL"},
      {std::string("http://a/\0", 10), "control character or space in URL"},
      {"http://a/\x7f", "control character or space in URL"},
      {"http://a/\x01", "control character or space in URL"},
      {"http://a\\b/", "backslash in URL"},
      {"http:\\\\a\\", "backslash in URL"},
      {"http://a/b\\c", "backslash in URL"},
  };
  for (const bad_case& c : cases) EXPECT_EQ(parse_error(c.text), c.detail) << "'" << c.text << "'";
}

// One scan splits the text and checks its bytes; the structure is judged after it, so a URL
// with both kinds of fault always reports the byte, wherever it is.
TEST(UrlParse, ByteErrorsComeBeforeStructuralOnes) {
  EXPECT_EQ(parse_error("x y"), "control character or space in URL");             // not "no scheme"
  EXPECT_EQ(parse_error("http:x\\"), "backslash in URL");                         // not "no authority"
  EXPECT_EQ(parse_error("http://a:8x/ b"), "control character or space in URL");  // not "invalid port"
  EXPECT_EQ(parse_error("http://[::1/%zz"), "bad percent-encoding");              // not "unterminated IPv6 literal"
  EXPECT_EQ(parse_error("http://?#\x7f"), "control character or space in URL");   // not "empty host"
}

TEST(UrlParse, EveryPrefixOfAUrlIsAnswered) {
  // Totality: each prefix (and each single-byte mutation) gives a result or an error.
  const std::string text = "https://u:p@[2001:db8::1]:8443/a/%41?b=%c3%a9#f";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    const htpx::result<url> r = htpx::parse_url(std::string_view(text.data(), n));
    EXPECT_TRUE(r.ok() || (r.err().code == htpx::errc::invalid_url && r.err().detail[0] != '\0')) << n;
    // "https://u" and "https://u:" (host u), then from ']' on except inside a %XX triplet.
    const bool whole_triplets = n != 34 && n != 35 && n != 40 && n != 41 && n != 43 && n != 44;
    EXPECT_EQ(r.ok(), n == 9 || n == 10 || (n >= 25 && whole_triplets)) << n;
  }
  for (std::size_t i = 0; i != text.size(); ++i) {
    for (int b = 0; b != 256; ++b) {
      std::string mutated = text;
      mutated[i] = static_cast<char>(b);
      const htpx::result<url> r = htpx::parse_url(mutated);
      EXPECT_TRUE(r.ok() || r.err().code == htpx::errc::invalid_url) << i << " " << b;
    }
  }
}

// ---- has_scheme -----------------------------------------------------------------------------

TEST(UrlScheme, HasScheme) {
  EXPECT_TRUE(htpx::has_scheme("http://a"));
  EXPECT_TRUE(htpx::has_scheme("a:"));
  EXPECT_TRUE(htpx::has_scheme("svn+ssh.x-y:z"));
  EXPECT_TRUE(htpx::has_scheme("HTTP:g"));
  EXPECT_FALSE(htpx::has_scheme(""));
  EXPECT_FALSE(htpx::has_scheme(":"));
  EXPECT_FALSE(htpx::has_scheme("http"));
  EXPECT_FALSE(htpx::has_scheme("1a:"));
  EXPECT_FALSE(htpx::has_scheme("/a:b"));
  EXPECT_FALSE(htpx::has_scheme("./a:b"));
  EXPECT_FALSE(htpx::has_scheme("g;x:y"));
  EXPECT_FALSE(htpx::has_scheme("//a:80/"));
  EXPECT_FALSE(htpx::has_scheme("a b:c"));
  EXPECT_FALSE(htpx::has_scheme(std::string_view("a\0:", 3)));
}

// ---- resolve_url ----------------------------------------------------------------------------

constexpr const char* rfc_base = "http://a/b/c/d;p?q";

struct resolve_case {
  const char* reference;
  const char* expected;
};

// RFC 3986 §5.4.1.
const resolve_case normal_examples[] = {
    {"g:h", "g:h"},
    {"g", "http://a/b/c/g"},
    {"./g", "http://a/b/c/g"},
    {"g/", "http://a/b/c/g/"},
    {"/g", "http://a/g"},
    {"//g", "http://g"},
    {"?y", "http://a/b/c/d;p?y"},
    {"g?y", "http://a/b/c/g?y"},
    {"#s", "http://a/b/c/d;p?q#s"},
    {"g#s", "http://a/b/c/g#s"},
    {"g?y#s", "http://a/b/c/g?y#s"},
    {";x", "http://a/b/c/;x"},
    {"g;x", "http://a/b/c/g;x"},
    {"g;x?y#s", "http://a/b/c/g;x?y#s"},
    {"", "http://a/b/c/d;p?q"},
    {".", "http://a/b/c/"},
    {"./", "http://a/b/c/"},
    {"..", "http://a/b/"},
    {"../", "http://a/b/"},
    {"../g", "http://a/b/g"},
    {"../..", "http://a/"},
    {"../../", "http://a/"},
    {"../../g", "http://a/g"},
};

// RFC 3986 §5.4.2 (strict parser for "http:g").
const resolve_case abnormal_examples[] = {
    {"../../../g", "http://a/g"},
    {"../../../../g", "http://a/g"},
    {"/./g", "http://a/g"},
    {"/../g", "http://a/g"},
    {"g.", "http://a/b/c/g."},
    {".g", "http://a/b/c/.g"},
    {"g..", "http://a/b/c/g.."},
    {"..g", "http://a/b/c/..g"},
    {"./../g", "http://a/b/g"},
    {"./g/.", "http://a/b/c/g/"},
    {"g/./h", "http://a/b/c/g/h"},
    {"g/../h", "http://a/b/c/h"},
    {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
    {"g;x=1/../y", "http://a/b/c/y"},
    {"g?y/./x", "http://a/b/c/g?y/./x"},
    {"g?y/../x", "http://a/b/c/g?y/../x"},
    {"g#s/./x", "http://a/b/c/g#s/./x"},
    {"g#s/../x", "http://a/b/c/g#s/../x"},
    {"http:g", "http:g"},
};

TEST(UrlResolve, Rfc3986NormalExamples) {
  for (const resolve_case& c : normal_examples) EXPECT_EQ(resolve(rfc_base, c.reference), c.expected) << c.reference;
}

TEST(UrlResolve, Rfc3986AbnormalExamples) {
  for (const resolve_case& c : abnormal_examples) {
    EXPECT_EQ(resolve(rfc_base, c.reference), c.expected) << c.reference;
  }
}

template <std::size_t N>
void resolve_at_every_size(const resolve_case (&cases)[N]) {
  for (const resolve_case& c : cases) {
    SCOPED_TRACE(c.reference);
    expect_at_every_size(c.expected,
                         [&](htpx::mutable_bytes out) { return htpx::resolve_url(rfc_base, c.reference, out); });
  }
}

TEST(UrlResolve, EveryExampleAtEveryBufferSize) {
  resolve_at_every_size(normal_examples);
  resolve_at_every_size(abnormal_examples);
}

TEST(UrlResolve, DotSegmentsInAbsoluteAndNetworkPathReferences) {
  EXPECT_EQ(resolve(rfc_base, "http://x/a/./b/../c"), "http://x/a/c");
  EXPECT_EQ(resolve(rfc_base, "HTTPS://X:1/../../g?a/../b#c/../d"), "HTTPS://X:1/g?a/../b#c/../d");
  EXPECT_EQ(resolve(rfc_base, "//x/./y/.."), "http://x/");
  EXPECT_EQ(resolve(rfc_base, "//u@[::1]:8/p"), "http://u@[::1]:8/p");
  EXPECT_EQ(resolve(rfc_base, "/a//../b"), "http://a/a/b");
  EXPECT_EQ(resolve(rfc_base, "/a/b/../../.."), "http://a/");
  EXPECT_EQ(resolve(rfc_base, "ftp://f/x"), "ftp://f/x");
}

TEST(UrlResolve, BaseEdgeCases) {
  // §5.2.3: a base with an authority and an empty path merges as "/".
  EXPECT_EQ(resolve("http://a", "g"), "http://a/g");
  EXPECT_EQ(resolve("http://a?x#y", "#f"), "http://a?x#f");
  EXPECT_EQ(resolve("http://a?x#y", ""), "http://a?x");
  EXPECT_EQ(resolve("http://a/b#frag", "c"), "http://a/c");
  // An empty reference path keeps the base path as it is (§5.2.2: no dot removal).
  EXPECT_EQ(resolve("http://a/b/../c", "?q"), "http://a/b/../c?q");
  EXPECT_EQ(resolve("http://u:p@a:81/b/", "c"), "http://u:p@a:81/b/c");
  // A base without an authority: a rootless path merges by its last '/'.
  EXPECT_EQ(resolve("mailto:x", "y"), "mailto:y");
  EXPECT_EQ(resolve("urn:a/b/c", "../d"), "urn:a/d");
  EXPECT_EQ(resolve("urn:a/b", "../../d"), "urn:/d");  // "a/../../d": rule C leaves "/d"
  EXPECT_EQ(resolve("urn:a/b", "../.."), "urn:/");
  EXPECT_EQ(resolve("urn:a", "./"), "urn:");
  EXPECT_EQ(resolve("urn:a", "b/../c"), "urn:/c");  // the RFC algorithm, rule C, as written
  EXPECT_EQ(resolve("urn:a", "b/.."), "urn:/");
}

TEST(UrlResolve, UnicodeAndEncodedBytesAreCopied) {
  EXPECT_EQ(resolve("http://a/b/", "caf\xc3\xa9?q=%20"), "http://a/b/caf\xc3\xa9?q=%20");
}

TEST(UrlResolve, Errors) {
  EXPECT_EQ(resolve("/relative", "g"), "error: no scheme");
  EXPECT_EQ(resolve("http://", "g"), "error: empty host");
  EXPECT_EQ(resolve("http://a/b c", "g"), "error: control character or space in URL");
  EXPECT_EQ(resolve(rfc_base, "g h"), "error: control character or space in URL");
  EXPECT_EQ(resolve(rfc_base, "g\r\n"), "error: control character or space in URL");
  EXPECT_EQ(resolve(rfc_base, "\\\\evil.example\\x"), "error: backslash in URL");
  EXPECT_EQ(resolve(rfc_base, "g%"), "error: bad percent-encoding");
  EXPECT_EQ(resolve(rfc_base, "//[::1/x"), "error: unterminated IPv6 literal");
  EXPECT_EQ(resolve(rfc_base, "//a:99999/"), "error: port out of range");
  EXPECT_EQ(resolve(rfc_base, "https://a:x/"), "error: invalid port");
  EXPECT_EQ(resolve(rfc_base, "//a b/"), "error: control character or space in URL");
  // The base is judged first, and a reference's bytes before its authority.
  EXPECT_EQ(resolve("http://a b", "//[::1"), "error: control character or space in URL");
  EXPECT_EQ(resolve(rfc_base, "//a:x/%"), "error: bad percent-encoding");
}

// Resolution is RFC 3986's, for any scheme: an empty authority resolves as one ("//" against an
// http base gives "http://", as "http:g" gives "http:g"). An http(s) URL needs a host (RFC 9110
// §4.2.1), so parse_url() refuses these, and with it a redirect to them (InvalidURL).
TEST(UrlResolve, HttpTargetsWithoutAHostResolveAndDoNotParse) {
  EXPECT_EQ(resolve(rfc_base, "//"), "http://");
  EXPECT_EQ(resolve(rfc_base, "///x"), "http:///x");
  EXPECT_EQ(resolve(rfc_base, "file:///etc"), "file:///etc");
  EXPECT_EQ(htpx::parse_url("http://").err().detail, std::string_view("empty host"));
  EXPECT_EQ(htpx::parse_url("http:///x").err().detail, std::string_view("empty host"));
  EXPECT_EQ(htpx::parse_url("http:g").err().detail, std::string_view("no authority"));
  EXPECT_TRUE(htpx::parse_url("file:///etc"));
}

// RFC 3986 §3.3: without an authority the path may not begin with "//". Dot removal could make
// one, and the result would read again as a URL with another host (found by fuzz_url).
TEST(UrlResolve, DotRemovalNeverMakesAPathIntoAnAuthority) {
  EXPECT_EQ(resolve(rfc_base, "https:x//../..//evil.example/g"), "error: path would read as an authority");
  EXPECT_EQ(resolve(rfc_base, "foo:a/..//b"), "error: path would read as an authority");
  EXPECT_EQ(resolve(rfc_base, "foo:a/../b"), "foo:/b");  // §5.2.4: "a/../b" is "/b"
  EXPECT_EQ(resolve(rfc_base, "https:x/..//g"), "error: path would read as an authority");
}

TEST(UrlResolve, LongPathsFitExactlyAfterDotRemoval) {
  // The merged path is far longer than the result; the result alone must fit.
  const std::string base = "http://h/" + std::string(300, 'x') + "/" + std::string(300, 'y') + "/z";
  expect_at_every_size("http://h/g", [&](htpx::mutable_bytes out) { return htpx::resolve_url(base, "../../g", out); });
  std::string reference;
  for (int i = 0; i != 100; ++i) reference += "seg/";
  for (int i = 0; i != 100; ++i) reference += "../";
  reference += "end";
  const std::string expected = "http://h/" + std::string(300, 'x') + "/" + std::string(300, 'y') + "/end";
  expect_at_every_size(expected, [&](htpx::mutable_bytes out) { return htpx::resolve_url(base, reference, out); });
}

TEST(UrlResolve, NullEmptyBuffer) {
  const htpx::result<std::size_t> n = htpx::resolve_url(rfc_base, "g", htpx::mutable_bytes{});
  ASSERT_FALSE(n);
  EXPECT_STREQ(n.err().detail, too_long);
}

// ---- encode_query_component and write_request_target ----------------------------------------

TEST(UrlTarget, QueryComponentEncodingMatchesHttpx) {
  EXPECT_EQ(encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(encode("caf\xc3\xa9"), "caf%C3%A9");
  EXPECT_EQ(encode("a b"), "a%20b");
  EXPECT_EQ(encode("&=+/?#%"), "%26%3D%2B%2F%3F%23%25");
  EXPECT_EQ(encode("%41"), "%2541");
  EXPECT_EQ(encode(std::string("\0\x7f\xff", 3)), "%00%7F%FF");
  EXPECT_EQ(encode("!$'()*,;:@[]"), "%21%24%27%28%29%2A%2C%3B%3A%40%5B%5D");
  EXPECT_EQ(encode(""), "");
}

TEST(UrlTarget, QueryComponentAppendsAtOffsetAndChecksBounds) {
  char buffer[8 + guard_size];
  std::memset(buffer, guard, sizeof buffer);
  htpx::result<std::size_t> n = htpx::encode_query_component("ab", {buffer, 8}, 3);
  ASSERT_TRUE(n);
  EXPECT_EQ(n.value(), 5u);
  EXPECT_EQ(std::string(buffer + 3, 2), "ab");
  n = htpx::encode_query_component(" ", {buffer, 8}, 5);
  ASSERT_TRUE(n);
  EXPECT_EQ(n.value(), 8u);
  n = htpx::encode_query_component(" ", {buffer, 8}, 6);
  ASSERT_FALSE(n);
  EXPECT_STREQ(n.err().detail, too_long);
  n = htpx::encode_query_component("", {buffer, 8}, 9);
  ASSERT_FALSE(n);
  for (std::size_t i = 8; i != sizeof buffer; ++i) EXPECT_EQ(buffer[i], guard);
  expect_at_every_size("x%C3%A9%20%2B",
                       [](htpx::mutable_bytes out) { return htpx::encode_query_component("x\xc3\xa9 +", out, 0); });
}

TEST(UrlTarget, PathAndExistingQuery) {
  EXPECT_EQ(target("http://a"), "/");
  EXPECT_EQ(target("http://a/"), "/");
  EXPECT_EQ(target("http://a?x=1"), "/?x=1");
  EXPECT_EQ(target("http://a/p/q;r?x=1&y=%2F"), "/p/q;r?x=1&y=%2F");
  EXPECT_EQ(target("http://a/p?"), "/p?");
}

TEST(UrlTarget, FragmentsAreNeverSent) {
  EXPECT_EQ(target("http://a/p#f"), "/p");
  EXPECT_EQ(target("http://a/p?q#f"), "/p?q");
  EXPECT_EQ(target("http://a#f"), "/");
  EXPECT_EQ(target("http://a/p#f", {{"k", "v"}}), "/p?k=v");
}

TEST(UrlTarget, RawBytesInPathAndQueryAreEncoded) {
  EXPECT_EQ(target("http://a/caf\xc3\xa9/%41?q=\xc3\xa9&r=%20"), "/caf%C3%A9/%41?q=%C3%A9&r=%20");
  EXPECT_EQ(target("http://a/\"<>^`{|}[]?\"<>^`{|}"), "/%22%3C%3E%5E%60%7B%7C%7D[]?%22%3C%3E%5E%60%7B%7C%7D");
  EXPECT_EQ(target("http://a/!$&'()*+,;=:@?/?!$&'()*+,;=:@"), "/!$&'()*+,;=:@?/?!$&'()*+,;=:@");
}

TEST(UrlTarget, HandBuiltUrlsAreEncodedSafely) {
  url u;
  u.path = "/a b\r\n\\#%zz%4";
  u.has_query = true;
  u.query = std::string_view("\0%", 2);
  const std::string got =
      into_buffer(64, [&](htpx::mutable_bytes out) { return htpx::write_request_target(u, nullptr, 3, out); });
  EXPECT_EQ(got, "/a%20b%0D%0A%5C%23%25zz%254?%00%25");
}

TEST(UrlTarget, ParamsNeedingEncoding) {
  EXPECT_EQ(target("http://a/search", {{"q", "caf\xc3\xa9 au lait"}}), "/search?q=caf%C3%A9%20au%20lait");
  EXPECT_EQ(target("http://a/s", {{"a&b", "c=d"}, {"e+f", "g/h?i"}}), "/s?a%26b=c%3Dd&e%2Bf=g%2Fh%3Fi");
  EXPECT_EQ(target("http://a/s", {{"", ""}, {"k", ""}}), "/s?=&k=");
  EXPECT_EQ(target("http://a/s", {{"pct", "100%"}, {"hash", "#x"}}), "/s?pct=100%25&hash=%23x");
}

TEST(UrlTarget, ParamsAfterAnExistingQuery) {
  EXPECT_EQ(target("http://a/s?x=1", {{"y", "2"}}), "/s?x=1&y=2");
  EXPECT_EQ(target("http://a/s?x=1", {{"y", "2"}, {"z", "3"}}), "/s?x=1&y=2&z=3");
  EXPECT_EQ(target("http://a/s?", {{"y", "2"}, {"z", "3"}}), "/s?y=2&z=3");
  EXPECT_EQ(target("http://a?x", {{"y", " "}}), "/?x&y=%20");
  EXPECT_EQ(target("http://a", {{"y", "2"}}), "/?y=2");
  EXPECT_EQ(target("http://a/s", {}), "/s");
}

TEST(UrlTarget, EveryBufferSize) {
  const url u = parse_ok("http://a/p\xc3\xa9?x=1#frag");
  const query_param params[] = {{"k", "v w"}, {"\xc3\xa9", "&"}};
  expect_at_every_size("/p%C3%A9?x=1&k=v%20w&%C3%A9=%26",
                       [&](htpx::mutable_bytes out) { return htpx::write_request_target(u, params, 2, out); });
  const url empty = parse_ok("http://a");
  expect_at_every_size("/",
                       [&](htpx::mutable_bytes out) { return htpx::write_request_target(empty, nullptr, 0, out); });
}

// ---- same_origin ----------------------------------------------------------------------------

bool same(std::string_view a, std::string_view b) { return htpx::same_origin(parse_ok(a), parse_ok(b)); }

TEST(UrlOrigin, SameOrigin) {
  EXPECT_TRUE(same("http://a/x", "http://a/y?z#w"));
  EXPECT_TRUE(same("HTTP://Example.COM/", "http://example.com:80/"));
  EXPECT_TRUE(same("https://a", "https://a:443/"));
  EXPECT_TRUE(same("http://u:p@a/", "http://a/"));
  EXPECT_TRUE(same("http://[::1]/", "http://[::1]:80/"));
  EXPECT_TRUE(same("http://[FE80::1]/", "http://[fe80::1]/"));
  EXPECT_TRUE(same("ftp://a/", "FTP://a/"));
  EXPECT_FALSE(same("http://a/", "https://a/"));
  EXPECT_FALSE(same("http://a/", "http://a:8080/"));
  EXPECT_FALSE(same("https://a/", "https://a:80/"));
  EXPECT_FALSE(same("http://a/", "http://b/"));
  EXPECT_FALSE(same("http://a/", "http://a.example/"));
  EXPECT_FALSE(same("http://a/", "ftp://a:80/"));
}

}  // namespace
