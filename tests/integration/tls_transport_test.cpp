// Integration tests of the mbedTLS port (port/mbedtls/README.md): tls_transport over the POSIX
// port, driven by connect()/send()/recv() and posix_platform::wait() as the client drives it,
// against an mbedTLS server on a thread of this process (every behaviour under control: SNI
// seen, close_notify seen, records cut, two records in one segment) and against `openssl
// s_server` (another implementation), all on 127.0.0.1 with random ports.
// tls_transport_test.sh makes the certificates (certs/make-certs.sh) and names their directory
// in HTPX_TLS_TEST_CERTS.
#include "tls_transport.hpp"

#include <fcntl.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/version.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fault_transport.hpp"
#include "gtest/gtest.h"
#include "posix_platform.hpp"
#include "posix_transport.hpp"
#include "tls_config.hpp"

extern char** environ;

// ---- heap accounting: mbedTLS's calloc/free on the measuring thread --------------------------
// Debian's mbedTLS 2.28 is built without MBEDTLS_PLATFORM_MEMORY, so its calloc/free calls are
// counted by interposing the C library's (forwarding to glibc's own); with PLATFORM_MEMORY the
// counting pair is installed with mbedtls_platform_set_calloc_free(). Only the thread that set
// heap::counting is measured (the in-process server runs mbedTLS on another thread).
namespace heap {
std::atomic<bool> enabled{false};
thread_local bool this_thread = false;
struct entry {
  void* p;
  std::size_t size;
};
constexpr std::size_t table_size = std::size_t{1} << 15;
entry table[table_size];
void* const tombstone = reinterpret_cast<void*>(std::uintptr_t{1});
std::size_t live = 0;
std::size_t peak = 0;
std::size_t allocations = 0;
// Fault injection (T-15): when >= 0, the counted allocation after this many more fails once
// (returns nullptr); it is -1 again once that happened.
long fail_after = -1;
// The sizes of the counted allocations in order (T-15 picks which ones to fail from them).
constexpr std::size_t sequence_capacity = std::size_t{1} << 16;
std::size_t sequence[sequence_capacity];
std::size_t sequence_length = 0;

// Whether a counted allocation must fail now.
bool fail_now() {
  if (fail_after < 0) return false;
  return fail_after-- == 0;
}

std::size_t slot(const void* p) { return (reinterpret_cast<std::uintptr_t>(p) >> 4) & (table_size - 1); }

void track(void* p, std::size_t size) {
  for (std::size_t i = slot(p), n = 0; n != table_size; i = (i + 1) & (table_size - 1), ++n) {
    if (table[i].p == nullptr || table[i].p == tombstone) {
      table[i] = {p, size};
      if (sequence_length != sequence_capacity) sequence[sequence_length++] = size;
      live += size;
      peak = std::max(peak, live);
      ++allocations;
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

bool counting() { return enabled.load(std::memory_order_relaxed) && this_thread; }

// Starts counting on this thread from zero; peak() then gives the high-water mark since.
void start() {
  for (entry& e : table) e = {nullptr, 0};
  live = peak = allocations = 0;
  this_thread = true;
  enabled.store(true);
}
void reset_peak() { peak = live; }
void stop() {
  enabled.store(false);
  this_thread = false;
}

#if defined(MBEDTLS_PLATFORM_MEMORY)
void* counting_calloc(std::size_t n, std::size_t size) {
  if (counting() && fail_now()) return nullptr;
  void* p = std::calloc(n, size);
  if (p != nullptr && counting()) track(p, n * size);
  return p;
}
void counting_free(void* p) {
  if (p != nullptr && counting()) untrack(p);
  std::free(p);
}
#endif
}  // namespace heap

#if !defined(MBEDTLS_PLATFORM_MEMORY) && !defined(HTPX_TLS_TEST_NO_HEAP_HOOKS)
extern "C" void* __libc_calloc(std::size_t n, std::size_t size);
extern "C" void __libc_free(void* p);
extern "C" void* calloc(std::size_t n, std::size_t size) noexcept {
  if (heap::counting() && heap::fail_now()) return nullptr;
  void* p = __libc_calloc(n, size);
  if (p != nullptr && heap::counting()) heap::track(p, n * size);
  return p;
}
extern "C" void free(void* p) noexcept {
  if (p != nullptr && heap::counting()) heap::untrack(p);
  __libc_free(p);
}
#endif

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
using htpx::port::transport;
using htpx::port::wait_entry;
namespace tls_error = htpx::port::tls_error;

constexpr std::int32_t test_timeout = -999999;  // a drive loop ran out of time: a hang
constexpr std::uint32_t step_timeout_ms = 5000;

std::string cert_dir() {
  const char* dir = std::getenv("HTPX_TLS_TEST_CERTS");
  return dir != nullptr ? dir : "";
}
std::string cert(const std::string& name) { return cert_dir() + "/" + name; }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.c_str()); }

std::uint32_t now_ms() {
  posix_platform platform;
  return platform.now_ms();
}

void trust_test_ca(tls_config& config) { ASSERT_EQ(config.load_ca_file(cert("ca.crt").c_str()), 0); }

// ---- driving a transport as the client does: call, and on would_block wait in wait() ---------

// What to wait for after would_block: the TLS transport says which direction mbedTLS wants (a
// handshake waiting on read_write would spin: the socket is nearly always writable).
template <class T>
interest interest_of(const T&, interest fallback) {
  return fallback;
}
interest interest_of(const tls_transport& t, interest) { return t.wants(); }
template <class Inner>
interest interest_of(const htpx::port::tls_over<Inner>& t, interest) {
  return t.tls().wants();
}

template <class T>
io_result drive_connect(T& t, std::string_view host, std::uint16_t port) {
  posix_platform platform;
  const std::uint32_t start = platform.now_ms();
  for (;;) {
    const io_result r = t.connect(host, port);
    if (r.status != io_status::would_block) return r;
    if (platform.now_ms() - start > step_timeout_ms) return {io_status::error, 0, test_timeout};
    wait_entry entry{&t, interest_of(t, interest::read_write)};
    platform.wait(&entry, 1, 20);
  }
}

// TCP connect, start_tls(name), handshake.
template <class T>
io_result open_tls(T& t, std::uint16_t port, std::string_view name) {
  io_result r = drive_connect(t, "127.0.0.1", port);
  if (r.status != io_status::ok) return r;
  r = t.start_tls(name);
  if (r.status != io_status::ok) return r;
  return drive_connect(t, "127.0.0.1", port);
}

template <class T>
io_result send_all(T& t, std::string_view data) {
  posix_platform platform;
  const std::uint32_t start = platform.now_ms();
  while (!data.empty()) {
    const io_result r = t.send(bytes_view(data));
    if (r.status == io_status::ok) {
      if (r.bytes == 0 || r.bytes > data.size()) return {io_status::error, 0, EPROTO};
      data.remove_prefix(r.bytes);
      continue;
    }
    if (r.status != io_status::would_block) return r;
    if (platform.now_ms() - start > step_timeout_ms) return {io_status::error, 0, test_timeout};
    wait_entry entry{&t, interest_of(t, interest::write)};
    platform.wait(&entry, 1, 20);
  }
  return {};
}

// Receives until `want` bytes arrived or the stream ended; `last` gets the last non-ok result.
template <class T>
std::string receive(T& t, std::size_t want, io_result* last = nullptr, std::size_t chunk = 16384) {
  posix_platform platform;
  const std::uint32_t start = platform.now_ms();
  std::string out;
  char buffer[16384];
  chunk = std::min(chunk, sizeof(buffer));
  for (;;) {
    const io_result r = t.recv(mutable_bytes(buffer, chunk));
    if (r.status == io_status::ok) {
      EXPECT_GT(r.bytes, 0u);
      EXPECT_LE(r.bytes, chunk);
      out.append(buffer, r.bytes);
      if (out.size() >= want) {
        if (last != nullptr) *last = r;
        return out;
      }
      continue;
    }
    if (r.status != io_status::would_block) {
      if (last != nullptr) *last = r;
      return out;
    }
    if (platform.now_ms() - start > step_timeout_ms) {
      if (last != nullptr) *last = {io_status::error, 0, test_timeout};
      return out;
    }
    wait_entry entry{&t, interest_of(t, interest::read)};
    platform.wait(&entry, 1, 20);
  }
}

std::string text_of(const transport& t, std::int32_t code) {
  const char* text = t.describe_error(code);
  return text != nullptr ? text : "(null)";
}

// ---- a TCP listener on 127.0.0.1 with a random port, one connection at a time on a thread ----

class listener {
 public:
  explicit listener(std::function<void(int)> handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    (void)::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || ::listen(fd_, 16) != 0) {
      ADD_FAILURE() << "listener: bind/listen failed: " << std::strerror(errno);
    }
    socklen_t length = sizeof(address);
    (void)::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;
  ~listener() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] int accepted() const { return accepted_.load(); }

 private:
  void run() {
    while (!stop_.load()) {
      pollfd entry{fd_, POLLIN, 0};
      if (::poll(&entry, 1, 20) <= 0) continue;
      const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      ++accepted_;
      // No handler waits for ever: a silent client fails its reads after 3 s.
      timeval limit{3, 0};
      (void)::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
      (void)::setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
      handler_(client);
      ::close(client);
    }
  }

