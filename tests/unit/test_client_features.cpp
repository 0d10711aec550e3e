// Features chosen at compile time (default_client_config's flags): a configuration without them
// still does its job (keep-alive, chunked, timeouts), holds none of their state, and refuses every
// option or request that needs one of them with UnsupportedProtocol instead of ignoring it.
#include <gtest/gtest.h>

#include <string>

#include "../../toolchains/size_min_config.hpp"
#include "fake_platform.hpp"
#include "htpx/auth.hpp"
#include "htpx/client.hpp"
#include "htpx/cookies.hpp"
#include "manual_client.hpp"
#include "scripted_transport.hpp"

namespace htpx::test {
namespace {

// The minimal profile `make size` measures (toolchains/size_min_config.hpp): one connection, one
// request, no optional feature.
using minimal_config = htpx_size::min_config;
using minimal_client = static_client<minimal_config, scripted_transport>;

struct minimal_with_proxies : minimal_config {
  static constexpr bool proxies = true;
};
static_assert(sizeof(static_client<minimal_config, scripted_transport>) + sizeof(detail::proxy_routes) <=
                  sizeof(static_client<minimal_with_proxies, scripted_transport>),
              "a configuration without proxies holds no proxy routes");

struct default_without_redirects : default_client_config {
  static constexpr bool redirects = false;
};
static_assert(sizeof(static_client<default_client_config, scripted_transport>) -
                      sizeof(static_client<default_without_redirects, scripted_transport>) >=
                  default_client_config::max_requests * default_client_config::redirect_url_bytes +
                      default_client_config::history_bytes,
              "a configuration without redirects holds no redirect URLs or history");

constexpr std::string_view chunked_hello =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n";

class body_handler final : public response_handler {
 public:
  error on_head(const response& head) noexcept override { return head.raise_for_status(); }
  body_ack on_body(bytes_view data) noexcept override {
    body.append(data.data, data.size);
    return {data.size, {}};
  }
  void on_complete(error failure) noexcept override {
    result = failure;
    ++completed;
  }

