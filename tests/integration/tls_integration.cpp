// The client over TLS (port/mbedtls) against real servers on 127.0.0.1, through the public API
// only: htpx::static_client<Cfg, port::tls_over<port::posix_transport>> configured with a
// port::tls_config. run-with-servers.sh --nginx --tls --httpbin --proxy starts a TLS nginx with
// one server per test certificate (servers/nginx_tls.sh), httpbin behind TLS, tls_raw.py (a body
// cut off without close_notify, a handshake that requires a client certificate), tinyproxy and a
// plain nginx (a server that does not speak TLS), and passes their URLs in HTPX_TLS_* and the
// other variables; without them the tests skip (or fail when HTPX_REQUIRE_SERVERS is set).
//
// Checked: every bad certificate is a ConnectError with the port's exact words; a server that
// does not speak TLS, or does not answer; insecure mode and a pinned CA connect; mutual TLS;
// keep-alive (one handshake for many requests); session resumption on reconnect (nginx's
// $ssl_session_reused and fewer handshake bytes); fan-out over four connections; https through
// tinyproxy's CONNECT tunnel; ALPN; a truncated body is a ReadError. The 100 MiB download has its
// own process (tls_download_100mib.cpp).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "default_client.hpp"
#include "htpx/client.hpp"
#include "posix_platform.hpp"
#include "posix_transport.hpp"
#include "server_env.hpp"
#include "sha256.hpp"
#include "tls_config.hpp"
#include "tls_transport.hpp"

namespace htpx {
// So that a failed assertion prints the error.
inline std::ostream& operator<<(std::ostream& os, const error& e) {
  return os << to_string(e.code) << " (" << e.detail << ")";
}
}  // namespace htpx

namespace {

using steady = std::chrono::steady_clock;
using htpx::port::tls_config;

long long ms_since(steady::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count();
}

// A TCP transport that counts the bytes of each connection: the handshake's size tells a full
// handshake (the server sends its certificate) from a resumed one.
class counting_transport final : public htpx::port::transport {
 public:
  counting_transport() noexcept = default;
  htpx::port::io_result connect(std::string_view host, std::uint16_t port) noexcept override {
    if (!open_) {
      open_ = true;
      received_ = sent_ = 0;
      ++connections_;
    }
    return inner_.connect(host, port);
  }
  htpx::port::io_result send(htpx::bytes_view data) noexcept override {
    const htpx::port::io_result r = inner_.send(data);
    if (r.status == htpx::port::io_status::ok) sent_ += r.bytes;
    return r;
  }
  htpx::port::io_result recv(htpx::mutable_bytes buffer) noexcept override {
    const htpx::port::io_result r = inner_.recv(buffer);
    if (r.status == htpx::port::io_status::ok) received_ += r.bytes;
    return r;
  }
  void close() noexcept override {
    inner_.close();
    open_ = false;
  }
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return inner_.native_handle(); }

  /// Bytes received and sent on the current (or last) connection, and connections begun.
  [[nodiscard]] std::uint64_t received() const { return received_; }
  [[nodiscard]] std::uint64_t sent() const { return sent_; }
  [[nodiscard]] unsigned connections() const { return connections_; }

 private:
  htpx::port::posix_transport inner_;
  std::uint64_t received_ = 0;
  std::uint64_t sent_ = 0;
  unsigned connections_ = 0;
  bool open_ = false;
};

// Four connections, a deep queue, room for httpbin's echoes in buffered mode.
struct tls_test_config : htpx::default_client_config {
  static constexpr std::size_t max_connections = 4;
  static constexpr std::size_t max_requests = 32;
  static constexpr std::size_t head_store_bytes = 4096;
  static constexpr std::size_t body_store_bytes = 128 * 1024;
};
using tls_client = htpx::static_client<tls_test_config, htpx::port::tls_over<htpx::port::posix_transport>>;