  std::function<void(int)> handler_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// A port on 127.0.0.1 nobody listens on (bound, read, released).
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  (void)::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  (void)::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

void read_until_eof(int fd) {
  char buffer[4096];
  while (::recv(fd, buffer, sizeof(buffer), 0) > 0) {
  }
}

// ---- an mbedTLS server on a thread ------------------------------------------------------------

// MBEDTLS_SSL_RENEGOTIATION_DONE of mbedTLS's private headers (2.28 ssl_internal.h, 3.x ssl_misc.h).
constexpr int renegotiation_done = 2;

enum class after_handshake : std::uint8_t {
  echo,             // echo records until close_notify or EOF
  send_and_notify,  // send the payload, then close_notify
  send_and_cut,     // send the payload, then FIN without close_notify
  one_record,       // send the payload as one record, then wait for the client to close
  two_records,      // the payload as two records in one TCP segment, then wait
  renegotiate,      // ask for a renegotiation (HelloRequest, RFC 5246 §7.4.1.1), then echo
};

struct server_options {
  std::string cert = "server";  // NAME.crt and NAME.key in the certificate directory
  bool require_client_cert = false;
  std::vector<const char*> alpn{"http/1.1"};
  bool tickets = true;
  after_handshake then = after_handshake::echo;
  std::string payload;
  bool second_port = false;  // also listen on second_port(): one server, one session cache, two ports
};

struct server_record {
  int handshake = 1;  // mbedtls_ssl_handshake()'s result (1: never ran)
  bool sni_seen = false;
  std::string sni;
  std::string alpn;
  bool client_verified = false;
  bool close_notify = false;  // the client's close_notify arrived
  bool eof = false;           // the connection ended without it
  std::size_t max_out_payload = 0;
  int client_hellos = 0;      // ClientHellos with SNI seen on this connection
  int renegotiate = 1;        // mbedtls_ssl_renegotiate()'s result (1: never ran)
  bool renegotiated = false;  // a second handshake completed on this connection
};

server_options with_cert(const char* name) {
  server_options options;
  options.cert = name;
  return options;
}

class tls_server {
 public:
  explicit tls_server(server_options options) : options_(std::move(options)) {
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
    mbedtls_ssl_config_init(&conf_);
    mbedtls_x509_crt_init(&cert_);
    mbedtls_x509_crt_init(&client_ca_);
    mbedtls_pk_init(&key_);
    mbedtls_ssl_cache_init(&cache_);
    mbedtls_ssl_ticket_init(&ticket_);
    setup();
    listener_ = std::make_unique<listener>([this](int fd) { serve(fd); });
    if (options_.second_port) second_ = std::make_unique<listener>([this](int fd) { serve(fd); });
  }
  tls_server(const tls_server&) = delete;
  tls_server& operator=(const tls_server&) = delete;
  ~tls_server() {
    second_.reset();
    listener_.reset();
    mbedtls_ssl_ticket_free(&ticket_);
    mbedtls_ssl_cache_free(&cache_);
    mbedtls_pk_free(&key_);
    mbedtls_x509_crt_free(&client_ca_);
    mbedtls_x509_crt_free(&cert_);
    mbedtls_ssl_config_free(&conf_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }

  [[nodiscard]] std::uint16_t port() const { return listener_->port(); }
  [[nodiscard]] std::uint16_t second_port() const { return second_ != nullptr ? second_->port() : 0; }

  // Waits until `n` connections have ended; returns their records.
  std::vector<server_record> records(std::size_t n) {
    const std::uint32_t start = now_ms();
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (records_.size() >= n || now_ms() - start > step_timeout_ms) return records_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

 private:
  struct bio {
    int fd;
    bool coalesce;
    std::string pending;
  };

  void setup() {
    ASSERT_EQ(mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, nullptr, 0), 0);
    ASSERT_EQ(mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT),
              0);
    mbedtls_ssl_conf_rng(&conf_, mbedtls_ctr_drbg_random, &drbg_);
    ASSERT_EQ(mbedtls_x509_crt_parse_file(&cert_, cert(options_.cert + ".crt").c_str()), 0);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    ASSERT_EQ(
        mbedtls_pk_parse_keyfile(&key_, cert(options_.cert + ".key").c_str(), nullptr, mbedtls_ctr_drbg_random, &drbg_),
        0);
#else
    ASSERT_EQ(mbedtls_pk_parse_keyfile(&key_, cert(options_.cert + ".key").c_str(), nullptr), 0);
#endif
    ASSERT_EQ(mbedtls_ssl_conf_own_cert(&conf_, &cert_, &key_), 0);
    if (options_.require_client_cert) {
      ASSERT_EQ(mbedtls_x509_crt_parse_file(&client_ca_, cert("client-ca.crt").c_str()), 0);
      mbedtls_ssl_conf_ca_chain(&conf_, &client_ca_, nullptr);
      mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_REQUIRED);
    } else {
      mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_NONE);
    }
    if (!options_.alpn.empty()) {
      options_.alpn.push_back(nullptr);
      ASSERT_EQ(mbedtls_ssl_conf_alpn_protocols(&conf_, options_.alpn.data()), 0);
    }
    mbedtls_ssl_conf_session_cache(&conf_, &cache_, mbedtls_ssl_cache_get, mbedtls_ssl_cache_set);
    if (options_.tickets) {
      ASSERT_EQ(mbedtls_ssl_ticket_setup(&ticket_, mbedtls_ctr_drbg_random, &drbg_, MBEDTLS_CIPHER_AES_256_GCM, 3600),
                0);
      mbedtls_ssl_conf_session_tickets_cb(&conf_, mbedtls_ssl_ticket_write, mbedtls_ssl_ticket_parse, &ticket_);
    }
    mbedtls_ssl_conf_sni(&conf_, on_sni, this);
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    if (options_.then == after_handshake::renegotiate) {
      mbedtls_ssl_conf_renegotiation(&conf_, MBEDTLS_SSL_RENEGOTIATION_ENABLED);
    }
#endif
  }

  static int on_sni(void* self, mbedtls_ssl_context*, const unsigned char* name, std::size_t size) {
    auto& server = *static_cast<tls_server*>(self);
    server.current_.sni_seen = true;
    ++server.current_.client_hellos;
    server.current_.sni.assign(reinterpret_cast<const char*>(name), size);
    return 0;
  }

  static int bio_send(void* context, const unsigned char* data, std::size_t size) {
    auto& io = *static_cast<bio*>(context);
    if (io.coalesce) {
      io.pending.append(reinterpret_cast<const char*>(data), size);
      return static_cast<int>(size);
    }
    const ssize_t sent = ::send(io.fd, data, size, MSG_NOSIGNAL);
    return sent > 0 ? static_cast<int>(sent) : MBEDTLS_ERR_NET_SEND_FAILED;
  }

  static int bio_recv(void* context, unsigned char* buffer, std::size_t size) {
    auto& io = *static_cast<bio*>(context);
    const ssize_t got = ::recv(io.fd, buffer, size, 0);
    if (got == 0) return 0;
    return got > 0 ? static_cast<int>(got) : MBEDTLS_ERR_NET_RECV_FAILED;
  }

  // Reads until close_notify or the end of the connection, echoing when asked.
  void drain(mbedtls_ssl_context& ssl, bool echo) {
    unsigned char buffer[4096];
    for (;;) {
      const int got = mbedtls_ssl_read(&ssl, buffer, sizeof(buffer));
      if (got > 0) {
        if (echo && mbedtls_ssl_write(&ssl, buffer, static_cast<std::size_t>(got)) < 0) break;
        continue;
      }
      if (got == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        current_.close_notify = true;
        return;
      }
      // A warning alert (the client's no_renegotiation) is ignored: mbedtls_ssl_read() says
      // WANT_READ even on a blocking socket. (A silent socket fails with RECV_FAILED instead.)
      if (got == MBEDTLS_ERR_SSL_WANT_READ || got == MBEDTLS_ERR_SSL_WANT_WRITE) continue;
      break;
    }
    current_.eof = true;
  }

  bool write_all(mbedtls_ssl_context& ssl, const std::string& data) {
    std::size_t done = 0;
    while (done != data.size()) {
      const int wrote = mbedtls_ssl_write(&ssl, bytes(data) + done, data.size() - done);
      if (wrote <= 0) return false;
      done += static_cast<std::size_t>(wrote);
    }
    return true;
  }

  void serve(int fd) {
    std::lock_guard<std::mutex> one_at_a_time(serving_);
    current_ = server_record{};
    bio io{fd, false, {}};
    mbedtls_ssl_context ssl;
    mbedtls_ssl_init(&ssl);
    if (mbedtls_ssl_setup(&ssl, &conf_) == 0) {
      mbedtls_ssl_set_bio(&ssl, &io, bio_send, bio_recv, nullptr);
      current_.handshake = mbedtls_ssl_handshake(&ssl);
      if (current_.handshake == 0) {
        const char* protocol = mbedtls_ssl_get_alpn_protocol(&ssl);
        current_.alpn = protocol != nullptr ? protocol : "";
        current_.client_verified = options_.require_client_cert && mbedtls_ssl_get_verify_result(&ssl) == 0 &&
                                   mbedtls_ssl_get_peer_cert(&ssl) != nullptr;
        current_.max_out_payload = static_cast<std::size_t>(mbedtls_ssl_get_max_out_record_payload(&ssl));
        after(ssl, io);
      }
    }
    mbedtls_ssl_free(&ssl);
    std::lock_guard<std::mutex> lock(mutex_);
    records_.push_back(current_);
  }

  void after(mbedtls_ssl_context& ssl, bio& io) {
    const std::string& payload = options_.payload;
    switch (options_.then) {
      case after_handshake::echo: drain(ssl, true); return;
      case after_handshake::send_and_notify:
        if (write_all(ssl, payload)) (void)mbedtls_ssl_close_notify(&ssl);
        drain(ssl, false);
        return;
      case after_handshake::send_and_cut:
        (void)write_all(ssl, payload);
        ::shutdown(io.fd, SHUT_WR);  // FIN, no close_notify
        read_until_eof(io.fd);
        current_.eof = true;
        return;
      case after_handshake::one_record:
        (void)write_all(ssl, payload);
        drain(ssl, false);
        return;
      case after_handshake::renegotiate:
#if defined(MBEDTLS_SSL_RENEGOTIATION)
        // Sends HelloRequest; a client that agrees answers with a ClientHello, which the reads of
        // drain() then take through a second handshake (mbedTLS renegotiates inside ssl_read).
        current_.renegotiate = mbedtls_ssl_renegotiate(&ssl);
#endif
        drain(ssl, true);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
        current_.renegotiated = ssl.MBEDTLS_PRIVATE(renego_status) == renegotiation_done;
#elif defined(MBEDTLS_SSL_RENEGOTIATION)
        current_.renegotiated = ssl.renego_status == renegotiation_done;
#endif
        return;
      case after_handshake::two_records: {
        io.coalesce = true;
        const std::size_t half = payload.size() / 2;
        (void)mbedtls_ssl_write(&ssl, bytes(payload), half);
        (void)mbedtls_ssl_write(&ssl, bytes(payload) + half, payload.size() - half);
        io.coalesce = false;
        (void)::send(io.fd, io.pending.data(), io.pending.size(), MSG_NOSIGNAL);  // one segment
        drain(ssl, false);
        return;
      }
    }
  }

  server_options options_;
  std::mutex serving_;  // two listeners, one connection at a time (current_)
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_ssl_config conf_;
  mbedtls_x509_crt cert_;
  mbedtls_x509_crt client_ca_;
  mbedtls_pk_context key_;
  mbedtls_ssl_cache_context cache_;
  mbedtls_ssl_ticket_context ticket_;
  server_record current_;  // the server thread's connection
  std::mutex mutex_;
  std::vector<server_record> records_;
  std::unique_ptr<listener> listener_;  // last: its thread uses everything above
  std::unique_ptr<listener> second_;
};

// ---- openssl s_server as a child process ------------------------------------------------------

class s_server {
 public:
  // What s_server reads on its standard input: nothing, or what type() writes (without -www it
  // sends each line to the client, and takes commands: "k" sends a TLS 1.3 KeyUpdate).
  enum class input { none, typed };

  // `args` follow "openssl s_server -accept 127.0.0.1:PORT"; file names are in the cert directory.
  explicit s_server(const std::vector<std::string>& args, input in = input::none) : port_(free_port()) {
    std::vector<std::string> all{"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port_)};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    int typed[2] = {-1, -1};
    if (in == input::typed && ::pipe2(typed, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (in == input::typed) {
      posix_spawn_file_actions_adddup2(&actions, typed[0], 0);
    } else {
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    const std::string log = cert("s_server.log");
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawnp(&pid_, "openssl", &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    if (in == input::typed) {
      ::close(typed[0]);
      input_ = typed[1];
    }
    ready_ = pid_ > 0 && wait_listening();
  }
  s_server(const s_server&) = delete;
  s_server& operator=(const s_server&) = delete;
  ~s_server() {
    if (input_ >= 0) ::close(input_);
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    (void)::waitpid(pid_, &status, 0);
  }

  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  // Writes `line` to s_server's input (input::typed).
  [[nodiscard]] bool type(std::string_view line) const {
    return input_ >= 0 && ::write(input_, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  }

 private:
  bool wait_listening() const {
    const std::uint32_t start = now_ms();
    while (now_ms() - start < 5000) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      address.sin_port = htons(port_);
      const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
      ::close(fd);  // s_server sees a failed handshake and accepts the next connection
      if (up) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::uint16_t port_;
  pid_t pid_ = -1;
  int input_ = -1;
  bool ready_ = false;
};

bool have_openssl() {
  static const bool found = std::system("command -v openssl >/dev/null 2>&1") == 0;
  return found;
}

// ---- a transport that counts the bytes through it --------------------------------------------

class counting_transport final : public transport {
 public:
  explicit counting_transport(transport& inner) : inner_(&inner) {}
  io_result connect(std::string_view host, std::uint16_t port) noexcept override { return inner_->connect(host, port); }
  io_result send(bytes_view data) noexcept override {
    const io_result r = inner_->send(data);
    if (r.status == io_status::ok) sent += r.bytes;
    return r;
  }
  io_result recv(mutable_bytes buffer) noexcept override {
    const io_result r = inner_->recv(buffer);
    if (r.status == io_status::ok) received += r.bytes;
    return r;
  }
  void close() noexcept override { inner_->close(); }
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return inner_->native_handle(); }
  std::size_t sent = 0;
  std::size_t received = 0;

 private:
  transport* inner_;
};

class TlsTransport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cert_dir().empty()) GTEST_SKIP() << "HTPX_TLS_TEST_CERTS is not set: run through tls_transport_test.sh";
  }
};

}  // namespace

// ---- plain bytes before start_tls() -------------------------------------------------------------

TEST_F(TlsTransport, PassesPlainBytesThroughBeforeStartTls) {
  listener echo([](int fd) {
    char buffer[256];
    ssize_t got = 0;
    while ((got = ::recv(fd, buffer, sizeof(buffer), 0)) > 0)
      (void)::send(fd, buffer, static_cast<std::size_t>(got), MSG_NOSIGNAL);
  });
  tls_config config;
  posix_transport tcp;
  tls_transport tls(tcp, config);
  EXPECT_EQ(tls.native_handle(), -1);
  ASSERT_EQ(drive_connect(tls, "127.0.0.1", echo.port()).status, io_status::ok);
  EXPECT_EQ(tls.native_handle(), tcp.native_handle());
  EXPECT_FALSE(tls.secure());
  // The CONNECT exchange of a proxy tunnel goes in the clear, byte for byte.
  const std::string request = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n";
  ASSERT_EQ(send_all(tls, request).status, io_status::ok);
  EXPECT_EQ(receive(tls, request.size()), request);
  EXPECT_FALSE(tls.has_buffered_input());
  EXPECT_TRUE(tls.negotiated_protocol().empty());
  tls.close();
  EXPECT_EQ(tls.native_handle(), -1);

  // The inner transport's errors come through unchanged and are its to describe.
  const io_result refused = drive_connect(tls, "127.0.0.1", free_port());
  EXPECT_EQ(refused.status, io_status::error);
  EXPECT_EQ(refused.sys_error, ECONNREFUSED);
  EXPECT_EQ(tls.describe_error(ECONNREFUSED), nullptr);
  tls.close();
}

// ---- a verified handshake, records both ways, SNI, ALPN, close_notify ----------------------------

TEST_F(TlsTransport, VerifiedHandshakeCarriesRecordsAndSendsCloseNotify) {
  tls_server server({});
  tls_config config;
  trust_test_ca(config);
  posix_transport tcp;
  tls_transport tls(tcp, config);
  const io_result r = open_tls(tls, server.port(), "localhost");
  ASSERT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
  EXPECT_TRUE(tls.secure());
  EXPECT_EQ(tls.negotiated_protocol(), "http/1.1");
  EXPECT_EQ(tls.verify_flags(), 0u);
  EXPECT_FALSE(tls.session_resumed());
  EXPECT_EQ(tls.native_handle(), tcp.native_handle());
  EXPECT_EQ(drive_connect(tls, "127.0.0.1", server.port()).status, io_status::ok);  // ok again once up
  ASSERT_NE(tls.context(), nullptr);

  const std::string message(40000, 'm');  // several records: send() takes one record at a time
  ASSERT_EQ(send_all(tls, message).status, io_status::ok);
  EXPECT_EQ(receive(tls, message.size()), message);
  tls.close();
  EXPECT_TRUE(tls.negotiated_protocol().empty());
  EXPECT_EQ(tls.context(), nullptr);
  tls.close();  // X-02

  const std::vector<server_record> records = server.records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].handshake, 0);
  EXPECT_TRUE(records[0].sni_seen);
  EXPECT_EQ(records[0].sni, "localhost");
  EXPECT_EQ(records[0].alpn, "http/1.1");
  EXPECT_TRUE(records[0].close_notify) << "close() sends close_notify";
}