  std::string body;
  error result{};
  int completed = 0;
};

client_options without_env() {
  client_options o;
  o.trust_env = false;  // the environment's proxies need Cfg::proxies
  return o;
}

// Starts `req` and polls until it completes (bounded); returns what start() said.
error run(client& c, fake_platform& clock, const request& req, body_handler& handler) {
  const result<request_handle> started = c.start(req, handler);
  if (!started) return started.err();
  for (int i = 0; i != 100000 && handler.completed == 0; ++i) {
    const poll_result step = c.poll(clock.now());
    if (step.in_flight == 0) break;
    clock.wait(step.waits, step.wait_count, step.wait_ms);
  }
  return {};
}

TEST(ClientFeatures, MinimalConfigReusesItsConnectionForChunkedResponses) {
  fake_platform clock;
  minimal_client c(clock, without_env());
  c.transport_at(0).wait_for_request().serve(chunked_hello).wait_for_request().serve(chunked_hello);
  request req;
  req.url = "http://device.test/status";
  for (int round = 0; round != 2; ++round) {
    body_handler handler;
    ASSERT_FALSE(run(c, clock, req, handler)) << round;
    ASSERT_EQ(handler.completed, 1) << round;
    EXPECT_FALSE(handler.result) << round << ": " << handler.result.detail;
    EXPECT_EQ(handler.body, "hello") << round;
  }
  EXPECT_EQ(c.transport_at(0).connections_started(), 1u);
  EXPECT_NE(c.transport_at(0).sent(0).find("GET /status HTTP/1.1\r\n"), std::string::npos);
}

// The request slot keeps its origin as offsets into the caller's URL: port, path, query and the
// Host field all come back from them.
TEST(ClientFeatures, MinimalConfigWritesTheTargetAndHostFromTheCallersUrl) {
  fake_platform clock;
  minimal_client c(clock, without_env());
  c.transport_at(0).wait_for_request().serve(chunked_hello);
  const std::string url = "http://device.test:8080/status/now?unit=c&n=2";
  request req;
  req.url = url;
  body_handler handler;
  ASSERT_FALSE(run(c, clock, req, handler));
  ASSERT_EQ(handler.completed, 1);
  EXPECT_FALSE(handler.result) << handler.result.detail;
  const std::string& sent = c.transport_at(0).sent(0);
  EXPECT_EQ(sent.rfind("GET /status/now?unit=c&n=2 HTTP/1.1\r\n", 0), 0u) << sent;
  EXPECT_NE(sent.find("\r\nHost: device.test:8080\r\n"), std::string::npos) << sent;
}

// The minimal profile has no scratch area: the target, with its query parameters encoded, and
// the request fields are put together in the receive buffer before the head is sent, which a
// second request on the same connection does again.
TEST(ClientFeatures, MinimalConfigSendsQueryParamsAndFieldsWithoutAScratchArea) {
  fake_platform clock;
  minimal_client c(clock, without_env());
  c.transport_at(0).wait_for_request().serve(chunked_hello).wait_for_request().serve(chunked_hello);
  const query_param params[] = {{"unit",
                                 "\xC2\xB0"
                                 "C"},
                                {"q", "a b&c"}};
  const header fields[] = {{"X-Device", "sensor-7"}};
  request req;
  req.url = "http://device.test/read?x=1";
  req.options.params = params;
  req.options.headers = fields;
  for (int round = 0; round != 2; ++round) {
    body_handler handler;
    ASSERT_FALSE(run(c, clock, req, handler)) << round;
    ASSERT_EQ(handler.completed, 1) << round;
    EXPECT_FALSE(handler.result) << round << ": " << handler.result.detail;
    EXPECT_EQ(handler.body, "hello") << round;
  }
  EXPECT_EQ(c.transport_at(0).connections_started(), 1u);
  const std::string& sent = c.transport_at(0).sent(0);
  const std::string head =
      "GET /read?x=1&unit=%C2%B0C&q=a%20b%26c HTTP/1.1\r\nHost: device.test\r\nX-Device: sensor-7\r\n"
      "Accept: */*\r\nAccept-Encoding: identity\r\nUser-Agent: htpx/0.1\r\n\r\n";
  EXPECT_EQ(sent, head + head);
}

TEST(ClientFeatures, UrlTooLongForItsOffsetsIsRefused) {
  fake_platform clock;
  minimal_client c(clock, without_env());
  const std::string url = "http://device.test/" + std::string(70000, 'a');
  request req;
  req.url = url;
  body_handler handler;
  const result<request_handle> started = c.start(req, handler);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.err().code, errc::invalid_url);
  EXPECT_EQ(c.transport_at(0).connections_started(), 0u);
}

// The host name capacity is the configuration's: a host that fits is reused, a longer one still
// connects but its connection is not kept.
struct short_hosts : minimal_config {
  static constexpr std::size_t max_host_bytes = 8;
};
static_assert(sizeof(static_client<minimal_config, scripted_transport>) -
                      sizeof(static_client<short_hosts, scripted_transport>) ==
                  minimal_config::max_host_bytes - short_hosts::max_host_bytes,
              "the host names are the only memory max_host_bytes sizes");

TEST(ClientFeatures, HostNamesLongerThanMaxHostBytesConnectButAreNotReused) {
  for (const std::string host : {"dev.test", "device.test"}) {
    fake_platform clock;
    static_client<short_hosts, scripted_transport> c(clock, without_env());
    const bool kept = host.size() <= short_hosts::max_host_bytes;
    scripted_transport& t = c.transport_at(0);
    t.wait_for_request().serve(chunked_hello);
    if (!kept) t.next_connection();
    t.wait_for_request().serve(chunked_hello);
    const std::string url = "http://" + host + "/status";
    request req;
    req.url = url;
    for (int round = 0; round != 2; ++round) {
      body_handler handler;
      ASSERT_FALSE(run(c, clock, req, handler)) << host;
      ASSERT_EQ(handler.completed, 1) << host;
      EXPECT_FALSE(handler.result) << host << ": " << handler.result.detail;
      EXPECT_EQ(handler.body, "hello") << host;
    }
    EXPECT_EQ(t.connections_started(), kept ? 1u : 2u) << host;
  }
}

TEST(ClientFeatures, MinimalConfigTimesOut) {
  fake_platform clock;
  client_options o = without_env();
  o.timeout = timeout::all(2000);
  minimal_client c(clock, o);
  c.transport_at(0).wait_for_request().recv_would_block(1000000);
  request req;
  req.url = "http://device.test/slow";
  body_handler handler;
  const std::uint32_t before = clock.now();
  ASSERT_FALSE(run(c, clock, req, handler));
  ASSERT_EQ(handler.completed, 1);
  EXPECT_EQ(handler.result.code, errc::read_timeout) << handler.result.detail;
  EXPECT_GE(clock.now() - before, 2000u);
  EXPECT_LE(clock.now() - before, 2100u);
}

// start() on a minimal client: UnsupportedProtocol whose detail names the missing flag.
void expect_refused(const client_options& options, const request& req, std::string_view flag) {
  fake_platform clock;
  minimal_client c(clock, options);
  body_handler handler;
  const result<request_handle> started = c.start(req, handler);
  ASSERT_FALSE(started.ok()) << flag;
  EXPECT_EQ(started.err().code, errc::unsupported_protocol) << flag;
  EXPECT_NE(std::string_view(started.err().detail).find(flag), std::string_view::npos)
      << flag << ": " << started.err().detail;
  EXPECT_EQ(c.transport_at(0).connections_started(), 0u) << flag;
}

class empty_hooks final : public event_hooks {};
empty_hooks no_hooks;

TEST(ClientFeatures, OptionsNeedingAFeatureLeftOutAreRefused) {
  request plain;
  plain.url = "http://device.test/";
  basic_auth credentials("user", "pass");
  static_cookie_jar<2, 128> jar;
  const query_param cookie{"session", "1"};

  struct case_ {
    void (*change)(client_options&, request&, auth&, cookie_jar&, const query_param&);
    std::string_view flag;
  };
  const case_ cases[] = {
      {[](client_options& o, request&, auth&, cookie_jar&, const query_param&) { o.trust_env = true; }, "Cfg::proxies"},
      {[](client_options& o, request&, auth&, cookie_jar&, const query_param&) { o.proxy = "http://10.0.0.1:3128"; },
       "Cfg::proxies"},
      {[](client_options& o, request&, auth&, cookie_jar&, const query_param&) { o.proxy_tunnel = true; },
       "Cfg::proxies"},
      {[](client_options& o, request&, auth&, cookie_jar&, const query_param&) { o.base_url = "http://device.test/"; },
       "Cfg::base_url"},
      {[](client_options& o, request&, auth&, cookie_jar&, const query_param&) { o.follow_redirects = true; },
       "Cfg::redirects"},
      {[](client_options&, request& r, auth&, cookie_jar&, const query_param&) { r.options.follow_redirects = true; },
       "Cfg::redirects"},
      {[](client_options& o, request&, auth& a, cookie_jar&, const query_param&) { o.auth = &a; }, "Cfg::auth"},
      {[](client_options&, request& r, auth& a, cookie_jar&, const query_param&) { r.options.auth = &a; }, "Cfg::auth"},
      {[](client_options&, request& r, auth&, cookie_jar&, const query_param&) { r.url = "http://u:p@device.test/"; },
       "Cfg::auth"},
      {[](client_options& o, request&, auth&, cookie_jar& j, const query_param&) { o.cookies = &j; }, "Cfg::cookies"},
      {[](client_options&, request& r, auth&, cookie_jar&, const query_param& q) {
         r.options.cookies = {&q, 1};
       },
       "Cfg::cookies"},
      {[](client_options& o, request&, auth&, cookie_jar&, const query_param&) { o.retries = 2; }, "Cfg::retries"},
      {[](client_options& o, request&, auth&, cookie_jar&, const query_param&) { o.retry_on_status = true; },
       "Cfg::retries"},
      {[](client_options&, request& r, auth&, cookie_jar&, const query_param&) { r.url = "https://device.test/"; },
       "Cfg::https"},
      {[](client_options&, request& r, auth&, cookie_jar&, const query_param&) {
         r.options.content = body::bytes(std::string_view("x"));
       },
       "Cfg::request_bodies"},
      {[](client_options& o, request&, auth&, cookie_jar&, const query_param&) { o.hooks = &no_hooks; }, "Cfg::hooks"},
  };
  for (const case_& each : cases) {
    client_options options = without_env();
    request req = plain;
    each.change(options, req, credentials, jar, cookie);
    expect_refused(options, req, each.flag);
  }
}

// Without request bodies, a method that gives content a meaning still says it has none
// (RFC 9110 §8.6), and the others say nothing about content.
TEST(ClientFeatures, MinimalConfigFramesMethodsWithoutContent) {
  const struct {
    const char* method;
    bool length_zero;
  } cases[] = {{"GET", false},    {"POST", true},  {"PUT", true},  {"PATCH", true},
               {"DELETE", false}, {"HEAD", false}, {"POS", false}, {"PATCHY", false}};
  for (const auto& each : cases) {
    fake_platform clock;
    minimal_client c(clock, without_env());
    c.transport_at(0).wait_for_request().serve(chunked_hello);
    request req;
    req.url = "http://device.test/";
    req.method = each.method;
    body_handler handler;
    ASSERT_FALSE(run(c, clock, req, handler)) << each.method;
    const std::string sent = c.transport_at(0).sent(0);
    EXPECT_EQ(sent.rfind(std::string(each.method) + " / HTTP/1.1\r\n", 0), 0u) << sent;
    EXPECT_EQ(sent.find("Content-Length: 0\r\n") != std::string::npos, each.length_zero) << sent;
    EXPECT_EQ(sent.find("Content-Type"), std::string::npos) << sent;
    EXPECT_EQ(sent.find("Expect"), std::string::npos) << sent;
  }
}

// Without Cfg::base_url there is nothing to resolve a relative URL against: it is an invalid
// URL, as it always was, and nothing is connected.
TEST(ClientFeatures, RelativeUrlWithoutBaseUrlBuiltInIsInvalid) {
  fake_platform clock;
  minimal_client c(clock, without_env());
  request req;
  req.url = "/status";
  body_handler handler;
  const result<request_handle> started = c.start(req, handler);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.err().code, errc::invalid_url);
  EXPECT_EQ(c.transport_at(0).connections_started(), 0u);
}

