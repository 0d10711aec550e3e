// Catalogue gaps in the client (reliability-catalogue.md H1-15, H1-19, H1-26, H1-27, H1-29,
// H1-33, H1-34, H1-36, S-10, S-14): behaviour that exists in src/client but that no test pinned
// to the catalogue's rule, and the rules the client broke until these tests were written
// (H1-15 two Locations, H1-16, H1-19 417, H1-30, H1-34 Proxy-Authorization, H1-35, H1-36
// Digest per origin). See tests/CATALOGUE.md.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "client_fixtures.hpp"
#include "fake_platform.hpp"
#include "htpx/auth.hpp"
#include "htpx/client.hpp"
#include "htpx/cookies.hpp"
#include "request_reader.hpp"
#include "scripted_transport.hpp"

namespace htpx::test {
namespace {

constexpr std::string_view ok_hello = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

using single_client = static_client<one_connection, scripted_transport>;

// Counts the requests in `sent` that start with `request_line_prefix`.
std::size_t count_of(const std::string& sent, std::string_view request_line_prefix) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = sent.find(request_line_prefix, at)) != std::string::npos; ++at) ++n;
  return n;
}

// A PUT body "payload" sent only after a 100 Continue (Expect: 100-continue).
request_options payload_expecting_continue() {
  request_options o;
  o.expect_continue = true;
  o.content = body::bytes(std::string_view("payload"));
  return o;
}

// ---- H1-08: trailers -------------------------------------------------------------------------------

// Trailer fields are not merged into the head (RFC 9110 §6.5.1-2): a Set-Cookie, Location or
// Content-Length in the trailer section neither reaches the response's fields nor the cookie
// jar, nor changes the body (catalogue H1-08 "Framing or auth fields in trailers are ignored").
TEST(CatalogueH1_08, TrailerFieldsNeverReachTheHeadOrTheJar) {
  fake_platform clock;
  static_cookie_jar<8, 512> jar;
  client_options o = following();
  o.cookies = &jar;
  scripted_client c(clock, o);
  c.transport_at(0).wait_for_request().serve(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: Set-Cookie, Location\r\n\r\n"
      "5\r\nhello\r\n0\r\nSet-Cookie: planted=1; Path=/\r\nLocation: http://evil.test/\r\n"
      "Content-Length: 1\r\nWWW-Authenticate: Basic realm=\"x\"\r\n\r\n");
  const result<response> r = c.get("http://example.test/");
  ASSERT_TRUE(r.ok()) << r.err().detail;
  EXPECT_EQ(r.value().status_code, 200);
  EXPECT_EQ(r.value().text(), "hello");
  EXPECT_FALSE(r.value().headers.contains("Set-Cookie"));
  EXPECT_FALSE(r.value().headers.contains("Location"));
  EXPECT_FALSE(r.value().headers.contains("Content-Length"));
  EXPECT_EQ(jar.size(), 0u);
  EXPECT_EQ(c.transport_at(1).connections_started(), 0u);
}

// ---- H1-15: conflicting duplicates of a singleton field -----------------------------------------

// Two different Location fields: which one is "the" target is ambiguous, so the response is an
// error rather than a redirect to either (RFC 9110 §5.3, §10.2.2; catalogue H1-15: "a singleton
// field with differing duplicates is an error, at least for framing, Location and auth fields").
TEST(CatalogueH1_15, TwoDifferentLocationsAreAnError) {
  fake_platform clock;
  scripted_client c(clock, following());
  c.transport_at(0)
      .wait_for_request()
      .serve(
          "HTTP/1.1 302 Found\r\nLocation: /first\r\nLocation: http://elsewhere.test/second\r\n"
          "Content-Length: 0\r\n\r\n")
      .wait_for_request()
      .serve(ok_hello);
  c.transport_at(1).wait_for_request().serve(ok_hello);
  const result<response> r = c.get("http://example.test/start");
  EXPECT_FALSE(r.ok()) << "followed to a Location of two (status " << (r ? r.value().status_code : 0) << ")";
  if (!r) {
    EXPECT_EQ(r.err().code, errc::remote_protocol_error) << r.err().detail;
  }
  EXPECT_EQ(count_of(c.transport_at(0).sent(), "GET /first "), 0u);
  EXPECT_EQ(c.transport_at(1).connections_started(), 0u);
}

// ---- H1-16: status codes outside 100..599 --------------------------------------------------------

// A status code outside 100..599 is invalid, and a client SHOULD handle it as a 5xx (RFC 9110
// §15; catalogue H1-16). The parser frames such a response as final and reports the code as
// received (status-code-000/099/600/999 vectors); the response's class must then say "server
// error", so that raise_for_status() refuses it like a 500.
TEST(CatalogueH1_16, CodesOutside100To599AreServerErrors) {
  for (const char* code : {"600", "999", "099", "000"}) {
    fake_platform clock;
    scripted_client c(clock);
    c.transport_at(0).wait_for_request().serve(std::string("HTTP/1.1 ") + code +
                                               " Odd\r\nContent-Length: 4\r\n\r\noops");
    const result<response> r = c.get("http://example.test/");
    ASSERT_TRUE(r.ok()) << code << ": " << r.err().detail;
    EXPECT_EQ(r.value().text(), "oops") << code;
    EXPECT_TRUE(r.value().is_server_error()) << code;
    EXPECT_TRUE(r.value().is_error()) << code;
    EXPECT_EQ(r.value().raise_for_status().code, errc::http_status_error) << code;
    EXPECT_STREQ(r.value().raise_for_status().detail, "status code outside 100..599 (handled as 5xx)") << code;
    EXPECT_FALSE(r.value().is_success() || r.value().is_informational() || r.value().is_client_error()) << code;
  }
}