// ---- certificate failures: each one's code and exact text -------------------------------------

struct bad_certificate {
  const char* cert;
  const char* name;
  std::int32_t code;
  const char* text;
};

TEST_F(TlsTransport, CertificateFailuresSayWhy) {
  const bad_certificate cases[] = {
      {"expired", "localhost", tls_error::cert_expired, "certificate has expired"},
      {"not-yet-valid", "localhost", tls_error::cert_not_yet_valid, "certificate is not yet valid"},
      {"wrong-host", "localhost", tls_error::hostname_mismatch, "hostname mismatch"},
      {"self-signed", "localhost", tls_error::unknown_ca, "unknown CA"},
      {"revoked", "localhost", tls_error::cert_revoked, "certificate revoked"},
      {"server", "127.0.0.2", tls_error::hostname_mismatch, "hostname mismatch"},
  };
  tls_config config;
  trust_test_ca(config);
  ASSERT_EQ(config.load_crl_file(cert("crl.pem").c_str()), 0);
  for (const bad_certificate& c : cases) {
    SCOPED_TRACE(std::string(c.cert) + " as " + c.name);
    tls_server server(with_cert(c.cert));
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), c.name);
    EXPECT_EQ(r.status, io_status::error);
    EXPECT_EQ(r.sys_error, c.code);
    EXPECT_EQ(text_of(tls, r.sys_error), c.text);
    EXPECT_NE(tls.verify_flags(), 0u);
    const io_result again = tls.connect("127.0.0.1", server.port());  // sticky until close()
    EXPECT_EQ(again.status, io_status::error);
    EXPECT_EQ(again.sys_error, c.code);
    EXPECT_EQ(tls.send(bytes_view("x", 1)).sys_error, c.code);
    tls.close();
    EXPECT_FALSE(tls.has_saved_session()) << "no session from a failed handshake";
    EXPECT_NE(server.records(1).at(0).handshake, 0);
  }
  // A server certificate from a CA the config does not trust.
  tls_config other;
  ASSERT_EQ(other.load_ca_file(cert("client-ca.crt").c_str()), 0);
  tls_server server({});
  posix_transport tcp;
  tls_transport tls(tcp, other);
  const io_result r = open_tls(tls, server.port(), "localhost");
  EXPECT_EQ(r.sys_error, tls_error::unknown_ca);
  EXPECT_EQ(text_of(tls, r.sys_error), "unknown CA");
}

TEST_F(TlsTransport, InsecureSkipVerifyConnectsToAnyCertificate) {
  tls_config config;  // no CA at all: nothing is verified
  config.insecure_skip_verify(true);
  EXPECT_FALSE(config.verifies());
  for (const char* name : {"self-signed", "expired", "wrong-host"}) {
    SCOPED_TRACE(name);
    tls_server server(with_cert(name));
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    ASSERT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
    ASSERT_EQ(send_all(tls, "ping").status, io_status::ok);
    EXPECT_EQ(receive(tls, 4), "ping");
    tls.close();
  }
}

TEST_F(TlsTransport, InMemoryCaChainPemAndDer) {
  const std::string pem = read_file(cert("ca.crt"));
  const std::string der = read_file(cert("ca.der"));
  ASSERT_FALSE(pem.empty());
  ASSERT_FALSE(der.empty());
  tls_server server({});
  {
    tls_config config;  // PEM: its NUL counted, as mbedTLS wants
    ASSERT_EQ(config.load_ca_chain(bytes(pem), pem.size() + 1), 0);
    EXPECT_EQ(config.ca_count(), 1u);
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    EXPECT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
    tls.close();
  }
  {
    tls_config config;  // DER, twice back to back (the same CA: mbedTLS keeps both)
    const std::string two = der + der;
    ASSERT_EQ(config.load_ca_chain(bytes(two), two.size()), 0);
    EXPECT_EQ(config.ca_count(), 2u);
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    EXPECT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
    tls.close();
  }
  tls_config config;
  EXPECT_EQ(config.load_ca_chain(bytes(pem), pem.size()), tls_error::pem_not_terminated);
  EXPECT_STREQ(htpx::port::describe_tls_error(tls_error::pem_not_terminated),
               "PEM data must end with a NUL byte counted in its length");
  const std::string junk = "\x30\x03\x02\x01\x05 not a certificate";
  const int rc = config.load_ca_chain(bytes(junk), junk.size());
  EXPECT_LT(rc, 0);
  EXPECT_NE(htpx::port::describe_tls_error(rc), nullptr);
  EXPECT_EQ(config.ca_count(), 0u);
}

// ---- names: DNS with SNI, IPv4 and IPv6 addresses without it -----------------------------------

TEST_F(TlsTransport, VerifiesDnsNamesAndIpAddresses) {
  tls_config config;
  trust_test_ca(config);
  struct name_case {
    const char* cert;
    const char* name;
    bool ok;
    const char* sni;  // nullptr: no SNI sent
  };
  const name_case cases[] = {
      {"server", "localhost", true, "localhost"},
      {"server", "LOCALHOST.", true, "LOCALHOST"},  // case-insensitive; the trailing dot goes
      {"server", "127.0.0.1", true, nullptr},       // RFC 6066 §3: no address in SNI
      {"server", "::1", true, nullptr},
      {"server", "[::1]", true, nullptr},
      {"server", "0:0:0:0:0:0:0:1", true, nullptr},
      {"server", "::2", false, nullptr},
      {"server", "127.0.0.2", false, nullptr},
      {"server", "127.000.0.1", false, "127.000.0.1"},  // not an address: a name, which does not match
      {"wrong-host", "10.9.8.7", true, nullptr},
      {"wrong-host", "other.example", true, "other.example"},
      {"wrong-host", "127.0.0.1", false, nullptr},
  };
  for (const name_case& c : cases) {
    SCOPED_TRACE(std::string(c.cert) + " as " + c.name);
    tls_server server(with_cert(c.cert));
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), c.name);
    if (c.ok) {
      EXPECT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
    } else {
      EXPECT_EQ(r.sys_error, tls_error::hostname_mismatch);
      EXPECT_EQ(text_of(tls, r.sys_error), "hostname mismatch");
    }
    tls.close();
    const server_record record = server.records(1).at(0);
    EXPECT_EQ(record.sni_seen, c.sni != nullptr);
    if (c.sni != nullptr) {
      EXPECT_EQ(record.sni, c.sni);
    }
  }
}

// ---- mutual TLS -------------------------------------------------------------------------------

TEST_F(TlsTransport, ClientCertificateRequiredRefusedAndAccepted) {
  server_options options;
  options.require_client_cert = true;
  tls_server server(options);
  std::size_t connections = 0;
  {
    tls_config config;  // no client certificate
    trust_test_ca(config);
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    EXPECT_EQ(r.sys_error, tls_error::client_cert_required)
        << text_of(tls, r.sys_error) << " alert " << tls.last_alert();
    EXPECT_EQ(text_of(tls, r.sys_error), "client certificate required");
    tls.close();
    EXPECT_FALSE(server.records(++connections).back().client_verified);
  }
  {
    tls_config config;  // a certificate the client CA did not sign
    trust_test_ca(config);
    ASSERT_EQ(config.load_client_cert_files(cert("server.crt").c_str(), cert("server.key").c_str()), 0);
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    EXPECT_EQ(r.sys_error, tls_error::client_cert_refused)
        << text_of(tls, r.sys_error) << " alert " << tls.last_alert();
    EXPECT_EQ(text_of(tls, r.sys_error), "client certificate refused");
    tls.close();
    EXPECT_FALSE(server.records(++connections).back().client_verified);
  }
  {
    tls_config config;  // from files
    trust_test_ca(config);
    ASSERT_EQ(config.load_client_cert_files(cert("client.crt").c_str(), cert("client.key").c_str()), 0);
    EXPECT_TRUE(config.has_client_cert());
    EXPECT_EQ(config.load_client_cert_files(cert("client.crt").c_str(), cert("client.key").c_str()),
              tls_error::already_loaded);
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    ASSERT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
    ASSERT_EQ(send_all(tls, "mutual").status, io_status::ok);
    EXPECT_EQ(receive(tls, 6), "mutual");
    tls.close();
    EXPECT_TRUE(server.records(++connections).back().client_verified);
  }
  {
    tls_config config;  // from memory: the chain (leaf, then its CA) and the key, PEM
    trust_test_ca(config);
    const std::string chain = read_file(cert("client-chain.pem"));
    const std::string key = read_file(cert("client.key"));
    ASSERT_EQ(config.load_client_cert(bytes(chain), chain.size() + 1, bytes(key), key.size() + 1), 0);
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    ASSERT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
    tls.close();
    EXPECT_TRUE(server.records(++connections).back().client_verified);
  }
  tls_config config;  // a key that is not the certificate's
  EXPECT_EQ(config.load_client_cert_files(cert("client.crt").c_str(), cert("server.key").c_str()),
            tls_error::key_mismatch);
  EXPECT_FALSE(config.has_client_cert());
  EXPECT_EQ(config.load_client_cert_files(cert("client.crt").c_str(), "/nonexistent.key"),
            MBEDTLS_ERR_PK_FILE_IO_ERROR);
  EXPECT_STREQ(htpx::port::describe_tls_error(MBEDTLS_ERR_PK_FILE_IO_ERROR), "cannot read the file");
}

// ---- ALPN -------------------------------------------------------------------------------------

TEST_F(TlsTransport, AlpnNegotiatesHttp11AndIsConfigurable) {
  struct alpn_case {
    std::vector<const char*> server;
    std::vector<const char*> client;  // empty: the default (http/1.1); {nullptr}: none
    std::string expected;
  };
  const alpn_case cases[] = {
      {{"http/1.1"}, {}, "http/1.1"},
      {{"http/1.1"}, {"h2", "http/1.1", nullptr}, "http/1.1"},
      {{"h2", "http/1.1"}, {"h2", "http/1.1", nullptr}, "h2"},
      {{}, {}, ""},                   // the server does no ALPN
      {{"http/1.1"}, {nullptr}, ""},  // the client offers none
  };
  for (const alpn_case& c : cases) {
    SCOPED_TRACE("expected '" + c.expected + "'");
    server_options options;
    options.alpn = c.server;
    tls_server server(options);
    tls_config config;
    trust_test_ca(config);
    if (!c.client.empty()) config.set_alpn(c.client.data());
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    ASSERT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
    EXPECT_EQ(tls.negotiated_protocol(), c.expected);
    tls.close();
  }
  // No protocol in common: the server's fatal alert (RFC 7301 §3.2 no_application_protocol).
  server_options options;
  options.alpn = {"h2"};
  tls_server server(options);
  tls_config config;
  trust_test_ca(config);
  posix_transport tcp;
  tls_transport tls(tcp, config);
  const io_result r = open_tls(tls, server.port(), "localhost");
  EXPECT_EQ(r.sys_error, MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
  EXPECT_EQ(text_of(tls, r.sys_error), "TLS alert from the server");
  EXPECT_EQ(tls.last_alert(), 120);
}

// ---- session resumption -------------------------------------------------------------------------

TEST_F(TlsTransport, ResumesTheSessionWhenReconnectingToTheSameName) {
  for (const bool tickets : {true, false}) {  // RFC 5077 tickets, then session IDs
    SCOPED_TRACE(tickets ? "tickets" : "session IDs");
    server_options options;
    options.tickets = tickets;
    tls_server server(options);
    tls_config config;
    trust_test_ca(config);
    posix_transport tcp;
    counting_transport counter(tcp);
    tls_transport tls(counter, config);

    ASSERT_EQ(open_tls(tls, server.port(), "localhost").status, io_status::ok);
    EXPECT_FALSE(tls.session_resumed());
    const std::size_t full_in = counter.received;
    const std::size_t full_out = counter.sent;
    tls.close();
    EXPECT_TRUE(tls.has_saved_session());
    EXPECT_EQ(tls.saved_session_name(), "localhost");

    counter.sent = counter.received = 0;
    const io_result r = open_tls(tls, server.port(), "localhost");
    ASSERT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
    EXPECT_TRUE(tls.session_resumed());
    // No certificate this time: far fewer bytes from the server.
    EXPECT_LT(counter.received * 2, full_in) << "full " << full_in << ", resumed " << counter.received;
    std::printf("[ resumption ] %s: full handshake %zu bytes in / %zu out, resumed %zu in / %zu out\n",
                tickets ? "tickets" : "session IDs", full_in, full_out, counter.received, counter.sent);
    ASSERT_EQ(send_all(tls, "again").status, io_status::ok);
    EXPECT_EQ(receive(tls, 5), "again");
    tls.close();

    // Another name gets a full handshake; so does a forgotten session.
    ASSERT_EQ(open_tls(tls, server.port(), "127.0.0.1").status, io_status::ok);
    EXPECT_FALSE(tls.session_resumed());
    tls.close();
    EXPECT_EQ(tls.saved_session_name(), "127.0.0.1");
    tls.forget_session();
    EXPECT_FALSE(tls.has_saved_session());
    ASSERT_EQ(open_tls(tls, server.port(), "127.0.0.1").status, io_status::ok);
    EXPECT_FALSE(tls.session_resumed());
    tls.close();
    EXPECT_TRUE(tls.has_saved_session());

    // Another server under the same name, on another port: the session is not offered there
    // (T-13), and the failed handshake leaves no session saved (RFC 5246 §7.2.2).
    tls_server impostor(with_cert("wrong-host"));
    EXPECT_EQ(open_tls(tls, impostor.port(), "127.0.0.1").sys_error, tls_error::hostname_mismatch);
    tls.close();
    EXPECT_FALSE(tls.has_saved_session());
  }
}

// ---- the end of a connection: close_notify is closed, a cut stream is an error ----------------

// R-05 over TLS: recv_wait() sleeps in the inner transport's recv_wait() for a record, times
// out as would_block, and says unsupported (reading nothing) over an inner transport that cannot.
TEST_F(TlsTransport, RecvWaitSleepsForARecord) {
  tls_server server({});
  tls_config config;
  trust_test_ca(config);
  posix_transport tcp;
  tls_transport tls(tcp, config);
  ASSERT_EQ(open_tls(tls, server.port(), "localhost").status, io_status::ok);
  char buffer[64];
  const auto start = std::chrono::steady_clock::now();
  io_result r = tls.recv_wait({buffer, sizeof buffer}, 100);
  const auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.status, io_status::would_block);
  EXPECT_EQ(r.sys_error, 0);
  EXPECT_GE(waited, 80);
  EXPECT_LT(waited, 1000);
  ASSERT_EQ(send_all(tls, "ping").status, io_status::ok);  // the server echoes it
  std::string got;
  while (got.size() < 4) {
    r = tls.recv_wait({buffer, sizeof buffer}, 5000);
    ASSERT_EQ(r.status, io_status::ok);
    got.append(buffer, r.bytes);
  }
  EXPECT_EQ(got, "ping");
  tls.close();  // the test server serves one connection at a time

  // An inner transport that only forwards (no recv_wait of its own).
  class forwarding final : public transport {
   public:
    explicit forwarding(transport& to) : to_(to) {}
    io_result connect(std::string_view host, std::uint16_t port) noexcept override { return to_.connect(host, port); }
    io_result send(bytes_view data) noexcept override { return to_.send(data); }
    io_result recv(mutable_bytes b) noexcept override { return to_.recv(b); }
    void close() noexcept override { to_.close(); }
    [[nodiscard]] std::intptr_t native_handle() const noexcept override { return to_.native_handle(); }

   private:
    transport& to_;
  };
  posix_transport tcp2;
  forwarding plain(tcp2);
  tls_transport tls2(plain, config);
  ASSERT_EQ(open_tls(tls2, server.port(), "localhost").status, io_status::ok);
  ASSERT_EQ(send_all(tls2, "pong").status, io_status::ok);
  r = tls2.recv_wait({buffer, sizeof buffer}, 5000);
  EXPECT_EQ(r.status, io_status::would_block);
  EXPECT_EQ(r.sys_error, transport::recv_wait_unsupported);
  EXPECT_EQ(receive(tls2, 4), "pong") << "recv_wait read nothing";
}

