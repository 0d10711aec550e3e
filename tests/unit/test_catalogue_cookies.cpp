// Catalogue gaps in the cookie jar (reliability-catalogue.md H1-37, H1-38): the Domain checks
// through the jar with a trailing dot and mixed case, and Secure cookies from insecure origins.
// See tests/CATALOGUE.md.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "htpx/cookies.hpp"

namespace {

constexpr std::int64_t now = 1000000;
using jar16 = htpx::static_cookie_jar<16, 2048>;

// Stores `value` received from `u`; returns "ok" or the error detail.
std::string store(htpx::cookie_jar& jar, const char* u, const std::string& value) {
  const htpx::result<htpx::url> parsed = htpx::parse_url(u);
  EXPECT_TRUE(parsed.ok()) << u;
  if (!parsed) return "bad url";
  const htpx::error e = jar.store(parsed.value(), value, now);
  return e ? std::string(e.detail) : std::string("ok");
}

// The Cookie field value for a request to `u`.
std::string header(htpx::cookie_jar& jar, const char* u) {
  char buffer[1024];
  const htpx::result<htpx::url> parsed = htpx::parse_url(u);
  EXPECT_TRUE(parsed.ok()) << u;
  if (!parsed) return "bad url";
  const htpx::result<std::size_t> r = jar.header_for(parsed.value(), now, buffer);
  return r ? std::string(buffer, r.value()) : std::string("error: ") + r.err().detail;
}

// H1-37: case and a trailing dot are canonicalised before the public-suffix check, so
// "Domain=co.uk.", "Domain=CO.UK." and "Domain=com." are the public suffixes they spell (curl
// CVE-2022-27779, CVE-2023-46218, CVE-2026-8924 "super cookies"): refused, from hosts written
// with and without the trailing dot.
TEST(CatalogueH1_37, PublicSuffixWithTrailingDotOrMixedCaseIsRefused) {
  jar16 jar;
  EXPECT_NE(store(jar, "http://www.example.co.uk/", "a=1; Domain=co.uk."), "ok");
  EXPECT_NE(store(jar, "http://www.example.co.uk/", "a=1; Domain=CO.UK."), "ok");
  EXPECT_NE(store(jar, "http://www.example.co.uk/", "a=1; Domain=.Co.Uk."), "ok");
  EXPECT_NE(store(jar, "http://www.example.com/", "a=1; Domain=com."), "ok");
  EXPECT_NE(store(jar, "http://www.example.com./", "a=1; Domain=com."), "ok");
  EXPECT_NE(store(jar, "http://www.example.com./", "a=1; Domain=COM"), "ok");
  EXPECT_EQ(jar.size(), 0u);
  // Nothing of it reaches another site under the suffix.
  EXPECT_EQ(header(jar, "http://other.co.uk/"), "");
  EXPECT_EQ(header(jar, "http://evil.com/"), "");
}

// H1-37: domain-match works on whole labels (RFC 6265 §5.1.3): "ample.com" is no domain of
// "example.com" (curl CVE-2013-1944), and a cookie for example.com is not sent to
// "notexample.com".
TEST(CatalogueH1_37, TailMatchAcrossALabelBoundaryIsRefused) {
  jar16 jar;
  EXPECT_EQ(store(jar, "http://example.com/", "a=1; Domain=ample.com"), "cookie rejected: domain does not match");
  EXPECT_EQ(store(jar, "http://www.example.com/", "b=2; Domain=e.com"), "cookie rejected: domain does not match");
  EXPECT_EQ(store(jar, "http://www.example.com/", "c=3; Domain=example.com"), "ok");
  EXPECT_EQ(header(jar, "http://notexample.com/"), "");
  EXPECT_EQ(header(jar, "http://ample.com/"), "");
  EXPECT_EQ(header(jar, "http://sub.example.com/"), "c=3");
}

// H1-38: an insecure origin must not set a Secure cookie nor overwrite one (RFC 6265bis-12
// §5.7 steps 8 and 16 "Leave Secure Cookies Alone"; catalogue H1-38 "An insecure origin must
// not set or overwrite Secure cookies"): otherwise a network attacker who answers one plain
// http request replaces the https session cookie.
TEST(CatalogueH1_38, InsecureOriginCannotSetOrOverwriteSecureCookies) {
  jar16 jar;
  EXPECT_EQ(store(jar, "https://bank.test/", "session=good; Secure; Path=/"), "ok");
  EXPECT_NE(store(jar, "http://bank.test/", "session=evil; Path=/"), "ok") << "http replaced a Secure cookie";
  EXPECT_NE(store(jar, "http://bank.test/", "other=1; Secure"), "ok") << "http set a Secure cookie";
  EXPECT_EQ(header(jar, "https://bank.test/"), "session=good");
}

// §5.7 step 16's matching: the same name, a domain that domain-matches either way and a path
// under the Secure cookie's path are refused; another name, a path outside it, an unrelated
// domain or an https origin are not.
TEST(CatalogueH1_38, OnlyCookiesThatWouldShadowASecureOneAreRefused) {
  jar16 jar;
  EXPECT_EQ(store(jar, "https://www.bank.test/app/", "session=good; Secure; Domain=bank.test; Path=/app"), "ok");
  EXPECT_EQ(store(jar, "http://www.bank.test/", "session=evil; Path=/app/x"),
            "cookie rejected: an insecure origin would overwrite a Secure cookie");
  EXPECT_EQ(store(jar, "http://bank.test/", "session=evil; Domain=bank.test; Path=/app"),
            "cookie rejected: an insecure origin would overwrite a Secure cookie");
  EXPECT_EQ(store(jar, "http://www.bank.test/", "other=1; Path=/app"), "ok");
  EXPECT_EQ(store(jar, "http://www.bank.test/", "session=plain; Path=/elsewhere"), "ok");
  EXPECT_EQ(store(jar, "http://www.other.test/", "session=theirs; Path=/app"), "ok");
  EXPECT_EQ(store(jar, "http://www.bank.test/", "x=1; Secure"), "cookie rejected: Secure from an insecure origin");
  EXPECT_EQ(store(jar, "https://www.bank.test/", "session=newer; Secure; Domain=bank.test; Path=/app"), "ok");
  EXPECT_EQ(header(jar, "https://www.bank.test/app/"), "session=newer; other=1");
}

}  // namespace