// base_url alone: a relative request goes to the base's origin with the resolved target.
struct base_url_only : minimal_config {
  static constexpr bool base_url = true;
};

TEST(ClientFeatures, BaseUrlAloneResolvesRelativeRequests) {
  fake_platform clock;
  client_options o = without_env();
  o.base_url = "http://device.test/api/v1/";
  static_client<base_url_only, scripted_transport> c(clock, o);
  c.transport_at(0).wait_for_request().serve(chunked_hello);
  request req;
  req.url = "status?x=1";
  body_handler handler;
  ASSERT_FALSE(run(c, clock, req, handler));
  ASSERT_EQ(handler.completed, 1);
  EXPECT_FALSE(handler.result) << handler.result.detail;
  EXPECT_NE(c.transport_at(0).sent(0).find("GET /api/v1/status?x=1 HTTP/1.1\r\nHost: device.test\r\n"),
            std::string::npos)
      << c.transport_at(0).sent(0);
}

// Request bodies alone (no redirects, retries, auth or cookies) still answer a 417 to Expect:
// 100-continue by sending the request again without it (RFC 9110 §10.1.1): the response is
// screened for that feature too.
struct request_bodies_only : minimal_config {
  static constexpr bool request_bodies = true;
};

TEST(ClientFeatures, RequestBodiesAloneRepeatARequestRefusedWith417) {
  fake_platform clock;
  static_client<request_bodies_only, scripted_transport> c(clock, without_env());
  scripted_transport& t = c.transport_at(0);
  t.wait_for_sent(1)
      .serve("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
      .next_connection()
      .wait_for_request()
      .serve(chunked_hello);
  request req;
  req.method = "PUT";
  req.url = "http://device.test/up";
  req.options.expect_continue = true;
  req.options.content = body::bytes(std::string_view("payload"));
  body_handler handler;
  ASSERT_FALSE(run(c, clock, req, handler));
  ASSERT_EQ(handler.completed, 1);
  EXPECT_FALSE(handler.result) << handler.result.detail;
  EXPECT_EQ(handler.body, "hello");
  ASSERT_EQ(t.connections_started(), 2u);
  EXPECT_EQ(t.sent(1).find("Expect:"), std::string::npos) << t.sent(1);
  EXPECT_NE(t.sent(1).find("\r\n\r\npayload"), std::string::npos) << t.sent(1);
}

// A feature that is built in stays available on its own: redirects without https refuse a
// redirect to https:// when it arrives (the check runs on every URL a request goes to).
struct redirects_only : minimal_config {
  static constexpr bool redirects = true;
};

TEST(ClientFeatures, RedirectToAUrlNeedingAFeatureLeftOutFails) {
  fake_platform clock;
  client_options o = without_env();
  o.follow_redirects = true;
  static_client<redirects_only, scripted_transport> c(clock, o);
  c.transport_at(0).wait_for_request().serve(
      "HTTP/1.1 302 Found\r\nLocation: https://device.test/secure\r\nContent-Length: 0\r\n\r\n");
  request req;
  req.url = "http://device.test/";
  body_handler handler;
  ASSERT_FALSE(run(c, clock, req, handler));
  ASSERT_EQ(handler.completed, 1);
  EXPECT_EQ(handler.result.code, errc::unsupported_protocol);
  EXPECT_STREQ(handler.result.detail, "https: needs Cfg::https");
}

// The non-template client has every feature when its storage holds a feature_state (proxies only
// with their routes too), and without one the features that keep options there are refused.
TEST(ClientFeatures, CallerStorageWithoutAFeatureStateRefusesItsFeatures) {
  fake_platform clock;
  scripted_transport transport;
  client_options o = without_env();
  o.follow_redirects = true;
  manual_client m(transport, clock, o, true, false);
  request req;
  req.url = "http://device.test/";
  body_handler handler;
  const result<request_handle> started = m.c.start(req, handler);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.err().code, errc::unsupported_protocol);
  EXPECT_STREQ(started.err().detail, "follow_redirects: needs Cfg::redirects");
  EXPECT_TRUE(m.c.settings().follow_redirects);
  // A request that turns redirects off needs no feature: it goes.
  req.options.follow_redirects = false;
  transport.wait_for_request().serve(chunked_hello);
  ASSERT_FALSE(run(m.c, clock, req, handler));
  ASSERT_EQ(handler.completed, 1);
  EXPECT_FALSE(handler.result) << handler.result.detail;
}