TEST_F(TlsTransport, ReceivedCloseNotifyIsClosed) {
  server_options options;
  options.then = after_handshake::send_and_notify;
  options.payload = "goodbye";
  tls_server server(options);
  tls_config config;
  trust_test_ca(config);
  posix_transport tcp;
  tls_transport tls(tcp, config);
  ASSERT_EQ(open_tls(tls, server.port(), "localhost").status, io_status::ok);
  io_result last{};
  EXPECT_EQ(receive(tls, 1000, &last), "goodbye");
  EXPECT_EQ(last.status, io_status::closed);
  char buffer[16];
  EXPECT_EQ(tls.recv(mutable_bytes(buffer)).status, io_status::closed);  // R-03: again
  EXPECT_EQ(tls.send(bytes_view("late", 4)).status, io_status::closed);
  tls.close();
  EXPECT_TRUE(tls.has_saved_session());
  EXPECT_TRUE(server.records(1).at(0).close_notify);  // ours, in answer
}

TEST_F(TlsTransport, TruncatedStreamIsAnErrorNotClosed) {
  server_options options;
  options.then = after_handshake::send_and_cut;
  options.payload = "partial body";
  tls_server server(options);
  tls_config config;
  trust_test_ca(config);
  posix_transport tcp;
  tls_transport tls(tcp, config);
  ASSERT_EQ(open_tls(tls, server.port(), "localhost").status, io_status::ok);
  io_result last{};
  EXPECT_EQ(receive(tls, 1000, &last), "partial body");
  EXPECT_EQ(last.status, io_status::error);
  EXPECT_EQ(last.sys_error, tls_error::truncated);
  EXPECT_EQ(text_of(tls, last.sys_error), "TLS connection truncated (no close_notify)");
  char buffer[16];
  const io_result again = tls.recv(mutable_bytes(buffer));  // L-04: error again, never closed
  EXPECT_EQ(again.status, io_status::error);
  EXPECT_EQ(again.sys_error, tls_error::truncated);
  tls.close();
  EXPECT_TRUE(tls.has_saved_session()) << "RFC 5246 §7.2.1: a cut connection may still resume";
  EXPECT_FALSE(server.records(1).at(0).close_notify);
}

// ---- has_buffered_input(): records inside mbedTLS that poll() cannot see (H-02, W-02) -----------

TEST_F(TlsTransport, ReportsBufferedRecords) {
  {
    server_options options;
    options.then = after_handshake::one_record;
    options.payload = std::string(100, 'a');
    tls_server server(options);
    tls_config config;
    trust_test_ca(config);
    posix_transport tcp;
    tls_transport tls(tcp, config);
    ASSERT_EQ(open_tls(tls, server.port(), "localhost").status, io_status::ok);
    pollfd entry{static_cast<int>(tls.native_handle()), POLLIN, 0};
    ASSERT_EQ(::poll(&entry, 1, static_cast<int>(step_timeout_ms)), 1);
    char one[1];
    io_result r{};
    do {  // the whole record has arrived when poll() says so? Not always: wait for it.
      r = tls.recv(mutable_bytes(one));
      if (r.status == io_status::would_block) ::poll(&entry, 1, 100);
    } while (r.status == io_status::would_block);
    ASSERT_EQ(r.status, io_status::ok);
    EXPECT_TRUE(tls.has_buffered_input());
    EXPECT_EQ(::poll(&entry, 1, 0), 0) << "the socket is empty: only has_buffered_input() tells";
    posix_platform platform;
    const std::uint32_t start = platform.now_ms();
    wait_entry wait{&tls, interest::read};
    platform.wait(&wait, 1, 5000);
    EXPECT_LT(platform.now_ms() - start, 100u) << "W-02: wait() returns at once";
    char rest[200];
    r = tls.recv(mutable_bytes(rest));
    ASSERT_EQ(r.status, io_status::ok);
    EXPECT_EQ(r.bytes, 99u);
    EXPECT_FALSE(tls.has_buffered_input());
    tls.close();
  }
  {
    server_options options;
    options.then = after_handshake::two_records;
    options.payload = std::string(100, 'b') + std::string(100, 'c');
    tls_server server(options);
    tls_config config;
    trust_test_ca(config);
    posix_transport tcp;
    tls_transport tls(tcp, config);
    ASSERT_EQ(open_tls(tls, server.port(), "localhost").status, io_status::ok);
    pollfd entry{static_cast<int>(tls.native_handle()), POLLIN, 0};
    ASSERT_EQ(::poll(&entry, 1, static_cast<int>(step_timeout_ms)), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the one segment is whole
    std::string got;
    char small[7];
    for (int calls = 0; got.size() < 200 && calls < 100; ++calls) {
      const io_result r = tls.recv(mutable_bytes(small));
      ASSERT_EQ(r.status, io_status::ok) << "both records are here: no waiting after " << got.size();
      got.append(small, r.bytes);
      if (got.size() < 200) {
        EXPECT_TRUE(tls.has_buffered_input() || ::poll(&entry, 1, 0) == 1);
      }
    }
    EXPECT_EQ(got, options.payload);
    tls.close();
  }
}

// ---- max fragment length (RFC 6066 §4) ------------------------------------------------------

TEST_F(TlsTransport, MaxFragmentLengthLimitsRecords) {
  tls_config config;
  trust_test_ca(config);
  config.set_max_fragment_length(1000);  // not a size RFC 6066 knows
  EXPECT_EQ(config.max_fragment_length(), 0u);
  config.set_max_fragment_length(512);
  EXPECT_EQ(config.max_fragment_length(), 512u);
  tls_server server({});
  posix_transport tcp;
  tls_transport tls(tcp, config);
  ASSERT_EQ(open_tls(tls, server.port(), "localhost").status, io_status::ok);
  EXPECT_EQ(mbedtls_ssl_get_max_out_record_payload(tls.context()), 512);
  const std::string message(3000, 'f');
  const io_result first = tls.send(bytes_view(message));
  ASSERT_EQ(first.status, io_status::ok);
  EXPECT_LE(first.bytes, 512u);
  ASSERT_EQ(send_all(tls, std::string_view(message).substr(first.bytes)).status, io_status::ok);
  // The server's records are 512 bytes at most too: no recv() returns more.
  EXPECT_EQ(receive(tls, message.size()), message);
  tls.close();
  EXPECT_EQ(server.records(1).at(0).max_out_payload, 512u);
}

// ---- other handshake failures ----------------------------------------------------------------

TEST_F(TlsTransport, HandshakeFailuresAreConnectErrors) {
  tls_config config;
  trust_test_ca(config);
  {
    listener hang_up([](int fd) {  // reads the ClientHello, then FIN
      char buffer[512];
      (void)::recv(fd, buffer, sizeof(buffer), 0);
      ::shutdown(fd, SHUT_WR);
      read_until_eof(fd);
    });
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, hang_up.port(), "localhost");
    EXPECT_EQ(r.status, io_status::error);
    EXPECT_EQ(r.sys_error, tls_error::handshake_closed);
    EXPECT_EQ(text_of(tls, r.sys_error), "handshake failed (connection closed by the server)");
    tls.close();
  }
  {
    listener slam([](int) {});  // closes at once: FIN, or RST when our ClientHello was there
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, slam.port(), "localhost");
    EXPECT_EQ(r.status, io_status::error);
    EXPECT_TRUE(r.sys_error == tls_error::handshake_closed || r.sys_error == ECONNRESET || r.sys_error == EPIPE)
        << r.sys_error;
    tls.close();
  }
  {
    listener plain_http([](int fd) {  // answers the ClientHello in plain HTTP
      char buffer[512];
      (void)::recv(fd, buffer, sizeof(buffer), 0);
      const char answer[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
      (void)::send(fd, answer, sizeof(answer) - 1, MSG_NOSIGNAL);
    });
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, plain_http.port(), "localhost");
    EXPECT_EQ(r.status, io_status::error);
    EXPECT_LT(r.sys_error, 0);
    EXPECT_EQ(text_of(tls, r.sys_error).rfind("handshake failed", 0), 0u) << text_of(tls, r.sys_error);
    tls.close();
  }
}

TEST_F(TlsTransport, StartTlsErrors) {
  tls_transport unattached;
  EXPECT_EQ(unattached.start_tls("localhost").sys_error, tls_error::not_attached);
  EXPECT_EQ(unattached.connect("127.0.0.1", 1).sys_error, tls_error::not_attached);
  EXPECT_EQ(unattached.native_handle(), -1);
  EXPECT_EQ(text_of(unattached, tls_error::not_attached), "TLS transport has no inner transport (attach())");

  tls_config config;
  trust_test_ca(config);
  tls_server server({});
  posix_transport tcp;
  tls_transport tls(tcp, config);
  ASSERT_EQ(drive_connect(tls, "127.0.0.1", server.port()).status, io_status::ok);
  EXPECT_EQ(tls.start_tls("").sys_error, tls_error::bad_server_name);
  EXPECT_EQ(text_of(tls, tls_error::bad_server_name), "invalid TLS server name");
  tls.close();
  ASSERT_EQ(drive_connect(tls, "127.0.0.1", server.port()).status, io_status::ok);
  EXPECT_EQ(tls.start_tls(std::string(300, 'a')).sys_error, tls_error::bad_server_name);
  tls.close();
  ASSERT_EQ(drive_connect(tls, "127.0.0.1", server.port()).status, io_status::ok);
  ASSERT_EQ(tls.start_tls("localhost").status, io_status::ok);
  EXPECT_EQ(tls.start_tls("localhost").sys_error, MBEDTLS_ERR_SSL_BAD_INPUT_DATA);
  EXPECT_EQ(tls.send(bytes_view("x", 1)).sys_error, ENOTCONN);  // K-02: not before ok
  EXPECT_EQ(drive_connect(tls, "127.0.0.1", server.port()).status, io_status::ok);
  tls.close();

  // start_tls() before the TCP connection: connect() then does both.
  ASSERT_EQ(tls.start_tls("localhost").status, io_status::ok);
  const io_result r = drive_connect(tls, "127.0.0.1", server.port());
  EXPECT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
  tls.close();
}

