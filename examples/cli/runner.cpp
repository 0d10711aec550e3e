// The poll loop over htpx::static_client<..., tls_over<posix_transport>> (plain
// posix_transport in a build without mbedTLS) and posix_platform: the non-blocking API (start,
// poll, wait) so that -Z N keeps N requests in flight.
#include "runner.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "htpx/auth.hpp"
#include "htpx/client.hpp"
#include "htpx/cookies.hpp"
#include "output.hpp"
#include "posix_platform.hpp"
#include "posix_transport.hpp"
#include "request_builder.hpp"
#if HTPX_CLI_TLS
#include "tls_config.hpp"
#include "tls_transport.hpp"
#endif

namespace htpx_cli {

namespace {

// Sizes for a host tool: one connection and one request slot per -Z, room for long heads.
struct cli_client_config : htpx::default_client_config {
  static constexpr std::size_t max_connections = max_parallel;
  static constexpr std::size_t max_requests = max_parallel;
  static constexpr std::size_t rx_bytes = 16384;  // bounds the response head
  static constexpr std::size_t tx_bytes = 4096;   // bounds the request head
  static constexpr std::size_t max_request_headers = 64;
  static constexpr std::size_t scratch_bytes = 8192;   // the longest URL with its params
  static constexpr std::size_t head_store_bytes = 16;  // blocking calls only: unused here
  static constexpr std::size_t body_store_bytes = 16;
  static constexpr std::size_t redirect_url_bytes = 2048;  // per request: the longest Location
  static constexpr std::size_t history_bytes = 16;         // blocking calls only: unused here
};

// The cookies of one invocation: Set-Cookie from one URL goes with the next (httpx.Client).
using cli_cookie_jar = htpx::static_cookie_jar<64, 16384>;

// The credentials of -u, --digest and --bearer, client-wide (outliving the client).
struct credentials {
  std::optional<htpx::basic_auth> basic;
  std::optional<htpx::bearer_auth> bearer;
  std::optional<htpx::digest_auth> digest;

  // Returns the client-wide scheme, or null (none, or Digest per request with -Z > 1).
  htpx::auth* make(const args& a) {
    if (!a.bearer.empty()) return &bearer.emplace(a.bearer);
    if (!a.has_user) return nullptr;
    if (!a.digest) return &basic.emplace(a.user, a.password);
    if (a.parallel > 1) return nullptr;  // request_builder gives each request its own
    return &digest.emplace(a.user, a.password);
  }
};

#if HTPX_CLI_TLS
// TLS over TCP: plain until a URL is https:// (the transport passes bytes through until then).
using cli_client = htpx::static_client<cli_client_config, htpx::port::tls_over<htpx::port::posix_transport>>;

// The TLS settings of -k, --cacert, --cert and --key, shared by every connection. Without
// --cacert or -k the port loads the system CA bundle (HTPX_TLS_SYSTEM_CA_FILE) once, at the
// first handshake: an http-only run never reads it. Returns an error message, empty when fine.
std::string configure_tls(const args& a, htpx::port::tls_config& tls) {
  if (tls.status() != 0) return std::string("TLS: ") + htpx::port::describe_tls_error(tls.status());
  if (a.insecure) tls.insecure_skip_verify(true);
  if (!a.cacert.empty()) {
    const int r = tls.load_ca_file(std::string(a.cacert).c_str());
    if (r != 0) return "--cacert " + std::string(a.cacert) + ": " + htpx::port::describe_tls_error(r);
  }
  if (!a.cert.empty()) {
    const int r = tls.load_client_cert_files(std::string(a.cert).c_str(), std::string(a.key).c_str());
    if (r != 0) {
      return "--cert " + std::string(a.cert) + " --key " + std::string(a.key) + ": " +
             htpx::port::describe_tls_error(r);
    }
  }
  return {};
}
#else
using cli_client = htpx::static_client<cli_client_config, htpx::port::posix_transport>;
#endif

// The client's on_request hook runs on an established connection just before the head is
// written: the moment connection_serial() is sure to name the connection that carries the
// request (on_complete() is too late: the handle is gone by then).
class connection_notes final : public htpx::event_hooks {
 public:
  void watch(std::vector<transfer>& transfers) { transfers_ = &transfers; }

  htpx::error on_request(const htpx::request& req, htpx::header_appender& headers) noexcept override {
    (void)headers;
    if (transfers_ == nullptr) return {};
    for (transfer& t : *transfers_) {
      // The client's copy of the request views the same argv bytes as the transfer's URL.
      if (t.started() && !t.completed() && t.url().data() == req.url.data()) t.note_connection();
    }
    return {};
  }

 private:
  std::vector<transfer>* transfers_ = nullptr;
};

class fetch_loop {
 public:
  fetch_loop(const args& a, const request_builder& builder, htpx::port::posix_platform& platform, cli_client& client,
             shared_output& out, connection_notes& notes)
      : args_(a),
        builder_(builder),
        platform_(platform),
        client_(client),
        out_(out),
        bodies_(a.urls.size()),
        requests_(a.urls.size()) {
    transfers_.reserve(a.urls.size());  // handlers must never move while requests run
    for (std::size_t i = 0; i != a.urls.size(); ++i) transfers_.emplace_back(i, a.urls.size(), a.urls[i], out);
    notes.watch(transfers_);
  }