// ---- H1-19: Expect: 100-continue ----------------------------------------------------------------

// A final response before any 100 and before the body went out: the body is never sent
// (ClientExpect.AnEarlyRefusalMeansTheBodyIsNeverSent), so the server still waits for the
// announced Content-Length bytes and the connection must not carry the next request (RFC 9110
// §10.1.1; RFC 9112 §9.5; catalogue H1-19 "never reuse a connection with a half-sent body";
// Go CVE-2024-24791).
TEST(CatalogueH1_19, EarlyRefusalWithTheBodyUnsentIsNotReused) {
  fake_platform clock;
  single_client c(clock);
  scripted_transport& t = c.transport_at(0);
  t.wait_for_sent(1)
      .serve("HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n")
      .next_connection()
      .wait_for_request()
      .serve(ok_hello);
  const request_options o = payload_expecting_continue();
  const result<response> refused = c.put("http://example.test/up", o);
  ASSERT_TRUE(refused.ok()) << refused.err().detail;
  EXPECT_EQ(refused.value().status_code, 413);
  EXPECT_EQ(t.sent(0).find("payload"), std::string::npos);
  const result<response> next = c.get("http://example.test/next");
  ASSERT_TRUE(next.ok()) << to_string(next.err().code) << ": " << next.err().detail;
  EXPECT_EQ(next.value().text(), "hello");
  EXPECT_EQ(t.connections_started(), 2u) << "the GET went out on the connection that owes 7 body bytes";
  EXPECT_EQ(t.sent(0).find("GET /next"), std::string::npos);
}

