// The full client profile of `make size`: every feature used once, linked for Cortex-M4 by size.sh
// like size_min_client.cpp (same stub transport idea): blocking calls with buffered bodies,
// handlers, streaming with a line reader, JSON/form/multipart bodies, response.json(), Basic,
// Bearer and Digest auth, a cookie jar, redirects, an http proxy, retries, hooks, timeouts.
// With HTPX_SIZE_TLS the connections are TLS (port/mbedtls over the stub), for the profile
// "client with the mbedTLS port". Nothing here runs on the build machine.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "htpx/auth.hpp"
#include "htpx/client.hpp"
#include "htpx/cookies.hpp"
#include "htpx/form.hpp"
#include "htpx/json.hpp"
#include "htpx/multipart.hpp"
#include "htpx/stream.hpp"
#ifdef HTPX_SIZE_TLS
#include "size_tls_stubs.hpp"
#include "tls_config.hpp"
#include "tls_transport.hpp"
#endif

namespace {

struct full_config : htpx::default_client_config {};  // the defaults: 4 connections, 16 requests

constexpr char canned_response[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Set-Cookie: session=1; Path=/; Max-Age=60\r\n"
    "Content-Length: 10\r\n"
    "\r\n"
    "{\"id\": 7}\n";

class stub_transport final : public htpx::port::transport {
 public:
  htpx::port::io_result connect(std::string_view host, std::uint16_t port) noexcept override {
    (void)host;
    (void)port;
    return {};
  }
  htpx::port::io_result send(htpx::bytes_view data) noexcept override {
    if (at_ == sizeof(canned_response) - 1) at_ = 0;
    sent_ = true;
    return {htpx::port::io_status::ok, data.size, 0};
  }
  htpx::port::io_result recv(htpx::mutable_bytes buffer) noexcept override {
    const std::size_t left = sizeof(canned_response) - 1 - at_;
    if (!sent_ || left == 0) return {htpx::port::io_status::would_block, 0, 0};
    const std::size_t n = left < buffer.size ? left : buffer.size;
    std::memcpy(buffer.data, canned_response + at_, n);
    at_ += n;
    return {htpx::port::io_status::ok, n, 0};
  }
  void close() noexcept override { at_ = 0; }
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return 0; }

 private:
  std::size_t at_ = 0;
  bool sent_ = false;
};

#ifdef HTPX_SIZE_TLS
using connection_type = htpx::port::tls_over<stub_transport>;
#else
using connection_type = stub_transport;
#endif

class stub_platform final : public htpx::port::platform {
 public:
  std::uint32_t now_ms() noexcept override { return ticks_++; }
  void wait(htpx::port::wait_entry* entries, std::size_t count, std::uint32_t timeout_ms) noexcept override {
    (void)entries;
    (void)count;
    ticks_ += timeout_ms;
  }
  std::int64_t unix_time_s() noexcept override { return 1767225600 + ticks_ / 1000; }

 private:
  volatile std::uint32_t ticks_ = 0;
};

class tagging_hooks final : public htpx::event_hooks {
 public:
  htpx::error on_request(const htpx::request& req, htpx::header_appender& headers) noexcept override {
    (void)req;
    return headers.add("X-Device", "7");
  }
  void on_response(const htpx::request& req, const htpx::response& head) noexcept override {
    (void)req;
    last_status = head.status_code;
  }
  std::uint16_t last_status = 0;
};

class counting_handler final : public htpx::response_handler {
 public:
  htpx::body_ack on_body(htpx::bytes_view data) noexcept override {
    bytes += data.size;
    return {data.size, {}};
  }
  void on_complete(htpx::error failure) noexcept override { ok = !failure; }
  std::size_t bytes = 0;
  bool ok = false;
};

struct reading {
  std::int64_t id;
  double celsius;
};

stub_platform platform;
htpx::static_cookie_jar<8, 512> jar;
htpx::digest_auth digest("device-7", "secret");
htpx::basic_auth basic("device-7", "secret");
htpx::bearer_auth bearer("token");
tagging_hooks hooks;

}  // namespace

int main() {
  htpx::client_options opts;
  opts.base_url = "http://device.local/api/";
  opts.follow_redirects = true;
  opts.cookies = &jar;
  opts.auth = &digest;
  opts.hooks = &hooks;
  opts.retries = 2;
  opts.retry_on_status = true;
  opts.proxy = "http://user:pass@10.0.0.1:3128";
  opts.timeout = htpx::timeout::all(2000);
  static htpx::static_client<full_config, connection_type> client(platform, opts);
#ifdef HTPX_SIZE_TLS
  static htpx::port::tls_config tls;
  if (!htpx_size::configure_tls(tls)) return 1;
  for (std::size_t i = 0; i != full_config::max_connections; ++i) client.transport_at(i).configure(tls);
#endif
  int failures = 0;

  // Blocking GET with params, then r.json().
  const htpx::query_param params[] = {{"q", "caf\xc3\xa9"}};
  htpx::request_options get_opts;
  get_opts.params = params;
  get_opts.auth = &basic;
  htpx::result<htpx::response> got = client.get("sensors/1", get_opts);
  if (got) {
    htpx::json_token tokens[16];
    const htpx::result<htpx::json_value> doc = got.value().json(tokens);
    if (!doc || !doc.value()["id"].as_int64()) ++failures;
    if (got.value().raise_for_status()) ++failures;
  } else {
    ++failures;
  }

  // json= streamed from a generator, and as text.
  reading r{7, 21.5};
  htpx::json_body body([](htpx::json_writer& w, void* ctx) {
    const auto* rd = static_cast<const reading*>(ctx);
    w.begin_object().key("id").int64(rd->id).key("celsius").float64(rd->celsius).end_object();
  }, &r);
  htpx::request_options post_opts;
  post_opts.content = htpx::body::json(body).value();
  post_opts.expect_continue = true;
  if (!client.post("readings", post_opts)) ++failures;
  post_opts.content = htpx::body::json_text(R"({"id":7})");
  post_opts.auth = &bearer;
  if (!client.put("readings/7", post_opts)) ++failures;

  // data= and files=
  const htpx::query_param fields[] = {{"name", "sensor 7"}, {"mode", "auto"}};
  htpx::form_body form(fields);
  htpx::request_options form_opts;
  form_opts.content = htpx::body::form(form);
  if (!client.patch("settings", form_opts)) ++failures;
  const htpx::multipart_part parts[] = {{"note", {}, {}, std::string_view("hello"), nullptr, 0}};
  htpx::multipart_body upload(parts);
  htpx::request_options upload_opts;
  upload_opts.content = htpx::body::multipart(upload).value();
  if (!client.post("upload", upload_opts)) ++failures;

  // A handler, and a pulled stream read line by line.
  counting_handler handler;
  htpx::request req;
  req.url = "http://device.local/events";
  const htpx::result<htpx::request_handle> started = client.start(req, handler);
  if (started) client.wait_for(started.value());
  htpx::response_stream stream(client);
  if (!stream.open(req)) {
    char line_buf[128];
    htpx::line_reader lines(stream, line_buf);
    for (auto line = lines.next(); line && !lines.done(); line = lines.next()) ++failures;
  }
  if (!client.delete_("readings/7")) ++failures;
  return failures;
}
