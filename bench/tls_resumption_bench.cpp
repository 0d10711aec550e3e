// htpx-tls-resumption-bench: what session resumption saves. Connects ROUNDS times to an https
// origin over the mbedTLS port, alternating a full handshake (session forgotten) and a resumed
// one, and prints the median handshake time and the bytes each direction for both.
//   htpx-tls-resumption-bench CA_FILE https://127.0.0.1:PORT/ [ROUNDS]
// (make bench-tls runs it against the TLS nginx fixture; nothing here is a timed test.)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "htpx/url.hpp"
#include "posix_platform.hpp"
#include "posix_transport.hpp"
#include "tls_transport.hpp"

namespace {

// Counts the bytes that cross the wire under TLS.
class counting final : public htpx::port::transport {
 public:
  htpx::port::io_result connect(std::string_view host, std::uint16_t port) noexcept override {
    return inner_.connect(host, port);
  }
  htpx::port::io_result send(htpx::bytes_view data) noexcept override {
    const htpx::port::io_result r = inner_.send(data);
    if (r.status == htpx::port::io_status::ok) sent += r.bytes;
    return r;
  }
  htpx::port::io_result recv(htpx::mutable_bytes buffer) noexcept override {
    const htpx::port::io_result r = inner_.recv(buffer);
    if (r.status == htpx::port::io_status::ok) received += r.bytes;
    return r;
  }
  void close() noexcept override { inner_.close(); }
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return inner_.native_handle(); }

  std::size_t sent = 0;
  std::size_t received = 0;

 private:
  htpx::port::posix_transport inner_;
};

struct sample {
  double ms;
  std::size_t sent;
  std::size_t received;
  bool resumed;
};

// One TCP connect and TLS handshake, poll-driven; false on failure.
bool handshake(htpx::port::tls_transport& tls, counting& wire, htpx::port::posix_platform& platform, const htpx::url& u,
               sample& out) {
  wire.sent = wire.received = 0;
  const auto start = std::chrono::steady_clock::now();
  bool tls_started = false;
  for (;;) {
    const htpx::port::io_result r = tls.connect(u.host, u.port);
    if (r.status == htpx::port::io_status::ok && !tls_started) {
      if (tls.start_tls(u.host).status != htpx::port::io_status::ok) return false;
      tls_started = true;
      continue;
    }
    if (r.status == htpx::port::io_status::ok) break;
    if (r.status != htpx::port::io_status::would_block) {
      const char* why = tls.describe_error(r.sys_error);
      std::fprintf(stderr, "handshake failed: %s\n", why != nullptr ? why : "connect error");
      return false;
    }
    htpx::port::wait_entry entry{&tls, tls.wants()};
    platform.wait(&entry, 1, 1000);
  }
  out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  out.sent = wire.sent;
  out.received = wire.received;
  out.resumed = tls.session_resumed();
  tls.close();  // close_notify; the session is kept for the next handshake
  return true;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: htpx-tls-resumption-bench CA_FILE https://HOST:PORT/ [ROUNDS]\n");
    return 1;
  }
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 50;
  const htpx::result<htpx::url> u = htpx::parse_url(argv[2]);
  if (!u) return 1;
  htpx::port::tls_config config;
  if (config.load_ca_file(argv[1]) != 0) {
    std::fprintf(stderr, "cannot load %s\n", argv[1]);
    return 1;
  }
  counting wire;
  htpx::port::tls_transport tls(wire, config);
  htpx::port::posix_platform platform;
  std::vector<double> full_ms, resumed_ms;
  sample full{}, resumed{};
  for (int i = 0; i != rounds; ++i) {
    sample s{};
    tls.forget_session();  // a full handshake ...
    if (!handshake(tls, wire, platform, u.value(), s) || s.resumed) return 1;
    full_ms.push_back(s.ms);
    full = s;
    if (!handshake(tls, wire, platform, u.value(), s) || !s.resumed) {  // ... then a resumed one
      std::fprintf(stderr, "the server did not resume the session\n");
      return 1;
    }
    resumed_ms.push_back(s.ms);
    resumed = s;
  }
  std::printf("| handshake | median time | bytes sent | bytes received |\n|---|---:|---:|---:|\n");
  std::printf("| full | %.3f ms | %zu | %zu |\n", median(full_ms), full.sent, full.received);
  std::printf("| resumed | %.3f ms | %zu | %zu |\n", median(resumed_ms), resumed.sent, resumed.received);
  std::printf("RESULT full_ms=%.3f resumed_ms=%.3f full_bytes=%zu resumed_bytes=%zu rounds=%d\n", median(full_ms),
              median(resumed_ms), full.sent + full.received, resumed.sent + resumed.received, rounds);
  return 0;
}
