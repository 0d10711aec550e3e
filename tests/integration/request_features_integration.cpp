// The request features (issue 4) against real servers on 127.0.0.1: httpbin under gunicorn for
// bodies (JSON streamed and as text, forms, multipart with file parts, chunked sources), auth
// (Basic, hidden Basic, Digest MD5 and SHA-256 with httpbin's cookies, Bearer, URL userinfo),
// redirects (history, method and body rules, limits), the cookie jar, retries on 429/503 and on
// connect failures, Expect: 100-continue; and tinyproxy for proxies (absolute-form requests,
// Proxy-Authorization, HTTP_PROXY and NO_PROXY). run-with-servers.sh --httpbin --proxy starts
// them; without their URLs the tests skip (or fail when HTPX_REQUIRE_SERVERS is set). Every
// echo is read with the library's own JSON reader (response.json()).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "htpx/auth.hpp"
#include "htpx/client.hpp"
#include "htpx/cookies.hpp"
#include "htpx/form.hpp"
#include "htpx/json.hpp"
#include "htpx/multipart.hpp"
#include "posix_platform.hpp"
#include "posix_transport.hpp"
#include "server_env.hpp"

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

// Room for httpbin's echo of a 50 KB upload in buffered mode, and a few connections.
struct test_config : htpx::default_client_config {
  static constexpr std::size_t max_connections = 4;
  static constexpr std::size_t max_requests = 8;
  static constexpr std::size_t head_store_bytes = 4096;
  static constexpr std::size_t body_store_bytes = 256 * 1024;
};
using test_client = htpx::static_client<test_config, htpx::port::posix_transport>;
using test_jar = htpx::static_cookie_jar<16, 2048>;

htpx::port::posix_platform platform;

// Every client here ignores proxy variables from the environment unless a test asks for them:
// the servers are on 127.0.0.1, and the tests must not depend on the machine's settings.
std::unique_ptr<test_client> make_client(htpx::client_options options = {}) {
  if (options.proxy.empty()) options.trust_env = false;
  return std::make_unique<test_client>(platform, options);
}

// Counts the final heads the client received (redirects, challenges and retried ones too).
class head_counter final : public htpx::event_hooks {
 public:
  void on_response(const htpx::request& req, const htpx::response& head) noexcept override {
    (void)req;
    statuses.push_back(head.status_code);
  }
  std::vector<int> statuses;
};

// A parsed httpbin echo: the response's JSON through the library's reader, tokens kept here.
class echo {
 public:
  explicit echo(const htpx::response& r) : tokens_(8192) {
    const htpx::result<htpx::json_value> parsed = r.json({tokens_.data(), tokens_.size()});
    if (parsed) {
      root_ = parsed.value();
    } else {
      failure_ = parsed.err();
    }
  }
  [[nodiscard]] bool ok() const { return root_.valid(); }
  [[nodiscard]] htpx::error failure() const { return failure_; }
  htpx::json_value operator[](std::string_view name) const { return root_[name]; }

 private:
  std::vector<htpx::json_token> tokens_;
  htpx::json_value root_{};
  htpx::error failure_{};
};

// A string value unescaped (empty with a note when it is not one).
std::string text(const htpx::json_value& v) {
  std::vector<char> buffer(v.raw().size() + 1);
  const htpx::result<std::string_view> s = v.as_string({buffer.data(), buffer.size()});
  if (!s) return "<not a string: " + std::string(v.raw()) + ">";
  return std::string(s.value());
}