// 417 Expectation Failed to a request with Expect: 100-continue: the client SHOULD repeat the
// request without the expectation (RFC 9110 §10.1.1, §15.5.18; catalogue H1-19 "On 417, repeat
// the request without Expect").
TEST(CatalogueH1_19, ExpectationFailedIsRepeatedWithoutTheExpectation) {
  fake_platform clock;
  single_client c(clock);
  scripted_transport& t = c.transport_at(0);
  t.wait_for_sent(1)
      .serve("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
      .next_connection()
      .wait_for_request()
      .serve(ok_hello);
  const request_options o = payload_expecting_continue();
  const result<response> r = c.put("http://example.test/up", o);
  ASSERT_TRUE(r.ok()) << r.err().detail;
  EXPECT_EQ(r.value().status_code, 200);
  ASSERT_EQ(t.connections_started(), 2u);
  const read_request again = read_first_request(t.sent(1));
  ASSERT_TRUE(again.complete) << again.problem;
  EXPECT_TRUE(field_value(again.head, "Expect").empty()) << again.head;
  EXPECT_EQ(again.body, "payload");
}

// The repeat needs the body from its first byte: a stream that cannot start again leaves the 417
// as the final response.
TEST(CatalogueH1_19, ExpectationFailedWithAnUnrewindableBodyIsTheAnswer) {
  fake_platform clock;
  single_client c(clock);
  scripted_transport& t = c.transport_at(0);
  t.wait_for_sent(1).serve("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  one_shot_source src;
  request_options o;
  o.expect_continue = true;
  o.content = body::source(src);
  const result<response> r = c.put("http://example.test/up", o);
  ASSERT_TRUE(r.ok()) << r.err().detail;
  EXPECT_EQ(r.value().status_code, 417);
  EXPECT_EQ(t.connections_started(), 1u);
}

// ---- H1-26: bodies against fixed buffers --------------------------------------------------------

// The handler is handed views into the connection's receive buffer (response.hpp), so no offer
// is larger than rx_bytes, whatever the Content-Length or chunk size says; the bytes arrive
// whole and in order (catalogue H1-26: "never exceed the documented maximum chunk size handed
// to a callback", curl CVE-2010-0734).
TEST(CatalogueH1_26, BodyOffersNeverExceedTheReceiveBuffer) {
  struct sizes_handler final : response_handler {
    body_ack on_body(bytes_view data) noexcept override {
      largest = data.size > largest ? data.size : largest;
      body.append(data.data, data.size);
      return {data.size, {}};
    }
    void on_complete(error failure) noexcept override {
      result = failure;
      ++completed;
    }
    std::size_t largest = 0;
    std::string body;
    error result{};
    int completed = 0;
  };
  std::string payload;
  for (int i = 0; payload.size() < 5000; ++i) payload += std::to_string(i) + ",";
  char size_hex[32];
  std::snprintf(size_hex, sizeof size_hex, "%zx", payload.size());
  const std::string responses[] = {
      "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(payload.size()) + "\r\n\r\n" + payload,
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(size_hex) + "\r\n" + payload +
          "\r\n0\r\n\r\n",
  };
  for (const std::string& response_bytes : responses) {
    fake_platform clock;
    scripted_client c(clock);
    c.transport_at(0).wait_for_request().serve(response_bytes);  // one slice: recv fills the buffer
    sizes_handler h;
    ASSERT_TRUE(c.start({"GET", "http://example.test/big", {}}, h).ok());
    for (int i = 0; i != 10000 && h.completed == 0; ++i) {
      const poll_result step = c.poll(clock.now());
      clock.wait(step.waits, step.wait_count, step.wait_ms);
    }
    ASSERT_EQ(h.completed, 1);
    EXPECT_FALSE(h.result) << h.result.detail;
    EXPECT_EQ(h.body, payload);
    EXPECT_GT(h.largest, 0u);
    EXPECT_LE(h.largest, small_config::rx_bytes);
  }
}

// A Content-Length far beyond the buffered body store is refused cleanly (no memory is sized
// from it) instead of being waited for or trusted (catalogue H1-26: "never reserve memory from
// CL; enforce the caller's max-body and fail cleanly").
TEST(CatalogueH1_26, HugeContentLengthInBufferedModeFailsCleanly) {
  fake_platform clock;
  scripted_client c(clock);
  c.transport_at(0).wait_for_request().serve("HTTP/1.1 200 OK\r\nContent-Length: 999999999999999\r\n\r\nabc").eof();
  const result<response> r = c.get("http://example.test/");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.err().code == errc::decoding_error || r.err().code == errc::remote_protocol_error)
      << to_string(r.err().code) << ": " << r.err().detail;
  EXPECT_EQ(c.transport_at(0).connections_started(), c.transport_at(0).connections_released());
}

// ---- H1-27: content codings are not decoded ------------------------------------------------------

// htpx decodes no content coding, so it asks for none (Accept-Encoding: identity, RFC 9110
// §12.5.3) and a server that codes anyway gets its body passed through byte for byte, with its
// Content-Encoding fields (several lines and a chain included) left for the application: no
// chain to cap, nothing inflated (RFC 9110 §8.4; catalogue H1-27 "An unknown coding is passed
// through raw or rejected... do not advertise Accept-Encoding unless decoding is compiled in").
TEST(CatalogueH1_27, ContentCodingsArePassedThroughUndecoded) {
  const std::string gzip_bytes(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcbH\xcd\xc9\xc9\x07\x00\x86\xa6\x10\x36\x05\x00\x00\x00", 25);
  fake_platform clock;
  scripted_client c(clock);
  std::string response_bytes = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n";
  for (int i = 0; i != 8; ++i) response_bytes += "Content-Encoding: gzip, br\r\n";
  response_bytes += "Content-Length: " + std::to_string(gzip_bytes.size()) + "\r\n\r\n" + gzip_bytes;
  c.transport_at(0).wait_for_request().serve(response_bytes);
  const result<response> r = c.get("http://example.test/compressed");
  ASSERT_TRUE(r.ok()) << to_string(r.err().code) << ": " << r.err().detail;
  EXPECT_EQ(std::string(r.value().text()), gzip_bytes);  // not "hello"
  EXPECT_EQ(r.value().headers.get("content-encoding"), "gzip");
  const std::string& sent = c.transport_at(0).sent();
  EXPECT_NE(sent.find("Accept-Encoding: identity\r\n"), std::string::npos) << sent;
  EXPECT_EQ(sent.find("gzip"), std::string::npos) << sent;
}

// ---- H1-29: per-request state between requests on one connection ---------------------------------

// A PUT with a body, then a GET and a POST on the same kept-alive connection: each request
// carries its own framing only; nothing of the PUT's body, Content-Type or Content-Length leaks
// into the next (RFC 9112 §6.2; catalogue H1-29, curl CVE-2022-32221 and CVE-2023-28322).
TEST(CatalogueH1_29, FramingAndBodyAreResetBetweenRequestsOnOneConnection) {
  fake_platform clock;
  single_client c(clock);
  scripted_transport& t = c.transport_at(0);
  t.wait_for_request().serve(ok_hello).wait_for_request().serve(ok_hello).wait_for_request().serve(ok_hello);
  request_options put;
  put.content = body::bytes(std::string_view("the-put-body"), "application/x-put");
  ASSERT_TRUE(c.put("http://example.test/one", put).ok());
  ASSERT_TRUE(c.get("http://example.test/two").ok());
  request_options post;
  post.content = body::bytes(std::string_view("p"));
  ASSERT_TRUE(c.post("http://example.test/three", post).ok());
  ASSERT_EQ(t.connections_started(), 1u);
  const std::string& sent = t.sent();
  const std::size_t two = sent.find("GET /two ");
  const std::size_t three = sent.find("POST /three ");
  ASSERT_NE(two, std::string::npos) << sent;
  ASSERT_NE(three, std::string::npos) << sent;
  const read_request get = read_first_request(sent.substr(two, three - two));
  ASSERT_TRUE(get.complete) << get.problem;
  EXPECT_EQ(get.body, "");
  EXPECT_TRUE(field_value(get.head, "Content-Length").empty()) << get.head;
  EXPECT_TRUE(field_value(get.head, "Content-Type").empty()) << get.head;
  EXPECT_TRUE(field_value(get.head, "Transfer-Encoding").empty()) << get.head;
  EXPECT_EQ(three - two, get.head.size()) << "bytes between the GET and the POST";
  const read_request last = read_first_request(sent.substr(three));
  ASSERT_TRUE(last.complete) << last.problem;
  EXPECT_EQ(last.body, "p");
  EXPECT_EQ(field_value(last.head, "Content-Length"), "1");
  EXPECT_NE(field_value(last.head, "Content-Type"), "application/x-put");
}

// ---- H1-30: userinfo from an untrusted source --------------------------------------------------------

// Userinfo in a server's Location is untrusted input: a recipient SHOULD treat it as an error
// (RFC 9110 §4.2.4, "likely being used to obscure the authority"), and it never becomes
// credentials the client sends (catalogue H1-30; curl CVE-2020-8169). Here the redirect stays on
// the same origin, so only the userinfo is in question.
TEST(CatalogueH1_30, UserinfoInALocationNeverBecomesCredentials) {
  fake_platform clock;
  scripted_client c(clock, following());
  c.transport_at(0)
      .wait_for_request()
      .serve(redirect_to(302, "http://planted:secret@example.test/next"))
      .wait_for_request()
      .serve(ok_hello);
  const result<response> r = c.get("http://example.test/");
  const std::string& sent = c.transport_at(0).sent();
  if (r) {
    const std::size_t next = sent.find("GET /next ");
    ASSERT_NE(next, std::string::npos) << sent;
    EXPECT_EQ(sent.find("Authorization", next), std::string::npos) << sent.substr(next);
  } else {
    EXPECT_EQ(r.err().code, errc::invalid_url) << r.err().detail;  // refusing the Location is fine too
  }
  EXPECT_EQ(sent.find("planted"), std::string::npos);
}

// The caller's own userinfo is kept by a relative Location (RFC 3986 §5.2.2 takes the base's
// authority) and stays the caller's credentials on the same origin; the refusal above is only
// for userinfo the server wrote.
TEST(CatalogueH1_30, TheCallersUserinfoSurvivesARelativeLocation) {
  fake_platform clock;
  scripted_client c(clock, following());
  c.transport_at(0).wait_for_request().serve(redirect_to(302, "/next")).wait_for_request().serve(ok_hello);
  const result<response> r = c.get("http://Aladdin:open%20sesame@example.test/");
  ASSERT_TRUE(r.ok()) << r.err().detail;
  const std::string& sent = c.transport_at(0).sent();
  const std::size_t next = sent.find("GET /next ");
  ASSERT_NE(next, std::string::npos) << sent;
  EXPECT_NE(sent.find("Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n", next), std::string::npos)
      << sent.substr(next);
}

// ---- H1-33: redirects ----------------------------------------------------------------------------

// A 3xx without Location is a final response: returned as it is, with its body, and nothing is
// requested again (RFC 9110 §15.4; catalogue H1-33).
TEST(CatalogueH1_33, RedirectWithoutLocationIsTheFinalResponse) {
  for (const int status : {301, 302, 303, 307, 308}) {
    fake_platform clock;
    scripted_client c(clock, following());
    c.transport_at(0).wait_for_request().serve("HTTP/1.1 " + std::to_string(status) +
                                               " Moved\r\nContent-Length: 7\r\n\r\nnowhere");
    const result<response> r = c.get("http://example.test/start");
    ASSERT_TRUE(r.ok()) << status << ": " << r.err().detail;
    EXPECT_EQ(r.value().status_code, status);
    EXPECT_EQ(r.value().text(), "nowhere");
    EXPECT_TRUE(r.value().history.empty());
    EXPECT_EQ(count_of(c.transport_at(0).sent(), "GET "), 1u) << status;
  }
}

// A 307 or 308 must repeat the body, and a streamed body that cannot be rewound cannot be
// repeated: the client stops and hands the 3xx to the caller, who can see its Location (RFC 9110
// §15.4.8-9; catalogue H1-35 "If a 307/308 body cannot be replayed from a fixed buffer, stop and
// return the 3xx to the caller").
TEST(CatalogueH1_35, UnreplayableBodyHandsThe307ToTheCaller) {
  fake_platform clock;
  scripted_client c(clock, following());
  c.transport_at(0).wait_for_request().serve(redirect_to(307, "/again"));
  one_shot_source src;
  request_options o;
  o.content = body::source(src);
  const result<response> r = c.post("http://example.test/", o);
  ASSERT_TRUE(r.ok()) << to_string(r.err().code) << ": " << r.err().detail;
  EXPECT_EQ(r.value().status_code, 307);
  EXPECT_EQ(r.value().headers.get("Location"), "/again");
  EXPECT_EQ(r.value().text(), "gone");
}

// ---- H1-34: credentials on cross-origin redirects -------------------------------------------------

// Follows a redirect from http://example.test/ to `location` (on host `new_host`) with
// credentials from the URL's userinfo or a client-wide auth scheme: the first origin gets them,
// the new one never does (RFC 9110 §15.4).
void expect_credentials_stay_behind(std::string_view location, std::string_view new_host) {
  for (const bool from_url : {false, true}) {
    fake_platform clock;
    basic_auth basic("Aladdin", "open sesame");
    client_options o = following();
    if (!from_url) o.auth = &basic;
    scripted_client c(clock, o);
    c.transport_at(0).wait_for_request().serve(redirect_to(302, location));
    c.transport_at(1).wait_for_request().serve(ok_hello);
    const result<response> r = c.get(from_url ? "http://Aladdin:open%20sesame@example.test/" : "http://example.test/");
    ASSERT_TRUE(r.ok()) << r.err().detail;
    EXPECT_NE(c.transport_at(0).sent().find("Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"), std::string::npos)
        << "the first origin gets the credentials";
    const std::string& other = c.transport_at(1).sent();
    const std::string expected_start = "GET /there HTTP/1.1\r\nHost: " + std::string(new_host) + "\r\n";
    EXPECT_EQ(other.rfind(expected_start, 0), 0u) << other;
    EXPECT_EQ(other.find("Authorization"), std::string::npos) << (from_url ? "userinfo" : "auth") << "\n" << other;
  }
}

// An auth scheme given to the client and credentials from the URL's userinfo are for the
// origin the caller named: after a redirect to another origin neither produces an
// Authorization field (RFC 9110 §15.4; catalogue H1-34, curl CVE-2018-1000007).
TEST(CatalogueH1_34, AuthSchemeAndUrlCredentialsStayWithTheirOrigin) {
  expect_credentials_stay_behind("http://other.test/there", "other.test");
}

// `example.test.` is another origin than `example.test` (catalogue H1-31; the rest of the
// trailing-dot rule is in test_catalogue_hosts.cpp): a redirect there leaves the credentials
// behind, as for any other host.
TEST(CatalogueH1_31, TrailingDotHostIsAnotherOriginForCredentials) {
  expect_credentials_stay_behind("http://example.test./there", "example.test.");
}

// Cookies for the new origin come from the jar, rebuilt for it: a cookie example.test set (here
// on the redirect itself) never goes to other.test (RFC 6265 §5.4; RFC 9110 §15.4; catalogue
// H1-34 "rebuild cookies from the jar for the new origin", urllib3 CVE-2023-43804).
TEST(CatalogueH1_34, JarCookiesAreRebuiltForTheNewOrigin) {
  fake_platform clock;
  static_cookie_jar<8, 512> jar;
  client_options o = following();
  o.cookies = &jar;
  scripted_client c(clock, o);
  c.transport_at(0)
      .wait_for_request()
      .serve("HTTP/1.1 302 Found\r\nSet-Cookie: sid=secret; Path=/\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n")
      .wait_for_request()
      .serve(redirect_to(302, "http://other.test/there"));
  c.transport_at(1).wait_for_request().serve(ok_hello);
  ASSERT_TRUE(c.get("http://example.test/").ok());
  EXPECT_NE(c.transport_at(0).sent().find("Cookie: sid=secret\r\n"), std::string::npos) << "same origin: sent";
  EXPECT_EQ(c.transport_at(1).sent().find("sid=secret"), std::string::npos) << c.transport_at(1).sent();
}

// A caller-set Proxy-Authorization is a credential too: on a change of origin it is removed
// with Authorization and Cookie (RFC 9110 §15.4 items 2-3; catalogue H1-34 "On any change remove
// Authorization, Cookie, Proxy-Authorization..."; requests CVE-2023-32681).
TEST(CatalogueH1_34, ProxyAuthorizationIsDroppedWhenTheOriginChanges) {
  fake_platform clock;
  client_options o = following();
  const header secrets[] = {{"Proxy-Authorization", "Basic cHJveHk6c2VjcmV0"}};
  o.headers = secrets;
  scripted_client c(clock, o);
  c.transport_at(0).wait_for_request().serve(redirect_to(302, "http://other.test/there"));
  c.transport_at(1).wait_for_request().serve(ok_hello);
  ASSERT_TRUE(c.get("http://example.test/").ok());
  const std::string& other = c.transport_at(1).sent();
  ASSERT_EQ(other.rfind("GET /there ", 0), 0u) << other;
  EXPECT_EQ(other.find("Proxy-Authorization"), std::string::npos) << other;
}

// A pretend TLS layer over the scripted transport (as in test_client.cpp): start_tls() succeeds.
class cat_fake_tls final : public port::transport {
 public:
  port::io_result connect(std::string_view host, std::uint16_t port) noexcept override {
    if (tls_) return {};  // the pretend handshake is done at once
    return inner.connect(host, port);
  }
  port::io_result start_tls(std::string_view server_name) noexcept override {
    tls_ = true;
    server_names.emplace_back(server_name);
    return {};
  }
  port::io_result send(bytes_view data) noexcept override { return inner.send(data); }
  port::io_result recv(mutable_bytes buffer) noexcept override { return inner.recv(buffer); }
  void close() noexcept override {
    tls_ = false;
    inner.close();
  }
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return inner.native_handle(); }

  scripted_transport inner;
  std::vector<std::string> server_names;

 private:
  bool tls_ = false;
};

// https to http is refused by default (RFC 9110 §15.4, §17.1; catalogue H1-34 "Refuse
// https->http by default", requests CVE-2018-18074): no connection to the http origin, and
// UnsupportedProtocol; allow_https_to_http opts in.
TEST(CatalogueH1_34, HttpsToHttpRedirectIsRefusedByDefault) {
  for (const bool allow : {false, true}) {
    fake_platform clock;
    client_options o = following();
    o.allow_https_to_http = allow;
    static_client<small_config, cat_fake_tls> c(clock, o);
    c.transport_at(0).inner.wait_for_request().serve(redirect_to(302, "http://secure.test/plain"));
    c.transport_at(1).inner.wait_for_request().serve(ok_hello);
    const result<response> r = c.get("https://secure.test/");
    if (!allow) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.err().code, errc::unsupported_protocol) << r.err().detail;
      EXPECT_EQ(c.transport_at(1).inner.connect_calls(), 0u);
      EXPECT_EQ(c.transport_at(0).inner.sent().find("GET /plain"), std::string::npos);
    } else {
      ASSERT_TRUE(r.ok()) << r.err().detail;
      EXPECT_EQ(r.value().text(), "hello");
    }
  }
}