// One connection, over the counting transport.
struct one_connection_config : tls_test_config {
  static constexpr std::size_t max_connections = 1;
};
using counting_client = htpx::static_client<one_connection_config, htpx::port::tls_over<counting_transport>>;

htpx::port::posix_platform platform;

// The configurations the tests share (each built once: seeding and parsing take a moment).
// load_* results are checked in the tests that use them (config_status).
struct configs {
  tls_config pinned;       // the test CA only
  tls_config system;       // the system CA bundle only (the test CA is unknown there)
  tls_config insecure;     // no verification at all
  tls_config client;       // the test CA and a client certificate
  tls_config revocations;  // the test CA and its CRL
  int pinned_status = -1, system_status = -1, client_status = -1, client_ca_status = -1, crl_status = -1,
      crl_ca_status = -1;

  configs() {
    const std::string ca = htpx_test::env("HTPX_TLS_CA_FILE");
    if (ca.empty()) return;
    pinned_status = pinned.load_ca_file(ca.c_str());
    system_status = system.load_system_ca();
    insecure.insecure_skip_verify(true);
    client_ca_status = client.load_ca_file(ca.c_str());
    client_status = client.load_client_cert_files(htpx_test::env("HTPX_TLS_CLIENT_CERT").c_str(),
                                                  htpx_test::env("HTPX_TLS_CLIENT_KEY").c_str());
    crl_ca_status = revocations.load_ca_file(ca.c_str());
    crl_status = revocations.load_crl_file(htpx_test::env("HTPX_TLS_CRL_FILE").c_str());
  }
};

configs& shared() {
  static configs* all = new configs();  // never destroyed: transports may close through it at exit
  return *all;
}

// A client whose every transport uses `cfg` (configure() before the first connection).
template <class Cfg, class Transport>
std::unique_ptr<htpx::static_client<Cfg, Transport>> make(const tls_config& cfg, htpx::client_options options) {
  options.trust_env = false;  // no proxy from the environment unless a test asks for one
  auto c = std::make_unique<htpx::static_client<Cfg, Transport>>(platform, options);
  for (std::size_t i = 0; i != Cfg::max_connections; ++i) c->transport_at(i).configure(cfg);
  return c;
}

std::unique_ptr<tls_client> make_client(const tls_config& cfg, const htpx::client_options& options = {}) {
  return make<tls_test_config, htpx::port::tls_over<htpx::port::posix_transport>>(cfg, options);
}

std::unique_ptr<counting_client> make_counting_client(const tls_config& cfg, const htpx::client_options& options = {}) {
  return make<one_connection_config, htpx::port::tls_over<counting_transport>>(cfg, options);
}

// The value of the first `"key": value` in `text` (a string's characters between the quotes, or
// a number as written): enough for httpbin's echoes without a parser.
std::string_view json_field(std::string_view text, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  for (std::size_t at = text.find(quoted); at != std::string_view::npos; at = text.find(quoted, at + 1)) {
    std::size_t i = at + quoted.size();
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n')) ++i;
    if (i == text.size() || text[i] != ':') continue;
    ++i;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n')) ++i;
    if (i == text.size()) break;
    if (text[i] == '"') {
      std::size_t end = i + 1;
      while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
      return text.substr(i + 1, end - i - 1);
    }
    std::size_t end = i;
    while (end < text.size() && text[end] != ',' && text[end] != '}' && text[end] != '\n') ++end;
    return text.substr(i, end - i);
  }
  return {};
}

// A handler that keeps what a test looks at: status, body (kept or only hashed), connection,
// outcome.
class collector final : public htpx::response_handler {
 public:
  explicit collector(htpx::client& c, bool keep_body = true) : client_(&c), keep_body_(keep_body) {}

  htpx::error on_head(const htpx::response& head) noexcept override {
    status = head.status_code;
    serial = client_->connection_serial(handle);
    return {};
  }
  htpx::body_ack on_body(htpx::bytes_view data) noexcept override {
    if (keep_body_) body.append(data.data, data.size);
    hash.update(data.data, data.size);
    body_bytes += data.size;
    return {data.size, {}};
  }
  void on_complete(htpx::error f) noexcept override {
    failure = f;
    completed = true;
  }

