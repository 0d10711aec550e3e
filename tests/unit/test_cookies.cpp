// Cookies (RFC 6265): the cookie-date algorithm, domain-match / path-match / default-path,
// the small public suffix list, storing Set-Cookie fields (host-only and domain cookies, IP
// hosts, Expires and Max-Age, replacement, eviction, compaction), the Cookie field (order,
// Secure, every buffer size with guard bytes) and random bytes.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "htpx/cookies.hpp"

namespace {

using htpx::cookie;
using htpx::url;

constexpr std::int64_t t0 = 1000000;            // "now" unless a test says otherwise
constexpr std::int64_t nov_6_1994 = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
constexpr const char* too_big = "Cookie header larger than the buffer";
constexpr char guard = '\x5a';
constexpr std::size_t guard_size = 16;

using jar16 = htpx::static_cookie_jar<16, 2048>;

url parse(const char* text) {
  const htpx::result<url> r = htpx::parse_url(text);
  EXPECT_TRUE(r.ok()) << text;
  return r.value();
}

// Stores `value` received for `u`; returns "ok" or the error detail.
std::string store(htpx::cookie_jar& jar, const std::string& u, const std::string& value, std::int64_t now = t0) {
  const htpx::error e = jar.store(parse(u.c_str()), value, now);
  if (!e) return "ok";
  EXPECT_EQ(e.code, htpx::errc::decoding_error);
  return e.detail;
}

// The Cookie field value for a request to `u`, or "error: detail".
std::string header(htpx::cookie_jar& jar, const char* u, std::int64_t now = t0) {
  char buffer[4096];
  const htpx::result<std::size_t> r = jar.header_for(parse(u), now, buffer);
  if (!r) return std::string("error: ") + r.err().detail;
  return {buffer, r.value()};
}

// The jar's cookies as "name=value@domain/path" lines, in creation order.
std::string dump(const htpx::cookie_jar& jar) {
  std::string out;
  jar.for_each([&](const cookie& c) {
    out += std::string(c.name) + "=" + std::string(c.value) + "@" + std::string(c.domain) + std::string(c.path) +
           (c.host_only ? " host" : "") + "\n";
  });
  return out;
}

std::int64_t date(const char* text) {
  std::int64_t t = 42;
  return htpx::parse_cookie_date(text, t) ? t : -999;
}

// ---- §5.1.1 cookie-date ------------------------------------------------------------------

TEST(CookieDate, ParsesTheThreeHttpDateFormats) {
  EXPECT_EQ(date("Sun, 06 Nov 1994 08:49:37 GMT"), nov_6_1994);   // IMF-fixdate
  EXPECT_EQ(date("Sunday, 06-Nov-94 08:49:37 GMT"), nov_6_1994);  // RFC 850
  EXPECT_EQ(date("Sun Nov  6 08:49:37 1994"), nov_6_1994);        // asctime
  EXPECT_EQ(date("06 nov 1994 08:49:37"), nov_6_1994);
  EXPECT_EQ(date("Sun, 06 November 1994 8:49:37 GMT"), nov_6_1994);
  EXPECT_EQ(date("Tue!#01&Jan<2019?00:24:20}GMT"), 1546302260);  // any delimiter
  EXPECT_EQ(date("1994 Nov 06 08:49:37"), nov_6_1994);           // tokens in any order
}

TEST(CookieDate, TwoDigitYearsAndRanges) {
  EXPECT_EQ(date("01 Jan 70 00:00:00"), 0);
  EXPECT_EQ(date("01 Jan 69 00:00:00"), 3124224000);
  EXPECT_EQ(date("29 Feb 2000 00:00:00"), 951782400);
  EXPECT_EQ(date("01 Jan 1601 00:00:00"), -11644473600);
  EXPECT_EQ(date("31 Dec 1969 23:59:59"), -1);
  EXPECT_EQ(htpx::days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(htpx::days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(htpx::days_from_civil(1601, 1, 1), -134774);
  EXPECT_EQ(htpx::days_from_civil(9999, 12, 31), 2932896);
}

TEST(CookieDate, RejectsInvalidDates) {
  for (const char* bad : {"",
                          "   ",
                          "Sun, 06 Nov 1994",
                          "Sun, 06 Nov 08:49:37",
                          "Sun, Nov 1994 08:49:37",
                          "Sun, 06 1994 08:49:37",
                          "06 Nov 1994 24:00:00",
                          "06 Nov 1994 23:60:00",
                          "06 Nov 1994 23:59:60",
                          "32 Nov 1994 08:49:37",
                          "00 Nov 1994 08:49:37",
                          "30 Feb 2000 08:49:37",
                          "29 Feb 2001 08:49:37",
                          "31 Apr 2001 08:49:37",
                          "01 Jan 1600 00:00:00",
                          "06 Nov 5 08:49:37",
                          "06 Nov 19941 08:49:37",
                          "06 Nov 1994 123:49:37",
                          "06 Nov 1994 08:49",
                          "006 Nov 1994 08:49:37",
                          "Nov Nov Nov"}) {
    EXPECT_EQ(date(bad), -999) << bad;
  }
}

// ---- §5.1.3 / §5.1.4 matching --------------------------------------------------------------

TEST(CookieMatch, DomainMatch) {
  EXPECT_TRUE(htpx::cookie_domain_match("example.com", "example.com"));
  EXPECT_TRUE(htpx::cookie_domain_match("www.example.com", "example.com"));
  EXPECT_TRUE(htpx::cookie_domain_match("a.b.Example.COM", "example.com"));
  EXPECT_FALSE(htpx::cookie_domain_match("badexample.com", "example.com"));
  EXPECT_FALSE(htpx::cookie_domain_match("example.com", "www.example.com"));
  EXPECT_FALSE(htpx::cookie_domain_match("example.com", ""));
  EXPECT_FALSE(htpx::cookie_domain_match("example.org", "example.com"));
  EXPECT_TRUE(htpx::cookie_domain_match("192.168.0.1", "192.168.0.1"));
  EXPECT_FALSE(htpx::cookie_domain_match("192.168.0.1", "168.0.1"));  // an IP matches itself only
  EXPECT_FALSE(htpx::cookie_domain_match("fe80::1:2", "1:2"));
  EXPECT_TRUE(htpx::cookie_host_is_ip("10.0.0.1"));
  EXPECT_TRUE(htpx::cookie_host_is_ip("::1"));
  EXPECT_FALSE(htpx::cookie_host_is_ip("a10.0.0.1"));
  EXPECT_FALSE(htpx::cookie_host_is_ip(""));
}

TEST(CookieMatch, PathMatch) {
  EXPECT_TRUE(htpx::cookie_path_match("/", "/"));
  EXPECT_TRUE(htpx::cookie_path_match("/anything/here", "/"));
  EXPECT_TRUE(htpx::cookie_path_match("/docs", "/docs"));
  EXPECT_TRUE(htpx::cookie_path_match("/docs/", "/docs"));
  EXPECT_TRUE(htpx::cookie_path_match("/docs/web/http", "/docs"));
  EXPECT_FALSE(htpx::cookie_path_match("/docsets", "/docs"));
  EXPECT_FALSE(htpx::cookie_path_match("/fr/docs", "/docs"));
  EXPECT_FALSE(htpx::cookie_path_match("/Docs", "/docs"));  // case-sensitive
  EXPECT_TRUE(htpx::cookie_path_match("/docs/web", "/docs/"));
  EXPECT_FALSE(htpx::cookie_path_match("/docs", "/docs/"));
  EXPECT_FALSE(htpx::cookie_path_match("/", ""));
}

TEST(CookieMatch, DefaultPath) {
  EXPECT_EQ(htpx::cookie_default_path(""), "/");
  EXPECT_EQ(htpx::cookie_default_path("relative/x"), "/");
  EXPECT_EQ(htpx::cookie_default_path("/"), "/");
  EXPECT_EQ(htpx::cookie_default_path("/a"), "/");
  EXPECT_EQ(htpx::cookie_default_path("/a/b"), "/a");
  EXPECT_EQ(htpx::cookie_default_path("/a/b/"), "/a/b");
  EXPECT_EQ(htpx::cookie_default_path("/a/b/c.html"), "/a/b");
}

TEST(CookieMatch, PublicSuffixList) {
  for (const char* suffix :
       {"com",   "COM",   "net",    "org",   "io",     "uk",    "de",     "jp",    "info",   "biz",    "xyz",  "com.",
        "co.uk", "CO.UK", "org.uk", "ac.uk", "gov.uk", "co.jp", "com.au", "co.nz", "com.br", "com.cn", "co.in"}) {
    EXPECT_TRUE(htpx::cookie_public_suffix(suffix)) << suffix;
  }
  for (const char* domain :
       {"", "localhost", "LocalHost", "example.com", "example.co.uk", "uk.co", "co.ukk", "a.co.uk"}) {
    EXPECT_FALSE(htpx::cookie_public_suffix(domain)) << domain;
  }
}

// ---- §5.3 storing ---------------------------------------------------------------------------

TEST(CookieJar, HostOnlyCookie) {
  jar16 jar;
  EXPECT_EQ(store(jar, "http://WWW.Example.com/", "a=1"), "ok");
  EXPECT_EQ(dump(jar), "a=1@www.example.com/ host\n");
  EXPECT_EQ(header(jar, "http://www.example.com/x"), "a=1");
  EXPECT_EQ(header(jar, "http://WWW.EXAMPLE.COM:8080/x"), "a=1");  // cookies ignore the port
  EXPECT_EQ(header(jar, "http://sub.www.example.com/"), "");
  EXPECT_EQ(header(jar, "http://example.com/"), "");
}

TEST(CookieJar, DomainCookie) {
  jar16 jar;
  EXPECT_EQ(store(jar, "http://www.example.com/", "a=1; Domain=.Example.COM"), "ok");
  EXPECT_EQ(dump(jar), "a=1@example.com/\n");
  EXPECT_EQ(header(jar, "http://example.com/"), "a=1");
  EXPECT_EQ(header(jar, "http://deep.sub.example.com/"), "a=1");
  EXPECT_EQ(header(jar, "http://badexample.com/"), "");
  EXPECT_EQ(header(jar, "http://example.org/"), "");
  // Domain equal to the host is a domain cookie, not host-only.
  EXPECT_EQ(store(jar, "http://example.com/", "b=2; Domain=example.com"), "ok");
  EXPECT_EQ(header(jar, "http://www.example.com/"), "a=1; b=2");
  // The last Domain wins; an empty Domain attribute is ignored.
  EXPECT_EQ(store(jar, "http://www.example.com/", "c=3; Domain=other.com; Domain=example.com; Domain="), "ok");
  EXPECT_EQ(jar.at(2).domain, "example.com");
}

TEST(CookieJar, DomainMustMatchTheRequestHost) {
  jar16 jar;
  EXPECT_EQ(store(jar, "http://www.example.com/", "a=1; Domain=other.com"), "cookie rejected: domain does not match");
  EXPECT_EQ(store(jar, "http://www.example.com/", "a=1; Domain=sub.www.example.com"),
            "cookie rejected: domain does not match");
  EXPECT_EQ(store(jar, "http://www.example.com/", "a=1; Domain=ww.example.com"),
            "cookie rejected: domain does not match");
  EXPECT_EQ(jar.size(), 0u);
}

TEST(CookieJar, PublicSuffixDomainsAreRefused) {
  jar16 jar;
  EXPECT_EQ(store(jar, "http://www.example.com/", "a=1; Domain=com"), "cookie rejected: public suffix domain");
  EXPECT_EQ(store(jar, "http://www.example.com/", "a=1; Domain=.COM"), "cookie rejected: public suffix domain");
  EXPECT_EQ(store(jar, "http://a.b.co.uk/", "a=1; Domain=co.uk"), "cookie rejected: public suffix domain");
  EXPECT_EQ(jar.size(), 0u);
  EXPECT_EQ(store(jar, "http://www.example.co.uk/", "a=1; Domain=example.co.uk"), "ok");
  EXPECT_EQ(header(jar, "http://example.co.uk/"), "a=1");
  EXPECT_EQ(header(jar, "http://shop.example.co.uk/"), "a=1");
  EXPECT_EQ(header(jar, "http://other.co.uk/"), "");
}

TEST(CookieJar, PublicSuffixEqualToTheHostBecomesHostOnly) {
  jar16 jar;
  EXPECT_EQ(store(jar, "http://co.uk/", "a=1; Domain=co.uk"), "ok");
  EXPECT_EQ(store(jar, "http://io/", "b=2; Domain=.IO"), "ok");
  EXPECT_EQ(dump(jar), "a=1@co.uk/ host\nb=2@io/ host\n");
  EXPECT_EQ(header(jar, "http://example.co.uk/"), "");
  EXPECT_EQ(header(jar, "http://co.uk/"), "a=1");
}

TEST(CookieJar, LocalhostIsNotASuffix) {
  jar16 jar;
  EXPECT_EQ(store(jar, "http://app.localhost/", "a=1; Domain=localhost"), "ok");
  EXPECT_EQ(header(jar, "http://localhost:8000/"), "a=1");
  EXPECT_EQ(header(jar, "http://other.localhost/"), "a=1");
}

TEST(CookieJar, IpAddressHosts) {
  jar16 jar;
  EXPECT_EQ(store(jar, "http://192.168.0.1/", "a=1"), "ok");
  EXPECT_EQ(store(jar, "http://192.168.0.1/", "b=2; Domain=192.168.0.1"), "ok");
  EXPECT_EQ(store(jar, "http://192.168.0.1/", "c=3; Domain=168.0.1"), "cookie rejected: domain does not match");
  EXPECT_EQ(store(jar, "http://[::1]:8080/", "d=4"), "ok");
  EXPECT_EQ(store(jar, "http://[::1]:8080/", "e=5; Domain=1"), "cookie rejected: public suffix domain");
  EXPECT_EQ(dump(jar), "a=1@192.168.0.1/ host\nb=2@192.168.0.1/\nd=4@::1/ host\n");
  EXPECT_EQ(header(jar, "http://192.168.0.1/"), "a=1; b=2");
  // A host that tail-matches an address is no URL at all (a last label that is a number must be
  // a dotted quad: UrlParse.EachErrorDetail), so it never reaches the jar.
  EXPECT_FALSE(htpx::parse_url("http://10.192.168.0.1/").ok());
  EXPECT_EQ(header(jar, "http://[::1]/"), "d=4");
}

TEST(CookieJar, PathAttributeAndDefaultPath) {
  jar16 jar;
  EXPECT_EQ(store(jar, "http://h/a/b/c?q=/x/y", "a=1"), "ok");
  EXPECT_EQ(store(jar, "http://h/a/b/c", "b=2; Path=/x"), "ok");
  EXPECT_EQ(store(jar, "http://h/a/b/c", "c=3; Path=relative"), "ok");
  EXPECT_EQ(store(jar, "http://h/a/b/c", "d=4; Path="), "ok");
  EXPECT_EQ(store(jar, "http://h", "e=5"), "ok");
  EXPECT_EQ(dump(jar), "a=1@h/a/b host\nb=2@h/x host\nc=3@h/a/b host\nd=4@h/a/b host\ne=5@h/ host\n");
  EXPECT_EQ(header(jar, "http://h/a/b"), "a=1; c=3; d=4; e=5");
  EXPECT_EQ(header(jar, "http://h/a/b/deeper"), "a=1; c=3; d=4; e=5");
  EXPECT_EQ(header(jar, "http://h/a/bc"), "e=5");
  EXPECT_EQ(header(jar, "http://h/x"), "b=2; e=5");
  EXPECT_EQ(header(jar, "http://h"), "e=5");  // an empty path is "/"
}

TEST(CookieJar, ExpiresAttribute) {
  jar16 jar;
  const std::int64_t before = nov_6_1994 - 10;
  EXPECT_EQ(store(jar, "http://h/", "a=1; Expires=Sun, 06 Nov 1994 08:49:37 GMT", before), "ok");
  EXPECT_EQ(jar.at(0).expires, nov_6_1994);
  EXPECT_EQ(header(jar, "http://h/", nov_6_1994 - 1), "a=1");
  EXPECT_EQ(header(jar, "http://h/", nov_6_1994), "");  // expired: removed
  EXPECT_EQ(jar.size(), 0u);
  // A bad date is ignored: a session cookie.
  EXPECT_EQ(store(jar, "http://h/", "b=2; Expires=Sun, 31 Feb 1994 08:49:37 GMT"), "ok");
  EXPECT_EQ(jar.at(0).expires, -1);
  // A past Expires deletes the stored cookie.
  EXPECT_EQ(store(jar, "http://h/", "b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "c=; Expires=Mon, 01 Jan 1601 00:00:00 GMT"), "ok");  // before 1970
  EXPECT_EQ(jar.size(), 0u);
}

TEST(CookieJar, MaxAgeWinsOverExpiresAndDeletes) {
  jar16 jar;
  EXPECT_EQ(store(jar, "http://h/", "a=1; Max-Age=100; Expires=Sun, 06 Nov 1994 08:49:37 GMT"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "b=2; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Max-Age=100"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "c=3; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Max-Age=0"), "ok");
  EXPECT_EQ(dump(jar), "a=1@h/ host\nb=2@h/ host\n");
  EXPECT_EQ(jar.at(0).expires, t0 + 100);
  EXPECT_EQ(header(jar, "http://h/", t0 + 99), "a=1; b=2");
  EXPECT_EQ(header(jar, "http://h/", t0 + 100), "");
  // Max-Age 0 or negative deletes; malformed values are ignored.
  EXPECT_EQ(store(jar, "http://h/", "d=4"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "e=5"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "d=; Max-Age=0"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "e=; max-age=-5"), "ok");
  EXPECT_EQ(jar.size(), 0u);
  for (const char* ignored :
       {"f=6; Max-Age=abc", "f=6; Max-Age=1x", "f=6; Max-Age=", "f=6; Max-Age=+5", "f=6; Max-Age=-"}) {
    EXPECT_EQ(store(jar, "http://h/", ignored), "ok");
    EXPECT_EQ(jar.at(0).expires, -1) << ignored;
  }
  // Huge values clamp instead of overflowing.
  EXPECT_EQ(store(jar, "http://h/", "g=7; Max-Age=99999999999999999999999999999"), "ok");
  EXPECT_GT(jar.at(1).expires, t0 + 1000000000000);
  EXPECT_EQ(store(jar, "http://h/", "h=8; Max-Age=100", INT64_MAX - 10), "ok");
  EXPECT_EQ(jar.at(2).expires, INT64_MAX);
}

TEST(CookieJar, SecureNotSentOverHttp) {
  jar16 jar;
  EXPECT_EQ(store(jar, "https://h/", "s=1; Secure"), "ok");
  EXPECT_EQ(store(jar, "https://h/", "t=2; secure"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "p=3"), "ok");
  EXPECT_EQ(header(jar, "http://h/"), "p=3");
  EXPECT_EQ(header(jar, "http://localhost/"), "");
  EXPECT_EQ(header(jar, "https://h/"), "s=1; t=2; p=3");
}

TEST(CookieJar, AttributesAreCaseInsensitive) {
  jar16 jar;
  EXPECT_EQ(store(jar, "https://h.test/", "a=1; SECURE; httponly ; SameSite = STRICT; PATH=/p; DOMAIN=H.test; x=y; ;"),
            "ok");
  const cookie c = jar.at(0);
  EXPECT_TRUE(c.secure);
  EXPECT_TRUE(c.http_only);
  EXPECT_FALSE(c.host_only);
  EXPECT_EQ(c.site, cookie::same_site::strict);
  EXPECT_EQ(c.path, "/p");
  EXPECT_EQ(store(jar, "http://h/", "b=1; samesite=Lax"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "c=1; SameSite=none"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "d=1; SameSite=bogus"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "e=1"), "ok");
  EXPECT_EQ(jar.at(1).site, cookie::same_site::lax);
  EXPECT_EQ(jar.at(2).site, cookie::same_site::none);
  EXPECT_EQ(jar.at(3).site, cookie::same_site::unspecified);
  EXPECT_EQ(jar.at(4).site, cookie::same_site::unspecified);
  EXPECT_FALSE(jar.at(4).secure || jar.at(4).http_only);
}

TEST(CookieJar, NameAndValueParsing) {
  jar16 jar;
  EXPECT_EQ(store(jar, "http://h/", " \t a \t = \t b c \t ; Path=/"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "b=x=y"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "c="), "ok");
  EXPECT_EQ(store(jar, "http://h/", "d=\"quoted, with comma\""), "ok");
  EXPECT_EQ(header(jar, "http://h/"), "a=b c; b=x=y; c=; d=\"quoted, with comma\"");
  EXPECT_EQ(store(jar, "http://h/", ""), "cookie rejected: no '='");
  EXPECT_EQ(store(jar, "http://h/", "noequals"), "cookie rejected: no '='");
  EXPECT_EQ(store(jar, "http://h/", "noequals; a=b"), "cookie rejected: no '='");
  EXPECT_EQ(store(jar, "http://h/", "=v"), "cookie rejected: empty name");
  EXPECT_EQ(store(jar, "http://h/", " \t=v"), "cookie rejected: empty name");
  EXPECT_EQ(store(jar, "http://h/", std::string("a=b\x01")), "cookie rejected: control character");
  EXPECT_EQ(store(jar, "http://h/", std::string("a\0=b", 4)), "cookie rejected: control character");
  EXPECT_EQ(store(jar, "http://h/", "a=b\r\nInjected: yes"), "cookie rejected: control character");
  EXPECT_EQ(store(jar, "http://h/", "a=b\x7f"), "cookie rejected: control character");
  EXPECT_EQ(jar.size(), 4u);
}

TEST(CookieJar, NoRequestHost) {
  jar16 jar;
  EXPECT_EQ(store(jar, "mailto:x", "a=1"), "cookie rejected: no request host");
}

TEST(CookieJar, HeaderOrderLongerPathsFirstThenCreation) {
  jar16 jar;
  EXPECT_EQ(store(jar, "http://h/", "x=1; Path=/"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "y=2; Path=/a/b"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "z=3; Path=/a"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "w=4; Path=/"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "v=5; Path=/a/b"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "u=6; Path=/q"), "ok");
  EXPECT_EQ(header(jar, "http://h/a/b/c"), "y=2; v=5; z=3; x=1; w=4");
  EXPECT_EQ(header(jar, "http://h/a"), "z=3; x=1; w=4");
}

TEST(CookieJar, ReplacementKeepsCreationOrder) {
  jar16 jar;
  EXPECT_EQ(store(jar, "http://example.com/", "a=1"), "ok");
  EXPECT_EQ(store(jar, "http://example.com/", "b=2"), "ok");
  EXPECT_EQ(store(jar, "http://example.com/", "a=a-much-longer-value; HttpOnly"), "ok");
  EXPECT_EQ(header(jar, "http://example.com/"), "a=a-much-longer-value; b=2");
  EXPECT_EQ(jar.size(), 2u);
  EXPECT_TRUE(jar.at(0).http_only);
  // Same name, domain and path: replaced even when host-only changes.
  EXPECT_EQ(store(jar, "http://example.com/", "b=3; Domain=EXAMPLE.com"), "ok");
  EXPECT_EQ(dump(jar), "a=a-much-longer-value@example.com/ host\nb=3@example.com/\n");
  // A different path or name is another cookie; names are case-sensitive.
  EXPECT_EQ(store(jar, "http://example.com/", "a=4; Path=/p"), "ok");
  EXPECT_EQ(store(jar, "http://example.com/", "A=5"), "ok");
  EXPECT_EQ(jar.size(), 4u);
  EXPECT_EQ(jar.text_size(), std::string("aa-much-longer-valueexample.com/b3example.com/a4example.com/p"
                                         "A5example.com/")
                                 .size());
}

TEST(CookieJar, EvictsTheOldestWhenEntriesRunOut) {
  htpx::static_cookie_jar<3, 1024> jar;
  for (const char* c : {"a=1", "b=2", "c=3", "d=4"}) EXPECT_EQ(store(jar, "http://h/", c), "ok");
  EXPECT_EQ(header(jar, "http://h/"), "b=2; c=3; d=4");
  // Replacing needs no room: nothing is evicted.
  EXPECT_EQ(store(jar, "http://h/", "b=22"), "ok");
  EXPECT_EQ(header(jar, "http://h/"), "b=22; c=3; d=4");
  EXPECT_EQ(jar.capacity(), 3u);
}

TEST(CookieJar, EvictsExpiredCookiesFirst) {
  htpx::static_cookie_jar<3, 1024> jar;
  EXPECT_EQ(store(jar, "http://h/", "a=1"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "b=2; Max-Age=10"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "c=3"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "d=4", t0 + 10), "ok");
  EXPECT_EQ(header(jar, "http://h/", t0 + 10), "a=1; c=3; d=4");
}

TEST(CookieJar, EvictsWhenTextBytesRunOut) {
  htpx::static_cookie_jar<8, 40> jar;  // each "n=vvvvvvvv" from host h at "/" takes 11 bytes
  for (const char* c : {"a=aaaaaaaa", "b=bbbbbbbb", "c=cccccccc"}) EXPECT_EQ(store(jar, "http://h/", c), "ok");
  EXPECT_EQ(jar.text_size(), 33u);
  EXPECT_EQ(store(jar, "http://h/", "d=dddddddd"), "ok");
  EXPECT_EQ(header(jar, "http://h/"), "b=bbbbbbbb; c=cccccccc; d=dddddddd");
  EXPECT_EQ(jar.text_size(), 33u);
  // A bigger one pushes out two.
  EXPECT_EQ(store(jar, "http://h/", "e=eeeeeeeeeeeeeeeeee"), "ok");  // 21 bytes
  EXPECT_EQ(header(jar, "http://h/"), "d=dddddddd; e=eeeeeeeeeeeeeeeeee");
  // Larger than the whole jar: refused, the jar unchanged.
  EXPECT_EQ(store(jar, "http://h/", "f=" + std::string(38, 'f')), "cookie too large");
  EXPECT_EQ(store(jar, "http://h/", "f=" + std::string(37, 'f')), "ok");  // exactly 40
  EXPECT_EQ(jar.size(), 1u);
  EXPECT_EQ(jar.text_size(), 40u);
}

TEST(CookieJar, NameAndValueLimit) {
  htpx::static_cookie_jar<2, 2 * HTPX_COOKIE_MAX_BYTES> jar;
  const std::string ok = "n=" + std::string(HTPX_COOKIE_MAX_BYTES - 1, 'v');
  EXPECT_EQ(store(jar, "http://h/", ok), "ok");
  EXPECT_EQ(jar.at(0).value.size(), HTPX_COOKIE_MAX_BYTES - 1u);
  EXPECT_EQ(store(jar, "http://h/", "m=" + std::string(HTPX_COOKIE_MAX_BYTES, 'v')), "cookie too large");
  EXPECT_EQ(store(jar, "http://h/" + std::string(1100, 'p') + "/x", "m=1"), "cookie too large");  // default-path
  EXPECT_EQ(jar.size(), 1u);
}

TEST(CookieJar, CompactionKeepsValuesIntact) {
  htpx::static_cookie_jar<16, 1024> jar;
  std::vector<std::string> names, values;
  for (int i = 0; i != 12; ++i) {
    names.push_back("n" + std::to_string(i));
    values.push_back(std::string(static_cast<std::size_t>(i + 1), static_cast<char>('a' + i)));
    EXPECT_EQ(store(jar, "http://host.test/", names.back() + "=" + values.back()), "ok");
  }
  jar.remove("n1", "HOST.test", "/");
  jar.remove("n11", "host.test", "/");
  jar.remove("nope", "host.test", "/");
  EXPECT_EQ(store(jar, "http://host.test/", "n5=; Max-Age=0"), "ok");
  EXPECT_EQ(store(jar, "http://host.test/", "n0=" + std::string(30, 'Z')), "ok");  // grows in place
  EXPECT_EQ(store(jar, "http://host.test/", "n8=x"), "ok");                        // shrinks in place
  values[0] = std::string(30, 'Z');
  values[8] = "x";
  std::string expected;
  std::size_t text = 0;
  for (int i : {0, 2, 3, 4, 6, 7, 8, 9, 10}) {
    expected += names[static_cast<std::size_t>(i)] + "=" + values[static_cast<std::size_t>(i)] + "@host.test/ host\n";
    text += names[static_cast<std::size_t>(i)].size() + values[static_cast<std::size_t>(i)].size() + 10;
  }
  EXPECT_EQ(dump(jar), expected);
  EXPECT_EQ(jar.text_size(), text);
  EXPECT_EQ(store(jar, "http://host.test/", "late=value"), "ok");
  EXPECT_EQ(dump(jar), expected + "late=value@host.test/ host\n");
  jar.clear();
  EXPECT_EQ(jar.size(), 0u);
  EXPECT_EQ(jar.text_size(), 0u);
  EXPECT_EQ(header(jar, "http://host.test/"), "");
}

TEST(CookieJar, HeaderForEveryBufferSize) {
  jar16 jar;
  for (const char* c : {"a=1", "bb=22", "ccc=", "d=4444; Path=/x"}) EXPECT_EQ(store(jar, "http://h/x", c), "ok");
  const std::string full = "d=4444; a=1; bb=22; ccc=";
  EXPECT_EQ(header(jar, "http://h/x"), full);
  const url u = parse("http://h/x");
  for (std::size_t n = 0; n <= full.size(); ++n) {
    std::vector<char> buffer(n + guard_size, guard);
    const htpx::result<std::size_t> r = jar.header_for(u, t0, {buffer.data(), n});
    if (n < full.size()) {
      ASSERT_FALSE(r.ok()) << n;
      EXPECT_EQ(r.err().code, htpx::errc::local_protocol_error);
      EXPECT_STREQ(r.err().detail, too_big);
    } else {
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(std::string(buffer.data(), r.value()), full);
    }
    for (std::size_t g = n; g != buffer.size(); ++g) ASSERT_EQ(buffer[g], guard) << "size " << n;
  }
  jar.clear();
  const htpx::result<std::size_t> none = jar.header_for(u, t0, {});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none.value(), 0u);
}

TEST(CookieJar, SetFromTheApplication) {
  jar16 jar;
  EXPECT_FALSE(jar.set("any", "1"));  // empty domain: every host, as http.cookiejar does
  EXPECT_FALSE(jar.set("dom", "2", ".Example.com"));
  EXPECT_FALSE(jar.set("pth", "3", "example.com", "/p"));
  EXPECT_FALSE(jar.set("rel", "4", "example.com", "p"));  // not '/': "/"
  EXPECT_EQ(dump(jar), "any=1@/\ndom=2@example.com/\npth=3@example.com/p\nrel=4@example.com/\n");
  EXPECT_EQ(header(jar, "http://other.org/"), "any=1");
  EXPECT_EQ(header(jar, "http://10.0.0.1/"), "any=1");
  EXPECT_EQ(header(jar, "http://www.example.com/p/q"), "pth=3; any=1; dom=2; rel=4");
  EXPECT_FALSE(jar.set("any", "5"));  // replaces
  EXPECT_EQ(jar.at(0).value, "5");
  EXPECT_EQ(jar.size(), 4u);
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"", "v"}, {"a=b", "v"}, {"a;b", "v"}, {"a", "v;w"}, {"a\n", "v"}, {"a", "v\r"}}) {
    const htpx::error e = jar.set(name, value);
    EXPECT_EQ(e.code, htpx::errc::local_protocol_error) << name;
    EXPECT_STREQ(e.detail, "invalid cookie name or value");
  }
  const htpx::error alias = jar.set(jar.at(1).name, "x", jar.at(1).domain);
  EXPECT_STREQ(alias.detail, "cookie text inside the jar");
  const htpx::error big = jar.set("big", std::string(HTPX_COOKIE_MAX_BYTES, 'x'));
  EXPECT_STREQ(big.detail, "cookie too large");
  EXPECT_EQ(jar.size(), 4u);
}

TEST(CookieJar, SetEvictsCookiesExpiredAtTheLastKnownTime) {
  htpx::static_cookie_jar<2, 256> jar;
  EXPECT_EQ(store(jar, "http://h/", "a=1; Max-Age=5"), "ok");
  EXPECT_EQ(store(jar, "http://h/", "b=2"), "ok");
  EXPECT_EQ(header(jar, "http://h/", t0 + 1), "a=1; b=2");
  EXPECT_EQ(store(jar, "http://other/", "c=; Max-Age=0", t0 + 5), "ok");  // tells the jar the time
  EXPECT_FALSE(jar.set("s", "3", "h"));
  EXPECT_EQ(dump(jar), "b=2@h/ host\ns=3@h/\n");
}

TEST(CookieJar, StoreAllReadsEverySetCookieField) {
  jar16 jar;
  const std::string block =
      "Set-Cookie: a=1\r\nContent-Type: text/plain\r\nset-cookie: b=2; Path=/\r\nSET-COOKIE: bad\r\n"
      "Set-Cookie2: c=3\r\n";
  const htpx::headers_view fields(block, 5);
  jar.store_all(parse("http://h/"), fields, t0);
  EXPECT_EQ(header(jar, "http://h/"), "a=1; b=2");
}

TEST(CookieJar, EmptyStorageRefusesEverything) {
  htpx::cookie_jar jar({}, {});
  EXPECT_EQ(store(jar, "http://h/", "a=1"), "cookie too large");
  EXPECT_EQ(header(jar, "http://h/"), "");
  EXPECT_EQ(jar.capacity(), 0u);
}

TEST(CookieJar, RandomBytesNeverBreakTheJar) {
  htpx::static_cookie_jar<8, 300> jar;
  std::mt19937 rng(6265);
  const char alphabet[] = "=;=; \t,.-:/aAbZ09GMTNovSecureDomainPathMax-AgeExpires\r\n\x01\x7f\x80\xff";
  const url urls[] = {parse("http://a.example.com/x/y"), parse("https://example.com/"), parse("http://10.1.2.3/p/"),
                      parse("http://[::1]/")};
  const char* words[] = {"; Domain=", "; Path=", "; Max-Age=", "; Expires=", "; Secure", "=", ";", "example.com", "/x"};
  int stored = 0, written = 0;
  for (int round = 0; round != 20000; ++round) {
    // Half the rounds start with a valid pair, so the attribute soup reaches the storing paths.
    std::string text = rng() % 2 ? "k" + std::to_string(rng() % 12) + "=v" + std::to_string(rng() % 100) + ";" : "";
    const std::size_t n = rng() % 120;
    for (std::size_t i = 0; i != n; ++i) {
      const auto pick = rng() % 10;
      if (pick < 3) {
        text += static_cast<char>(rng() % 256);
      } else if (pick < 8) {
        text += alphabet[rng() % (sizeof alphabet - 1)];
      } else {
        text += words[rng() % (sizeof words / sizeof words[0])];
      }
    }
    const url& u = urls[rng() % 4];
    const std::int64_t now = t0 + static_cast<std::int64_t>(rng() % 50);
    stored += jar.store(u, text, now) ? 0 : 1;
    std::int64_t t = 0;
    (void)htpx::parse_cookie_date(text, t);
    if (round % 7 == 0) (void)jar.set(text, text, text, text);
    char buffer[256];
    const std::size_t size = rng() % sizeof buffer;
    const htpx::result<std::size_t> r = jar.header_for(u, now, {buffer, size});
    if (r) {
      ASSERT_LE(r.value(), size);
      written += r.value() != 0 ? 1 : 0;
    }
    ASSERT_LE(jar.size(), jar.capacity());
    ASSERT_LE(jar.text_size(), jar.text_capacity());
    std::size_t sum = 0;
    jar.for_each([&](const cookie& c) {
      sum += c.name.size() + c.value.size() + c.domain.size() + c.path.size();
      ASSERT_FALSE(c.name.empty());
    });
    ASSERT_EQ(sum, jar.text_size());
  }
  EXPECT_GT(stored, 3000);  // the input mix reaches the storing paths, not just rejections
  EXPECT_GT(written, 1000);
}

}  // namespace