// ---- S-07: a name lookup that never ends ---------------------------------------------------------

// A port still resolving a name: connect() gives would_block and there is no handle to wait on.
class endless_lookup final : public port::transport {
 public:
  port::io_result connect(std::string_view, std::uint16_t) noexcept override {
    ++connect_calls;
    return {port::io_status::would_block, 0, 0};
  }
  port::io_result send(bytes_view) noexcept override { return {port::io_status::error, 0, 0}; }
  port::io_result recv(mutable_bytes) noexcept override { return {port::io_status::error, 0, 0}; }
  void close() noexcept override { ++closes; }
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return -1; }
  int connect_calls = 0;
  int closes = 0;
};

// The lookup is a step of connect(), so it counts against timeout.connect and the total
// deadline: a resolver that never answers ends as ConnectTimeout at the deadline, never a hang,
// and the lookup is abandoned by close() (catalogue S-07 "The resolver is a pluggable
// asynchronous step inside the poll loop and counts against the total deadline").
TEST(CatalogueS_07, ALookupThatNeverEndsIsAConnectTimeout) {
  for (const std::uint32_t total : {0u, 2000u}) {
    fake_platform clock;
    static_client<small_config, endless_lookup> c(clock);
    request_options o;
    o.timeout = timeout{};
    o.timeout->total_ms = total;
    const std::uint32_t before = clock.now();
    const result<response> r = c.get("http://never.resolves.test/", o);
    const std::uint32_t took = clock.now() - before;
    ASSERT_FALSE(r.ok()) << total;
    EXPECT_EQ(r.err().code, errc::connect_timeout) << total << ": " << r.err().detail;
    const std::uint32_t deadline = total != 0 ? total : 5000u;
    EXPECT_GE(took, deadline) << total;
    EXPECT_LE(took, deadline + 100) << total;
    EXPECT_GT(c.transport_at(0).connect_calls, 1) << "the lookup was polled again";
    EXPECT_GE(c.transport_at(0).closes, 1) << total;
  }
}