TEST_F(TlsTransport, TlsOverOwnsItsInnerTransportAndDefaultsToTheSystemBundle) {
  tls_config config;
  trust_test_ca(config);
  tls_server server({});
  htpx::port::tls_over<posix_transport> slots[2];  // as static_client<Cfg, T> holds them
  slots[0].configure(config);
  io_result r = open_tls(slots[0], server.port(), "localhost");
  ASSERT_EQ(r.status, io_status::ok) << text_of(slots[0], r.sys_error);
  EXPECT_EQ(slots[0].negotiated_protocol(), "http/1.1");
  EXPECT_EQ(slots[0].native_handle(), slots[0].inner().native_handle());
  ASSERT_EQ(send_all(slots[0], "slot").status, io_status::ok);
  EXPECT_EQ(receive(slots[0], 4), "slot");
  slots[0].close();
  // default_tls_config(): the system bundle, which does not know the test CA.
  r = open_tls(slots[1], server.port(), "localhost");
  EXPECT_EQ(r.status, io_status::error);
  const bool has_bundle = htpx::port::default_tls_config().ca_count() != 0;
  EXPECT_EQ(r.sys_error, has_bundle ? tls_error::unknown_ca : tls_error::no_ca) << text_of(slots[1], r.sys_error);
  slots[1].close();
}

TEST_F(TlsTransport, ErrorTexts) {
  using htpx::port::describe_tls_error;
  const std::pair<std::int32_t, const char*> texts[] = {
      {tls_error::cert_expired, "certificate has expired"},
      {tls_error::cert_not_yet_valid, "certificate is not yet valid"},
      {tls_error::hostname_mismatch, "hostname mismatch"},
      {tls_error::unknown_ca, "unknown CA"},
      {tls_error::cert_revoked, "certificate revoked"},
      {tls_error::client_cert_required, "client certificate required"},
      {tls_error::client_cert_refused, "client certificate refused"},
      {tls_error::truncated, "TLS connection truncated (no close_notify)"},
      {tls_error::no_ca, "no CA certificates to verify the server with"},
      {MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, "TLS alert from the server"},
      {MBEDTLS_ERR_X509_FILE_IO_ERROR, "cannot read the file"},
      {MBEDTLS_ERR_SSL_ALLOC_FAILED, "out of memory (mbedTLS heap)"},
  };
  for (const auto& [code, text] : texts) {
    EXPECT_STREQ(describe_tls_error(code), text) << code;
  }
  for (std::int32_t code = tls_error::last_code; code <= tls_error::cert_expired; ++code) {
    EXPECT_NE(describe_tls_error(code), nullptr) << code;
  }
  EXPECT_STREQ(describe_tls_error(MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE, true), "handshake failed");
  EXPECT_STREQ(describe_tls_error(MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE), "TLS protocol error");
  EXPECT_EQ(describe_tls_error(0), nullptr);
  EXPECT_EQ(describe_tls_error(ECONNRESET), nullptr);
  EXPECT_EQ(describe_tls_error(-2), nullptr);  // a resolver code (EAI_NONAME), not TLS's

  tls_config config;
  EXPECT_EQ(config.status(), 0);
  EXPECT_EQ(config.load_ca_file("/nonexistent/ca.crt"), MBEDTLS_ERR_PK_FILE_IO_ERROR);  // mbedTLS reads with pk
  EXPECT_EQ(config.ca_count(), 0u);
}

// ---- every fault at every call: a clean end, never a hang (DESIGN.md §6) ------------------------

TEST_F(TlsTransport, EveryFaultAtEveryCallEndsCleanly) {
  using htpx::test::call_kind;
  using htpx::test::fault;
  tls_server server({});  // echo
  tls_config config;
  trust_test_ca(config);
  std::size_t runs = 0;
  for (const fault f : {fault::error, fault::closed, fault::short_transfer, fault::would_block}) {
    for (std::size_t n = 1;; ++n) {
      SCOPED_TRACE(std::string(htpx::test::to_string(f)) + " at call " + std::to_string(n));
      posix_transport tcp;
      htpx::test::fault_transport faulty(tcp);
      tls_transport tls(faulty, config);
      ASSERT_EQ(drive_connect(tls, "127.0.0.1", server.port()).status, io_status::ok);
      // The Nth call from the handshake on: handshake, one record each way, close_notify.
      faulty.arm(call_kind::any, faulty.calls(call_kind::any) + n, f);
      ASSERT_EQ(tls.start_tls("localhost").status, io_status::ok);
      io_result end = drive_connect(tls, "127.0.0.1", server.port());
      if (end.status == io_status::ok) end = send_all(tls, "ping");
      if (end.status == io_status::ok) {
        const std::string got = receive(tls, 4, &end);
        if (end.status == io_status::ok) {
          EXPECT_EQ(got, "ping");
        }
      }
      const bool fired = faulty.fired();
      const call_kind where = faulty.fired_on();
      tls.close();  // also under the fault, when it lands on close_notify
      ++runs;
      ASSERT_NE(end.sys_error, test_timeout) << "a hang";
      if (!fired) break;  // N is past the last call: every call has had its fault
      switch (f) {
        case fault::error:
          EXPECT_EQ(end.status, io_status::error);
          EXPECT_EQ(end.sys_error, ECONNRESET) << text_of(tls, end.sys_error);
          break;
        case fault::closed:
          if (end.status == io_status::closed) {
            EXPECT_EQ(where, call_kind::send) << "closed only where the peer stopped reading";
          } else {
            EXPECT_EQ(end.status, io_status::error);
            EXPECT_TRUE(end.sys_error == tls_error::handshake_closed || end.sys_error == tls_error::truncated)
                << text_of(tls, end.sys_error);
          }
          break;
        case fault::short_transfer:
        case fault::would_block: EXPECT_EQ(end.status, io_status::ok) << text_of(tls, end.sys_error); break;
        case fault::none: break;
      }
      ASSERT_LT(n, 500u);
    }
  }
  std::printf("[ fault sweep ] %zu runs\n", runs);
  EXPECT_GT(runs, 40u);
}

// ---- memory: sizes and mbedTLS's heap per connection (port/mbedtls/README.md) ----------------

struct connection_heap {
  std::size_t handshake_peak = 0;  // high-water from start_tls() to the handshake's end
  std::size_t connected = 0;       // held while the connection is up
  std::size_t exchange_peak = 0;   // high-water through 32 KB each way
  std::size_t after_close = 0;     // held after close(): the saved session
  std::size_t resumed_peak = 0;    // high-water of a resumed handshake
};

connection_heap measure_connection(tls_config& config, std::uint16_t port) {
  connection_heap m;
  posix_transport tcp;
  tls_transport tls(tcp, config);
  const std::size_t base = heap::live;
  heap::reset_peak();
  EXPECT_EQ(open_tls(tls, port, "localhost").status, io_status::ok);
  m.handshake_peak = heap::peak - base;
  m.connected = heap::live - base;
  heap::reset_peak();
  const std::string data(32768, 'd');
  EXPECT_EQ(send_all(tls, data).status, io_status::ok);
  EXPECT_EQ(receive(tls, data.size()).size(), data.size());
  m.exchange_peak = heap::peak - base;
  tls.close();
  m.after_close = heap::live - base;
  heap::reset_peak();
  EXPECT_EQ(open_tls(tls, port, "localhost").status, io_status::ok);
  EXPECT_TRUE(tls.session_resumed());
  m.resumed_peak = heap::peak - base;
  tls.close();
  tls.forget_session();
  EXPECT_EQ(heap::live, base) << "everything freed";
  return m;
}

TEST_F(TlsTransport, MemoryFootprint) {
#if defined(HTPX_TLS_TEST_NO_HEAP_HOOKS)
  const char* method = "none";
  GTEST_SKIP() << "built with HTPX_TLS_TEST_NO_HEAP_HOOKS (sanitizers): no heap accounting";
#elif defined(MBEDTLS_PLATFORM_MEMORY)
  ASSERT_EQ(mbedtls_platform_set_calloc_free(heap::counting_calloc, heap::counting_free), 0);
  const char* method = "mbedtls_platform_set_calloc_free";
#else
  const char* method = "calloc/free interposed (no MBEDTLS_PLATFORM_MEMORY)";
#endif
  tls_server server({});
  heap::start();
  std::size_t config_defaults = 0;
  std::size_t config_ca = 0;
  std::size_t system_count = 0;
  std::size_t system_heap = 0;
  {
    tls_config config;
    config_defaults = heap::live;
    trust_test_ca(config);
    config_ca = heap::live - config_defaults;
  }
  {
    const std::size_t before = heap::live;
    tls_config config;
    if (config.load_system_ca() == 0) {
      system_count = config.ca_count();
      system_heap = heap::live - before;
    }
  }
  struct row {
    unsigned mfl;
    connection_heap heap;
  };
  std::vector<row> rows;
  for (const unsigned mfl : {0u, 4096u, 512u}) {
    tls_config config;
    trust_test_ca(config);
    config.set_max_fragment_length(mfl);
    rows.push_back({mfl, measure_connection(config, server.port())});
  }
  heap::stop();

  std::printf("[ memory ] mbedTLS %s, heap counted with %s\n", MBEDTLS_VERSION_STRING, method);
  std::printf("[ memory ] MBEDTLS_SSL_IN_CONTENT_LEN %d, MBEDTLS_SSL_OUT_CONTENT_LEN %d\n", MBEDTLS_SSL_IN_CONTENT_LEN,
              MBEDTLS_SSL_OUT_CONTENT_LEN);
  std::printf(
      "[ memory ] sizeof: tls_transport %zu, tls_config %zu, mbedtls_ssl_context %zu, mbedtls_ssl_session %zu, "
      "mbedtls_ssl_config %zu, tls_over<posix_transport> %zu\n",
      sizeof(tls_transport), sizeof(tls_config), sizeof(mbedtls_ssl_context), sizeof(mbedtls_ssl_session),
      sizeof(mbedtls_ssl_config), sizeof(htpx::port::tls_over<posix_transport>));
  std::printf(
      "[ memory ] inside tls_config: mbedtls_entropy_context %zu, mbedtls_ctr_drbg_context %zu, "
      "mbedtls_x509_crt %zu x2, mbedtls_x509_crl %zu, mbedtls_pk_context %zu\n",
      sizeof(mbedtls_entropy_context), sizeof(mbedtls_ctr_drbg_context), sizeof(mbedtls_x509_crt),
      sizeof(mbedtls_x509_crl), sizeof(mbedtls_pk_context));
  std::printf(
      "[ memory ] tls_config heap: defaults %zu, test CA (1 EC certificate) %zu, system bundle (%zu certificates) "
      "%zu\n",
      config_defaults, config_ca, system_count, system_heap);
  std::printf("[ memory ] %-8s %10s %10s %10s %10s %10s\n", "MFL", "handshake", "connected", "exchange", "closed",
              "resumed");
  for (const row& r : rows) {
    std::printf("[ memory ] %-8u %10zu %10zu %10zu %10zu %10zu\n", r.mfl, r.heap.handshake_peak, r.heap.connected,
                r.heap.exchange_peak, r.heap.after_close, r.heap.resumed_peak);
  }
  for (const row& r : rows) {
    EXPECT_GE(r.heap.connected, std::size_t{MBEDTLS_SSL_IN_CONTENT_LEN}) << "the record buffers";
    EXPECT_LT(r.heap.handshake_peak, std::size_t{160000});
    EXPECT_GE(r.heap.handshake_peak, r.heap.connected);
    EXPECT_GT(r.heap.after_close, 0u) << "the saved session";
    EXPECT_LT(r.heap.after_close, std::size_t{8192});
  }
}

// ---- another implementation: openssl s_server ----------------------------------------------

TEST_F(TlsTransport, InteroperatesWithOpensslSServer) {
  if (!have_openssl()) GTEST_SKIP() << "openssl is missing";
  tls_config config;
  trust_test_ca(config);
  posix_transport tcp;
  tls_transport tls(tcp, config);
  {
    // s_server serves the localhost certificate only when SNI says "localhost" (-servername,
    // -cert2); its default certificate names another host. So verification passing proves SNI.
    s_server sni({"-cert", cert("wrong-host.crt"), "-key", cert("wrong-host.key"), "-servername", "localhost", "-cert2",
                  cert("server.crt"), "-key2", cert("server.key"), "-www"});
    ASSERT_TRUE(sni.ready());
    io_result r = open_tls(tls, sni.port(), "localhost");
    EXPECT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error) << " alert " << tls.last_alert();
    tls.close();
    // An address is not sent as SNI: s_server then serves its default certificate, which lists
    // 10.9.8.7 and other.example but not 127.0.0.1.
    r = open_tls(tls, sni.port(), "127.0.0.1");
    EXPECT_EQ(r.sys_error, tls_error::hostname_mismatch) << text_of(tls, r.sys_error);
    tls.close();
  }
  s_server server({"-cert", cert("server.crt"), "-key", cert("server.key"), "-alpn", "http/1.1", "-www"});
  ASSERT_TRUE(server.ready());
  for (int round = 0; round != 2; ++round) {
    SCOPED_TRACE(round == 0 ? "full handshake" : "resumed");
    const io_result r = open_tls(tls, server.port(), "localhost");
    ASSERT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error) << " alert " << tls.last_alert();
    EXPECT_EQ(tls.session_resumed(), round == 1);
    EXPECT_EQ(tls.negotiated_protocol(), "http/1.1");
    ASSERT_EQ(send_all(tls, "GET / HTTP/1.0\r\n\r\n").status, io_status::ok);
    io_result last{};
    const std::string page = receive(tls, std::size_t{1} << 20, &last);
    EXPECT_EQ(page.rfind("HTTP/1.0 200 ok", 0), 0u) << page.substr(0, 80);
    EXPECT_TRUE(last.status == io_status::closed)
        << "s_server -www ends with close_notify: " << text_of(tls, last.sys_error);
    tls.close();
  }
}

