// The client against real servers on 127.0.0.1: httpbin under gunicorn (many endpoints,
// concurrency) and nginx (keep-alive, static files). run-with-servers.sh starts them and passes
// their URLs in HTPX_HTTPBIN_URL and HTPX_NGINX_URL; without those the tests skip (or fail when
// HTPX_REQUIRE_SERVERS is set). Everything goes through the public API, as an application would:
// htpx::static_client over the POSIX port, blocking calls, handlers and response_stream. A few
// tests that need byte-exact control of what arrives when use a one-connection server of their
// own (LocalServer.*), as regression tests for client bugs found here.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "epoll_platform.hpp"
#include "htpx/client.hpp"
#include "htpx/stream.hpp"
#include "posix_platform.hpp"
#include "posix_transport.hpp"
#include "server_env.hpp"
#include "sha256.hpp"

namespace htpx {
// So that a failed assertion prints the error.
inline std::ostream& operator<<(std::ostream& os, const error& e) {
  return os << to_string(e.code) << " (" << e.detail << ")";
}
}  // namespace htpx

namespace {

using steady = std::chrono::steady_clock;

long long ms_since(steady::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count();
}

// Room for six connections (five concurrent requests plus one), a deep queue and httpbin's
// largest /bytes body (100 KiB) in buffered mode.
struct test_config : htpx::default_client_config {
  static constexpr std::size_t max_connections = 6;
  static constexpr std::size_t max_requests = 32;
  static constexpr std::size_t head_store_bytes = 4096;
  static constexpr std::size_t body_store_bytes = 128 * 1024;
};
using test_client = htpx::static_client<test_config, htpx::port::posix_transport>;

htpx::port::posix_platform platform;

std::unique_ptr<test_client> make_client(const htpx::client_options& options = {}) {
  return std::make_unique<test_client>(platform, options);
}

// The value of the first `"key": value` in `text`: a string's characters between the quotes (escapes
// left as they are) or a number/literal as written. Enough for httpbin's echoes without a parser.
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
    while (end < text.size() && text[end] != ',' && text[end] != '}' && text[end] != ']' && text[end] != ' ' &&
           text[end] != '\n') {
      ++end;
    }
    return text.substr(i, end - i);
  }
  return {};
}

unsigned long long to_number(std::string_view text) { return std::strtoull(std::string(text).c_str(), nullptr, 10); }

// A handler that keeps what the application would look at: the head (copied), the body (kept or
// only hashed and counted), when each piece arrived, the connection, the outcome.
class collector final : public htpx::response_handler {
 public:
  explicit collector(htpx::client& c, bool keep_body = true) : client_(&c), keep_body_(keep_body) {}

  htpx::error on_head(const htpx::response& head) noexcept override {
    status = head.status_code;
    http_version = std::string(head.http_version);
    head_fields = std::string(head.headers.raw());
    field_count = static_cast<std::uint16_t>(head.headers.size());
    serial = client_->connection_serial(handle);
    return {};
  }
  htpx::body_ack on_body(htpx::bytes_view data) noexcept override {
    if (keep_body_) body.append(data.data, data.size);
    hash.update(data.data, data.size);
    body_bytes += data.size;
    arrivals.push_back(steady::now());
    return {data.size, {}};
  }
  void on_complete(htpx::error f) noexcept override {
    failure = f;
    completed = true;
  }

  /// The response's header fields (valid as long as this object).
  [[nodiscard]] htpx::headers_view headers() const { return {head_fields, field_count}; }

  htpx::request_handle handle{};
  int status = 0;
  std::string http_version;
  std::string head_fields;
  std::uint16_t field_count = 0;
  std::uint32_t serial = 0;
  std::string body;
  std::size_t body_bytes = 0;
  htpx_test::sha256 hash;
  std::vector<steady::time_point> arrivals;
  htpx::error failure{};
  bool completed = false;

 private:
  htpx::client* client_;
  bool keep_body_;
};

// Starts `req` with `handler` (the handle is stored in the handler for connection_serial).
void start(htpx::client& c, collector& handler, const htpx::request& req) {
  const htpx::result<htpx::request_handle> started = c.start(req, handler);
  ASSERT_TRUE(started.ok()) << started.err();
  handler.handle = started.value();
}