// ---- S-09: the pool key ---------------------------------------------------------------------------

// An idle connection is reused only for the same scheme, host and port: a plain connection to
// secure.test:443 never carries an https request to that same host and port, nor a connection
// to port 8080 a request for 8081 (catalogue S-09 "Pool keys must cover scheme, host, port...";
// curl CVE-2022-27775, CVE-2026-8458 wrong connection reuse).
TEST(CatalogueS_09, PoolKeyCoversSchemeHostAndPort) {
  fake_platform clock;
  static_client<small_config, cat_fake_tls> c(clock);
  c.transport_at(0).inner.wait_for_request().serve(ok_hello);
  c.transport_at(1).inner.wait_for_request().serve(ok_hello);
  ASSERT_TRUE(c.get("http://secure.test:443/plain").ok());
  ASSERT_TRUE(c.get("https://secure.test:443/tls").ok());
  EXPECT_TRUE(c.transport_at(0).server_names.empty()) << "TLS started on the plain connection";
  EXPECT_EQ(c.transport_at(0).inner.sent().find("GET /tls "), std::string::npos);
  EXPECT_EQ(c.transport_at(1).server_names, std::vector<std::string>{"secure.test"});
  EXPECT_EQ(c.transport_at(1).inner.sent().rfind("GET /tls ", 0), 0u) << c.transport_at(1).inner.sent();

  fake_platform clock2;
  scripted_client ports(clock2);
  ports.transport_at(0).wait_for_request().serve(ok_hello);
  ports.transport_at(1).wait_for_request().serve(ok_hello);
  ASSERT_TRUE(ports.get("http://a.test:8080/").ok());
  ASSERT_TRUE(ports.get("http://a.test:8081/").ok());
  EXPECT_EQ(ports.transport_at(0).connected_port(), 8080);
  EXPECT_EQ(ports.transport_at(1).connected_port(), 8081);
  EXPECT_EQ(ports.transport_at(0).connections_started(), 1u);
}