TEST_F(TlsTransport, MutualTlsWithOpensslSServer) {
  if (!have_openssl()) GTEST_SKIP() << "openssl is missing";
  s_server server({"-cert", cert("server.crt"), "-key", cert("server.key"), "-Verify", "1", "-verify_return_error",
                   "-CAfile", cert("client-ca.crt"), "-www"});
  ASSERT_TRUE(server.ready());
  {
    tls_config config;
    trust_test_ca(config);
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    EXPECT_EQ(r.sys_error, tls_error::client_cert_required)
        << text_of(tls, r.sys_error) << " alert " << tls.last_alert();
    EXPECT_EQ(text_of(tls, r.sys_error), "client certificate required");
    tls.close();
  }
  {
    tls_config config;
    trust_test_ca(config);
    ASSERT_EQ(config.load_client_cert_files(cert("self-signed.crt").c_str(), cert("self-signed.key").c_str()), 0);
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    EXPECT_EQ(r.sys_error, tls_error::client_cert_refused)
        << text_of(tls, r.sys_error) << " alert " << tls.last_alert();
    EXPECT_EQ(text_of(tls, r.sys_error), "client certificate refused");
    tls.close();
  }
  {
    tls_config config;
    trust_test_ca(config);
    ASSERT_EQ(config.load_client_cert_files(cert("client.crt").c_str(), cert("client.key").c_str()), 0);
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    ASSERT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error) << " alert " << tls.last_alert();
    ASSERT_EQ(send_all(tls, "GET / HTTP/1.0\r\n\r\n").status, io_status::ok);
    EXPECT_EQ(receive(tls, 15).substr(0, 15), "HTTP/1.0 200 ok");
    tls.close();
  }
}

// ---- reliability catalogue (/work/shared/reliability-catalogue.md): the TLS rows ---------------

// T-05: a chain that does not lead to a trusted CA, one longer than mbedTLS follows, and a
// certificate not meant for TLS servers are each refused with their own code.
TEST_F(TlsTransport, ChainsAndKeyUsagesAreCheckedT05) {
  tls_config config;
  trust_test_ca(config);
  {
    SCOPED_TRACE("control: leaf and intermediate sent");
    tls_server server(with_cert("via-inter"));
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    EXPECT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
    tls.close();
  }
  const bad_certificate cases[] = {
      // RFC 5246 §7.4.2: the server must send the intermediates; the client does not fetch them.
      {"leaf-only", "localhost", tls_error::unknown_ca, "unknown CA"},
      // 9 intermediates: more than MBEDTLS_X509_MAX_INTERMEDIATE_CA (8) follows.
      {"long-chain", "localhost", tls_error::chain_too_long, "certificate chain too long"},
  };
  for (const bad_certificate& c : cases) {
    SCOPED_TRACE(c.cert);
    tls_server server(with_cert(c.cert));
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), c.name);
    EXPECT_EQ(r.status, io_status::error);
    EXPECT_EQ(r.sys_error, c.code) << text_of(tls, r.sys_error) << " flags " << tls.verify_flags();
    EXPECT_EQ(text_of(tls, r.sys_error), c.text);
    tls.close();
    EXPECT_FALSE(tls.has_saved_session());
    EXPECT_NE(server.records(1).at(0).handshake, 0);
  }
  // RFC 5280 §4.2.1.12: extendedKeyUsage without serverAuth. (s_server: an mbedTLS server will
  // not use such a certificate itself.)
  if (!have_openssl()) GTEST_SKIP() << "openssl is missing";
  s_server server({"-cert", cert("client-eku.crt"), "-key", cert("client-eku.key"), "-www"});
  ASSERT_TRUE(server.ready());
  posix_transport tcp;
  tls_transport tls(tcp, config);
  const io_result r = open_tls(tls, server.port(), "localhost");
  EXPECT_EQ(r.sys_error, tls_error::cert_bad_usage) << text_of(tls, r.sys_error);
  EXPECT_EQ(text_of(tls, r.sys_error), "certificate not valid for TLS server authentication (key usage)");
  EXPECT_NE(tls.verify_flags() & MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, 0u);
  tls.close();
}

// T-08: handshake messages split over several records (RFC 5246 §6.2.1 allows it: a big
// chain, or a server that keeps its records small). mbedTLS before 3.6.3 cannot reassemble them
// (3.6.3 and later not when a message header is split, HandshakeRecordsCutIntoPiecesT08); the
// port re-frames the plaintext handshake (tls_transport::reframe_read()), so the handshake works
// with every version. A message larger than mbedTLS's record buffer cannot
// work however it is framed: that is its own error.
TEST_F(TlsTransport, HandshakeMessagesSplitOverRecordsT08) {
  if (!have_openssl()) GTEST_SKIP() << "openssl is missing";
  tls_config config;
  trust_test_ca(config);
  const std::vector<std::string> big_chain{"-cert",       cert("big-chain.crt"),    "-key", cert("big-chain.key"),
                                           "-cert_chain", cert("big-chain-cas.pem")};
  std::vector<std::string> one_level{"-cert", cert("server.crt"), "-key", cert("server.key")};
  const std::string small_records[] = {"-max_send_frag", "512"};
  struct split_case {
    const char* what;
    std::vector<std::string> args;
  };
  std::vector<split_case> cases{
      {"one-level chain, 16 KB records", one_level},
      {"five-certificate chain (2.6 KB Certificate message), 16 KB records", big_chain},
      {"five-certificate chain, 512-byte records: the Certificate message in 6 records", big_chain},
      {"one-level chain, 512-byte records: every message fits one", one_level},
  };
  cases[2].args.insert(cases[2].args.end(), std::begin(small_records), std::end(small_records));
  cases[3].args.insert(cases[3].args.end(), std::begin(small_records), std::end(small_records));
  for (const split_case& c : cases) {
    SCOPED_TRACE(c.what);
    std::vector<std::string> args = c.args;
    args.push_back("-www");
    s_server server(args);
    ASSERT_TRUE(server.ready());
    posix_transport tcp;
    tls_transport tls(tcp, config);
    for (int round = 0; round != 2; ++round) {  // a full handshake, then a resumed one
      SCOPED_TRACE(round == 0 ? "full handshake" : "resumed");
      const io_result r = open_tls(tls, server.port(), "localhost");
      ASSERT_EQ(r.status, io_status::ok) << r.sys_error << " " << text_of(tls, r.sys_error) << " alert "
                                         << tls.last_alert();
      EXPECT_EQ(tls.session_resumed(), round == 1);
      ASSERT_EQ(send_all(tls, "GET / HTTP/1.0\r\n\r\n").status, io_status::ok);
      EXPECT_EQ(receive(tls, 15).substr(0, 15), "HTTP/1.0 200 ok");
      tls.close();
    }
  }
  // A Certificate message over 16 KB (the four intermediates ten times over): more than
  // mbedTLS's record buffer (MBEDTLS_SSL_IN_CONTENT_LEN) holds.
  std::string cas = read_file(cert("big-chain-cas.pem"));
  std::string many;
  for (int i = 0; i != 10; ++i) many += cas;
  {
    std::ofstream out(cert("huge-chain-cas.pem"), std::ios::binary);
    out << many;
  }
  s_server huge({"-cert", cert("big-chain.crt"), "-key", cert("big-chain.key"), "-cert_chain",
                 cert("huge-chain-cas.pem"), "-www"});
  ASSERT_TRUE(huge.ready());
  posix_transport tcp;
  tls_transport tls(tcp, config);
  const io_result r = open_tls(tls, huge.port(), "localhost");
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(r.sys_error, tls_error::handshake_too_large) << text_of(tls, r.sys_error);
  EXPECT_EQ(text_of(tls, r.sys_error),
            "handshake failed (a handshake message is larger than the TLS record buffer, MBEDTLS_SSL_IN_CONTENT_LEN)");
  EXPECT_EQ(tls.connect("127.0.0.1", huge.port()).sys_error, r.sys_error) << "sticky, no hang";
  tls.close();
}

// Relays a client to 127.0.0.1:upstream. Until the server's ChangeCipherSpec, each of its
// (plaintext) handshake records is re-sent as records of at most `piece` bytes: a handshake
// message, and even its 4-byte header, split over many records (RFC 5246 §6.2.1 allows it).
void split_handshake_records(int client, std::uint16_t upstream, std::size_t piece) {
  const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(upstream);
  if (::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(server);
    return;
  }
  std::string from_server;
  bool encrypted = false;  // ChangeCipherSpec seen: pass everything as it comes
  pollfd both[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
  char buffer[16384];
  for (bool open = true; open;) {
    if (::poll(both, 2, 3000) <= 0) break;
    if (both[0].revents != 0) {
      const ssize_t got = ::recv(client, buffer, sizeof(buffer), 0);
      open = got > 0 && ::send(server, buffer, static_cast<std::size_t>(got), MSG_NOSIGNAL) == got;
    }
    if (open && both[1].revents != 0) {
      const ssize_t got = ::recv(server, buffer, sizeof(buffer), 0);
      open = got > 0;
      if (open) from_server.append(buffer, static_cast<std::size_t>(got));
      std::string out;
      while (from_server.size() >= 5) {  // whole records only
        const std::size_t length =
            static_cast<unsigned char>(from_server[3]) << 8 | static_cast<unsigned char>(from_server[4]);
        if (from_server.size() < 5 + length) break;
        const std::string record = from_server.substr(0, 5 + length);
        from_server.erase(0, 5 + length);
        if (encrypted || record[0] != MBEDTLS_SSL_MSG_HANDSHAKE) {
          encrypted = encrypted || record[0] == MBEDTLS_SSL_MSG_CHANGE_CIPHER_SPEC;
          out += record;
          continue;
        }
        for (std::size_t at = 5; at < record.size(); at += piece) {
          const std::size_t n = std::min(piece, record.size() - at);
          out += record.substr(0, 3);
          out += static_cast<char>(n >> 8);
          out += static_cast<char>(n & 0xFF);
          out += record.substr(at, n);
        }
      }
      if (!out.empty() && ::send(client, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) {
        open = false;
      }
    }
  }
  ::close(server);
}

// T-08 with every split: the mbedTLS server's handshake records cut into pieces of 1, 3 and 100
// bytes (so handshake message headers are split too), full and resumed handshakes.
TEST_F(TlsTransport, HandshakeRecordsCutIntoPiecesT08) {
  tls_server server({});
  tls_config config;
  trust_test_ca(config);
  for (const std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{100}}) {
    SCOPED_TRACE("pieces of " + std::to_string(piece));
    const std::uint16_t upstream = server.port();
    listener splitter([upstream, piece](int fd) { split_handshake_records(fd, upstream, piece); });
    posix_transport tcp;
    tls_transport tls(tcp, config);
    for (int round = 0; round != 2; ++round) {
      const io_result r = open_tls(tls, splitter.port(), "localhost");
      ASSERT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
      EXPECT_EQ(tls.session_resumed(), round == 1);
      ASSERT_EQ(send_all(tls, "split").status, io_status::ok);
      EXPECT_EQ(receive(tls, 5), "split");
      tls.close();
    }
  }
}

// T-09: a server that speaks only TLS 1.3 while this client offers at most TLS 1.2 (mbedTLS 2.28
// has no TLS 1.3; with 3.x the port's default maximum is 1.2): it answers protocol_version
// (RFC 8446 §4.1.3, D.1), which the port names.
TEST_F(TlsTransport, TlsVersionMismatchIsNamedT09) {
  if (!have_openssl()) GTEST_SKIP() << "openssl is missing";
  tls_config config;
  trust_test_ca(config);
  s_server server({"-cert", cert("server.crt"), "-key", cert("server.key"), "-tls1_3", "-www"});
  ASSERT_TRUE(server.ready());
  posix_transport tcp;
  tls_transport tls(tcp, config);
  const io_result r = open_tls(tls, server.port(), "localhost");
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(r.sys_error, tls_error::protocol_version) << text_of(tls, r.sys_error) << " alert " << tls.last_alert();
  EXPECT_EQ(text_of(tls, r.sys_error), "handshake failed (no TLS version in common)");
  EXPECT_EQ(tls.last_alert(), 70);  // protocol_version
  tls.close();
  EXPECT_FALSE(tls.has_saved_session());
}

// T-09 with mbedTLS 3 and TLS 1.3 opted in (in CI through ctest tls-mbedtls3: Debian 12 itself
// has 2.28): the server's NewSessionTickets arrive after the handshake, in the middle of reading
// the response; mbedTLS either drops them (its default) or reports each one
// (MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET), which the port treats as progress, never as an
// error (Mbed TLS issue #9134).
TEST_F(TlsTransport, Tls13NewSessionTicketsAfterTheHandshakeT09) {
#if MBEDTLS_VERSION_NUMBER < 0x03000000 || !defined(MBEDTLS_SSL_PROTO_TLS1_3)
  GTEST_SKIP() << "this mbedTLS has no TLS 1.3 (" MBEDTLS_VERSION_STRING ")";
#else
  if (!have_openssl()) GTEST_SKIP() << "openssl is missing";
  s_server server({"-cert", cert("server.crt"), "-key", cert("server.key"), "-tls1_3", "-num_tickets", "6", "-www"});
  ASSERT_TRUE(server.ready());
  for (const bool signal : {false, true}) {
    SCOPED_TRACE(signal ? "tickets reported" : "tickets dropped");
    tls_config config;
    trust_test_ca(config);
    mbedtls_ssl_conf_max_tls_version(&config.ssl_config(), MBEDTLS_SSL_VERSION_TLS1_3);
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
        &config.ssl_config(), signal ? MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED
                                     : MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_DISABLED);
#endif
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    ASSERT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error) << " alert " << tls.last_alert();
    EXPECT_EQ(mbedtls_ssl_get_version_number(tls.context()), MBEDTLS_SSL_VERSION_TLS1_3);
    ASSERT_EQ(send_all(tls, "GET / HTTP/1.0\r\n\r\n").status, io_status::ok);
    io_result last{};
    const std::string page = receive(tls, std::size_t{1} << 20, &last);
    EXPECT_EQ(page.rfind("HTTP/1.0 200 ok", 0), 0u) << page.substr(0, 80);
    EXPECT_EQ(last.status, io_status::closed) << "the whole page, then close_notify: " << text_of(tls, last.sys_error);
    tls.close();
  }
