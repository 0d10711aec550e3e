// Catalogue H1-31 and H1-32: how hosts compare.
//
// H1-31 "normalize the trailing dot consistently": `example.test.` and `example.test`
// name the same DNS host (RFC 1034 §3.1: the dot makes the name absolute), and a client that
// treats them as one host in some places and as two in others lets state cross where it should
// not (curl CVE-2022-30115: an HSTS entry missed for `example.com.`; CVE-2022-27779: cookies for
// a suffix with the dot). htpx keeps them apart everywhere state lives (the pool, the origin of a
// redirect, the cookie jar), so no connection, credential or cookie of one is ever used for the
// other; only the TLS server name and the certificate check drop the dot (RFC 6066 §3, RFC 6125
// §6.2.1; tls_transport_test `TlsTransport.VerifiesDnsNamesAndIpAddresses`).
//
// H1-32 "normalize v4-mapped addresses before allow/deny checks": NO_PROXY, the one such list,
// compares an address host with its address entries as addresses (ip_address.hpp), so
// `[::ffff:127.0.0.1]` is 127.0.0.1 there. See tests/CATALOGUE.md.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "client_fixtures.hpp"
#include "fake_platform.hpp"
#include "htpx/client.hpp"
#include "htpx/cookies.hpp"
#include "scripted_transport.hpp"

namespace htpx::test {
namespace {

constexpr std::string_view ok_hello = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

// A connection to `example.test` is not reused for `example.test.`: the second request opens its
// own, and each says the host as its URL wrote it.
TEST(CatalogueH1_31, TrailingDotHostIsAnotherPoolKey) {
  fake_platform clock;
  scripted_client c(clock);
  c.transport_at(0).wait_for_request().serve(ok_hello);
  c.transport_at(1).wait_for_request().serve(ok_hello);
  ASSERT_TRUE(c.get("http://example.test/a").ok());
  ASSERT_TRUE(c.get("http://example.test./b").ok());
  EXPECT_EQ(c.transport_at(0).connections_started(), 1u);
  EXPECT_EQ(c.transport_at(0).sent().rfind("GET /a HTTP/1.1\r\nHost: example.test\r\n", 0), 0u);
  EXPECT_EQ(c.transport_at(0).sent().find("GET /b"), std::string::npos) << "reused for the dotted host";
  EXPECT_EQ(c.transport_at(1).connected_host(), "example.test.");
  EXPECT_EQ(c.transport_at(1).sent().rfind("GET /b HTTP/1.1\r\nHost: example.test.\r\n", 0), 0u)
      << c.transport_at(1).sent();
}

// (A redirect from `example.test` to `example.test.` leaves the origin, credentials stay
// behind: `CatalogueH1_31.TrailingDotHostIsAnotherOriginForCredentials` in test_catalogue_client.cpp.)

// The cookie jar: a host-only cookie of one spelling is not sent to the other; a Domain cookie
// covers the names under the spelling it was set for, and a Domain of one spelling is refused
// from a host of the other (it does not domain-match, RFC 6265 §5.1.3).
TEST(CatalogueH1_31, TrailingDotHostKeepsItsOwnCookies) {
  constexpr std::int64_t now = 1000000;
  static_cookie_jar<8, 1024> jar;
  const auto store = [&](const char* u, const char* value) {
    const error e = jar.store(parse_url(u).value(), value, now);
    return e ? std::string(e.detail) : std::string("ok");
  };
  const auto header = [&](const char* u) {
    char buffer[256];
    const result<std::size_t> r = jar.header_for(parse_url(u).value(), now, buffer);
    return r ? std::string(buffer, r.value()) : std::string("error: ") + r.err().detail;
  };
  EXPECT_EQ(store("http://example.test/", "plain=1"), "ok");
  EXPECT_EQ(store("http://example.test./", "dotted=2"), "ok");
  EXPECT_EQ(header("http://example.test/"), "plain=1");
  EXPECT_EQ(header("http://example.test./"), "dotted=2");

  EXPECT_EQ(store("http://www.example.test./", "wide=3; Domain=example.test."), "ok");
  EXPECT_EQ(header("http://api.example.test./"), "wide=3");
  EXPECT_EQ(header("http://api.example.test/"), "");
  EXPECT_EQ(store("http://www.example.test./", "cross=4; Domain=example.test"),
            "cookie rejected: domain does not match");
  EXPECT_EQ(store("http://www.example.test/", "cross=5; Domain=example.test."),
            "cookie rejected: domain does not match");
  EXPECT_EQ(header("http://www.example.test/"), "");
}

// Which of `urls` go straight to their host (not to the proxy) with NO_PROXY set to `no_proxy`:
// one letter per URL, 'd' direct or 'p' proxied.
std::string routes_with(const char* no_proxy, std::initializer_list<const char*> urls) {
  ::setenv("HTTP_PROXY", "http://proxy.test:3128", 1);
  ::setenv("NO_PROXY", no_proxy, 1);
  fake_platform clock;
  static_client<one_connection, scripted_transport> c(clock);  // environment read here
  ::unsetenv("HTTP_PROXY");
  ::unsetenv("NO_PROXY");
  scripted_transport& t = c.transport_at(0);
  for (std::size_t i = 0; i != urls.size(); ++i) {
    t.wait_for_request().serve("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").next_connection();
  }
  std::string routes;
  for (const char* u : urls) {
    const result<response> r = c.get(u);
    EXPECT_TRUE(r.ok()) << u << ": " << r.err().detail;
    routes += t.connected_host() == "proxy.test" ? 'p' : 'd';
  }
  return routes;
}

// An IPv4 entry covers the IPv4-mapped IPv6 spellings of its address, and an IPv6 entry every
// spelling of its own (RFC 4291 §2.2, §2.5.5.2); a bracketed entry, with or without a port, is
// an IPv6 address too. Other addresses, and the deprecated "compatible" ::127.0.0.1, go to the
// proxy.
TEST(CatalogueH1_32, NoProxyComparesAddressesAsAddresses) {
  EXPECT_EQ(routes_with("127.0.0.1", {"http://127.0.0.1/", "http://[::ffff:127.0.0.1]/", "http://[::FFFF:7f00:1]/",
                                      "http://[::127.0.0.1]/", "http://127.0.0.2/"}),
            "dddpp");
  EXPECT_EQ(routes_with("::1", {"http://[::1]/", "http://[0:0:0:0:0:0:0:1]/", "http://[::2]/", "http://127.0.0.1/"}),
            "ddpp");
  EXPECT_EQ(routes_with("[::1]:8080, ::ffff:10.0.0.1", {"http://[::1]:9/", "http://10.0.0.1/", "http://10.0.0.2/"}),
            "ddp");
}

// A name's tail never matches an address host: "0.0.1" is no domain of 127.0.0.1 (a textual
// tail match would send 127.0.0.1 straight to its host for an entry meant for names; the URL
// parser refuses names that end in a number, so no name is under it either).
TEST(CatalogueH1_32, NameEntriesNeverMatchAnAddressByItsTail) {
  EXPECT_EQ(routes_with(".0.0.1, 0.1, *.0.1", {"http://127.0.0.1/"}), "p");
  EXPECT_EQ(routes_with("127.0.0.1:80", {"http://127.0.0.1:8080/"}), "d") << "ports in entries are ignored";
}

}  // namespace
}  // namespace htpx::test