// ---- H1-36: auth and request state for another origin ---------------------------------------------

// A caller's Host field names the first target: it is not carried to the next hop of a
// redirect, where Host is the new URL's authority (catalogue H1-36 "reset derived state such as
// ... Host override", curl CVE-2026-6276).
TEST(CatalogueH1_36, CallersHostIsNotCarriedAcrossARedirect) {
  fake_platform clock;
  scripted_client c(clock, following());
  c.transport_at(0).wait_for_request().serve(redirect_to(302, "/b")).wait_for_request().serve(ok_hello);
  const header fields[] = {{"Host", "virtual.example"}};
  request_options o;
  o.headers = fields;
  ASSERT_TRUE(c.get("http://example.test/a", o).ok());
  const std::string& sent = c.transport_at(0).sent();
  EXPECT_EQ(sent.rfind("GET /a HTTP/1.1\r\nHost: virtual.example\r\n", 0), 0u) << sent;
  const std::size_t b = sent.find("GET /b ");
  ASSERT_NE(b, std::string::npos);
  const std::string_view expected_start = "GET /b HTTP/1.1\r\nHost: example.test\r\n";
  EXPECT_EQ(sent.compare(b, expected_start.size(), expected_start), 0) << sent.substr(b);
  EXPECT_EQ(sent.find("virtual.example", b), std::string::npos) << sent.substr(b);
}