#endif
}

// T-09, KeyUpdate (RFC 8446 §4.6.3): a TLS 1.3 server updates its traffic keys after the
// handshake, between two pieces of data. mbedTLS 3.6 takes no post-handshake message but
// NewSessionTicket (ssl_tls13_handle_hs_message_post_handshake(): MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE),
// so the connection ends there: in a typed error at once, never a hang, never a clean close that
// would pass a cut response for a whole one. An mbedTLS that takes KeyUpdate reads on instead.
TEST_F(TlsTransport, Tls13KeyUpdateIsReadOnOrATypedErrorT09) {
#if MBEDTLS_VERSION_NUMBER < 0x03000000 || !defined(MBEDTLS_SSL_PROTO_TLS1_3)
  GTEST_SKIP() << "this mbedTLS has no TLS 1.3 (" MBEDTLS_VERSION_STRING ")";
#else
  if (!have_openssl()) GTEST_SKIP() << "openssl is missing";
  s_server server({"-cert", cert("server.crt"), "-key", cert("server.key"), "-tls1_3", "-num_tickets", "0"},
                  s_server::input::typed);
  ASSERT_TRUE(server.ready());
  tls_config config;
  trust_test_ca(config);
  mbedtls_ssl_conf_max_tls_version(&config.ssl_config(), MBEDTLS_SSL_VERSION_TLS1_3);
  posix_transport tcp;
  tls_transport tls(tcp, config);
  const io_result r = open_tls(tls, server.port(), "localhost");
  ASSERT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error) << " alert " << tls.last_alert();
  ASSERT_EQ(mbedtls_ssl_get_version_number(tls.context()), MBEDTLS_SSL_VERSION_TLS1_3);
  ASSERT_TRUE(server.type("before\n"));
  EXPECT_EQ(receive(tls, 7), "before\n");
  ASSERT_TRUE(server.type("k\n"));  // s_server: send a KeyUpdate
  ASSERT_TRUE(server.type("after\n"));
  io_result last{};
  const std::string rest = receive(tls, 6, &last);
  std::printf("[ figures  ] KeyUpdate with %s: %s\n", MBEDTLS_VERSION_STRING,
              rest == "after\n" ? "taken, reading went on" : text_of(tls, last.sys_error).c_str());
  if (rest != "after\n") {
    EXPECT_EQ(rest, "") << "no bytes of the record after the KeyUpdate";
    EXPECT_EQ(last.status, io_status::error) << "a typed error, not a clean close";
    EXPECT_EQ(last.sys_error, MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE) << text_of(tls, last.sys_error);
    EXPECT_NE(last.sys_error, test_timeout) << "no hang";
  }
  tls.close();
#endif
}

// T-10: a TLS 1.2 server asks for a renegotiation (HelloRequest). The port keeps mbedTLS's
// renegotiation disabled (CVE-2009-3555; forbidden for h2, RFC 9113 §9.2.1): mbedTLS answers
// with a no_renegotiation warning (RFC 5246 §7.2.2) and the connection goes on; a second
// handshake never happens.
TEST_F(TlsTransport, ServerRenegotiationRequestIsRefusedT10) {
#if !defined(MBEDTLS_SSL_RENEGOTIATION)
  GTEST_SKIP() << "this mbedTLS is built without MBEDTLS_SSL_RENEGOTIATION: nothing to refuse";
#else
  server_options options;
  options.then = after_handshake::renegotiate;
  tls_server server(options);
  std::size_t connections = 0;
  {
    // Control: a client that allows renegotiation answers the HelloRequest with a second
    // ClientHello, which the server counts. (Whether that second handshake then completes does
    // not matter here: mbedTLS 2.28's client rejects the ServerHello arriving behind the echoed
    // record; the port never gets that far.)
    SCOPED_TRACE("control: a client that allows renegotiation");
    tls_config willing;
    trust_test_ca(willing);
    mbedtls_ssl_conf_renegotiation(&willing.ssl_config(), MBEDTLS_SSL_RENEGOTIATION_ENABLED);
    posix_transport tcp;
    tls_transport tls(tcp, willing);
    ASSERT_EQ(open_tls(tls, server.port(), "localhost").status, io_status::ok);
    ASSERT_EQ(send_all(tls, "ping").status, io_status::ok);
    io_result last{};
    (void)receive(tls, 4, &last);
    EXPECT_NE(last.sys_error, test_timeout);
    tls.close();
    const server_record record = server.records(++connections).back();
    EXPECT_EQ(record.renegotiate, 0);
    EXPECT_EQ(record.client_hellos, 2);
  }
  tls_config config;
  trust_test_ca(config);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  EXPECT_EQ(config.ssl_config().MBEDTLS_PRIVATE(disable_renegotiation), MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#else
  EXPECT_EQ(config.ssl_config().disable_renegotiation, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
  posix_transport tcp;
  tls_transport tls(tcp, config);
  ASSERT_EQ(open_tls(tls, server.port(), "localhost").status, io_status::ok);
  // The HelloRequest arrives before the echo: mbedTLS refuses it inside recv() and the
  // connection goes on (the mbedTLS server tolerates 16 records before it gives up,
  // mbedtls_ssl_conf_renegotiation_enforced()); a server that hangs up instead is a typed error.
  std::size_t echoed = 0;
  for (const char* message : {"one", "two", "three"}) {
    const io_result sent = send_all(tls, message);
    ASSERT_EQ(sent.status, io_status::ok)
        << message << ": " << text_of(tls, sent.sys_error) << " alert " << tls.last_alert();
    io_result last{};
    const std::string got = receive(tls, std::strlen(message), &last);
    ASSERT_EQ(last.status, io_status::ok) << text_of(tls, last.sys_error);
    EXPECT_EQ(got, message);
    ++echoed;
  }
  EXPECT_EQ(echoed, 3u);
#if MBEDTLS_VERSION_NUMBER < 0x03000000
  EXPECT_EQ(tls.context()->renego_status, 0) << "MBEDTLS_SSL_INITIAL_HANDSHAKE: no renegotiation started";
#endif
  tls.close();
  const server_record record = server.records(++connections).back();
  EXPECT_EQ(record.renegotiate, 0) << "the HelloRequest went out";
  EXPECT_FALSE(record.renegotiated);
  EXPECT_EQ(record.client_hellos, 1) << "no second ClientHello";
#endif
}

// A CONNECT proxy for T-13: reads "CONNECT host:port ...", connects to 127.0.0.1:port, answers
// 200 and relays bytes both ways until either side ends.
void relay_connect(int client) {
  std::string head;
  char buffer[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    const ssize_t got = ::recv(client, buffer, sizeof(buffer), 0);
    if (got <= 0) return;
    head.append(buffer, static_cast<std::size_t>(got));
  }
  const std::size_t colon = head.find(':');
  const std::size_t space = head.find(' ', colon);
  if (head.rfind("CONNECT ", 0) != 0 || colon == std::string::npos || space == std::string::npos) return;
  const int upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(head.substr(colon + 1, space - colon - 1))));
  if (::connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(upstream);
    return;
  }
  const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
  (void)::send(client, ok, sizeof(ok) - 1, MSG_NOSIGNAL);
  pollfd both[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
  for (bool open = true; open;) {
    if (::poll(both, 2, 3000) <= 0) break;
    for (int i = 0; i != 2 && open; ++i) {
      if (both[i].revents == 0) continue;
      const ssize_t got = ::recv(both[i].fd, buffer, sizeof(buffer), 0);
      open = got > 0 && ::send(both[1 - i].fd, buffer, static_cast<std::size_t>(got), MSG_NOSIGNAL) == got;
    }
  }
  ::close(upstream);
}

// TCP to the proxy, CONNECT to 127.0.0.1:target in the clear, then TLS for `name` in the tunnel.
io_result open_tls_through(tls_transport& tls, std::uint16_t proxy, std::uint16_t target, std::string_view name) {
  io_result r = drive_connect(tls, "127.0.0.1", proxy);
  if (r.status != io_status::ok) return r;
  const std::string authority = "127.0.0.1:" + std::to_string(target);
  r = send_all(tls, "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
  if (r.status != io_status::ok) return r;
  const std::string answer = "HTTP/1.1 200 Connection established\r\n\r\n";
  if (receive(tls, answer.size(), &r) != answer) return {io_status::error, 0, EPROTO};
  r = tls.start_tls(name);
  if (r.status != io_status::ok) return r;
  return drive_connect(tls, "127.0.0.1", proxy);
}

// T-13: a session is offered only to the connection it came from: the same server name, port,
// proxy and tunnel target, verification, client certificate and ALPN. The server below is one
// mbedTLS server (one session cache, one ticket key) on two ports, reached directly and through
// two proxies: it would resume any session offered to it, so every "not resumed" below is the
// client's decision.
TEST_F(TlsTransport, SessionIsOfferedOnlyToItsOwnRouteT13) {
  server_options options;
  options.second_port = true;
  tls_server server(options);
  listener proxy(relay_connect);
  listener other_proxy(relay_connect);
  tls_config config;
  trust_test_ca(config);
  posix_transport tcp;
  tls_transport tls(tcp, config);
  const auto resumed = [&tls](io_result r) {
    EXPECT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
    const bool was = tls.session_resumed();
    tls.close();
    return was;
  };
  const std::uint16_t a = server.port();
  const std::uint16_t b = server.second_port();

  EXPECT_FALSE(resumed(open_tls(tls, a, "localhost")));
  EXPECT_TRUE(resumed(open_tls(tls, a, "localhost"))) << "control: the server resumes";
  EXPECT_FALSE(resumed(open_tls(tls, b, "localhost"))) << "another port of the same host";
  EXPECT_TRUE(resumed(open_tls(tls, b, "localhost")));

  EXPECT_FALSE(resumed(open_tls_through(tls, proxy.port(), b, "localhost"))) << "the same origin through a proxy";
  EXPECT_TRUE(resumed(open_tls_through(tls, proxy.port(), b, "localhost"))) << "control: the same tunnel resumes";
  EXPECT_FALSE(resumed(open_tls_through(tls, proxy.port(), a, "localhost"))) << "another origin port, same proxy";
  EXPECT_FALSE(resumed(open_tls_through(tls, other_proxy.port(), a, "localhost"))) << "another proxy";
  EXPECT_FALSE(resumed(open_tls(tls, a, "localhost"))) << "direct again";

  // start_tls() before the TCP connect: the route is known once connect() is through.
  ASSERT_EQ(tls.start_tls("localhost").status, io_status::ok);
  EXPECT_TRUE(resumed(drive_connect(tls, "127.0.0.1", a)));
  ASSERT_EQ(tls.start_tls("localhost").status, io_status::ok);
  EXPECT_FALSE(resumed(drive_connect(tls, "127.0.0.1", b)));

  // Settings of the same config that change what the server was told or shown.
  const char* const h2_first[] = {"h2", "http/1.1", nullptr};
  config.set_alpn(h2_first);
  EXPECT_FALSE(resumed(open_tls(tls, b, "localhost"))) << "another ALPN list";
  EXPECT_TRUE(resumed(open_tls(tls, b, "localhost")));
  ASSERT_EQ(config.load_client_cert_files(cert("client.crt").c_str(), cert("client.key").c_str()), 0);
  EXPECT_FALSE(resumed(open_tls(tls, b, "localhost"))) << "a client certificate now";
  EXPECT_TRUE(resumed(open_tls(tls, b, "localhost")));
  EXPECT_FALSE(resumed(open_tls(tls, b, "127.0.0.1"))) << "another name";
}

// T-04: the port checks certificate dates against tls_config's clock, which a device without a
// calendar clock (before SNTP, at 1970) does not have: verification then fails closed, except
// for what the build-time floor proves (a notAfter before it), or, when the caller allows an
// unknown time, checks that floor only.
std::int64_t fixed_clock(void* context) { return *static_cast<const std::int64_t*>(context); }

TEST_F(TlsTransport, CertificateDatesNeedAClockT04) {
  constexpr std::int64_t unknown = -1;
  constexpr std::int64_t epoch = 0;                    // an RTC that was never set
  constexpr std::int64_t year_2040_june = 2222121600;  // 2040-06-01: inside not-yet-valid's dates
  const std::int64_t system_now = static_cast<std::int64_t>(std::time(nullptr));
  const std::int64_t in_60_days = system_now + 60 * 86400;  // past the 30-day certificates
  struct clock_case {
    const char* what;
    std::int64_t now;
    bool allow_unknown;
    const char* cert;
    std::int32_t code;  // 0: the handshake succeeds
  };
  const clock_case cases[] = {
      {"system clock", system_now, false, "server", 0},
      {"clock at 1970", epoch, false, "server", tls_error::clock_not_set},
      {"time unknown", unknown, false, "server", tls_error::clock_not_set},
      {"time unknown, expired before the floor", unknown, false, "expired", tls_error::cert_expired},
      {"time unknown, not yet valid", unknown, false, "not-yet-valid", tls_error::clock_not_set},
      {"unknown allowed", unknown, true, "server", 0},
      {"unknown allowed, expired before the floor", unknown, true, "expired", tls_error::cert_expired},
      {"unknown allowed, not yet valid: cannot tell", unknown, true, "not-yet-valid", 0},
      {"the port's clock, not the system's: 60 days on", in_60_days, false, "server", tls_error::cert_expired},
      // Every certificate of the chain is checked: in 2040 the 30-day test CA has expired.
      {"the port's clock in 2040", year_2040_june, false, "not-yet-valid", tls_error::cert_expired},
  };
  for (const clock_case& c : cases) {
    SCOPED_TRACE(c.what);
    tls_config config;
    trust_test_ca(config);
    std::int64_t now = c.now;
    config.set_clock(fixed_clock, &now);
    config.allow_unknown_time(c.allow_unknown);
    tls_server server(with_cert(c.cert));
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), "localhost");
    if (c.code == 0) {
      EXPECT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
    } else {
      EXPECT_EQ(r.sys_error, c.code) << text_of(tls, r.sys_error);
    }
    tls.close();
  }
  tls_config config;
  EXPECT_EQ(config.time_floor(), HTPX_TLS_TIME_FLOOR);
  config.set_time_floor(HTPX_TLS_TIME_FLOOR - 1);  // never lowered
  EXPECT_EQ(config.time_floor(), HTPX_TLS_TIME_FLOOR);
  EXPECT_GT(config.now(), 0) << "the system clock (mbedtls_time()) by default";
  // A floor after the system clock (by an hour): the system clock counts as not set. (A floor
  // after the certificates' notAfter would prove them expired instead, as above.)
  trust_test_ca(config);
  config.set_time_floor(system_now + 3600);
  EXPECT_EQ(config.now(), -1);
  tls_server server({});
  posix_transport tcp;
  tls_transport tls(tcp, config);
  const io_result r = open_tls(tls, server.port(), "localhost");
  EXPECT_EQ(r.sys_error, tls_error::clock_not_set);
  EXPECT_EQ(text_of(tls, r.sys_error), "the clock is not set: certificate dates cannot be checked");
  tls.close();
}