  htpx::request_handle handle{};
  int status = 0;
  std::uint32_t serial = 0;
  std::string body;
  std::size_t body_bytes = 0;
  htpx_test::sha256 hash;
  htpx::error failure{};
  bool completed = false;

 private:
  htpx::client* client_;
  bool keep_body_;
};

// Starts a GET of `target` (which must outlive the request: the request views it).
void start(htpx::client& c, collector& handler, const std::string& target) {
  htpx::request req;
  req.url = target;
  const htpx::result<htpx::request_handle> started = c.start(req, handler);
  ASSERT_TRUE(started.ok()) << started.err();
  handler.handle = started.value();
}

void run_until_idle(htpx::client& c, long long budget_ms = 30000) {
  const steady::time_point began = steady::now();
  for (;;) {
    const htpx::poll_result step = c.poll(platform.now_ms());
    if (step.in_flight == 0) return;
    if (ms_since(began) > budget_ms) {
      ADD_FAILURE() << "requests still in flight after " << budget_ms << " ms";
      return;
    }
    platform.wait(step.waits, step.wait_count, step.wait_ms);
  }
}

// nginx's stub_status counters: "accepts" counts TCP connections (so handshakes).
struct nginx_counters {
  unsigned long long accepts = 0;
  unsigned long long requests = 0;
};

nginx_counters parse_status(std::string_view text) {
  // "Active connections: 1 \nserver accepts handled requests\n 5 5 17 \nReading: ..."
  nginx_counters out;
  const std::size_t at = text.find("requests\n");
  if (at == std::string_view::npos) return out;
  const std::string rest(text.substr(at + 9));
  char* end = nullptr;
  out.accepts = std::strtoull(rest.c_str(), &end, 10);
  (void)std::strtoull(end, &end, 10);  // handled
  out.requests = std::strtoull(end, &end, 10);
  return out;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::size_t count_of(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The TLS servers' URLs, or a skip (a failure when HTPX_REQUIRE_SERVERS is set).
class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = htpx_test::env("HTPX_TLS_URL");
    if (base_.empty()) {
      if (htpx_test::servers_required()) GTEST_FAIL() << "HTPX_TLS_URL is not set and HTPX_REQUIRE_SERVERS is";
      GTEST_SKIP() << "HTPX_TLS_URL is not set: run through tests/integration/run-with-servers.sh --tls";
    }
    ASSERT_EQ(shared().pinned_status, 0) << "load_ca_file(HTPX_TLS_CA_FILE)";
  }
  // A variable the test needs beyond HTPX_TLS_URL: empty (and a failure) when it is missing.
  static std::string need(const char* variable) {
    std::string value = htpx_test::env(variable);
    if (value.empty())
      ADD_FAILURE() << variable << " is not set: run through run-with-servers.sh --tls --httpbin --proxy";
    return value;
  }
  [[nodiscard]] std::string url(std::string_view path) const { return base_ + std::string(path); }
  [[nodiscard]] static std::string small_path() { return htpx_test::env("HTPX_TLS_SMALL_PATH"); }

  std::string base_;
};

// const std::string var = the variable `name`, or the test ends (failed) here.
#define NEED(var, name)               \
  const std::string var = need(name); \
  if (var.empty()) return

// ---- verification ----------------------------------------------------------------------------

TEST_F(Tls, PinnedCaConnectsByNameAndByAddress) {
  auto c = make_client(shared().pinned);
  const htpx::result<htpx::response> r = c->get(url(small_path()));
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().status_code, 200);
  EXPECT_EQ(r.value().text(), "hello from nginx\n");
  // 127.0.0.1: no SNI, verified against the certificate's iPAddress entry.
  const std::string by_address = "https://127.0.0.1:" + htpx_test::env("HTPX_TLS_PORT") + small_path();
  const htpx::result<htpx::response> r2 = c->get(by_address);
  ASSERT_TRUE(r2.ok()) << r2.err();
  EXPECT_EQ(r2.value().text(), "hello from nginx\n");
}