// The application's main loop: poll, sleep on what poll() asks, until nothing is in flight.
void run_until_idle(htpx::client& c, long long budget_ms = 20000) {
  const steady::time_point began = steady::now();
  for (;;) {
    const htpx::poll_result step = c.poll(c.platform().now_ms());
    if (step.in_flight == 0) return;
    if (ms_since(began) > budget_ms) {
      ADD_FAILURE() << "requests still in flight after " << budget_ms << " ms";
      return;
    }
    c.platform().wait(step.waits, step.wait_count, step.wait_ms);
  }
}

// A fixture per server: the URL from run-with-servers.sh, or a skip.
class server_test : public ::testing::Test {
 protected:
  void need(const char* variable) {
    base_ = htpx_test::env(variable);
    if (!base_.empty()) return;
    if (htpx_test::servers_required()) {
      FAIL() << variable << " is not set and HTPX_REQUIRE_SERVERS is: run through run-with-servers.sh";
    }
    GTEST_SKIP() << variable << " is not set: run through tests/integration/run-with-servers.sh";
  }
  [[nodiscard]] std::string url(std::string_view path) const { return base_ + std::string(path); }
  [[nodiscard]] std::string authority() const { return base_.substr(std::string_view("http://").size()); }

  std::string base_;
};

class Httpbin : public server_test {
 protected:
  void SetUp() override { need("HTPX_HTTPBIN_URL"); }
};

class Nginx : public server_test {
 protected:
  void SetUp() override { need("HTPX_NGINX_URL"); }
};

// ---- the test's own SHA-256 (FIPS 180-4 examples), before it judges any download ------------