long long integer(const htpx::json_value& v) {
  const htpx::result<std::int64_t> n = v.as_int64();
  return n ? n.value() : -1;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

std::size_t count_of(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string_view::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// A body of known length from a letter pattern, handed out `piece` bytes at a time; it can
// start over (for redirects and challenges) unless told not to.
class pattern_source final : public htpx::body_source {
 public:
  pattern_source(std::size_t size, std::size_t piece, bool rewindable = true)
      : size_(size), piece_(piece), rewindable_(rewindable) {}
  htpx::port::io_result read(htpx::mutable_bytes out) noexcept override {
    if (at_ == size_) return {htpx::port::io_status::closed, 0, 0};
    std::size_t n = size_ - at_ < out.size ? size_ - at_ : out.size;
    if (n > piece_) n = piece_;
    for (std::size_t i = 0; i != n; ++i) out.data[i] = letter(at_ + i);
    at_ += n;
    return {htpx::port::io_status::ok, n, 0};
  }
  bool rewind() noexcept override {
    if (!rewindable_) return false;
    at_ = 0;
    return true;
  }
  static char letter(std::size_t i) { return static_cast<char>('a' + i % 26); }
  static std::string expected(std::size_t size) {
    std::string s(size, ' ');
    for (std::size_t i = 0; i != size; ++i) s[i] = letter(i);
    return s;
  }

 private:
  std::size_t size_;
  std::size_t piece_;
  bool rewindable_;
  std::size_t at_ = 0;
};

class server_test : public ::testing::Test {
 protected:
  void need(const char* variable, std::string& into) {
    into = htpx_test::env(variable);
    if (!into.empty()) return;
    if (htpx_test::servers_required()) {
      FAIL() << variable << " is not set and HTPX_REQUIRE_SERVERS is: run through run-with-servers.sh --proxy";
    }
    GTEST_SKIP() << variable << " is not set: run through tests/integration/run-with-servers.sh --httpbin --proxy";
  }
  [[nodiscard]] std::string url(std::string_view path) const { return base_ + std::string(path); }

  std::string base_;
};

class Bodies : public server_test {
 protected:
  void SetUp() override { need("HTPX_HTTPBIN_URL", base_); }
};
class Auth : public Bodies {};
class Redirects : public Bodies {};
class Cookies : public Bodies {};
class Retries : public Bodies {};
class Expect : public Bodies {};

// ---- bodies ----------------------------------------------------------------------------------

// A document larger than the client's 1 KiB transmit buffer, so json_body regenerates it per
// slice; every kind of value, and text that needs escapes and UTF-8.
struct reading {
  int n = 0;
};
constexpr std::string_view tricky_text = "caf\xC3\xA9 \xE2\x9C\x93 \"quoted\" back\\slash\nline";

void build_reading(htpx::json_writer& w, void* ctx) {
  const auto* r = static_cast<const reading*>(ctx);
  w.begin_object().key("device").string("htpx").key("n").int64(r->n).key("values").begin_array();
  for (int i = 0; i != 300; ++i) w.int64(i);
  w.end_array();
  w.key("text").string(tricky_text).key("ratio").float64(0.1).key("ok").boolean(true).key("none").null();
  w.end_object();
}

TEST_F(Bodies, JsonBodyStreamedToEveryMethod) {
  auto c = make_client();
  struct target {
    const char* method;
    const char* path;
  };
  int n = 0;
  for (const target& t : {target{"POST", "/post"}, target{"PUT", "/put"}, target{"PATCH", "/patch"},
                          target{"DELETE", "/delete"}, target{"POST", "/anything"}, target{"PUT", "/anything/x"}}) {
    SCOPED_TRACE(std::string(t.method) + " " + t.path);
    reading doc{++n};
    htpx::json_body body(build_reading, &doc);
    const htpx::result<htpx::request_body> content = htpx::body::json(body);
    ASSERT_TRUE(content.ok()) << content.err();
    ASSERT_GT(body.length(), 1024U) << "the document should be larger than the transmit buffer";
    htpx::request_options opts;
    opts.content = content.value();
    const htpx::result<htpx::response> r = c->request(t.method, url(t.path), opts);
    ASSERT_TRUE(r.ok()) << r.err();
    ASSERT_EQ(r.value().status_code, 200) << r.value().text();
    const echo e(r.value());
    ASSERT_TRUE(e.ok()) << e.failure() << ": " << r.value().text();
    EXPECT_EQ(text(e["headers"]["Content-Type"]), "application/json");
    EXPECT_EQ(text(e["headers"]["Content-Length"]), std::to_string(body.length()));
    const htpx::json_value json = e["json"];
    EXPECT_TRUE(json["device"].string_equals("htpx"));
    EXPECT_EQ(integer(json["n"]), n);
    ASSERT_EQ(json["values"].size(), 300U);
    EXPECT_EQ(integer(json["values"][299]), 299);
    EXPECT_EQ(text(json["text"]), tricky_text);
    const htpx::result<double> ratio = json["ratio"].as_double();
    ASSERT_TRUE(ratio.ok());
    EXPECT_EQ(ratio.value(), 0.1);
    EXPECT_TRUE(json["ok"].as_bool().ok() && json["ok"].as_bool().value());
    EXPECT_TRUE(json["none"].is_null());
    if (std::string_view(t.path).substr(0, 9) == "/anything") {
      EXPECT_TRUE(e["method"].string_equals(t.method));
    }
  }
}

TEST_F(Bodies, JsonTextFromWriteJsonIsSentAsItIs) {
  auto c = make_client();
  reading doc{7};
  char buffer[4096];
  const htpx::result<std::size_t> size = htpx::write_json(build_reading, &doc, buffer);
  ASSERT_TRUE(size.ok()) << size.err();
  const std::string_view document(buffer, size.value());
  htpx::request_options opts;
  opts.content = htpx::body::json_text(document);
  const htpx::result<htpx::response> r = c->put(url("/anything"), opts);
  ASSERT_TRUE(r.ok()) << r.err();
  const echo e(r.value());
  ASSERT_TRUE(e.ok()) << e.failure();
  EXPECT_TRUE(e["method"].string_equals("PUT"));
  EXPECT_EQ(text(e["data"]), document);  // byte for byte
  EXPECT_EQ(text(e["headers"]["Content-Type"]), "application/json");
  EXPECT_EQ(integer(e["json"]["n"]), 7);
  EXPECT_EQ(text(e["json"]["text"]), tricky_text);
}

TEST_F(Bodies, FormFieldsAreDecodedToWhatWasGiven) {
  auto c = make_client();
  const htpx::query_param fields[] = {{"name", "a b"}, {"symbols", "+&=%;/?"}, {"utf8", "caf\xC3\xA9"}, {"multi", "1"},
                                      {"multi", "2"},  {"empty", ""},          {"sp ace", "x"}};
  htpx::form_body form(fields);
  htpx::request_options opts;
  opts.content = htpx::body::form(form);
  const htpx::result<htpx::response> r = c->post(url("/post"), opts);
  ASSERT_TRUE(r.ok()) << r.err();
  const echo e(r.value());
  ASSERT_TRUE(e.ok()) << e.failure();
  EXPECT_EQ(text(e["headers"]["Content-Type"]), "application/x-www-form-urlencoded");
  EXPECT_EQ(text(e["headers"]["Content-Length"]), std::to_string(form.length()));
  const htpx::json_value got = e["form"];
  EXPECT_EQ(text(got["name"]), "a b");
  EXPECT_EQ(text(got["symbols"]), "+&=%;/?");
  EXPECT_EQ(text(got["utf8"]), "caf\xC3\xA9");
  ASSERT_EQ(got["multi"].type(), htpx::json_type::array) << got.raw();
  EXPECT_EQ(text(got["multi"][0]), "1");
  EXPECT_EQ(text(got["multi"][1]), "2");
  EXPECT_EQ(text(got["empty"]), "");
  EXPECT_EQ(text(got["sp ace"]), "x");
  EXPECT_EQ(got.size(), 6U) << got.raw();
}

TEST_F(Bodies, MultipartFieldsAndFilePartsWithExactLength) {
  auto c = make_client();
  constexpr std::size_t file_size = 50000;
  pattern_source file(file_size, 777);
  const htpx::multipart_part parts[] = {
      {"field", {}, {}, std::string_view("value with spaces"), nullptr, htpx::request_body::unknown_length},
      {"upload", "data.txt", "text/plain", {}, &file, file_size},
      {"note",
       "note.txt",
       {},
       std::string_view("in memory\r\n--not-a-boundary"),
       nullptr,
       htpx::request_body::unknown_length},
  };
  htpx::multipart_body form(parts);
  const htpx::result<htpx::request_body> content = htpx::body::multipart(form);
  ASSERT_TRUE(content.ok()) << content.err();
  ASSERT_NE(content.value().length, htpx::request_body::unknown_length);
  htpx::request_options opts;
  opts.content = content.value();
  const htpx::result<htpx::response> r = c->post(url("/post"), opts);
  ASSERT_TRUE(r.ok()) << r.err();
  const echo e(r.value());
  ASSERT_TRUE(e.ok()) << e.failure();
  EXPECT_EQ(text(e["headers"]["Content-Type"]), "multipart/form-data; boundary=" + std::string(form.boundary()));
  EXPECT_EQ(text(e["headers"]["Content-Length"]), std::to_string(form.length()));
  EXPECT_FALSE(e["headers"]["Transfer-Encoding"].valid());
  EXPECT_EQ(text(e["form"]["field"]), "value with spaces");
  const std::string upload = text(e["files"]["upload"]);
  EXPECT_EQ(upload.size(), file_size);
  EXPECT_EQ(upload, pattern_source::expected(file_size));
  EXPECT_EQ(text(e["files"]["note"]), "in memory\r\n--not-a-boundary");
}

TEST_F(Bodies, MultipartWithASourceOfUnknownLengthIsChunked) {
  auto c = make_client();
  pattern_source file(3000, 100);
  const htpx::multipart_part parts[] = {
      {"stream", "stream.txt", "text/plain", {}, &file, htpx::request_body::unknown_length},
      {"after", {}, {}, std::string_view("tail"), nullptr, htpx::request_body::unknown_length},
  };
  htpx::multipart_body form(parts);
  const htpx::result<htpx::request_body> content = htpx::body::multipart(form);
  ASSERT_TRUE(content.ok()) << content.err();
  EXPECT_EQ(content.value().length, htpx::request_body::unknown_length);
  htpx::request_options opts;
  opts.content = content.value();
  const htpx::result<htpx::response> r = c->request("PUT", url("/anything"), opts);
  ASSERT_TRUE(r.ok()) << r.err();
  const echo e(r.value());
  ASSERT_TRUE(e.ok()) << e.failure();
  EXPECT_EQ(text(e["headers"]["Transfer-Encoding"]), "chunked");
  EXPECT_EQ(text(e["files"]["stream"]), pattern_source::expected(3000));
  EXPECT_EQ(text(e["form"]["after"]), "tail");
}

// A source of unknown length in odd pieces (some would_block between them): sent chunked.
class uneven_source final : public htpx::body_source {
 public:
  explicit uneven_source(std::size_t size) : size_(size) {}
  htpx::port::io_result read(htpx::mutable_bytes out) noexcept override {
    if (at_ == size_) return {htpx::port::io_status::closed, 0, 0};
    if (++calls_ % 5 == 0) return {htpx::port::io_status::would_block, 0, 0};
    std::size_t n = 1 + (calls_ * 37) % 1500;
    if (n > size_ - at_) n = size_ - at_;
    if (n > out.size) n = out.size;
    for (std::size_t i = 0; i != n; ++i) out.data[i] = pattern_source::letter(at_ + i);
    at_ += n;
    return {htpx::port::io_status::ok, n, 0};
  }

 private:
  std::size_t size_;
  std::size_t at_ = 0;
  std::size_t calls_ = 0;
};

TEST_F(Bodies, ChunkedSourceArrivesWhole) {
  auto c = make_client();
  constexpr std::size_t size = 20000;
  uneven_source source(size);
  htpx::request_options opts;
  opts.content = htpx::body::source(source, htpx::request_body::unknown_length, "text/plain");
  const htpx::result<htpx::response> r = c->patch(url("/anything"), opts);
  ASSERT_TRUE(r.ok()) << r.err();
  const echo e(r.value());
  ASSERT_TRUE(e.ok()) << e.failure();
  EXPECT_TRUE(e["method"].string_equals("PATCH"));
  EXPECT_EQ(text(e["headers"]["Transfer-Encoding"]), "chunked");
  EXPECT_FALSE(e["headers"]["Content-Length"].valid());
  EXPECT_EQ(text(e["data"]), pattern_source::expected(size));
}

// ---- auth ------------------------------------------------------------------------------------

TEST_F(Auth, BasicRightAndWrongPasswordClientWidePerRequestAndInTheUrl) {
  htpx::basic_auth right("user", "passwd");
  htpx::client_options options;
  options.auth = &right;
  auto c = make_client(options);
  const std::string target = url("/basic-auth/user/passwd");
  const htpx::result<htpx::response> ok = c->get(target);
  ASSERT_TRUE(ok.ok()) << ok.err();
  ASSERT_EQ(ok.value().status_code, 200);
  const echo e(ok.value());
  EXPECT_TRUE(e["authenticated"].as_bool().ok() && e["authenticated"].as_bool().value());
  EXPECT_TRUE(e["user"].string_equals("user"));

  htpx::basic_auth wrong("user", "wrong");
  htpx::request_options opts;
  opts.auth = &wrong;  // the request's own replaces the client's
  const htpx::result<htpx::response> refused = c->get(target, opts);
  ASSERT_TRUE(refused.ok()) << refused.err();
  EXPECT_EQ(refused.value().status_code, 401);
  EXPECT_EQ(refused.value().headers.get("WWW-Authenticate"), "Basic realm=\"Fake Realm\"");

  // httpx: credentials in the URL are Basic auth.
  auto plain = make_client();
  const std::string authority = base_.substr(std::string_view("http://").size());
  const htpx::result<htpx::response> in_url = plain->get("http://user:passwd@" + authority + "/basic-auth/user/passwd");
  ASSERT_TRUE(in_url.ok()) << in_url.err();
  EXPECT_EQ(in_url.value().status_code, 200);
  const htpx::result<htpx::response> wrong_in_url =
      plain->get("http://user:nope@" + authority + "/basic-auth/user/passwd");
  ASSERT_TRUE(wrong_in_url.ok()) << wrong_in_url.err();
  EXPECT_EQ(wrong_in_url.value().status_code, 401);
  const htpx::result<htpx::response> none = plain->get(target);
  ASSERT_TRUE(none.ok()) << none.err();
  EXPECT_EQ(none.value().status_code, 401);
}

TEST_F(Auth, HiddenBasicAuthAnswers404WhenWrong) {
  auto c = make_client();
  htpx::basic_auth right("user", "passwd");
  htpx::basic_auth wrong("user", "passwd2");
  htpx::request_options opts;
  opts.auth = &right;
  const htpx::result<htpx::response> ok = c->get(url("/hidden-basic-auth/user/passwd"), opts);
  ASSERT_TRUE(ok.ok()) << ok.err();
  EXPECT_EQ(ok.value().status_code, 200);
  EXPECT_TRUE(echo(ok.value())["user"].string_equals("user"));
  opts.auth = &wrong;
  const htpx::result<htpx::response> hidden = c->get(url("/hidden-basic-auth/user/passwd"), opts);
  ASSERT_TRUE(hidden.ok()) << hidden.err();
  EXPECT_EQ(hidden.value().status_code, 404);
}

TEST_F(Auth, DigestMd5AndSha256AnswerTheChallengeThenReuseIt) {
  for (const char* algorithm : {"MD5", "SHA-256"}) {
    SCOPED_TRACE(algorithm);
    // As httpx: a cookie jar on the client, so httpbin's challenge cookies come back.
    test_jar jar;
    head_counter heads;
    htpx::digest_auth digest("user", "passwd");
    htpx::client_options options;
    options.cookies = &jar;
    options.hooks = &heads;
    options.auth = &digest;
    auto c = make_client(options);
    const std::string target = url("/digest-auth/auth/user/passwd/" + std::string(algorithm));
    const htpx::result<htpx::response> first = c->get(target);
    ASSERT_TRUE(first.ok()) << first.err();
    ASSERT_EQ(first.value().status_code, 200) << first.value().text();
    EXPECT_TRUE(echo(first.value())["authenticated"].as_bool().value());
    EXPECT_EQ(heads.statuses, (std::vector<int>{401, 200}));
    EXPECT_TRUE(digest.challenged());
    // The stored challenge answers at once the next time (nc=00000002): no 401.
    const htpx::result<htpx::response> second = c->get(target);
    ASSERT_TRUE(second.ok()) << second.err();
    EXPECT_EQ(second.value().status_code, 200) << second.value().text();
    EXPECT_EQ(heads.statuses, (std::vector<int>{401, 200, 200}));
    EXPECT_GE(jar.size(), 2U) << "httpbin's stale_after and fake cookies";

    // A wrong password: the answer to the challenge is refused, and that 401 is the response.
    htpx::digest_auth wrong("user", "wrong");
    htpx::request_options opts;
    opts.auth = &wrong;
    heads.statuses.clear();
    const htpx::result<htpx::response> refused = c->get(target, opts);
    ASSERT_TRUE(refused.ok()) << refused.err();
    EXPECT_EQ(refused.value().status_code, 401);
    EXPECT_EQ(heads.statuses, (std::vector<int>{401, 401}));
  }
}

// httpbin's /digest-auth/.../<stale_after> counts authenticated requests in a cookie and calls
// the nonce stale when it reaches 0: only a client that keeps cookies sees that. Each stale
// challenge is answered with the new nonce (RFC 7616 §3.3 stale=true) without the caller seeing it.
TEST_F(Auth, DigestStaleNonceSeenThroughTheCookieJarIsAnsweredAgain) {
  test_jar jar;
  head_counter heads;
  htpx::digest_auth digest("user", "passwd");
  htpx::client_options options;
  options.cookies = &jar;
  options.hooks = &heads;
  options.auth = &digest;
  auto c = make_client(options);
  const std::string target = url("/digest-auth/auth/user/passwd/SHA-256/1");
  for (int i = 0; i != 3; ++i) {
    SCOPED_TRACE(i);
    heads.statuses.clear();
    const htpx::result<htpx::response> r = c->get(target);
    ASSERT_TRUE(r.ok()) << r.err();
    EXPECT_EQ(r.value().status_code, 200) << r.value().text();
    // First: the initial challenge; then the stored nonce is called stale once per request.
    EXPECT_EQ(heads.statuses, (std::vector<int>{401, 200}));
  }
  // The same without a jar: httpbin never learns its counter, the stored nonce just works.
  head_counter plain_heads;
  htpx::digest_auth plain_digest("user", "passwd");
  htpx::client_options plain;
  plain.hooks = &plain_heads;
  plain.auth = &plain_digest;
  auto no_jar = make_client(plain);
  for (int i = 0; i != 3; ++i) {
    const htpx::result<htpx::response> r = no_jar->get(target);
    ASSERT_TRUE(r.ok()) << r.err();
    EXPECT_EQ(r.value().status_code, 200);
  }
  EXPECT_EQ(plain_heads.statuses, (std::vector<int>{401, 200, 200, 200}));
}

TEST_F(Auth, BearerToken) {
  auto c = make_client();
  const htpx::result<htpx::response> none = c->get(url("/bearer"));
  ASSERT_TRUE(none.ok()) << none.err();
  EXPECT_EQ(none.value().status_code, 401);
  EXPECT_EQ(none.value().headers.get("WWW-Authenticate"), "Bearer");
  // (httpbin strips any of "Bearer " from the token's start: this one starts with none of them.)
  htpx::bearer_auth token("tok.en-123_~+/==");
  htpx::request_options opts;
  opts.auth = &token;
  const htpx::result<htpx::response> ok = c->get(url("/bearer"), opts);
  ASSERT_TRUE(ok.ok()) << ok.err();
  ASSERT_EQ(ok.value().status_code, 200);
  const echo e(ok.value());
  EXPECT_TRUE(e["authenticated"].as_bool().value());
  EXPECT_EQ(text(e["token"]), "tok.en-123_~+/==");
}

// ---- redirects -------------------------------------------------------------------------------

TEST_F(Redirects, ThreeHopsEndAtGetWithAHistoryOfThree) {
  htpx::client_options options;
  options.follow_redirects = true;
  auto c = make_client(options);
  struct chain {
    const char* start;
    const char* next;  // the kind of the two hops that follow
  };
  for (const chain& k :
       {chain{"/redirect/3", "/relative-redirect/"}, chain{"/relative-redirect/3", "/relative-redirect/"},
        chain{"/absolute-redirect/3", "/absolute-redirect/"}}) {
    SCOPED_TRACE(k.start);
    const htpx::result<htpx::response> r = c->get(url(k.start));
    ASSERT_TRUE(r.ok()) << r.err();
    EXPECT_EQ(r.value().status_code, 200);
    EXPECT_EQ(text(echo(r.value())["url"]), url("/get"));
    const htpx::redirect_history& history = r.value().history;
    ASSERT_EQ(history.size(), 3U);
    EXPECT_FALSE(history.truncated());
    EXPECT_EQ(history[0].url, url(k.start));
    EXPECT_EQ(history[1].url, url(std::string(k.next) + "2"));
    EXPECT_EQ(history[2].url, url(std::string(k.next) + "1"));
    for (std::size_t i = 0; i != 3; ++i) EXPECT_EQ(history[i].status, 302);
  }
}

TEST_F(Redirects, MethodAndBodyFollowTheStatus) {
  htpx::client_options options;
  options.follow_redirects = true;
  auto c = make_client(options);
  struct expectation {
    const char* method;
    int status;
    const char* then;  // the method after the redirect
    bool body_kept;
  };
  for (const expectation& x : {expectation{"POST", 301, "GET", false}, expectation{"POST", 302, "GET", false},
                               expectation{"POST", 303, "GET", false}, expectation{"POST", 307, "POST", true},
                               expectation{"POST", 308, "POST", true}, expectation{"PUT", 302, "PUT", true},
                               expectation{"PUT", 303, "GET", false}, expectation{"PATCH", 301, "PATCH", true}}) {
    SCOPED_TRACE(std::string(x.method) + " " + std::to_string(x.status));
    htpx::request_options opts;
    opts.content = htpx::body::bytes(std::string_view("payload=1"), "text/plain");
    const htpx::result<htpx::response> r =
        c->request(x.method, url("/redirect-to?url=/anything&status_code=" + std::to_string(x.status)), opts);
    ASSERT_TRUE(r.ok()) << r.err();
    ASSERT_EQ(r.value().status_code, 200);
    ASSERT_EQ(r.value().history.size(), 1U);
    EXPECT_EQ(r.value().history[0].status, x.status);
    const echo e(r.value());
    EXPECT_EQ(text(e["method"]), x.then);
    if (x.body_kept) {
      EXPECT_EQ(text(e["data"]), "payload=1");
      EXPECT_EQ(text(e["headers"]["Content-Type"]), "text/plain");
      EXPECT_EQ(text(e["headers"]["Content-Length"]), "9");
    } else {
      EXPECT_EQ(text(e["data"]), "");
      EXPECT_FALSE(e["headers"]["Content-Type"].valid());
      EXPECT_FALSE(e["headers"]["Content-Length"].valid()) << "a GET has no body";
    }
  }
}

// A stream that cannot start again cannot follow the 307: the 307 is the final response.
TEST_F(Redirects, StreamedBodyIsSentAgainFor307OrThe307IsFinalWhenItCannotRewind) {
  htpx::client_options options;
  options.follow_redirects = true;
  auto c = make_client(options);
  const std::string target = url("/redirect-to?url=/anything&status_code=307");
  pattern_source rewindable(5000, 333);
  htpx::request_options opts;
  opts.content = htpx::body::source(rewindable, 5000, "text/plain");
  const htpx::result<htpx::response> r = c->post(target, opts);
  ASSERT_TRUE(r.ok()) << r.err();
  const echo e(r.value());
  EXPECT_TRUE(e["method"].string_equals("POST"));
  EXPECT_EQ(text(e["data"]), pattern_source::expected(5000));

  pattern_source once(5000, 333, false);
  opts.content = htpx::body::source(once, 5000, "text/plain");
  const htpx::result<htpx::response> final_307 = c->post(target, opts);
  ASSERT_TRUE(final_307.ok()) << final_307.err();
  EXPECT_EQ(final_307.value().status_code, 307);
  EXPECT_EQ(final_307.value().headers.get("Location"), "/anything");
}

// "localhost" names the same httpbin (127.0.0.1) but another origin (RFC 6454): credentials,
// the request's own cookies and 127.0.0.1's host-only cookies stay behind (RFC 9110 §15.4,
// RFC 6265 §5.4); on the same origin they all go along.
TEST_F(Redirects, CredentialsAndCookiesStayWithTheirOrigin) {
  test_jar jar;
  htpx::basic_auth credentials("user", "passwd");
  htpx::client_options options;
  options.follow_redirects = true;
  options.cookies = &jar;
  options.auth = &credentials;
  auto c = make_client(options);
  ASSERT_TRUE(c->get(url("/cookies/set?jar=1")).ok());
  const std::string port = base_.substr(base_.rfind(':') + 1);
  const htpx::query_param mine[] = {{"mine", "2"}};
  htpx::request_options opts;
  opts.cookies = mine;
  for (const bool same : {true, false}) {
    SCOPED_TRACE(same ? "same origin" : "localhost");
    const std::string there = same ? std::string("/anything") : "http://localhost:" + port + "/anything";
    const htpx::result<htpx::response> r = c->get(url("/redirect-to?url=" + there), opts);
    ASSERT_TRUE(r.ok()) << r.err();
    ASSERT_EQ(r.value().status_code, 200);
    EXPECT_EQ(r.value().history.size(), 1U);
    const echo e(r.value());
    EXPECT_EQ(text(e["headers"]["Host"]), (same ? "127.0.0.1:" : "localhost:") + port);
    EXPECT_EQ(e["headers"]["Authorization"].valid(), same) << e["headers"].raw();
    EXPECT_EQ(e["headers"]["Cookie"].valid(), same) << e["headers"].raw();
    if (same) {
      EXPECT_EQ(text(e["headers"]["Cookie"]), "jar=1; mine=2");
    }
  }
}

TEST_F(Redirects, MoreThanMaxRedirectsIsTooManyRedirects) {
  htpx::client_options options;
  options.follow_redirects = true;
  options.max_redirects = 2;
  auto c = make_client(options);
  const htpx::result<htpx::response> r = c->get(url("/redirect/5"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, htpx::errc::too_many_redirects) << r.err();
  const htpx::result<htpx::response> two = c->get(url("/redirect/2"));  // exactly the limit
  ASSERT_TRUE(two.ok()) << two.err();
  EXPECT_EQ(two.value().status_code, 200);
  // A request may turn following off: the redirect is the response.
  htpx::request_options opts;
  opts.follow_redirects = false;
  const htpx::result<htpx::response> returned = c->get(url("/redirect/5"), opts);
  ASSERT_TRUE(returned.ok()) << returned.err();
  EXPECT_EQ(returned.value().status_code, 302);
  EXPECT_TRUE(returned.value().history.empty());
}

// ---- cookies ---------------------------------------------------------------------------------

TEST_F(Cookies, SetSentDeletedAndPerRequest) {
  test_jar jar;
  htpx::client_options options;
  options.cookies = &jar;
  options.follow_redirects = true;
  auto c = make_client(options);
  // /cookies/set answers 302 to /cookies with the Set-Cookie fields: the jar takes them from
  // the redirect and sends them with the request it leads to.
  const htpx::result<htpx::response> set = c->get(url("/cookies/set?a=1&b=2"));
  ASSERT_TRUE(set.ok()) << set.err();
  EXPECT_EQ(set.value().history.size(), 1U);
  {
    const echo e(set.value());
    EXPECT_EQ(text(e["cookies"]["a"]), "1");
    EXPECT_EQ(text(e["cookies"]["b"]), "2");
    EXPECT_EQ(e["cookies"].size(), 2U);
  }
  EXPECT_EQ(jar.size(), 2U);
  const htpx::result<htpx::response> again = c->get(url("/cookies"));
  ASSERT_TRUE(again.ok()) << again.err();
  EXPECT_EQ(echo(again.value())["cookies"].size(), 2U);

  const htpx::result<htpx::response> deleted = c->get(url("/cookies/delete?a"));
  ASSERT_TRUE(deleted.ok()) << deleted.err();
  {
    const echo e(deleted.value());
    EXPECT_FALSE(e["cookies"]["a"].valid()) << e["cookies"].raw();
    EXPECT_EQ(text(e["cookies"]["b"]), "2");
  }
  EXPECT_EQ(jar.size(), 1U);

  // httpx `cookies=` on one request: sent with the jar's, not stored.
  const htpx::query_param extra[] = {{"c", "3"}};
  htpx::request_options opts;
  opts.cookies = extra;
  const htpx::result<htpx::response> with_extra = c->get(url("/cookies"), opts);
  ASSERT_TRUE(with_extra.ok()) << with_extra.err();
  {
    const echo e(with_extra.value());
    EXPECT_EQ(text(e["cookies"]["b"]), "2");
    EXPECT_EQ(text(e["cookies"]["c"]), "3");
  }
  EXPECT_EQ(jar.size(), 1U);

  // Without following, the 302's Set-Cookie is still stored for the next request.
  opts = {};
  opts.follow_redirects = false;
  const htpx::result<htpx::response> not_followed = c->get(url("/cookies/set?x=9"), opts);
  ASSERT_TRUE(not_followed.ok()) << not_followed.err();
  EXPECT_EQ(not_followed.value().status_code, 302);
  const htpx::result<htpx::response> later = c->get(url("/cookies"));
  ASSERT_TRUE(later.ok()) << later.err();
  EXPECT_EQ(text(echo(later.value())["cookies"]["x"]), "9");
}

// ---- retries ---------------------------------------------------------------------------------

TEST_F(Retries, Status429And503AreRetriedWithBackoffWhenAsked) {
  for (const char* path : {"/status/429", "/status/503"}) {
    SCOPED_TRACE(path);
    head_counter heads;
    htpx::client_options options;
    options.hooks = &heads;
    options.retries = 2;
    options.retry_on_status = true;
    options.retry_backoff_ms = 100;  // httpbin sends no Retry-After: the backoff applies
    options.retry_backoff_max_ms = 1000;
    auto c = make_client(options);
    const steady::time_point began = steady::now();
    const htpx::result<htpx::response> r = c->get(url(path));
    const long long took = ms_since(began);
    ASSERT_TRUE(r.ok()) << r.err();
    EXPECT_EQ(r.value().status_code, std::atoi(path + 8));  // the last answer is the response
    EXPECT_EQ(heads.statuses.size(), 3U) << "one request and two retries";
    EXPECT_GE(took, 50 + 100) << "equal jitter keeps at least half of each backoff (100, then 200 ms)";
    EXPECT_LT(took, 2000);
  }
  // Not asked: the 429 is the answer at once.
  head_counter heads;
  htpx::client_options options;
  options.hooks = &heads;
  options.retries = 2;
  auto c = make_client(options);
  const htpx::result<htpx::response> r = c->get(url("/status/429"));
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(heads.statuses, (std::vector<int>{429}));
}

TEST(RetriesNoServer, ConnectFailuresAreRetriedThenConnectError) {
  htpx_test::refusing_port closed;
  ASSERT_NE(closed.port(), 0);
  htpx::client_options options;
  options.retries = 2;
  options.retry_backoff_ms = 100;
  auto c = make_client(options);
  const steady::time_point began = steady::now();
  const htpx::result<htpx::response> r = c->get("http://127.0.0.1:" + std::to_string(closed.port()) + "/");
  const long long took = ms_since(began);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, htpx::errc::connect_error) << r.err();
  EXPECT_GE(took, 50 + 100);
  EXPECT_LT(took, 2000);
}

// ---- Expect: 100-continue ----------------------------------------------------------------------

TEST_F(Expect, GunicornsHundredReleasesTheBodyAtOnce) {
  htpx::client_options options;
  options.expect_continue_ms = 3000;  // far longer than the test allows: the 100 must do it
  auto c = make_client(options);
  pattern_source source(3000, 500);
  htpx::request_options opts;
  opts.expect_continue = true;
  opts.content = htpx::body::source(source, 3000, "text/plain");
  const steady::time_point began = steady::now();
  const htpx::result<htpx::response> r = c->post(url("/anything"), opts);
  const long long took = ms_since(began);
  ASSERT_TRUE(r.ok()) << r.err();
  const echo e(r.value());
  EXPECT_EQ(text(e["headers"]["Expect"]), "100-continue");
  EXPECT_EQ(text(e["data"]), pattern_source::expected(3000));
  EXPECT_LT(took, 1000) << "the body waited for a timer, not for the 100";
}

// ---- proxies (tinyproxy) ---------------------------------------------------------------------

class Proxy : public server_test {
 protected:
  void SetUp() override {
    need("HTPX_HTTPBIN_URL", base_);
    if (IsSkipped() || HasFatalFailure()) return;
    need("HTPX_PROXY_URL", proxy_);
    if (IsSkipped() || HasFatalFailure()) return;
    need("HTPX_PROXY_AUTH_URL", auth_proxy_);
    if (IsSkipped() || HasFatalFailure()) return;
    saved_.save();
  }
  void TearDown() override { saved_.restore(); }

  // "http://user:pass@127.0.0.1:port" from the auth proxy's URL.
  [[nodiscard]] std::string auth_proxy_with(std::string_view credentials) const {
    return "http://" + std::string(credentials) + "@" + auth_proxy_.substr(std::string_view("http://").size());
  }
  [[nodiscard]] static std::string log_of(const char* variable) { return file_text(htpx_test::env(variable)); }
  // How many requests for `url` a proxy logged ("Request (file descriptor N): GET <url> HTTP/1.1").
  [[nodiscard]] static std::size_t logged(const char* variable, std::string_view method, const std::string& u) {
    return count_of(log_of(variable), "): " + std::string(method) + " " + u + " HTTP/1.1");
  }

  // The proxy variables of the environment, put back after each test.
  struct saved_environment {
    static constexpr const char* names[] = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                                            "ALL_PROXY",  "all_proxy",  "NO_PROXY",    "no_proxy"};
    std::vector<std::pair<bool, std::string>> values;
    void save() {
      values.clear();
      for (const char* name : names) {
        const char* v = std::getenv(name);
        values.emplace_back(v != nullptr, v != nullptr ? v : "");
        ::unsetenv(name);
      }
    }
    void restore() {
      for (std::size_t i = 0; i != values.size(); ++i) {
        if (values[i].first) {
          ::setenv(names[i], values[i].second.c_str(), 1);
        } else {
          ::unsetenv(names[i]);
        }
      }
      values.clear();
    }
  };

  std::string proxy_;
  std::string auth_proxy_;
  saved_environment saved_;
};

TEST_F(Proxy, RequestsGoThroughTheProxyInAbsoluteForm) {
  htpx::client_options options;
  options.proxy = proxy_;
  auto c = make_client(options);
  const std::string target = url("/headers?show_env=1&probe=through-proxy");
  const htpx::result<htpx::response> r = c->get(target);
  ASSERT_TRUE(r.ok()) << r.err();
  ASSERT_EQ(r.value().status_code, 200) << r.value().text();
  const echo e(r.value());
  EXPECT_NE(text(e["headers"]["Via"]).find("tinyproxy"), std::string::npos) << e["headers"].raw();
  EXPECT_EQ(text(e["headers"]["X-Tinyproxy"]), "127.0.0.1");
  EXPECT_EQ(logged("HTPX_PROXY_LOG", "GET", target), 1U) << log_of("HTPX_PROXY_LOG");

  // A body goes through too (tinyproxy relays it as it comes). On a new client: tinyproxy closes
  // its side after each response without saying Connection: close, and a POST that meets that
  // close on a reused connection is (rightly) never retried (RFC 9112 §9.3.1).
  reading doc{3};
  htpx::json_body body(build_reading, &doc);
  htpx::request_options opts;
  opts.content = htpx::body::json(body).value();
  const std::string post_target = url("/post?probe=proxy-post");
  auto fresh = make_client(options);
  const htpx::result<htpx::response> posted = fresh->post(post_target, opts);
  ASSERT_TRUE(posted.ok()) << posted.err();
  EXPECT_EQ(integer(echo(posted.value())["json"]["n"]), 3);
  EXPECT_EQ(logged("HTPX_PROXY_LOG", "POST", post_target), 1U);
}

TEST_F(Proxy, ProxyAuthorizationIsRequiredAndAccepted) {
  const std::string target = url("/get?probe=proxy-auth");
  {
    htpx::client_options options;
    options.proxy = auth_proxy_;  // no credentials
    auto c = make_client(options);
    const htpx::result<htpx::response> r = c->get(target);
    ASSERT_TRUE(r.ok()) << r.err();
    EXPECT_EQ(r.value().status_code, 407);
    EXPECT_NE(r.value().headers.get("Proxy-Authenticate").find("Basic"), std::string_view::npos);
  }
  const std::string wrong_url = auth_proxy_with("user:wrong");
  {
    htpx::client_options options;
    options.proxy = wrong_url;
    auto c = make_client(options);
    const htpx::result<htpx::response> r = c->get(target);
    ASSERT_TRUE(r.ok()) << r.err();
    // Refused by the proxy itself: tinyproxy 1.11 says 401 (with its own WWW-Authenticate) to
    // wrong credentials and 407 to none.
    EXPECT_TRUE(r.value().status_code == 401 || r.value().status_code == 407) << r.value().status_code;
    EXPECT_NE(r.value().headers.get("Server").find("tinyproxy"), std::string_view::npos);
  }
  const std::string right_url =
      auth_proxy_with(htpx_test::env("HTPX_PROXY_USER") + ":" + htpx_test::env("HTPX_PROXY_PASSWORD"));
  htpx::client_options options;
  options.proxy = right_url;
  auto c = make_client(options);
  const htpx::result<htpx::response> r = c->get(target);
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().status_code, 200) << r.value().text();
  EXPECT_EQ(text(echo(r.value())["url"]), target);
  EXPECT_EQ(logged("HTPX_PROXY_AUTH_LOG", "GET", target), 3U) << "three requests reached the proxy";
}

