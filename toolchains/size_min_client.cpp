// The minimal client profile of `make size`: one connection, keep-alive, chunked responses,
// timeouts; no auth, cookies, JSON, proxies or blocking calls. Linked for Cortex-M4 by size.sh the
// way a firmware links it (-ffunction-sections, --gc-sections, newlib-nano), so whatever the
// client does not need must be dropped by the linker: size.sh reports what is kept.
//
// The transport is a stub written for the probe: connect() succeeds at once, send() takes every
// byte, recv() hands out a canned chunked response in small reads. The platform's clock is a
// counter. Nothing here runs on the build machine.
//
// With HTPX_SIZE_TLS it is the profile "minimal https client": the same configuration with
// Cfg::https, its connection port/mbedtls over the stub.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "htpx/client.hpp"
#include "size_min_config.hpp"
#ifdef HTPX_SIZE_TLS
#include "size_tls_stubs.hpp"
#include "tls_transport.hpp"
#endif

namespace {

constexpr char canned_response[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5\r\nhello\r\n0\r\n\r\n";

class stub_transport final : public htpx::port::transport {
 public:
  htpx::port::io_result connect(std::string_view host, std::uint16_t port) noexcept override {
    (void)host;
    (void)port;
    return {};
  }
  htpx::port::io_result send(htpx::bytes_view data) noexcept override {
    if (at_ == sizeof(canned_response) - 1) at_ = 0;  // the next request's response
    sent_ = true;
    return {htpx::port::io_status::ok, data.size, 0};
  }
  htpx::port::io_result recv(htpx::mutable_bytes buffer) noexcept override {
    const std::size_t left = sizeof(canned_response) - 1 - at_;
    if (!sent_ || left == 0) return {htpx::port::io_status::would_block, 0, 0};
    std::size_t n = left < 7 ? left : 7;
    if (n > buffer.size) n = buffer.size;
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

class stub_platform final : public htpx::port::platform {
 public:
  std::uint32_t now_ms() noexcept override { return ticks_++; }
  void wait(htpx::port::wait_entry* entries, std::size_t count, std::uint32_t timeout_ms) noexcept override {
    (void)entries;
    (void)count;
    ticks_ += timeout_ms;
  }

 private:
  volatile std::uint32_t ticks_ = 0;
};

class counting_handler final : public htpx::response_handler {
 public:
  htpx::error on_head(const htpx::response& head) noexcept override { return head.raise_for_status(); }
  htpx::body_ack on_body(htpx::bytes_view data) noexcept override {
    bytes += data.size;
    return {data.size, {}};
  }
  void on_complete(htpx::error failure) noexcept override { ok = !failure; }

  std::size_t bytes = 0;
  bool ok = false;
};

stub_platform platform;

#ifdef HTPX_SIZE_TLS
struct profile_config : htpx_size::min_config {
  static constexpr bool https = true;
};
using profile_connection = htpx::port::tls_over<stub_transport>;
constexpr const char* profile_url = "https://device.local/status";
#else
using profile_config = htpx_size::min_config;
using profile_connection = stub_transport;
constexpr const char* profile_url = "http://device.local/status";
#endif

}  // namespace

int main() {
  htpx::client_options opts;
  opts.trust_env = false;
  opts.timeout = htpx::timeout::all(2000);
  static htpx::static_client<profile_config, profile_connection> client(platform, opts);
#ifdef HTPX_SIZE_TLS
  static htpx::port::tls_config tls;
  if (!htpx_size::configure_tls(tls)) return 1;
  client.transport_at(0).configure(tls);
#endif
  counting_handler handler;
  htpx::request req;
  req.url = profile_url;
  for (int round = 0; round != 2; ++round) {  // twice: the second reuses the connection
    if (!client.start(req, handler)) return 1;
    for (;;) {
      const htpx::poll_result step = client.poll(platform.now_ms());
      if (step.in_flight == 0) break;
      platform.wait(step.waits, step.wait_count, step.wait_ms);
    }
    if (!handler.ok || handler.bytes != 5u * static_cast<std::size_t>(round + 1)) return 2;
  }
  return 0;
}

// sizeof() on the target for size.sh, read from these arrays' symbol sizes (arm-none-eabi-nm -S);
// never referenced, so the linked image drops them.
using min_client = htpx::static_client<htpx_size::min_config, stub_transport>;
using default_client = htpx::static_client<htpx::default_client_config, stub_transport>;
extern const char htpx_sizeof_min_client[sizeof(min_client)] = {};
extern const char htpx_sizeof_default_client[sizeof(default_client)] = {};
extern const char htpx_sizeof_client[sizeof(htpx::client)] = {};
extern const char htpx_sizeof_pool_slot[sizeof(htpx::detail::pool_slot)] = {};
extern const char htpx_sizeof_request_slot[sizeof(htpx::detail::request_slot)] = {};
extern const char htpx_sizeof_wait_entry[sizeof(htpx::port::wait_entry)] = {};
extern const char htpx_sizeof_stub_transport[sizeof(stub_transport)] = {};
extern const char htpx_sizeof_core_options[sizeof(htpx::detail::core_options)] = {};
extern const char htpx_sizeof_feature_state[sizeof(htpx::detail::feature_state)] = {};
extern const char htpx_sizeof_request_features[sizeof(htpx::detail::request_features)] = {};
extern const char htpx_sizeof_proxy_routes[sizeof(htpx::detail::proxy_routes)] = {};
// The profile's own client and connection (with HTPX_SIZE_TLS: the https client, a tls_over<>).
extern const char htpx_sizeof_profile_client[sizeof(htpx::static_client<profile_config, profile_connection>)] = {};
extern const char htpx_sizeof_profile_connection[sizeof(profile_connection)] = {};