TEST_F(Tls, EveryBadCertificateIsAConnectErrorThatSaysWhy) {
  struct expectation {
    const char* variable;
    const char* detail;
  };
  const expectation cases[] = {
      {"HTPX_TLS_EXPIRED_URL", "certificate has expired"},
      {"HTPX_TLS_NOT_YET_VALID_URL", "certificate is not yet valid"},
      {"HTPX_TLS_WRONG_HOST_URL", "hostname mismatch"},
      {"HTPX_TLS_SELF_SIGNED_URL", "unknown CA"},
      // Catalogue T-05 and T-09 (port/mbedtls/README.md): the same detail through the client.
      {"HTPX_TLS_MISSING_INTERMEDIATE_URL", "unknown CA"},
      {"HTPX_TLS_LONG_CHAIN_URL", "certificate chain too long"},
      {"HTPX_TLS_CLIENT_EKU_URL", "certificate not valid for TLS server authentication (key usage)"},
      // TLS 1.2 is the port's maximum (mbedTLS 2.28 has no TLS 1.3; 3.x: opt-in).
      {"HTPX_TLS_TLS13_ONLY_URL", "handshake failed (no TLS version in common)"},
  };
  auto c = make_client(shared().pinned);
  for (const expectation& e : cases) {
    SCOPED_TRACE(e.variable);
    NEED(base, e.variable);
    const steady::time_point began = steady::now();
    const htpx::result<htpx::response> r = c->get(base + small_path());
    ASSERT_FALSE(r.ok()) << "status " << r.value().status_code;
    EXPECT_EQ(r.err().code, htpx::errc::connect_error) << r.err();
    EXPECT_STREQ(r.err().detail, e.detail);
    EXPECT_LT(ms_since(began), 2000);
  }
  // The good server right after: failures leave nothing behind in the pool.
  const htpx::result<htpx::response> ok = c->get(url(small_path()));
  ASSERT_TRUE(ok.ok()) << ok.err();
  EXPECT_EQ(ok.value().status_code, 200);
}

TEST_F(Tls, ServerThatIsNotTlsOrSilentFailsToConnect) {
  // A plain HTTP server (nginx) answers the ClientHello with an HTTP 400: not a TLS record.
  NEED(plain, "HTPX_NGINX_URL");
  auto c = make_client(shared().pinned);
  const std::string not_tls = "https://" + plain.substr(std::string_view("http://").size()) + "/get";
  const htpx::result<htpx::response> r = c->get(not_tls);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, htpx::errc::connect_error) << r.err();
  EXPECT_STREQ(r.err().detail, "handshake failed (the server did not answer in TLS)");

  // A listener that never accepts: TCP completes in the kernel's backlog, the ClientHello is
  // never answered, and timeout.connect bounds the handshake.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  htpx::request_options opts;
  htpx::timeout t;
  t.connect_ms = 300;
  opts.timeout = t;
  const steady::time_point began = steady::now();
  const htpx::result<htpx::response> silent =
      c->get("https://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/", opts);
  const long long took = ms_since(began);
  ::close(listener);
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.err().code, htpx::errc::connect_timeout) << silent.err();
  EXPECT_GE(took, 280);
  EXPECT_LT(took, 1500);
}