// A "server" that reads the ClientHello, answers with a ServerHello (TLS 1.2,
// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, no session ID, the given extensions) and hangs up: the
// client's checks of the ServerHello alone, without a certificate.
std::function<void(int)> answers_server_hello(std::string extensions) {
  return [extensions](int fd) {
    char buffer[2048];
    (void)::recv(fd, buffer, sizeof(buffer), 0);  // the ClientHello
    std::string body = {'\x03', '\x03'};          // TLS 1.2
    body.append(32, '\x5a');                      // random
    body += {'\x00', '\xc0', '\x2b', '\x00'};     // no session ID, the suite, no compression
    if (!extensions.empty()) {
      body += static_cast<char>(extensions.size() >> 8);
      body += static_cast<char>(extensions.size() & 0xFF);
      body += extensions;
    }
    std::string hello = {'\x02', '\x00', static_cast<char>(body.size() >> 8), static_cast<char>(body.size() & 0xFF)};
    hello += body;
    std::string record = {'\x16', '\x03', '\x03', static_cast<char>(hello.size() >> 8),
                          static_cast<char>(hello.size() & 0xFF)};
    record += hello;
    (void)::send(fd, record.data(), record.size(), MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    read_until_eof(fd);
  };
}

const std::string renegotiation_info{"\xff\x01\x00\x01\x00", 5};  // RFC 5746 §3.6, initial handshake

// ALPN (RFC 7301 §3.1) with one protocol.
std::string alpn_extension(const std::string& protocol) {
  const auto size = static_cast<char>(protocol.size());
  return std::string{'\x00', '\x10',
                     '\x00', static_cast<char>(protocol.size() + 3),
                     '\x00', static_cast<char>(protocol.size() + 1),
                     size} +
         protocol;
}

// T-10, RFC 5746: a server that does not confirm secure renegotiation (no renegotiation_info in
// its ServerHello, as before 2010) is refused.
TEST_F(TlsTransport, ServerWithoutSecureRenegotiationIsRefusedT10) {
  listener legacy(answers_server_hello(""));
  {
    SCOPED_TRACE("control: mbedTLS's default goes past the ServerHello");
    tls_config lenient;
    trust_test_ca(lenient);
    mbedtls_ssl_conf_legacy_renegotiation(&lenient.ssl_config(), MBEDTLS_SSL_LEGACY_NO_RENEGOTIATION);
    posix_transport tcp;
    tls_transport tls(tcp, lenient);
    const io_result r = open_tls(tls, legacy.port(), "localhost");
    EXPECT_EQ(r.sys_error, tls_error::handshake_closed) << text_of(tls, r.sys_error);
    tls.close();
  }
  tls_config config;
  trust_test_ca(config);
  posix_transport tcp;
  tls_transport tls(tcp, config);
  const io_result r = open_tls(tls, legacy.port(), "localhost");
  EXPECT_EQ(r.sys_error, tls_error::insecure_renegotiation) << text_of(tls, r.sys_error);
  EXPECT_EQ(text_of(tls, r.sys_error), "handshake failed (the server does not support secure renegotiation, RFC 5746)");
  tls.close();
  // With the confirmation the same ServerHello passes.
  listener secure(answers_server_hello(renegotiation_info));
  EXPECT_EQ(open_tls(tls, secure.port(), "localhost").sys_error, tls_error::handshake_closed);
  tls.close();
}

// T-06: a server that selects an ALPN protocol the client did not offer (RFC 7301 §3.2) ends the
// handshake; one it offered passes the ServerHello.
TEST_F(TlsTransport, ServerChoosingAnAlpnNotOfferedIsFatalT06) {
  tls_config config;  // offers http/1.1 only
  trust_test_ca(config);
  listener offered(answers_server_hello(renegotiation_info + alpn_extension("http/1.1")));
  listener not_offered(answers_server_hello(renegotiation_info + alpn_extension("h2")));
  posix_transport tcp;
  tls_transport tls(tcp, config);
  EXPECT_EQ(open_tls(tls, offered.port(), "localhost").sys_error, tls_error::handshake_closed) << "control";
  tls.close();
  const io_result r = open_tls(tls, not_offered.port(), "localhost");
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(r.sys_error, tls_error::alpn_not_offered) << text_of(tls, r.sys_error);
  EXPECT_EQ(text_of(tls, r.sys_error), "handshake failed (the server chose an ALPN protocol that was not offered)");
  EXPECT_TRUE(tls.negotiated_protocol().empty());
  tls.close();
  // Offered in a longer list: fine.
  const char* const both[] = {"h2", "http/1.1", nullptr};
  config.set_alpn(both);
  EXPECT_EQ(open_tls(tls, not_offered.port(), "localhost").sys_error, tls_error::handshake_closed);
  tls.close();
}

// T-02: name checks the port leaves to mbedTLS (RFC 9525 §6.3, RFC 6125 §6.4.4): a wildcard is
// only the whole leftmost label and matches one label; no partial-label wildcards; the CN counts
// only without subjectAltName; names are length-delimited (a NUL inside a SAN hides nothing).
// The connection goes to 127.0.0.1; the name is only sent (SNI) and verified.
TEST_F(TlsTransport, NameMatchingRulesT02) {
  tls_config config;
  trust_test_ca(config);
  struct name_case {
    const char* cert;
    const char* name;
    bool ok;
  };
  const name_case cases[] = {
      {"wildcard", "a.example.test", true},
      {"wildcard", "A.Example.TEST.", true},
      {"wildcard", "a.b.example.test", false},  // one label only
      {"wildcard", "example.test", false},      // not the parent
      {"wildcard", ".example.test", false},
      {"wildcard", "a.example.test.evil", false},
      {"partial-wildcard", "f.example.test", false},  // mbedTLS takes "f*" literally
      {"partial-wildcard", "foo.example.test", false},
      {"cn-only", "localhost", true},         // no subjectAltName: the CN
      {"cn-only", "localhos", false},         // truncated
      {"cn-only", "localhostx", false},       // trailing garbage
      {"cn-beside-san", "localhost", false},  // a SAN exists: the CN does not count
      {"cn-beside-san", "other.example", true},
      {"nul-in-san", "localhost", false},  // the SAN is "localhost\0.evil.test"
      {"nul-in-san", "evil.test", false},
  };
  for (const name_case& c : cases) {
    SCOPED_TRACE(std::string(c.cert) + " as " + c.name);
    tls_server server(with_cert(c.cert));
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const io_result r = open_tls(tls, server.port(), c.name);
    if (c.ok) {
      EXPECT_EQ(r.status, io_status::ok) << text_of(tls, r.sys_error);
    } else {
      EXPECT_EQ(r.sys_error, tls_error::hostname_mismatch) << text_of(tls, r.sys_error);
    }
    tls.close();
  }
}

// T-15: mbedTLS's allocations during a handshake, an exchange and close() fail in turn (mbedTLS
// allocates through calloc; the test's interposed calloc returns nullptr once). Each run ends
// with a typed error or succeeds, never hangs, and leaks nothing. A handshake makes ~27,000
// allocations (bignum arithmetic), about two minutes at one run each, so by default the runs
// fail the first 200 (the context, the record buffers, the handshake state), the first of each
// distinct size (the certificate parse, ...), every 101st and the last 30 (close(), the saved
// session); HTPX_TLS_ALLOCATION_SWEEP=all fails every one. Then a random generator that fails (an entropy failure).
std::int64_t failing_rng_calls = 0;
int failing_rng(void*, unsigned char*, std::size_t) {
  ++failing_rng_calls;
  return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

TEST_F(TlsTransport, EveryAllocationFailureEndsCleanlyT15) {
#if defined(HTPX_TLS_TEST_NO_HEAP_HOOKS)
  GTEST_SKIP() << "built with HTPX_TLS_TEST_NO_HEAP_HOOKS (sanitizers): no allocation hooks";
#else
#if defined(MBEDTLS_PLATFORM_MEMORY)
  ASSERT_EQ(mbedtls_platform_set_calloc_free(heap::counting_calloc, heap::counting_free), 0);
#endif
  tls_server server({});
  tls_config config;  // its own allocations are not failed: only the connection's
  trust_test_ca(config);
  const auto exchange = [&](tls_transport& tls) {
    io_result end = open_tls(tls, server.port(), "localhost");
    if (end.status == io_status::ok) end = send_all(tls, "ping");
    if (end.status == io_status::ok && receive(tls, 4, &end) != "ping") {
      EXPECT_NE(end.status, io_status::ok);
    }
    tls.close();
    return end;
  };
  heap::start();
  std::vector<long> chosen;  // which allocations (0-based) to fail
  {
    posix_transport tcp;
    tls_transport tls(tcp, config);
    heap::sequence_length = 0;
    ASSERT_EQ(exchange(tls).status, io_status::ok);
    tls.forget_session();
    const std::size_t total = heap::sequence_length;
    ASSERT_LT(total, heap::sequence_capacity);
    const char* sweep = std::getenv("HTPX_TLS_ALLOCATION_SWEEP");
    const bool all = sweep != nullptr && std::string(sweep) == "all";
    std::vector<std::size_t> sizes_seen;
    for (std::size_t i = 0; i != total; ++i) {
      const std::size_t size = heap::sequence[i];
      const bool first_of_size = std::find(sizes_seen.begin(), sizes_seen.end(), size) == sizes_seen.end();
      if (first_of_size) sizes_seen.push_back(size);
      if (all || first_of_size || i < 200 || i % 101 == 0 || i + 30 >= total) chosen.push_back(static_cast<long>(i));
    }
    std::printf("[ allocation failures ] %zu allocations, %zu distinct sizes; failing %zu of them\n", total,
                sizes_seen.size(), chosen.size());
  }
  std::size_t runs = 0;
  std::size_t errors = 0;
  for (const long n : chosen) {
    SCOPED_TRACE("allocation " + std::to_string(n + 1) + " fails");
    posix_transport tcp;
    tls_transport tls(tcp, config);
    const std::size_t base = heap::live;
    heap::fail_after = n;
    const io_result end = exchange(tls);
    const bool fired = heap::fail_after < 0;
    heap::fail_after = -1;
    tls.forget_session();
    ++runs;
    EXPECT_EQ(heap::live, base) << "everything freed";
    ASSERT_NE(end.sys_error, test_timeout) << "a hang";
    // (Bignum arithmetic on random values makes the count vary a little from run to run: an
    // allocation near the end may not come.)
    if (fired && end.status != io_status::ok) {
      ++errors;
      EXPECT_EQ(end.status, io_status::error);
      EXPECT_NE(tls.describe_error(end.sys_error), nullptr) << end.sys_error;
    }
  }
  heap::stop();
  std::printf("[ allocation failures ] %zu runs, %zu ended with an error\n", runs, errors);
  EXPECT_GT(runs, 10u);
  EXPECT_GT(errors, 5u);

  // The random generator fails: the handshake cannot start (a ClientHello needs 32 random bytes).
  mbedtls_ssl_conf_rng(&config.ssl_config(), failing_rng, nullptr);
  posix_transport tcp;
  tls_transport tls(tcp, config);
  const io_result r = open_tls(tls, server.port(), "localhost");
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_GT(failing_rng_calls, 0);
  EXPECT_EQ(text_of(tls, r.sys_error), "handshake failed") << r.sys_error;
  tls.close();
  EXPECT_FALSE(tls.has_saved_session());
#endif
}