// --proxytunnel: a CONNECT tunnel through the proxy (with its credentials), then origin-form
// requests inside it; tinyproxy only relays the bytes, so it adds no Via field.
TEST_F(Proxy, ConnectTunnelCarriesTheRequests) {
  const std::string credentials = htpx_test::env("HTPX_PROXY_USER") + ":" + htpx_test::env("HTPX_PROXY_PASSWORD");
  const std::string proxy = auth_proxy_with(credentials);
  htpx::client_options options;
  options.proxy = proxy;
  options.proxy_tunnel = true;
  auto c = make_client(options);
  for (int i = 0; i != 2; ++i) {
    const htpx::result<htpx::response> r = c->get(url("/headers?probe=tunnel"));
    ASSERT_TRUE(r.ok()) << r.err();
    ASSERT_EQ(r.value().status_code, 200) << r.value().text();
    const echo e(r.value());
    EXPECT_FALSE(e["headers"]["Via"].valid()) << e["headers"].raw();
    EXPECT_FALSE(e["headers"]["Proxy-Authorization"].valid());
  }
  EXPECT_EQ(count_of(log_of("HTPX_PROXY_AUTH_LOG"), "): CONNECT "), 1U) << log_of("HTPX_PROXY_AUTH_LOG");

  // Without credentials the proxy refuses the tunnel: ProxyError.
  options.proxy = auth_proxy_;
  auto refused = make_client(options);
  const htpx::result<htpx::response> r = refused->get(url("/get"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.err().code, htpx::errc::proxy_error) << r.err().detail;
}

// Through an http proxy Digest's uri is the origin-form path and query, as curl, httpx and
// requests hash it: the proxy rewrites the request line to origin-form before httpbin checks.
TEST_F(Proxy, DigestThroughTheProxy) {
  htpx::digest_auth digest("user", "passwd");
  htpx::client_options options;
  options.proxy = proxy_;
  options.auth = &digest;
  auto c = make_client(options);
  const htpx::result<htpx::response> r = c->get(url("/digest-auth/auth/user/passwd/MD5"));
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().status_code, 200);
}