TEST_F(Tls, ServerOfAnUnpinnedCaIsUnknown) {
  // The system bundle does not hold the test CA: the good server is unknown there.
  ASSERT_EQ(shared().system_status, 0) << "load_system_ca()";
  auto c = make_client(shared().system);
  const htpx::result<htpx::response> r = c->get(url(small_path()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, htpx::errc::connect_error) << r.err();
  EXPECT_STREQ(r.err().detail, "unknown CA");
}

TEST_F(Tls, RevokedCertificateFailsWithTheCrl) {
  NEED(revoked, "HTPX_TLS_REVOKED_URL");
  ASSERT_EQ(shared().crl_ca_status, 0);
  ASSERT_EQ(shared().crl_status, 0) << "load_crl_file(HTPX_TLS_CRL_FILE)";
  auto without_crl = make_client(shared().pinned);
  const htpx::result<htpx::response> accepted = without_crl->get(revoked + small_path());
  ASSERT_TRUE(accepted.ok()) << accepted.err();  // nothing says it is revoked
  auto with_crl = make_client(shared().revocations);
  const htpx::result<htpx::response> r = with_crl->get(revoked + small_path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, htpx::errc::connect_error) << r.err();
  EXPECT_STREQ(r.err().detail, "certificate revoked");
}

TEST_F(Tls, InsecureModeConnectsToEveryBadCertificate) {
  auto c = make_client(shared().insecure);
  for (const char* variable : {"HTPX_TLS_EXPIRED_URL", "HTPX_TLS_NOT_YET_VALID_URL", "HTPX_TLS_WRONG_HOST_URL",
                               "HTPX_TLS_SELF_SIGNED_URL", "HTPX_TLS_URL"}) {
    SCOPED_TRACE(variable);
    NEED(base, variable);
    const htpx::result<htpx::response> r = c->get(base + small_path());
    ASSERT_TRUE(r.ok()) << r.err();
    EXPECT_EQ(r.value().status_code, 200);
    EXPECT_EQ(r.value().text(), "hello from nginx\n");
  }
}

// ---- mutual TLS --------------------------------------------------------------------------------

TEST_F(Tls, MutualTlsWithNginx) {
  NEED(mtls, "HTPX_TLS_MTLS_URL");
  ASSERT_EQ(shared().client_ca_status, 0);
  ASSERT_EQ(shared().client_status, 0) << "load_client_cert_files(HTPX_TLS_CLIENT_CERT, HTPX_TLS_CLIENT_KEY)";
  // nginx's ssl_verify_client on finishes the handshake without a certificate and then refuses
  // every request with 400 (it never fails the handshake itself).
  auto without = make_client(shared().pinned);
  const htpx::result<htpx::response> refused = without->get(mtls + "/tls-info");
  ASSERT_TRUE(refused.ok()) << refused.err();
  EXPECT_EQ(refused.value().status_code, 400);
  EXPECT_NE(refused.value().text().find("No required SSL certificate was sent"), std::string_view::npos)
      << refused.value().text();

  auto with = make_client(shared().client);
  const htpx::result<htpx::response> r = with->get(mtls + "/tls-info");
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().status_code, 200);
  EXPECT_NE(r.value().text().find("client=SUCCESS"), std::string_view::npos) << r.value().text();
  const htpx::result<htpx::response> file = with->get(mtls + small_path());
  ASSERT_TRUE(file.ok()) << file.err();
  EXPECT_EQ(file.value().text(), "hello from nginx\n");
}

TEST_F(Tls, MutualTlsRequiredByTheHandshake) {
  NEED(strict, "HTPX_TLS_STRICT_MTLS_URL");
  // tls_raw.py (OpenSSL's CERT_REQUIRED) ends the handshake with an alert when no certificate comes.
  auto without = make_client(shared().pinned);
  const htpx::result<htpx::response> refused = without->get(strict + "/");
  ASSERT_FALSE(refused.ok()) << refused.value().status_code;
  EXPECT_EQ(refused.err().code, htpx::errc::connect_error) << refused.err();
  EXPECT_STREQ(refused.err().detail, "client certificate required");

  auto with = make_client(shared().client);
  const htpx::result<htpx::response> r = with->get(strict + "/");
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().status_code, 200);
  EXPECT_EQ(r.value().text(), "client=htpx test client\n");
}

// ---- connections -------------------------------------------------------------------------------