// A Digest challenge is the state of one origin (its realm, nonce and opaque): a client-wide
// digest_auth that answered a.test must not send that answer preemptively to b.test, which
// never challenged (RFC 9110 §11.5 protection spaces are per origin, §17.16; catalogue H1-36
// "Key auth state ... by origin", curl CVE-2026-11856).
TEST(CatalogueH1_36, DigestStateOfOneOriginIsNotSentToAnother) {
  fake_platform clock;
  digest_auth digest("Mufasa", "Circle of Life");
  client_options o;
  o.auth = &digest;
  scripted_client c(clock, o);
  c.transport_at(0)
      .wait_for_request()
      .serve(
          "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"r\", qop=\"auth\", nonce=\"abc\"\r\n"
          "Content-Length: 0\r\n\r\n")
      .wait_for_request()
      .serve(ok_hello);
  c.transport_at(1).wait_for_request().serve(ok_hello);
  ASSERT_TRUE(c.get("http://a.test/").ok());
  ASSERT_NE(c.transport_at(0).sent().find("Authorization: Digest"), std::string::npos);
  ASSERT_TRUE(c.get("http://b.test/").ok());
  ASSERT_EQ(c.transport_at(1).connected_host(), "b.test");
  EXPECT_EQ(c.transport_at(1).sent().find("Authorization"), std::string::npos) << c.transport_at(1).sent();
}

// ---- S-10: idle aging -----------------------------------------------------------------------------

// An idle connection is reused within limits.keepalive_expiry_ms and closed after it, so a
// server whose keep-alive is shorter never sees a request on a connection it is closing
// (catalogue S-10; curl CURLOPT_MAXAGE_CONN).
TEST(CatalogueS_10, IdleConnectionsOlderThanTheExpiryAreNotReused) {
  fake_platform clock;
  client_options o;
  o.limits.keepalive_expiry_ms = 2000;
  single_client c(clock, o);
  scripted_transport& t = c.transport_at(0);
  t.wait_for_request().serve(ok_hello).wait_for_request().serve(ok_hello);
  t.next_connection().wait_for_request().serve(ok_hello);
  ASSERT_TRUE(c.get("http://example.test/1").ok());
  clock.advance(1000);
  ASSERT_TRUE(c.get("http://example.test/2").ok());
  EXPECT_EQ(t.connections_started(), 1u) << "reused within the expiry";
  clock.advance(2500);
  ASSERT_TRUE(c.get("http://example.test/3").ok());
  EXPECT_EQ(t.connections_started(), 2u) << "an expired idle connection was reused";
  EXPECT_EQ(t.connections_released(), 1u);
  EXPECT_EQ(t.sent(0).find("GET /3 "), std::string::npos);
}

// ---- S-12: data on an idle pooled connection -----------------------------------------------------

// A late "408 Request Timeout" (or any bytes) arriving on an idle kept-alive connection poisons
// it: the next request goes out on a new connection and gets its own answer, never the 408
// (RFC 9112 §9.2; catalogue S-12, Go issue #2184). The connection-level half is
// FaultScenarios.DataOnAnIdleConnectionPoisonsIt.
TEST(CatalogueS_12, DataOnAnIdlePooledConnectionIsNeverTheNextResponse) {
  fake_platform clock;
  single_client c(clock);
  scripted_transport& t = c.transport_at(0);
  t.wait_for_request()
      .serve(ok_hello)
      .serve("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
      .next_connection()
      .wait_for_request()
      .serve("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nworld");
  ASSERT_TRUE(c.get("http://example.test/1").ok());
  const result<response> r = c.get("http://example.test/2");
  ASSERT_TRUE(r.ok()) << to_string(r.err().code) << ": " << r.err().detail;
  EXPECT_EQ(r.value().status_code, 200);
  EXPECT_EQ(r.value().text(), "world");
  EXPECT_EQ(t.connections_started(), 2u);
  EXPECT_EQ(t.sent(0).find("GET /2 "), std::string::npos) << "the request went out on the poisoned connection";
}

// ---- S-11: readiness is a hint ------------------------------------------------------------------

// A platform whose wait() reports every socket as not ready: the kernel's view of a TLS
// connection whose record is already inside the TLS layer (decrypted bytes, empty socket).
class never_ready_platform final : public port::platform {
 public:
  std::uint32_t now_ms() noexcept override { return now_; }
  void wait(port::wait_entry* entries, std::size_t count, std::uint32_t timeout_ms) noexcept override {
    for (std::size_t i = 0; i != count; ++i) entries[i].ready = port::interest::none;
    now_ += count != 0 && timeout_ms > 1 ? 1 : timeout_ms;
  }
  std::uint32_t now_ = 0xFFFFF000u;
};

// A server behind a pretend TLS layer: once the request's head is in, the answer is held
// "inside the transport" (has_buffered_input() when `report_buffered`), as mbedTLS holds a
// decrypted record while the socket is empty.
class held_answer_transport final : public port::transport {
 public:
  port::io_result connect(std::string_view, std::uint16_t) noexcept override { return {}; }
  port::io_result send(bytes_view data) noexcept override {
    request.append(data.data, data.size);
    if (!answered && request.find("\r\n\r\n") != std::string::npos) {
      answered = true;
      held = ok_hello;
    }
    return {port::io_status::ok, data.size, 0};
  }
  port::io_result recv(mutable_bytes buffer) noexcept override {
    if (held.empty()) return {port::io_status::would_block, 0, 0};
    const std::size_t n = held.size() < buffer.size ? held.size() : buffer.size;
    held.copy(buffer.data, n);
    held.erase(0, n);
    return {port::io_status::ok, n, 0};
  }
  void close() noexcept override {}
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return 11; }
  [[nodiscard]] bool has_buffered_input() const noexcept override { return report_buffered && !held.empty(); }

  bool report_buffered = true;
  bool answered = false;
  std::string request;
  std::string held;
};