TEST(Sha256, KnownDigests) {
  htpx_test::sha256 h;
  EXPECT_EQ(h.hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  h.reset();
  h.update("abc", 3);
  EXPECT_EQ(h.hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  h.reset();
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  h.update(two_blocks.data(), two_blocks.size());
  EXPECT_EQ(h.hex(), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  h.reset();
  const std::string as(1000, 'a');  // a million 'a' in pieces that straddle blocks
  for (int i = 0; i != 1000; ++i) {
    h.update(as.data(), 37);
    h.update(as.data(), 963);
  }
  EXPECT_EQ(h.hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// ---- httpbin ---------------------------------------------------------------------------------

TEST_F(Httpbin, GetSendsParamsAndHeaders) {
  auto c = make_client();
  const htpx::query_param params[] = {{"q", "hello world"}, {"lang", "c++"}, {"empty", ""}};
  const htpx::header headers[] = {{"X-Integration", "htpx-42"}};
  htpx::request_options opts;
  opts.params = params;
  opts.headers = headers;
  const htpx::result<htpx::response> r = c->get(url("/get?fixed=1"), opts);
  ASSERT_TRUE(r.ok()) << r.err();
  const htpx::response& res = r.value();
  EXPECT_EQ(res.status_code, 200);
  EXPECT_EQ(res.http_version, "HTTP/1.1");
  EXPECT_EQ(res.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(to_number(res.headers.get("Content-Length")), res.body.size);
  const std::string_view text = res.text();
  EXPECT_EQ(json_field(text, "fixed"), "1") << text;
  EXPECT_EQ(json_field(text, "q"), "hello world") << text;  // %20, decoded by the server
  EXPECT_EQ(json_field(text, "lang"), "c++") << text;       // %2B%2B: a raw '+' would be a space
  EXPECT_EQ(json_field(text, "empty"), "") << text;
  EXPECT_EQ(json_field(text, "X-Integration"), "htpx-42") << text;
  EXPECT_EQ(json_field(text, "Host"), authority()) << text;
}

TEST_F(Httpbin, StatusCodesAndRaiseForStatus) {
  auto c = make_client();
  struct expectation {
    const char* path;
    int status;
    htpx::errc raised;
  };
  for (const expectation& e : {expectation{"/status/200", 200, htpx::errc::none},
                               expectation{"/status/404", 404, htpx::errc::http_status_error},
                               expectation{"/status/500", 500, htpx::errc::http_status_error}}) {
    SCOPED_TRACE(e.path);
    const htpx::result<htpx::response> r = c->get(url(e.path));
    ASSERT_TRUE(r.ok()) << r.err();  // a 4xx/5xx is a response, not a failed request
    EXPECT_EQ(r.value().status_code, e.status);
    const htpx::error raised = r.value().raise_for_status();
    EXPECT_EQ(raised.code, e.raised);
    EXPECT_EQ(r.value().is_success(), e.status == 200);
    EXPECT_EQ(r.value().is_client_error(), e.status == 404);
    EXPECT_EQ(r.value().is_server_error(), e.status == 500);
  }
  // The handler API: on_head may return raise_for_status() and so end the request with it.
  struct raising final : htpx::response_handler {
    htpx::error on_head(const htpx::response& head) noexcept override { return head.raise_for_status(); }
    void on_complete(htpx::error f) noexcept override { failure = f; }
    htpx::error failure{};
  } handler;
  htpx::request req;
  const std::string target = url("/status/404");
  req.url = target;
  const htpx::result<htpx::request_handle> started = c->start(req, handler);
  ASSERT_TRUE(started.ok()) << started.err();
  c->wait_for(started.value());
  EXPECT_EQ(handler.failure.code, htpx::errc::http_status_error) << handler.failure;
}

TEST_F(Httpbin, DelayWaitsForTheResponse) {
  auto c = make_client();
  const steady::time_point began = steady::now();
  const htpx::result<htpx::response> r = c->get(url("/delay/1"));
  const long long took = ms_since(began);
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().status_code, 200);
  EXPECT_GE(took, 950);
  EXPECT_LT(took, 3000);
}

TEST_F(Httpbin, ReadTimeoutShorterThanTheDelay) {
  auto c = make_client();
  htpx::request_options opts;
  htpx::timeout t;
  t.read_ms = 300;
  opts.timeout = t;
  const steady::time_point began = steady::now();
  const htpx::result<htpx::response> r = c->get(url("/delay/1"), opts);
  const long long took = ms_since(began);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, htpx::errc::read_timeout) << r.err();
  EXPECT_TRUE(htpx::is_timeout(r.err().code));
  EXPECT_GE(took, 280);
  EXPECT_LT(took, 950);
  // The timed-out connection was dropped; the client goes on with a new one.
  const htpx::result<htpx::response> after = c->get(url("/get"));
  ASSERT_TRUE(after.ok()) << after.err();
  EXPECT_EQ(after.value().status_code, 200);
}

TEST_F(Httpbin, StreamYieldsTwentyJsonLines) {
  auto c = make_client();
  htpx::response_stream stream(*c);
  htpx::request req;
  const std::string target = url("/stream/20");
  req.url = target;
  const htpx::error opened = stream.open(req);
  ASSERT_FALSE(opened) << opened;
  EXPECT_EQ(stream.head().status_code, 200);
  char buffer[2048];
  htpx::line_reader lines(stream, buffer);
  int count = 0;
  for (;;) {
    const htpx::result<std::string_view> line = lines.next();
    ASSERT_TRUE(line.ok()) << line.err();
    if (lines.done()) break;
    ASSERT_LT(count, 20) << "more than 20 lines: " << line.value();
    EXPECT_EQ(line.value().front(), '{') << line.value();
    EXPECT_EQ(line.value().back(), '}') << line.value();
    EXPECT_EQ(json_field(line.value(), "id"), std::to_string(count)) << line.value();
    ++count;
  }
  EXPECT_EQ(count, 20);
  EXPECT_TRUE(stream.done());
}

TEST_F(Httpbin, BytesHaveTheExactLength) {
  auto c = make_client();
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096}, std::size_t{102400}}) {
    SCOPED_TRACE(n);
    const htpx::result<htpx::response> r = c->get(url("/bytes/" + std::to_string(n)));
    ASSERT_TRUE(r.ok()) << r.err();
    EXPECT_EQ(r.value().status_code, 200);
    EXPECT_EQ(r.value().body.size, n);
    EXPECT_EQ(to_number(r.value().headers.get("Content-Length")), n);
  }
}

TEST_F(Httpbin, ChunkedStreamBytesHaveTheExactLength) {
  auto c = make_client();
  collector handler(*c);
  htpx::request req;
  const std::string target = url("/stream-bytes/102400?chunk_size=777&seed=7");
  req.url = target;
  start(*c, handler, req);
  run_until_idle(*c);
  ASSERT_TRUE(handler.completed);
  EXPECT_FALSE(handler.failure) << handler.failure;
  EXPECT_EQ(handler.status, 200);
  EXPECT_EQ(handler.headers().get("Transfer-Encoding"), "chunked");
  EXPECT_EQ(handler.body_bytes, 102400U);
}

TEST_F(Httpbin, DripArrivesOverTime) {
  auto c = make_client();
  collector handler(*c);
  htpx::request req;
  const std::string target = url("/drip?duration=1&numbytes=10&delay=0");
  req.url = target;
  const steady::time_point began = steady::now();
  start(*c, handler, req);
  run_until_idle(*c);
  ASSERT_TRUE(handler.completed);
  EXPECT_FALSE(handler.failure) << handler.failure;
  EXPECT_EQ(handler.status, 200);
  EXPECT_EQ(handler.body, "**********");
  // Streamed: the bytes came in several pieces, spread over most of the second.
  ASSERT_GE(handler.arrivals.size(), 5U);
  const auto spread =
      std::chrono::duration_cast<std::chrono::milliseconds>(handler.arrivals.back() - handler.arrivals.front());
  EXPECT_GE(spread.count(), 600);
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(handler.arrivals.front() - began).count(), 500);
}