TEST_F(Tls, KeepAliveCarriesManyRequestsOverOneHandshake) {
  auto c = make_client(shared().pinned);
  const htpx::result<htpx::response> before = c->get(url("/nginx_status"));
  ASSERT_TRUE(before.ok()) << before.err();
  const nginx_counters first = parse_status(before.value().text());
  ASSERT_NE(first.accepts, 0U) << before.value().text();

  constexpr int count = 50;
  std::set<std::uint32_t> connections;
  const std::string target = url(small_path());
  const steady::time_point began = steady::now();
  for (int i = 0; i != count; ++i) {
    collector handler(*c);
    start(*c, handler, target);
    c->wait_for(handler.handle);
    ASSERT_TRUE(handler.completed);
    ASSERT_FALSE(handler.failure) << handler.failure;
    EXPECT_EQ(handler.body, "hello from nginx\n");
    connections.insert(handler.serial);
  }
  const long long took = ms_since(began);
  EXPECT_EQ(connections.size(), 1U) << "the client opened more than one connection";
  const htpx::result<htpx::response> after = c->get(url("/nginx_status"));
  ASSERT_TRUE(after.ok()) << after.err();
  const nginx_counters last = parse_status(after.value().text());
  EXPECT_EQ(last.accepts, first.accepts) << "handshakes: " << last.accepts - first.accepts;
  EXPECT_EQ(last.requests, first.requests + count + 1);
  std::printf("[ figures  ] %d requests over one TLS connection: %lld ms (%.2f ms each), handshakes %llu\n", count,
              took, static_cast<double>(took) / count, last.accepts - first.accepts + 1);
}

TEST_F(Tls, ReconnectResumesTheSession) {
  htpx::client_options options;
  options.limits.keepalive_expiry_ms = 100;  // idle connections close quickly
  auto c = make_counting_client(shared().pinned, options);
  auto& transport = c->transport_at(0);

  const htpx::result<htpx::response> full = c->get(url("/tls-info"));
  ASSERT_TRUE(full.ok()) << full.err();
  EXPECT_NE(full.value().text().find("reused=."), std::string_view::npos) << full.value().text();
  EXPECT_FALSE(transport.tls().session_resumed());
  const std::uint64_t full_bytes = transport.inner().received();
  const unsigned connections = transport.inner().connections();

  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // past keepalive_expiry
  const htpx::result<htpx::response> again = c->get(url("/tls-info"));
  ASSERT_TRUE(again.ok()) << again.err();
  EXPECT_EQ(transport.inner().connections(), connections + 1) << "the idle connection was not closed";
  EXPECT_NE(again.value().text().find("reused=r"), std::string_view::npos) << again.value().text();
  EXPECT_TRUE(transport.tls().session_resumed());
  const std::uint64_t resumed_bytes = transport.inner().received();
  // A resumed handshake has no Certificate message: clearly fewer bytes from the server.
  EXPECT_LT(resumed_bytes + 300, full_bytes) << "full " << full_bytes << " B, resumed " << resumed_bytes << " B";
  std::printf(
      "[ figures  ] bytes received per connection (handshake + one small response): full %llu, "
      "resumed %llu\n",
      static_cast<unsigned long long>(full_bytes), static_cast<unsigned long long>(resumed_bytes));

  // A session is only offered to the name it came from: another name is a full handshake.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  const std::string by_address = "https://127.0.0.1:" + htpx_test::env("HTPX_TLS_PORT") + "/tls-info";
  const htpx::result<htpx::response> other = c->get(by_address);
  ASSERT_TRUE(other.ok()) << other.err();
  EXPECT_NE(other.value().text().find("reused=."), std::string_view::npos) << other.value().text();
  EXPECT_FALSE(transport.tls().session_resumed());
}

