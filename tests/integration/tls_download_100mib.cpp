// A 100 MiB download over TLS (port/mbedtls over the POSIX port) from the TLS nginx, hashed as it
// streams, in a process of its own so its peak RSS (VmHWM) is the client's, mbedTLS's record
// buffers included. Passes when the SHA-256 matches the one run-with-servers.sh computed and the
// peak RSS stays under 8 MiB (the plain download's limit too).
//
//   run-with-servers.sh --tls --big-file -- htpx-tls-download
//
// Prints one line with the figures. Exit status 0 pass, 1 fail, 77 skipped (no server, and
// HTPX_REQUIRE_SERVERS not set).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "download_check.hpp"
#include "htpx/client.hpp"
#include "posix_platform.hpp"
#include "posix_transport.hpp"
#include "server_env.hpp"
#include "tls_config.hpp"
#include "tls_transport.hpp"

namespace {

constexpr std::uint64_t expected_bytes = 100ULL * 1024 * 1024;
constexpr long peak_rss_limit_kib = 8 * 1024;

// One connection with the library's default buffers (4 KiB in, 1 KiB out): a device's client.
struct one_connection : htpx::default_client_config {
  static constexpr std::size_t max_connections = 1;
  static constexpr std::size_t max_requests = 1;
};
using device_client = htpx::static_client<one_connection, htpx::port::tls_over<htpx::port::posix_transport>>;

using htpx_test::hashing_handler;
using htpx_test::proc_status_kib;

// In static storage, as on a device: the TLS settings, the client, the handler.
htpx::port::posix_platform platform;
htpx::port::tls_config tls;
device_client client(platform);
hashing_handler handler;

}  // namespace

int main() {
  const std::string base = htpx_test::env("HTPX_TLS_URL");
  const std::string path = htpx_test::env("HTPX_TLS_100MIB_PATH");
  const std::string expected_hash = htpx_test::env("HTPX_TLS_100MIB_SHA256");
  const std::string ca = htpx_test::env("HTPX_TLS_CA_FILE");
  if (base.empty() || path.empty() || expected_hash.empty() || ca.empty()) {
    std::fprintf(stderr,
                 "HTPX_TLS_URL, HTPX_TLS_100MIB_PATH, _SHA256 or HTPX_TLS_CA_FILE not set: run through "
                 "run-with-servers.sh --tls --big-file\n");
    if (htpx_test::servers_required()) return 1;
    std::printf("SKIPPED\n");
    return 77;
  }
  if (const int loaded = tls.load_ca_file(ca.c_str()); loaded != 0) {
    std::printf("FAIL: load_ca_file(%s): %s\n", ca.c_str(), htpx::port::describe_tls_error(loaded));
    return 1;
  }
  client.transport_at(0).configure(tls);
  const long before_kib = proc_status_kib("VmHWM:");

  const std::string target = base + path;
  htpx::request req;
  req.url = target;
  const auto began = std::chrono::steady_clock::now();
  const htpx::result<htpx::request_handle> started = client.start(req, handler);
  if (!started) {
    std::fprintf(stderr, "start: %s (%s)\n", htpx::to_string(started.err().code), started.err().detail);
    return 1;
  }
  client.wait_for(started.value());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  const std::string got_hash = handler.hash.hex();
  const long peak_kib = proc_status_kib("VmHWM:");

  std::printf(
      "100 MiB download over TLS (%.*s): %llu bytes in %llu pieces, %.2f s (%.0f MiB/s), peak RSS (VmHWM) "
      "%ld KiB (%ld KiB before the request), sizeof(client) %zu bytes, sizeof(tls_over<posix_transport>) "
      "%zu bytes\n",
      static_cast<int>(client.transport_at(0).negotiated_protocol().size()),
      client.transport_at(0).negotiated_protocol().data(), static_cast<unsigned long long>(handler.bytes),
      static_cast<unsigned long long>(handler.pieces), seconds,
      static_cast<double>(handler.bytes) / (1024.0 * 1024.0) / seconds, peak_kib, before_kib, sizeof(device_client),
      sizeof(htpx::port::tls_over<htpx::port::posix_transport>));
  int failures = 0;
  if (handler.failure) {
    std::printf("FAIL: %s (%s)\n", htpx::to_string(handler.failure.code), handler.failure.detail);
    ++failures;
  }
  if (handler.status != 200) {
    std::printf("FAIL: status %d, expected 200\n", handler.status);
    ++failures;
  }
  if (handler.bytes != expected_bytes) {
    std::printf("FAIL: %llu bytes, expected %llu\n", static_cast<unsigned long long>(handler.bytes),
                static_cast<unsigned long long>(expected_bytes));
    ++failures;
  }
  if (got_hash != expected_hash) {
    std::printf("FAIL: sha256 %s, expected %s\n", got_hash.c_str(), expected_hash.c_str());
    ++failures;
  }
  if (peak_kib < 0 || peak_kib >= peak_rss_limit_kib) {
    std::printf("FAIL: peak RSS %ld KiB, limit %ld KiB\n", peak_kib, peak_rss_limit_kib);
    ++failures;
  }
  return failures == 0 ? 0 : 1;
}