TEST_F(Httpbin, DefaultHeaders) {
  auto c = make_client();
  const htpx::result<htpx::response> r = c->get(url("/headers"));
  ASSERT_TRUE(r.ok()) << r.err();
  const std::string_view text = r.value().text();
  EXPECT_EQ(json_field(text, "User-Agent").substr(0, 5), "htpx/") << text;
  EXPECT_EQ(json_field(text, "Accept-Encoding"), "identity") << text;
  EXPECT_EQ(json_field(text, "Accept"), "*/*") << text;
  EXPECT_EQ(json_field(text, "Host"), authority()) << text;

  // The caller's own User-Agent replaces the default; client-wide headers go out too.
  const htpx::header client_headers[] = {{"X-Client", "everywhere"}};
  htpx::client_options options;
  options.headers = client_headers;
  options.user_agent = "integration-agent/1";
  auto custom = make_client(options);
  const htpx::result<htpx::response> r2 = custom->get(url("/headers"));
  ASSERT_TRUE(r2.ok()) << r2.err();
  EXPECT_EQ(json_field(r2.value().text(), "User-Agent"), "integration-agent/1") << r2.value().text();
  EXPECT_EQ(json_field(r2.value().text(), "X-Client"), "everywhere") << r2.value().text();
}

TEST_F(Httpbin, ResponseHeadersComeBack) {
  auto c = make_client();
  const htpx::query_param params[] = {{"X-Foo", "bar"}};
  htpx::request_options opts;
  opts.params = params;
  const htpx::result<htpx::response> r = c->get(url("/response-headers"), opts);
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().status_code, 200);
  EXPECT_EQ(r.value().headers.get("X-Foo"), "bar");
  EXPECT_EQ(r.value().headers.get("x-foo"), "bar");  // names compare without case
}

TEST_F(Httpbin, PostSendsTheBody) {
  auto c = make_client();
  const std::string_view json = R"({"sensor":"t1","value":21.5})";
  htpx::request_options opts;
  opts.content = htpx::body::bytes(json, "application/json");
  const htpx::result<htpx::response> r = c->post(url("/post"), opts);
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().status_code, 200);
  const std::string_view text = r.value().text();
  EXPECT_EQ(json_field(text, "Content-Type"), "application/json") << text;
  EXPECT_EQ(json_field(text, "Content-Length"), std::to_string(json.size())) << text;
  EXPECT_EQ(json_field(text, "sensor"), "t1") << text;  // httpbin parsed the JSON we sent
  EXPECT_EQ(json_field(text, "value"), "21.5") << text;
}

// A body of unknown length, produced piece by piece: sent chunked (RFC 9112 §7.1).
class pieces_source final : public htpx::body_source {
 public:
  htpx::port::io_result read(htpx::mutable_bytes out) noexcept override {
    static constexpr std::string_view pieces[] = {"part1-", "part2-", "part3"};
    if (next_ == 3) return {htpx::port::io_status::closed, 0, 0};
    const std::string_view piece = pieces[next_++];
    if (piece.size() > out.size) return {htpx::port::io_status::error, 0, 0};
    for (std::size_t i = 0; i != piece.size(); ++i) out.data[i] = piece[i];
    return {htpx::port::io_status::ok, piece.size(), 0};
  }

 private:
  std::size_t next_ = 0;
};

TEST_F(Httpbin, PostStreamsASourceChunked) {
  auto c = make_client();
  pieces_source source;
  htpx::request_options opts;
  opts.content = htpx::body::source(source, htpx::request_body::unknown_length, "text/plain");
  const htpx::result<htpx::response> r = c->post(url("/post"), opts);
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().status_code, 200);
  const std::string_view text = r.value().text();
  EXPECT_EQ(json_field(text, "Transfer-Encoding"), "chunked") << text;
  EXPECT_EQ(json_field(text, "data"), "part1-part2-part3") << text;
}