// Hooks keep nothing in a feature_state: caller storage without one still calls them.
TEST(ClientFeatures, CallerStorageWithoutAFeatureStateCallsHooks) {
  class counting_hooks final : public event_hooks {
   public:
    error on_request(const request& req, header_appender& headers) noexcept override {
      ++requests;
      EXPECT_EQ(req.url, "http://device.test/");
      return headers.add("X-Hooked", "yes");
    }
    int requests = 0;
  };
  fake_platform clock;
  scripted_transport transport;
  counting_hooks hooks;
  client_options o = without_env();
  o.hooks = &hooks;
  manual_client m(transport, clock, o, true, false);
  transport.wait_for_request().serve(chunked_hello);
  request req;
  req.url = "http://device.test/";
  body_handler handler;
  ASSERT_FALSE(run(m.c, clock, req, handler));
  ASSERT_EQ(handler.completed, 1);
  EXPECT_FALSE(handler.result) << handler.result.detail;
  EXPECT_EQ(hooks.requests, 1);
  EXPECT_NE(transport.sent(0).find("\r\nX-Hooked: yes\r\n"), std::string::npos) << transport.sent(0);
}

// The non-template client has every feature, proxies only when its storage holds their routes.
TEST(ClientFeatures, CallerStorageWithoutProxyRoutesRefusesAProxy) {
  fake_platform clock;
  scripted_transport transport;
  client_options o;
  o.proxy = "http://10.0.0.1:3128";
  manual_client m(transport, clock, o, false);
  client& c = m.c;
  request req;
  req.url = "http://device.test/";
  body_handler handler;
  const result<request_handle> started = c.start(req, handler);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.err().code, errc::unsupported_protocol);
}

}  // namespace
}  // namespace htpx::test