TEST_F(Tls, FanOutOverFourConnections) {
  htpx::client_options options;
  options.limits.max_connections = 4;
  auto c = make_client(shared().pinned, options);
  const htpx::result<htpx::response> before = c->get(url("/nginx_status"));
  ASSERT_TRUE(before.ok()) << before.err();
  const nginx_counters first = parse_status(before.value().text());

  constexpr int count = 20;
  const std::string target = url(htpx_test::env("HTPX_TLS_1MIB_PATH"));
  std::vector<std::unique_ptr<collector>> handlers;
  const steady::time_point began = steady::now();
  for (int i = 0; i != count; ++i) {
    handlers.push_back(std::make_unique<collector>(*c, false));
    start(*c, *handlers.back(), target);
  }
  run_until_idle(*c);
  const long long took = ms_since(began);
  std::set<std::uint32_t> connections;
  for (const auto& h : handlers) {
    ASSERT_TRUE(h->completed);
    EXPECT_FALSE(h->failure) << h->failure;
    EXPECT_EQ(h->status, 200);
    EXPECT_EQ(h->body_bytes, 1048576U);
    EXPECT_EQ(h->hash.hex(), htpx_test::env("HTPX_TLS_1MIB_SHA256"));
    connections.insert(h->serial);
  }
  EXPECT_EQ(connections.size(), 4U);
  const htpx::result<htpx::response> after = c->get(url("/nginx_status"));
  ASSERT_TRUE(after.ok()) << after.err();
  const nginx_counters last = parse_status(after.value().text());
  EXPECT_EQ(last.accepts, first.accepts + 3) << "the status connection is reused, three more are opened";
  std::printf("[ figures  ] %d x 1 MiB over 4 TLS connections: %lld ms (%.0f MiB/s)\n", count, took,
              count * 1000.0 / static_cast<double>(took));
}

// ---- httpbin behind TLS, and through the proxy -----------------------------------------------

TEST_F(Tls, HttpbinOverTlsEchoesAnUpload) {
  NEED(httpbin, "HTPX_TLS_HTTPBIN_URL");
  auto c = make_client(shared().pinned);
  const htpx::query_param params[] = {{"q", "over tls"}};
  htpx::request_options opts;
  opts.params = params;
  const htpx::result<htpx::response> got = c->get(httpbin + "/get", opts);
  ASSERT_TRUE(got.ok()) << got.err();
  EXPECT_EQ(got.value().status_code, 200);
  EXPECT_EQ(json_field(got.value().text(), "q"), "over tls") << got.value().text();
  EXPECT_EQ(json_field(got.value().text(), "Host"), httpbin.substr(std::string_view("https://").size()));

  // 48 KiB of body: several TLS records, partial sends repeated with the same data (S-03).
  const std::string body(48 * 1024, 'z');
  htpx::request_options post;
  post.content = htpx::body::bytes({body.data(), body.size()}, "text/plain");
  const htpx::result<htpx::response> echoed = c->post(httpbin + "/post", post);
  ASSERT_TRUE(echoed.ok()) << echoed.err();
  EXPECT_EQ(echoed.value().status_code, 200);
  EXPECT_EQ(json_field(echoed.value().text(), "data").size(), body.size());
}

TEST_F(Tls, HttpsThroughTheProxyUsesAConnectTunnel) {
  NEED(port, "HTPX_TLS_HTTPBIN_PORT");
  NEED(proxy, "HTPX_PROXY_URL");
  htpx::client_options options;
  options.proxy = proxy;
  auto c = make_client(shared().pinned, options);
  // 127.0.0.1 (not localhost) so that tinyproxy dials nothing outside 127.0.0.0/8.
  const std::string origin = "127.0.0.1:" + port;
  const std::string target = "https://" + origin + "/headers";
  const std::string connect_line = "): CONNECT " + origin + " HTTP/1.1";
  const std::size_t tunnels_before = count_of(file_text(htpx_test::env("HTPX_PROXY_LOG")), connect_line);
  std::set<std::uint32_t> connections;
  for (int i = 0; i != 3; ++i) {
    collector handler(*c);
    start(*c, handler, target);
    c->wait_for(handler.handle);
    ASSERT_TRUE(handler.completed);
    ASSERT_FALSE(handler.failure) << handler.failure;
    EXPECT_EQ(handler.status, 200);
    EXPECT_EQ(json_field(handler.body, "Host"), origin) << handler.body;
    // The proxy only relays encrypted bytes: it cannot add its Via field.
    EXPECT_EQ(handler.body.find("tinyproxy"), std::string::npos) << handler.body;
    connections.insert(handler.serial);
  }
  EXPECT_EQ(connections.size(), 1U) << "one tunnel carries every request";
  const std::string log = file_text(htpx_test::env("HTPX_PROXY_LOG"));
  EXPECT_EQ(count_of(log, connect_line), tunnels_before + 1) << log;
  // A bad certificate behind the tunnel is still a ConnectError with its reason.
  NEED(expired_port, "HTPX_TLS_EXPIRED_PORT");
  const htpx::result<htpx::response> r = c->get("https://127.0.0.1:" + expired_port + small_path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, htpx::errc::connect_error) << r.err();
  EXPECT_STREQ(r.err().detail, "certificate has expired");
}