TEST_F(Httpbin, FiveDelaysAtOnceTakeOneSecond) {
  auto c = make_client();
  const std::string target = url("/delay/1");
  std::vector<std::unique_ptr<collector>> handlers;
  const steady::time_point began = steady::now();
  for (int i = 0; i != 5; ++i) {
    handlers.push_back(std::make_unique<collector>(*c));
    htpx::request req;
    req.url = target;
    start(*c, *handlers.back(), req);
  }
  run_until_idle(*c);
  const long long took = ms_since(began);
  std::set<std::uint32_t> connections;
  for (const auto& h : handlers) {
    ASSERT_TRUE(h->completed);
    EXPECT_FALSE(h->failure) << h->failure;
    EXPECT_EQ(h->status, 200);
    connections.insert(h->serial);
  }
  EXPECT_EQ(connections.size(), 5U) << "five requests, five connections";
  EXPECT_GE(took, 950);
  EXPECT_LT(took, 3000) << "five /delay/1 in parallel should take about 1 s, not 5";
}

TEST_F(Httpbin, ReadTimeoutIsIdleTimeNotTotalTime) {
  auto c = make_client();
  // Four bytes over two seconds, one every half second: no gap reaches 800 ms.
  const std::string target = url("/drip?duration=2&numbytes=4&delay=0");
  htpx::request_options opts;
  htpx::timeout t;
  t.read_ms = 800;
  opts.timeout = t;
  const htpx::result<htpx::response> r = c->get(target, opts);
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().text(), "****");
  // The total deadline, though, counts everything: it fires as the phase's timeout.
  t.total_ms = 1000;
  opts.timeout = t;
  const steady::time_point began = steady::now();
  const htpx::result<htpx::response> cut = c->get(target, opts);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.err().code, htpx::errc::read_timeout) << cut.err();
  EXPECT_STREQ(cut.err().detail, "total deadline exceeded");
  EXPECT_LT(ms_since(began), 1500);
}

TEST_F(Httpbin, PoolTimeoutWhenTheOnlyConnectionStaysBusy) {
  htpx::client_options options;
  options.limits.max_connections = 1;
  auto c = make_client(options);
  htpx::timeout t;
  t.pool_ms = 300;
  collector slow(*c), waiting(*c);
  htpx::request req;
  const std::string target = url("/delay/1");
  req.url = target;
  req.options.timeout = t;
  start(*c, slow, req);
  start(*c, waiting, req);
  run_until_idle(*c);
  EXPECT_FALSE(slow.failure) << slow.failure;
  EXPECT_EQ(slow.status, 200);
  EXPECT_EQ(waiting.failure.code, htpx::errc::pool_timeout) << waiting.failure;
  EXPECT_EQ(waiting.status, 0);
}

// A body source of known length that hands out at most `piece` bytes per call.
class pattern_source final : public htpx::body_source {
 public:
  pattern_source(std::size_t size, std::size_t piece) : size_(size), piece_(piece) {}
  htpx::port::io_result read(htpx::mutable_bytes out) noexcept override {
    if (at_ == size_) return {htpx::port::io_status::closed, 0, 0};
    std::size_t n = size_ - at_ < out.size ? size_ - at_ : out.size;
    if (n > piece_) n = piece_;
    for (std::size_t i = 0; i != n; ++i) out.data[i] = static_cast<char>('a' + (at_ + i) % 26);
    at_ += n;
    return {htpx::port::io_status::ok, n, 0};
  }

 private:
  std::size_t size_;
  std::size_t piece_;
  std::size_t at_ = 0;
};

TEST_F(Httpbin, MebibyteUploadThroughTheTransmitBuffer) {
  auto c = make_client();
  constexpr std::size_t size = 1024 * 1024;
  pattern_source source(size, 700);
  collector handler(*c);  // the echo is larger than the body store: take it as it streams
  htpx::request req;
  req.method = "PUT";
  const std::string target = url("/put");
  req.url = target;
  req.options.content = htpx::body::source(source, size, "text/plain");
  start(*c, handler, req);
  run_until_idle(*c);
  ASSERT_TRUE(handler.completed);
  EXPECT_FALSE(handler.failure) << handler.failure;
  EXPECT_EQ(handler.status, 200);
  EXPECT_EQ(json_field(handler.body, "Content-Length"), std::to_string(size));
  const std::string_view data = json_field(handler.body, "data");
  ASSERT_EQ(data.size(), size);
  EXPECT_EQ(data.substr(0, 30), "abcdefghijklmnopqrstuvwxyzabcd");
  EXPECT_EQ(data.substr(size - 4), std::string_view("abcdefghijklmnopqrstuvwxyz").substr((size - 4) % 26, 4));
}

