// htpx-bench: a load generator on the htpx client, in the style of h2load; single-threaded,
// driven by the client's poll() and sleep() (the POSIX port's wait(), or a sleeping receive).
//
//   htpx-bench -n REQUESTS -c CONNECTIONS [-m STREAMS] [-d SECONDS] [--h1|--h2|--h2c]
//              [--expect-body BYTES] [--poll] [-q] URL
//
// Waits in the POSIX port's epoll_platform (an epoll set kept between waits); --poll waits in
// posix_platform's poll(2) instead, which looks at every connection in every wait.
//
// Nothing is skipped to look fast: each request goes through the public API (start() on a
// static_client over posix_transport, then poll() and wait() until it completes); every response
// is parsed by the client; its body is consumed by the handler's on_body(), which counts the
// bytes (no copy beyond the client's own receive buffer). Each connection has one request in
// flight; when one completes, its handler starts the next (in the completion callback, as an
// application chaining requests would). Latency is start() to on_complete().
//
// Prints requests/s, MiB/s of response bodies, latency percentiles, the process's CPU time per
// request (getrusage, the whole loop), and last a `RESULT key=value ...` line (bench_stats.hpp).
// HTTP/2 (-m > 1, --h2, --h2c) is "not supported yet": exit 4.
#include <cstdint>
#include <cstdio>

#include "bench_stats.hpp"
#include "epoll_platform.hpp"
#include "htpx/client.hpp"
#include "posix_platform.hpp"
#include "posix_transport.hpp"

namespace {

// The client's sizes, fixed at compile time as in any htpx application; main() picks the
// smallest class that holds -c connections. Receive buffers are 16 KiB per connection (curl's
// default buffer size; wrk reads 8 KiB at a time); request heads are small.
template <std::size_t Connections>
struct bench_config : htpx::default_client_config {
  static constexpr std::size_t max_connections = Connections;
  static constexpr std::size_t max_requests = Connections;
  static constexpr std::size_t rx_bytes = 16384;
  static constexpr std::size_t tx_bytes = 512;
  static constexpr std::size_t max_request_headers = 8;
  static constexpr std::size_t scratch_bytes = 512;
  static constexpr std::size_t head_store_bytes = 1;  // no blocking calls here
  static constexpr std::size_t body_store_bytes = 1;
  static constexpr std::size_t redirect_url_bytes = 1;
  static constexpr std::size_t history_bytes = 1;
};

class runner;

// One request in flight at a time; the next one starts from on_complete().
class worker final : public htpx::response_handler {
 public:
  runner* run = nullptr;
  htpx::request_handle handle{};
  std::uint64_t started_ns = 0;
  std::uint64_t body = 0;
  std::uint16_t status = 0;

  htpx::error on_head(const htpx::response& head) noexcept override {
    status = head.status_code;
    return {};
  }
  htpx::body_ack on_body(htpx::bytes_view data) noexcept override {
    body += data.size;  // consumed: counted, as an application that stores nothing would
    return {data.size, {}};
  }
  void on_complete(htpx::error failure) noexcept override;
};

class runner {
 public:
  runner(htpx::client& client, const bench::options& o) noexcept : client_(client), o_(o) { req_.url = o.url; }

  // Starts the next request on `w` unless the run is over.
  void launch(worker& w) noexcept {
    if (o_.seconds > 0 ? bench::now_ns() >= deadline_ns_ : issued_ == o_.requests) return;
    w.status = 0;
    w.body = 0;
    w.started_ns = bench::now_ns();
    const htpx::result<htpx::request_handle> started = client_.start(req_, w);
    if (!started) {  // InvalidURL, UnsupportedProtocol: every later start fails the same way
      note_failure(started.err());
      stop_ = true;
      return;
    }
    w.handle = started.value();
    ++issued_;
  }