// ---- ALPN and the end of a close-delimited body -------------------------------------------------

TEST_F(Tls, AlpnAgreesOnHttp11) {
  auto c = make_counting_client(shared().pinned);
  const htpx::result<htpx::response> r = c->get(url("/tls-info"));
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_NE(r.value().text().find("alpn=http/1.1"), std::string_view::npos) << r.value().text();
  EXPECT_EQ(c->transport_at(0).negotiated_protocol(), "http/1.1");
  EXPECT_EQ(r.value().http_version, "HTTP/1.1");
}

TEST_F(Tls, BodyCutOffWithoutCloseNotifyIsAReadError) {
  NEED(raw, "HTPX_TLS_RAW_URL");
  auto c = make_client(shared().pinned);
  // Control: close_notify after a close-delimited body ends it properly.
  const htpx::result<htpx::response> clean = c->get(raw + "/clean");
  ASSERT_TRUE(clean.ok()) << clean.err();
  EXPECT_EQ(clean.value().status_code, 200);
  EXPECT_EQ(clean.value().text(), "a close-delimited body that the server cuts off\n");

  for (const char* path : {"/truncated", "/truncated-length"}) {
    SCOPED_TRACE(path);
    collector handler(*c);
    const std::string target = raw + path;
    start(*c, handler, target);
    c->wait_for(handler.handle);
    ASSERT_TRUE(handler.completed);
    EXPECT_EQ(handler.status, 200);
    EXPECT_EQ(handler.failure.code, htpx::errc::read_error) << handler.failure;
    EXPECT_STREQ(handler.failure.detail, "TLS connection truncated (no close_notify)");
    EXPECT_GT(handler.body_bytes, 0U) << "the bytes before the cut arrived";
  }
  const htpx::result<htpx::response> blocking = c->get(raw + "/truncated");
  ASSERT_FALSE(blocking.ok()) << "a truncated body must not look complete";
  EXPECT_EQ(blocking.err().code, htpx::errc::read_error) << blocking.err();
}

}  // namespace

// htpx::get() (httpx.get) speaks https when the TLS port is built: verified against the system
// bundle, which does not hold the test CA, so the test server is refused for its certificate
// (not UnsupportedProtocol); plain http still works through the same default client.
TEST_F(Tls, OneOffGetDoesHttpsWithTheSystemBundle) {
  const htpx::result<htpx::response> secure = htpx::get(url(small_path()));
  ASSERT_FALSE(secure.ok());
  EXPECT_EQ(secure.err().code, htpx::errc::connect_error);
  EXPECT_STREQ(secure.err().detail, "unknown CA");
  const std::string plain = htpx_test::env("HTPX_NGINX_URL");
  if (!plain.empty()) {
    const htpx::result<htpx::response> r = htpx::get(plain + "/small.txt");
    ASSERT_TRUE(r.ok()) << r.err().detail;
    EXPECT_EQ(r.value().status_code, 200);
  }
}