TEST_F(Httpbin, RedirectIsReturnedNotFollowed) {
  auto c = make_client();
  const htpx::result<htpx::response> r = c->get(url("/redirect-to?url=/get&status_code=302"));
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().status_code, 302);
  EXPECT_TRUE(r.value().is_redirect());
  EXPECT_EQ(r.value().headers.get("Location"), "/get");
}

// ---- nginx -----------------------------------------------------------------------------------

// nginx's own counters (stub_status): connections accepted and requests served so far.
struct nginx_counters {
  unsigned long long accepts = 0;
  unsigned long long requests = 0;
};

nginx_counters parse_status(std::string_view text) {
  // "Active connections: 1 \nserver accepts handled requests\n 5 5 17 \nReading: ..."
  nginx_counters out;
  const std::size_t at = text.find("requests\n");
  if (at == std::string_view::npos) return out;
  const char* p = text.data() + at + 9;
  char* end = nullptr;
  out.accepts = std::strtoull(p, &end, 10);
  const unsigned long long handled = std::strtoull(end, &end, 10);
  (void)handled;
  out.requests = std::strtoull(end, &end, 10);
  return out;
}

TEST_F(Nginx, KeepAliveCarriesEveryRequestOnOneConnection) {
  auto c = make_client();
  const std::string status_url = url("/nginx_status");
  const htpx::result<htpx::response> before = c->get(status_url);
  ASSERT_TRUE(before.ok()) << before.err();
  const nginx_counters first = parse_status(before.value().text());
  ASSERT_NE(first.accepts, 0U) << before.value().text();

  constexpr int count = 50;
  const std::string target = url(htpx_test::env("HTPX_NGINX_SMALL_PATH"));
  std::set<std::uint32_t> connections;
  for (int i = 0; i != count; ++i) {
    collector handler(*c);
    htpx::request req;
    req.url = target;
    start(*c, handler, req);
    c->wait_for(handler.handle);
    ASSERT_TRUE(handler.completed);
    ASSERT_FALSE(handler.failure) << handler.failure;
    EXPECT_EQ(handler.status, 200);
    EXPECT_EQ(handler.body, "hello from nginx\n");
    connections.insert(handler.serial);
  }
  EXPECT_EQ(connections.size(), 1U) << "the client opened more than one connection";

  // And on the server's side: no new connection was accepted for those requests.
  const htpx::result<htpx::response> after = c->get(status_url);
  ASSERT_TRUE(after.ok()) << after.err();
  const nginx_counters last = parse_status(after.value().text());
  EXPECT_EQ(last.accepts, first.accepts) << after.value().text();
  EXPECT_EQ(last.requests, first.requests + count + 1) << after.value().text();
}

// Starts `count` GETs of the nginx fixture's small file with `headers`, runs `c` until all have
// completed, checks that each got the file, and returns the connections they used.
std::set<std::uint32_t> fetch_small_file(test_client& c, std::string_view base_url, int count,
                                         htpx::span<const htpx::header> headers = {}) {
  const std::string target = std::string(base_url) + htpx_test::env("HTPX_NGINX_SMALL_PATH");
  std::vector<std::unique_ptr<collector>> handlers;
  for (int i = 0; i != count; ++i) {
    handlers.push_back(std::make_unique<collector>(c));
    htpx::request req;
    req.url = target;
    req.options.headers = headers;
    start(c, *handlers.back(), req);
  }
  run_until_idle(c);
  std::set<std::uint32_t> connections;
  for (const auto& h : handlers) {
    EXPECT_TRUE(h->completed);
    EXPECT_FALSE(h->failure) << h->failure;
    EXPECT_EQ(h->body, "hello from nginx\n");
    connections.insert(h->serial);
  }
  return connections;
}

TEST_F(Nginx, MoreRequestsThanConnectionsQueue) {
  auto c = make_client();
  // 30 requests, 6 connection slots, 32 request slots
  EXPECT_LE(fetch_small_file(*c, url(""), 30).size(), test_config::max_connections);
}

