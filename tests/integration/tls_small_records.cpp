// Heap per TLS connection with small mbedTLS record buffers (bench/tls_small_records.sh builds
// mbedTLS with MBEDTLS_SSL_IN/OUT_CONTENT_LEN 4096 or 1024 and this program against it).
//   tls_small_records CA_FILE PORT MAX_FRAGMENT_LENGTH PATH
// Connects to 127.0.0.1:PORT (SNI "localhost"), asks for max_fragment_length (0: does not ask),
// sends "GET PATH HTTP/1.0", reads to the end, and prints one line:
//   mfl=… handshake=… connected=… exchange=… status=… body=… max_recv=… in_payload=… out_payload=…
// Heap: mbedTLS's calloc/free (no MBEDTLS_PLATFORM_MEMORY: the C library's are interposed)
// counted from start_tls() on, as tests/integration/tls_transport_test.cpp counts them.
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "posix_platform.hpp"
#include "posix_transport.hpp"
#include "tls_config.hpp"
#include "tls_transport.hpp"

namespace heap {
struct entry {
  void* p;
  std::size_t size;
};
constexpr std::size_t table_size = std::size_t{1} << 15;
entry table[table_size];
void* const tombstone = reinterpret_cast<void*>(std::uintptr_t{1});
bool enabled = false;  // single-threaded program
std::size_t live = 0;
std::size_t peak = 0;
std::size_t slot(const void* p) { return (reinterpret_cast<std::uintptr_t>(p) >> 4) & (table_size - 1); }
void track(void* p, std::size_t size) {
  for (std::size_t i = slot(p), n = 0; n != table_size; i = (i + 1) & (table_size - 1), ++n) {
    if (table[i].p == nullptr || table[i].p == tombstone) {
      table[i] = {p, size};
      live += size;
      peak = std::max(peak, live);
      return;
    }
  }
}
void untrack(void* p) {
  for (std::size_t i = slot(p), n = 0; n != table_size && table[i].p != nullptr; i = (i + 1) & (table_size - 1), ++n) {
    if (table[i].p == p) {
      live -= table[i].size;
      table[i].p = tombstone;
      return;
    }
  }
}
}  // namespace heap

extern "C" void* __libc_calloc(std::size_t n, std::size_t size);
extern "C" void __libc_free(void* p);
extern "C" void* calloc(std::size_t n, std::size_t size) noexcept {
  void* p = __libc_calloc(n, size);
  if (p != nullptr && heap::enabled) heap::track(p, n * size);
  return p;
}
extern "C" void free(void* p) noexcept {
  if (p != nullptr && heap::enabled) heap::untrack(p);
  __libc_free(p);
}

namespace {
using htpx::bytes_view;
using htpx::mutable_bytes;
using htpx::port::interest;
using htpx::port::io_result;
using htpx::port::io_status;
using htpx::port::posix_platform;
using htpx::port::posix_transport;
using htpx::port::tls_config;
using htpx::port::tls_transport;
using htpx::port::wait_entry;

constexpr std::uint32_t timeout_ms = 5000;

io_result drive_connect(tls_transport& t, std::uint16_t port) {
  posix_platform platform;
  const std::uint32_t start = platform.now_ms();
  for (;;) {
    const io_result r = t.connect("127.0.0.1", port);
    if (r.status != io_status::would_block) return r;
    if (platform.now_ms() - start > timeout_ms) return {io_status::error, 0, -1};
    wait_entry entry{&t, t.wants()};
    platform.wait(&entry, 1, 20);
  }
}

const char* status_name(io_status s) {
  switch (s) {
    case io_status::ok: return "ok";
    case io_status::would_block: return "would_block";
    case io_status::closed: return "closed";
    default: return "error";
  }
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s CA_FILE PORT MAX_FRAGMENT_LENGTH PATH\n", argv[0]);
    return 2;
  }
  const auto port = static_cast<std::uint16_t>(std::atoi(argv[2]));
  const auto mfl = static_cast<unsigned>(std::atoi(argv[3]));
  tls_config config;
  if (config.load_ca_file(argv[1]) != 0) return 2;
  config.set_max_fragment_length(mfl);
  posix_transport tcp;
  tls_transport tls(tcp, config);
  posix_platform platform;

  io_result r = drive_connect(tls, port);  // TCP
  if (r.status != io_status::ok) return std::printf("tcp connect failed\n"), 1;
  heap::enabled = true;
  r = tls.start_tls("localhost");
  if (r.status == io_status::ok) r = drive_connect(tls, port);  // handshake
  const std::size_t handshake = heap::peak;
  const std::size_t connected = heap::live;
  std::printf("mbedTLS %s IN_CONTENT_LEN %d OUT_CONTENT_LEN %d mfl=%u(asked %u) handshake=%zu", MBEDTLS_VERSION_STRING,
              MBEDTLS_SSL_IN_CONTENT_LEN, MBEDTLS_SSL_OUT_CONTENT_LEN, config.max_fragment_length(), mfl, handshake);
  if (r.status != io_status::ok) {
    const char* text = tls.describe_error(r.sys_error);
    std::printf(" HANDSHAKE FAILED sys_error=%d (%s) alert=%d\n", static_cast<int>(r.sys_error),
                text != nullptr ? text : "?", tls.last_alert());
    return 1;
  }
  std::printf(" connected=%zu in_payload=%d out_payload=%d", connected,
              mbedtls_ssl_get_max_in_record_payload(tls.context()),
              mbedtls_ssl_get_max_out_record_payload(tls.context()));
  heap::peak = heap::live;
  const std::string request = std::string("GET ") + argv[4] + " HTTP/1.0\r\n\r\n";
  std::string_view pending(request);
  std::string response;
  std::size_t max_recv = 0;
  const std::uint32_t start = platform.now_ms();
  while (platform.now_ms() - start < timeout_ms) {
    if (!pending.empty()) {
      r = tls.send(bytes_view(pending));
      if (r.status == io_status::ok) pending.remove_prefix(r.bytes);
    } else {
      char buffer[16384];
      r = tls.recv(mutable_bytes(buffer, sizeof(buffer)));
      if (r.status == io_status::ok) {
        response.append(buffer, r.bytes);
        max_recv = std::max<std::size_t>(max_recv, r.bytes);
      }
    }
    if (r.status == io_status::closed || r.status == io_status::error) break;
    if (r.status == io_status::would_block) {
      wait_entry entry{&tls, tls.wants()};
      platform.wait(&entry, 1, 20);
    }
  }
  const std::size_t body_at = response.find("\r\n\r\n");
  const char* text = r.status == io_status::error ? tls.describe_error(r.sys_error) : nullptr;
  std::printf(" exchange=%zu end=%s sys_error=%d%s%s%s response=%zu body=%zu max_recv=%zu first_line=\"%s\"\n", heap::peak,
              status_name(r.status), r.status == io_status::error ? static_cast<int>(r.sys_error) : 0,
              text != nullptr ? " (" : "", text != nullptr ? text : "",
              text != nullptr ? ")" : "", response.size(),
              body_at == std::string::npos ? 0 : response.size() - body_at - 4, max_recv,
              response.substr(0, std::min(response.find("\r\n"), response.size())).c_str());
  tls.close();
  return r.status == io_status::closed ? 0 : 1;
}