  int run() {
    while (out_.turn != transfers_.size()) {
      start_more();
      const htpx::poll_result step = client_.poll(platform_.now_ms());
      const std::size_t before = done_;
      count_done();
      advance();
      if (done_ != before || step.in_flight == 0) continue;  // start more, resume paused bodies
      client_.sleep(step);  // the wait list, or with one connection a receive that sleeps
    }
    for (const transfer& t : transfers_) {
      if (t.outcome_status() != exit_ok) return t.outcome_status();
    }
    return exit_ok;
  }

 private:
  void start_more() {
    while (next_ != transfers_.size() && next_ - done_ < args_.parallel) {
      const std::size_t i = next_++;
      const std::string local =
          builder_.build(args_.urls[i], bodies_[i], requests_[i], args_.digest && args_.parallel > 1);
      if (!local.empty()) {
        transfers_[i].refuse(builder_.method(),
                             {htpx::errc::local_protocol_error, "the request body could not be read"}, local);
        continue;
      }
      const htpx::result<htpx::request_handle> handle = client_.start(requests_[i], transfers_[i]);
      if (!handle) {
        transfers_[i].refuse(builder_.method(), handle.err());
        continue;
      }
      transfers_[i].begin(client_, handle.value(), builder_.method(), bodies_[i].describe);
    }
    count_done();
    advance();
  }

  void count_done() {
    done_ = 0;
    for (std::size_t i = 0; i != next_; ++i) done_ += transfers_[i].completed() ? 1 : 0;
  }

  // Hands the output over: finished transfers report in URL order, the next one writes.
  void advance() {
    while (out_.turn != next_ && transfers_[out_.turn].completed()) {
      transfers_[out_.turn].finish_output();
      ++out_.turn;
      if (out_.turn != transfers_.size()) transfers_[out_.turn].flush_held();
    }
  }

  const args& args_;
  const request_builder& builder_;
  htpx::port::posix_platform& platform_;
  cli_client& client_;
  shared_output& out_;
  std::vector<body_holder> bodies_;
  std::vector<htpx::request> requests_;
  std::vector<transfer> transfers_;
  std::size_t next_ = 0;  // transfers started so far
  std::size_t done_ = 0;  // of those, completed
};

}  // namespace

int run(const args& a) {
  request_builder builder(a);
  const std::string unreadable = builder.check();
  sink diagnostics(STDERR_FILENO, "stderr");
  if (!unreadable.empty()) {
    diagnostics.write("htpx: " + unreadable + "\n");
    return exit_local_io;
  }
#if HTPX_CLI_TLS
  // Before the client (which closes its connections through it) and never on the stack: mbedTLS
  // keeps pointers into it.
  const auto tls = std::make_unique<htpx::port::tls_config>();
  const std::string tls_failure = configure_tls(a, *tls);
  if (!tls_failure.empty()) {
    diagnostics.write("htpx: " + tls_failure + "\n");
    return exit_local_io;
  }
#endif
  int body_fd = STDOUT_FILENO;
  if (!a.output.empty()) {
    body_fd = ::open(std::string(a.output).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (body_fd < 0) {
      diagnostics.write("htpx: -o " + std::string(a.output) + ": " + std::strerror(errno) + "\n");
      return exit_local_io;
    }
  }
  sink body(body_fd, a.output.empty() ? std::string("stdout") : std::string(a.output));
  shared_output out{a, body, diagnostics};

  htpx::port::posix_platform platform;
  connection_notes notes;
  credentials auth;
  const auto jar = std::make_unique<cli_cookie_jar>();
  htpx::client_options options;
  options.hooks = &notes;
  options.timeout = builder.timeouts();
  options.limits.max_connections = static_cast<std::uint16_t>(a.parallel);
  options.auth = auth.make(a);
  options.cookies = jar.get();
  options.follow_redirects = a.follow;
  if (a.max_redirects >= 0) options.max_redirects = static_cast<std::uint8_t>(a.max_redirects);
  options.retries = static_cast<std::uint8_t>(a.retries);
  options.proxy_tunnel = a.proxy_tunnel;
  if (a.has_proxy) {
    options.proxy = a.proxy;    // an http:// URL, checked by parse_args
    options.trust_env = false;  // --proxy '' means none, whatever the environment says
  }
  // About 330 KB of buffers: on the heap, not the stack.
  const auto client = std::make_unique<cli_client>(platform, options);
#if HTPX_CLI_TLS
  for (std::size_t i = 0; i != cli_client_config::max_connections; ++i) client->transport_at(i).configure(*tls);
#endif
  const int status = fetch_loop(a, builder, platform, *client, out, notes).run();
  if (body_fd != STDOUT_FILENO && ::close(body_fd) != 0 && status == exit_ok) {
    diagnostics.write("htpx: -o " + std::string(a.output) + ": " + std::strerror(errno) + "\n");
    return exit_local_io;
  }
  return status;
}

}  // namespace htpx_cli