TEST_F(Proxy, EnvironmentVariablesAndNoProxy) {
  const std::string credentials = htpx_test::env("HTPX_PROXY_USER") + ":" + htpx_test::env("HTPX_PROXY_PASSWORD");
  // HTTP_PROXY with credentials: through the proxy.
  ::setenv("HTTP_PROXY", auth_proxy_with(credentials).c_str(), 1);
  const std::string via_env = url("/get?probe=env-proxy");
  {
    auto c = std::make_unique<test_client>(platform, htpx::client_options{});  // trust_env: the default
    const htpx::result<htpx::response> r = c->get(via_env);
    ASSERT_TRUE(r.ok()) << r.err();
    EXPECT_EQ(r.value().status_code, 200);
    EXPECT_EQ(logged("HTPX_PROXY_AUTH_LOG", "GET", via_env), 1U);
  }
  // The lower-case name works too; without credentials the proxy answers 407.
  ::unsetenv("HTTP_PROXY");
  ::setenv("http_proxy", auth_proxy_.c_str(), 1);
  const std::string lower = url("/get?probe=env-lower");
  {
    auto c = std::make_unique<test_client>(platform, htpx::client_options{});
    const htpx::result<htpx::response> r = c->get(lower);
    ASSERT_TRUE(r.ok()) << r.err();
    EXPECT_EQ(r.value().status_code, 407);
  }
  // NO_PROXY naming the host: straight to httpbin (the proxy would have said 407).
  for (const char* no_proxy : {"127.0.0.1", "example.test, 127.0.0.1:1", "*"}) {
    SCOPED_TRACE(no_proxy);
    ::setenv("NO_PROXY", no_proxy, 1);
    const std::string bypass =
        url(std::string("/get?probe=no-proxy-") + std::to_string(std::string_view(no_proxy).size()));
    auto c = std::make_unique<test_client>(platform, htpx::client_options{});
    const htpx::result<htpx::response> r = c->get(bypass);
    ASSERT_TRUE(r.ok()) << r.err();
    EXPECT_EQ(r.value().status_code, 200);
    EXPECT_EQ(logged("HTPX_PROXY_AUTH_LOG", "GET", bypass), 0U);
  }
  // A NO_PROXY for another host leaves the proxy in place.
  ::setenv("NO_PROXY", "localhost,.example.test", 1);
  {
    auto c = std::make_unique<test_client>(platform, htpx::client_options{});
    const htpx::result<htpx::response> r = c->get(lower);
    ASSERT_TRUE(r.ok()) << r.err();
    EXPECT_EQ(r.value().status_code, 407);
  }
  // trust_env = false ignores the environment altogether.
  ::unsetenv("NO_PROXY");
  htpx::client_options ignore;
  ignore.trust_env = false;
  auto c = std::make_unique<test_client>(platform, ignore);
  const std::string direct = url("/get?probe=trust-env-off");
  const htpx::result<htpx::response> r = c->get(direct);
  ASSERT_TRUE(r.ok()) << r.err();
  EXPECT_EQ(r.value().status_code, 200);
  EXPECT_EQ(logged("HTPX_PROXY_AUTH_LOG", "GET", direct), 0U);
}

}  // namespace