// The POSIX port's epoll_platform under a client whose connections close after every response:
// each reconnect gets a new socket, mostly under the number of one just closed. A wait that took
// it for the old socket would sleep through its response: a ReadTimeout here. (Here each connect
// is still in progress when first waited on, and a wait for writability is set again every
// time; a connect that completes at once needs the client's forget(), W-04: tested by
// EpollPlatform.W04_* and Client.TellsThePlatformBeforeEachConnect.)
TEST_F(Nginx, EpollWaitsFollowConnectionsThatCloseAndReconnect) {
  auto epoll = std::make_unique<htpx::port::epoll_platform>();
  ASSERT_TRUE(epoll->has_epoll_set());
  htpx::client_options options;
  options.timeout = htpx::timeout::all(2000);
  auto c = std::make_unique<test_client>(*epoll, options);
  const htpx::header close_after[] = {{"Connection", "close"}};
  // 30 requests, 6 connection slots: 5 connections per slot, each used once.
  EXPECT_EQ(fetch_small_file(*c, url(""), 30, close_after).size(), 30U)
      << "a connection was reused after Connection: close";
}

TEST_F(Nginx, MebibyteThroughAHandlerMatchesItsHash) {
  auto c = make_client();
  collector handler(*c, false);
  htpx::request req;
  const std::string target = url(htpx_test::env("HTPX_NGINX_1MIB_PATH"));
  req.url = target;
  start(*c, handler, req);
  run_until_idle(*c);
  ASSERT_TRUE(handler.completed);
  EXPECT_FALSE(handler.failure) << handler.failure;
  EXPECT_EQ(handler.status, 200);
  EXPECT_EQ(handler.body_bytes, 1048576U);
  EXPECT_EQ(handler.hash.hex(), htpx_test::env("HTPX_NGINX_1MIB_SHA256"));
}

TEST_F(Nginx, MebibytePulledThroughAStreamMatchesItsHash) {
  auto c = make_client();
  htpx::response_stream stream(*c);
  htpx::request req;
  const std::string target = url(htpx_test::env("HTPX_NGINX_1MIB_PATH"));
  req.url = target;
  const htpx::error opened = stream.open(req);
  ASSERT_FALSE(opened) << opened;
  EXPECT_EQ(stream.head().status_code, 200);
  EXPECT_EQ(to_number(stream.head().headers.get("Content-Length")), 1048576U);
  htpx_test::sha256 hash;
  std::size_t total = 0;
  char buffer[1000];  // not a divisor of anything the server or the client uses
  for (;;) {
    const htpx::result<std::size_t> got = stream.read(buffer);
    ASSERT_TRUE(got.ok()) << got.err();
    if (got.value() == 0) break;
    hash.update(buffer, got.value());
    total += got.value();
  }
  EXPECT_TRUE(stream.done());
  EXPECT_EQ(total, 1048576U);
  EXPECT_EQ(hash.hex(), htpx_test::env("HTPX_NGINX_1MIB_SHA256"));
}

TEST_F(Nginx, HeadHasTheLengthAndNoBody) {
  auto c = make_client();
  const htpx::result<htpx::response> r = c->head(url(htpx_test::env("HTPX_NGINX_1MIB_PATH")));
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().status_code, 200);
  EXPECT_EQ(to_number(r.value().headers.get("Content-Length")), 1048576U);
  EXPECT_EQ(r.value().body.size, 0U);
  // The connection is still good for a GET after the body-less HEAD response.
  const htpx::result<htpx::response> small = c->get(url(htpx_test::env("HTPX_NGINX_SMALL_PATH")));
  ASSERT_TRUE(small.ok()) << small.err();
  EXPECT_EQ(small.value().text(), "hello from nginx\n");
}

TEST_F(Nginx, MissingFileIs404) {
  auto c = make_client();
  const htpx::result<htpx::response> r = c->get(url("/no-such-file"));
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().status_code, 404);
  EXPECT_EQ(r.value().raise_for_status().code, htpx::errc::http_status_error);
}

// ---- no server -------------------------------------------------------------------------------

TEST(NoServer, ConnectionRefusedIsConnectError) {
  htpx_test::refusing_port closed;
  ASSERT_NE(closed.port(), 0);
  auto c = make_client();
  const std::string target = "http://127.0.0.1:" + std::to_string(closed.port()) + "/";
  const steady::time_point began = steady::now();
  const htpx::result<htpx::response> r = c->get(target);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, htpx::errc::connect_error) << r.err();
  EXPECT_STREQ(r.err().detail, "connection refused");
  EXPECT_TRUE(htpx::is_network(r.err().code));
  EXPECT_LT(ms_since(began), 1000);
}

