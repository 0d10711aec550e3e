// Catalogue gaps in URL handling (reliability-catalogue.md H1-30, H1-31): authority confusion
// and host forms the existing URL tests did not pin down. See tests/CATALOGUE.md.
#include <gtest/gtest.h>

#include <string>

#include "htpx/url.hpp"

namespace {

// The host parse_url() finds in `text`, or "error: <detail>".
std::string host_of(std::string_view text) {
  const htpx::result<htpx::url> r = htpx::parse_url(text);
  if (!r) return std::string("error: ") + r.err().detail;
  return std::string(r.value().host);
}

// H1-30: the authority ends at the first '/', '?' or '#' (RFC 3986 §3.2): in "http://evil#@good"
// the '@' belongs to the fragment, so the host is "evil" (curl CVE-2016-8624 connected to
// "good"), and the userinfo is empty.
TEST(CatalogueH1_30, FragmentOrQueryBeforeTheAtSignEndsTheAuthority) {
  EXPECT_EQ(host_of("http://evil#@good/"), "evil");
  EXPECT_EQ(host_of("http://evil?@good/"), "evil");
  EXPECT_EQ(host_of("http://evil/@good/"), "evil");
  const htpx::result<htpx::url> r = htpx::parse_url("http://evil#@good/");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value().has_userinfo);
  EXPECT_EQ(r.value().fragment, "@good/");
}

// H1-30: "http://good@evil" names the host evil; "good" is userinfo (RFC 3986 §3.2.1), never the
// host, and a second '@' is refused (tested in UrlParse.Userinfo).
TEST(CatalogueH1_30, UserinfoIsNeverTheHost) {
  const htpx::result<htpx::url> r = htpx::parse_url("http://good.example@evil.example/");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().host, "evil.example");
  EXPECT_EQ(r.value().userinfo, "good.example");
  EXPECT_EQ(r.value().authority_host, "evil.example");  // what Host and the pool see
}

// H1-30: percent-encoded delimiters in the host ("%2F", "%40", "%2e") are refused, never decoded
// into another authority (curl CVE-2022-27780).
TEST(CatalogueH1_30, PercentEncodedDelimitersInTheHostAreRefused) {
  for (const char* text : {"http://evil%2Fgood/", "http://good%40evil/", "http://a%2eb/", "http://good%2F%2Fevil/"}) {
    const htpx::result<htpx::url> r = htpx::parse_url(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.err().code, htpx::errc::invalid_url) << text;
  }
}

// H1-31: port 0 is no port a server listens on (TCP port 0 is reserved; RFC 6335 §6): the
// catalogue lists "port 0 or >65535" among the hosts to refuse. Above 65535 is tested in
// UrlParse.EachErrorDetail.
TEST(CatalogueH1_31, PortZeroIsRefused) {
  const htpx::result<htpx::url> r = htpx::parse_url("http://example.test:0/");
  ASSERT_FALSE(r.ok()) << "port " << (r ? r.value().port : 0);
  EXPECT_EQ(r.err().code, htpx::errc::invalid_url);
}

// H1-31: only the dotted-quad IPv4address of RFC 3986 §3.2.2 is an address. "2130706433",
// "0x7f.1", "127.1" and "017.0.0.1" are valid reg-names to the URL grammar, but glibc's resolver
// (inet_aton rules) reads each of them as an IPv4 address (127.0.0.1, 15.0.0.1), so a host check
// done on the text ("is it 127.0.0.1?") is bypassed (SSRF, Orange Tsai 2017; catalogue H1-31
// "Accept only dotted-quad IPv4address").
TEST(CatalogueH1_31, NonDottedQuadIpv4HostsAreRefused) {
  for (const char* text :
       {"http://2130706433/", "http://0x7f.1/", "http://127.1/", "http://0x7f000001/", "http://017.0.0.1/",
        "http://127.0.0.0x1/", "http://127.0.0.1./", "http://1.2.3.256/", "http://0x/", "http://example.0x1F/",
        "http://example.42/", "http://x.1a/", "http://example.0xg/"}) {
    const htpx::result<htpx::url> r = htpx::parse_url(text);
    EXPECT_FALSE(r.ok()) << text << " parsed with host " << (r ? std::string(r.value().host) : std::string());
    if (!r) {
      EXPECT_STREQ(r.err().detail, "invalid IPv4 address") << text;
    }
  }
  // The one IPv4 form RFC 3986 has stays an address; a name whose last label starts with a
  // letter is a name, whatever its other labels.
  EXPECT_EQ(host_of("http://127.0.0.1/"), "127.0.0.1");
  EXPECT_EQ(host_of("http://0.0.0.0:8080/"), "0.0.0.0");
  EXPECT_EQ(host_of("http://1.example/"), "1.example");
  EXPECT_EQ(host_of("http://localhost./"), "localhost.");
}

}  // namespace

namespace {

// H1-32: an IPv6 literal needs its brackets (RFC 3986 §3.2.2), and a zone ID ("%25eth0", RFC
// 6874) is refused outright, so it can never reach Host, SNI, a cookie domain or a pool key.
// Bracketed literals, v4-mapped included, are tested in UrlParse.Ipv6Literals.
TEST(CatalogueH1_32, UnbracketedLiteralsAndZoneIdsAreRefused) {
  for (const char* text : {"http://::1/", "http://fe80::1/", "http://::ffff:127.0.0.1/", "http://[fe80::1%25eth0]/",
                           "http://[::1%25.example.com]/", "http://[fe80::1%eth0]/"}) {
    const htpx::result<htpx::url> r = htpx::parse_url(text);
    EXPECT_FALSE(r.ok()) << text << " parsed with host " << (r ? std::string(r.value().host) : std::string());
  }
}

}  // namespace