  void completed(worker& w, htpx::error failure) noexcept {
    const std::uint64_t end = bench::now_ns();
    t_.latency.record(end - w.started_ns);
    last_ns_ = end;
    const std::uint32_t serial = client_.connection_serial(w.handle);
    if (serial > t_.connections) t_.connections = serial;
    t_.body_bytes += w.body;
    if (failure) {
      note_failure(failure);
    } else if (o_.expect_body >= 0 && w.body != static_cast<std::uint64_t>(o_.expect_body)) {
      note_failure({htpx::errc::decoding_error, "body length differs from --expect-body"});
    } else if (w.status / 100 == 2) {
      ++t_.succeeded;
    } else {
      ++t_.non2xx;
    }
    if (!stop_) launch(w);
  }

  bench::tally run(worker* workers, std::size_t count, htpx::port::platform& platform) noexcept {
    const std::uint64_t cpu0 = bench::cpu_us();
    const std::uint64_t start = bench::now_ns();
    last_ns_ = start;
    deadline_ns_ = start + static_cast<std::uint64_t>(o_.seconds * 1e9);
    for (std::size_t i = 0; i != count; ++i) {
      workers[i].run = this;
      launch(workers[i]);
    }
    for (;;) {
      const htpx::poll_result step = client_.poll(platform.now_ms());
      if (step.in_flight == 0) break;
      client_.sleep(step);  // one connection: the receive sleeps; more: the platform's wait()
    }
    t_.cpu_us = bench::cpu_us() - cpu0;
    t_.elapsed_ns = last_ns_ - start;
    return t_;
  }

 private:
  void note_failure(const htpx::error& e) noexcept {
    if (t_.failed++ < 5) std::fprintf(stderr, "htpx-bench: %s: %s\n", htpx::to_string(e.code), e.detail);
  }

  htpx::client& client_;
  const bench::options& o_;
  htpx::request req_;
  bench::tally t_;
  std::uint64_t issued_ = 0;
  std::uint64_t deadline_ns_ = 0;
  std::uint64_t last_ns_ = 0;
  bool stop_ = false;
};

void worker::on_complete(htpx::error failure) noexcept { run->completed(*this, failure); }

template <std::size_t Connections>
bench::tally run_with(const bench::options& o, htpx::port::platform& platform) noexcept {
  htpx::client_options opts;
  opts.trust_env = false;  // never a proxy from the environment: loopback only
  opts.limits.max_connections = static_cast<std::uint16_t>(o.connections);  // <= 256
  opts.limits.max_keepalive_connections = static_cast<std::uint16_t>(o.connections);
  opts.limits.keepalive_expiry_ms = 60000;
  // Static: up to 256 x 16 KiB of buffers, too much for the stack.
  static htpx::static_client<bench_config<Connections>, htpx::port::posix_transport> client(platform, opts);
  static worker workers[Connections];
  runner r(client, o);
  return r.run(workers, o.connections, platform);
}

}  // namespace

int main(int argc, char** argv) {
  const bool poll_wait = bench::take_flag(argc, argv, "--poll");
  bench::options o;
  if (const int rc = bench::parse(argc, argv, o)) return rc;
  // The POSIX port's waits: an epoll set kept between waits, or with --poll a poll(2) over every
  // connection in every wait (the port's portable platform).
  static htpx::port::epoll_platform epoll_set;  // 16 KiB of table: not on the stack
  htpx::port::posix_platform poll_only;
  htpx::port::platform& platform = poll_wait ? static_cast<htpx::port::platform&>(poll_only) : epoll_set;
  if (o.streams > 1 || o.h2) {
    std::fprintf(stderr, "htpx-bench: not supported yet (HTTP/2)\n");
    return 4;
  }
  bench::tally t;
  const std::size_t c = o.connections;
  if (c <= 1) {
    t = run_with<1>(o, platform);
  } else if (c <= 4) {
    t = run_with<4>(o, platform);
  } else if (c <= 16) {
    t = run_with<16>(o, platform);
  } else if (c <= 64) {
    t = run_with<64>(o, platform);
  } else if (c <= 256) {
    t = run_with<256>(o, platform);
  } else {
    std::fprintf(stderr, "htpx-bench: at most 256 connections\n");
    return 1;
  }
  bench::report("htpx-bench", o, "HTTP/1.1", t);
  return t.failed != 0 || t.succeeded + t.non2xx == 0 ? 2 : 0;
}