// ---- a server of the test's own, for byte-exact timing -------------------------------------

// Accepts one connection on 127.0.0.1, reads the request head, waits `delay_ms`, then writes
// `response` in one go and keeps the connection open until the client closes it (or 5 s pass).
class one_shot_server {
 public:
  one_shot_server(std::string response, int delay_ms) : response_(std::move(response)), delay_ms_(delay_ms) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 1) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  one_shot_server(const one_shot_server&) = delete;
  one_shot_server& operator=(const one_shot_server&) = delete;
  ~one_shot_server() {
    if (thread_.joinable()) thread_.join();
    ::close(listener_);
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  static bool readable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) == 1;
  }
  void serve() {
    if (!readable(listener_, 5000)) return;
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos && readable(fd, 5000)) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      request.append(buffer, static_cast<std::size_t>(n));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
    for (std::size_t sent = 0; sent < response_.size();) {
      const ssize_t n = ::send(fd, response_.data() + sent, response_.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    while (readable(fd, 5000) && ::recv(fd, buffer, sizeof buffer, 0) > 0) {
    }
    ::close(fd);
  }

  std::string response_;
  int delay_ms_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// A response that is already complete in the socket when the client reads it, sized so that its
// last byte comes with the 16th read of one poll(): the client must finish it without waiting
// for more input that will never come (regression: it slept until timeout.read, 5 s).
TEST(LocalServer, ResponseEndingOnALastReadOfAPollCompletesAtOnce) {
  constexpr std::size_t total = 16 * test_config::rx_bytes;
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ";
  const std::size_t body_size = total - head.size() - std::string("65000\r\n\r\n").size();
  head += std::to_string(body_size) + "\r\n\r\n";
  ASSERT_EQ(head.size() + body_size, total);
  one_shot_server server(head + std::string(body_size, 'x'), 100);
  ASSERT_NE(server.port(), 0);
  auto c = make_client();
  const steady::time_point began = steady::now();
  const htpx::result<htpx::response> r = c->get("http://127.0.0.1:" + std::to_string(server.port()) + "/");
  const long long took = ms_since(began);
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().body.size, body_size);
  EXPECT_LT(took, 1000) << "the whole response was there after 100 ms";
}

// A response head that cannot fit the connection's receive buffer is a typed error, at once.
TEST(LocalServer, HeadLargerThanTheReceiveBufferIsRemoteProtocolError) {
  one_shot_server server("HTTP/1.1 200 OK\r\nX-Big: " + std::string(5000, 'v') + "\r\nContent-Length: 0\r\n\r\n", 0);
  ASSERT_NE(server.port(), 0);
  auto c = make_client();
  const steady::time_point began = steady::now();
  const htpx::result<htpx::response> r = c->get("http://127.0.0.1:" + std::to_string(server.port()) + "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, htpx::errc::remote_protocol_error) << r.err();
  EXPECT_LT(ms_since(began), 1000);
}

// A handler that takes at most 1000 bytes per call pauses the response each time; the rest must
// be offered again soon even to a caller sleeping in wait_for() (regression: 60 s per pause).
TEST(LocalServer, PausingHandlerGetsTheRestSoon) {
  one_shot_server server("HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n" + std::string(3000, 'x'), 0);
  ASSERT_NE(server.port(), 0);
  struct sipping final : htpx::response_handler {
    htpx::body_ack on_body(htpx::bytes_view data) noexcept override {
      const std::size_t taken = data.size < 1000 ? data.size : 1000;
      total += taken;
      ++offers;
      return {taken, {}};
    }
    void on_complete(htpx::error f) noexcept override { failure = f; }
    std::size_t total = 0;
    int offers = 0;
    htpx::error failure{};
  } handler;
  auto c = make_client();
  htpx::request req;
  const std::string target = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  req.url = target;
  const steady::time_point began = steady::now();
  const htpx::result<htpx::request_handle> started = c->start(req, handler);
  ASSERT_TRUE(started.ok()) << started.err();
  c->wait_for(started.value());
  EXPECT_FALSE(handler.failure) << handler.failure;
  EXPECT_EQ(handler.total, 3000U);
  EXPECT_GE(handler.offers, 3);
  EXPECT_LT(ms_since(began), 1000);
}

}  // namespace