// Bytes held inside the transport (has_buffered_input()) are read although wait() saw nothing
// on the socket, and poll() does not sleep while they wait; without the report the same silent
// socket is a read timeout (catalogue S-11 "treat readiness as a hint... check TLS pending data
// before sleeping"; mbedtls_ssl_check_pending()).
TEST(CatalogueS_11, BufferedInputIsReadWhenTheSocketLooksIdle) {
  for (const bool buffered : {true, false}) {
    never_ready_platform clock;
    static_client<small_config, held_answer_transport> c(clock);
    c.transport_at(0).report_buffered = buffered;
    const std::uint32_t before = clock.now_;
    const result<response> r = c.get("http://example.test/");
    if (buffered) {
      ASSERT_TRUE(r.ok()) << to_string(r.err().code) << ": " << r.err().detail;
      EXPECT_EQ(r.value().text(), "hello");
      EXPECT_LT(clock.now_ - before, 100u) << "slept with bytes waiting inside the transport";
    } else {
      ASSERT_FALSE(r.ok()) << "read although the platform said the socket was not readable";
      EXPECT_EQ(r.err().code, errc::read_timeout);
      // On time, although poll() passes over a connection waiting quietly (quiet_slot.hpp).
      EXPECT_GE(clock.now_ - before, 5000u);
      EXPECT_LE(clock.now_ - before, 5000u + 20u);
    }
  }
}

// ---- S-14: a transport that breaks the port contract ------------------------------------------------

// Breaks one rule of include/htpx/port/transport.hpp: ok with 0 bytes, or more bytes than asked
// (without writing them), on send or recv, or a status that is no io_status.
class lying_transport final : public port::transport {
 public:
  enum class lie : std::uint8_t { none, send_zero, send_more, recv_zero, recv_more, connect_status };

  port::io_result connect(std::string_view, std::uint16_t) noexcept override {
    ++connects;
    if (how == lie::connect_status) return {static_cast<port::io_status>(77), 0, 0};
    return {};
  }
  port::io_result send(bytes_view data) noexcept override {
    if (how == lie::send_zero) return {port::io_status::ok, 0, 0};
    if (how == lie::send_more) return {port::io_status::ok, data.size + 1, 0};
    sent_request = true;
    return {port::io_status::ok, data.size, 0};
  }
  port::io_result recv(mutable_bytes buffer) noexcept override {
    if (!sent_request) return {port::io_status::would_block, 0, 0};
    if (how == lie::recv_zero) return {port::io_status::ok, 0, 0};
    if (how == lie::recv_more) return {port::io_status::ok, buffer.size + 1, 0};
    return {port::io_status::would_block, 0, 0};
  }
  void close() noexcept override { ++closes; }
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return 9; }

  lie how = lie::none;
  bool sent_request = false;
  int connects = 0;
  int closes = 0;
};

// Each breach ends the request at once with the typed error of that call, "transport broke the
// port contract", and closes the transport: no loop on a zero-progress send, no read past the
// buffer, no hang until a timeout (catalogue S-14; coreHTTP's retry bound; curl CVE-2010-0734).
TEST(CatalogueS_14, ContractBreachesAreTypedErrorsNotLoopsOrOverreads) {
  struct scenario {
    lying_transport::lie how;
    errc expected;
  };
  const scenario scenarios[] = {
      {lying_transport::lie::send_zero, errc::write_error},        {lying_transport::lie::send_more, errc::write_error},
      {lying_transport::lie::recv_zero, errc::read_error},         {lying_transport::lie::recv_more, errc::read_error},
      {lying_transport::lie::connect_status, errc::connect_error},
  };
  for (const scenario& s : scenarios) {
    fake_platform clock;
    static_client<small_config, lying_transport> c(clock);
    c.transport_at(0).how = s.how;
    const std::uint32_t before = clock.now();
    const result<response> r = c.get("http://example.test/");
    const int which = static_cast<int>(s.how);
    ASSERT_FALSE(r.ok()) << which;
    EXPECT_EQ(r.err().code, s.expected) << which << ": " << r.err().detail;
    EXPECT_NE(std::string_view(r.err().detail).find("contract"), std::string_view::npos)
        << which << ": " << r.err().detail;
    EXPECT_LT(clock.now() - before, 1000u) << which << ": ended by a timeout, not by the breach";
    EXPECT_GE(c.transport_at(0).connects, 1) << which;
    EXPECT_GE(c.transport_at(0).closes, 1) << which;
  }
}

}  // namespace
}  // namespace htpx::test
