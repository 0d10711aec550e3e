// What the POSIX port's conformance tests share: descriptors, a peer driven directly (listeners,
// accepted sockets, resets), transport calls checked against the port rules, and a connected
// transport with its peer. Test code only.
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "posix_transport.hpp"

namespace htpx::port::port_test {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr auto call_limit = 50ms;  // P-01, X-01: every call returns within 50 ms
constexpr auto wait_budget = 3s;   // the most any loop in these tests waits for the peer

inline long long ms_since(steady::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count();
}

// ---- descriptors and addresses ---------------------------------------------------------------

class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  ~unique_fd() { reset(); }

  [[nodiscard]] int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct endpoint {
  sockaddr_storage address{};
  socklen_t length = sizeof(sockaddr_storage);

  [[nodiscard]] std::uint16_t port() const {
    return ntohs(address.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6&>(address).sin6_port
                                               : reinterpret_cast<const sockaddr_in&>(address).sin_port);
  }
  bool operator==(const endpoint& other) const {
    return length == other.length && std::memcmp(&address, &other.address, length) == 0;
  }
};

inline endpoint local_of(int fd) {
  endpoint e;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&e.address), &e.length) != 0) e.length = 0;
  return e;
}

inline endpoint peer_of(int fd) {
  endpoint e;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&e.address), &e.length) != 0) e.length = 0;
  return e;
}

// Parses a numeric IPv4 or IPv6 address with port 0.
inline bool parse_endpoint(const char* text, endpoint& out) {
  out = endpoint{};
  auto& v4 = reinterpret_cast<sockaddr_in&>(out.address);
  auto& v6 = reinterpret_cast<sockaddr_in6&>(out.address);
  if (::inet_pton(AF_INET, text, &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    out.length = sizeof(sockaddr_in);
    return true;
  }
  if (::inet_pton(AF_INET6, text, &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    out.length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

// Descriptors open in this process (listing /proc/self/fd opens one more, not counted).
inline int count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;
}

inline bool is_open_fd(std::intptr_t fd) { return fd >= 0 && ::fcntl(static_cast<int>(fd), F_GETFD) != -1; }

// ---- the peer: listeners and accepted sockets driven directly ------------------------------

struct listener {
  unique_fd fd;
  endpoint where;
  std::uint16_t port = 0;
};

// A TCP listener on the numeric loopback `address`, ephemeral port. `rcvbuf` > 0 sets SO_RCVBUF
// before listen(), so the connections it accepts (or queues) read slowly.
inline bool open_listener(listener& out, const char* address, int backlog = 16, int rcvbuf = 0) {
  endpoint bind_to;
  if (!parse_endpoint(address, bind_to)) return false;
  out.fd.reset(::socket(bind_to.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (out.fd.get() < 0) return false;
  const int on = 1;
  if (bind_to.address.ss_family == AF_INET6) {
    (void)::setsockopt(out.fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  }
  if (rcvbuf > 0) (void)::setsockopt(out.fd.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  if (::bind(out.fd.get(), reinterpret_cast<const sockaddr*>(&bind_to.address), bind_to.length) != 0) return false;
  if (::listen(out.fd.get(), backlog) != 0) return false;
  out.where = local_of(out.fd.get());
  out.port = out.where.port();
  return true;
}

inline bool has_ipv6_loopback() {
  listener probe;
  return open_listener(probe, "::1");
}

// A socket bound on 127.0.0.1 that never listens: connections to its port are refused (RST),
// and the port stays reserved while it lives. `port` 0 picks one; the port bound is stored back.
inline bool reserve_refusing_port(unique_fd& holder, std::uint16_t& port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  holder.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (holder.get() < 0) return false;
  if (::bind(holder.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) return false;
  port = local_of(holder.get()).port();
  return true;
}

// Accepts one connection within `ms`; the accepted socket blocks, with 3 s send and receive
// timeouts so no peer call can hang the test.
inline unique_fd accept_within(const listener& l, int ms) {
  pollfd entry{l.fd.get(), POLLIN, 0};
  if (::poll(&entry, 1, ms) != 1) return unique_fd{};
  unique_fd peer(::accept4(l.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
  const timeval limit{3, 0};
  (void)::setsockopt(peer.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  (void)::setsockopt(peer.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  return peer;
}

inline bool peer_send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Reads until `size` bytes arrived, EOF, an error or the 3 s receive timeout.
inline std::string peer_read(int fd, std::size_t size) {
  std::string got;
  char buffer[4096];
  while (got.size() < size) {
    const ssize_t n = ::recv(fd, buffer, std::min(sizeof(buffer), size - got.size()), 0);
    if (n <= 0) break;
    got.append(buffer, static_cast<std::size_t>(n));
  }
  return got;
}

// Closes with SO_LINGER {1, 0}: the kernel sends RST instead of FIN (R-04, S-04, S-05).
inline void reset_peer(unique_fd& peer) {
  const linger abort_close{1, 0};
  (void)::setsockopt(peer.get(), SOL_SOCKET, SO_LINGER, &abort_close, sizeof(abort_close));
  peer.reset();
}

// Fills the accept queue of `l` (listen backlog 0) with plain connects until one stays in
// progress (Linux drops SYNs to a full queue); false when the kernel never left one pending.
inline bool fill_backlog(const listener& l, std::vector<unique_fd>& fillers) {
  for (int i = 0; i != 16; ++i) {
    unique_fd filler(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const int rc = ::connect(filler.get(), reinterpret_cast<const sockaddr*>(&l.where.address), l.where.length);
    if (rc != 0 && errno != EINPROGRESS) return false;
    pollfd entry{filler.get(), POLLOUT, 0};
    const bool pending = rc != 0 && ::poll(&entry, 1, 50) == 0;
    fillers.push_back(std::move(filler));
    if (pending) return true;
  }
  return false;
}

inline char pattern_at(std::size_t i) { return static_cast<char>(i % 251); }  // a period no buffer size divides

inline std::string make_pattern(std::size_t size) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i != size; ++i) data[i] = pattern_at(i);
  return data;
}

// ---- the transport side: every call checked against P-01 and P-03 -------------------------

// P-03: one of the four statuses; sys_error set exactly on error; bytes only on ok for send and
// recv, then 0 < bytes <= asked.
inline void check_result(const io_result& r, std::size_t asked, bool moves_bytes, const char* call) {
  switch (r.status) {
    case io_status::ok:
      EXPECT_EQ(r.sys_error, 0) << call;
      if (moves_bytes) {
        EXPECT_GT(r.bytes, 0u) << call << ": ok with 0 bytes (S-02, R-02)";
        EXPECT_LE(r.bytes, asked) << call << ": more bytes than asked (S-01, R-01)";
      } else {
        EXPECT_EQ(r.bytes, 0u) << call;
      }
      return;
    case io_status::would_block:
    case io_status::closed:
      EXPECT_EQ(r.bytes, 0u) << call;
      EXPECT_EQ(r.sys_error, 0) << call;
      return;
    case io_status::error:
      EXPECT_EQ(r.bytes, 0u) << call;
      EXPECT_NE(r.sys_error, 0) << call << ": error without a cause";
      return;
  }
  ADD_FAILURE() << call << ": unknown status " << static_cast<int>(r.status);
}

inline io_result connect_call(posix_transport& t, std::string_view host, std::uint16_t port) {
  const auto start = steady::now();
  const io_result r = t.connect(host, port);
  EXPECT_LT(steady::now() - start, call_limit) << "connect(" << host << ") took " << ms_since(start) << " ms";
  check_result(r, 0, false, "connect");
  EXPECT_NE(r.status, io_status::closed) << "C-03: connect never gives closed";
  return r;
}

inline io_result send_call(posix_transport& t, std::string_view data) {
  const auto start = steady::now();
  const io_result r = t.send(data);
  EXPECT_LT(steady::now() - start, call_limit) << "send took " << ms_since(start) << " ms";
  check_result(r, data.size(), true, "send");
  return r;
}

inline io_result recv_call(posix_transport& t, mutable_bytes buffer) {
  const auto start = steady::now();
  const io_result r = t.recv(buffer);
  EXPECT_LT(steady::now() - start, call_limit) << "recv took " << ms_since(start) << " ms";
  check_result(r, buffer.size, true, "recv");
  return r;
}

inline void close_call(posix_transport& t) {
  const auto start = steady::now();
  t.close();
  EXPECT_LT(steady::now() - start, call_limit) << "close took " << ms_since(start) << " ms (X-01)";
  EXPECT_EQ(t.native_handle(), -1) << "H-01: -1 after close";
}

// Waits up to `ms` for `events` on the transport's descriptor; without one (the name is being
// resolved, P-02) sleeps 2 ms, the timer a client would use.
inline void wait_handle(const posix_transport& t, short events, int ms) {
  const std::intptr_t fd = t.native_handle();
  if (fd < 0) {
    std::this_thread::sleep_for(2ms);
    return;
  }
  pollfd entry{static_cast<int>(fd), events, 0};
  (void)::poll(&entry, 1, ms);
}

// Waits until the transport's descriptor shows the reset (POLLERR or POLLHUP).
inline bool wait_for_reset(const posix_transport& t) {
  const auto start = steady::now();
  while (steady::now() - start < wait_budget) {
    pollfd entry{static_cast<int>(t.native_handle()), 0, 0};
    if (::poll(&entry, 1, 10) == 1 && (entry.revents & (POLLERR | POLLHUP)) != 0) return true;
  }
  return false;
}

// Calls connect() with the same arguments until it stops giving would_block (C-01).
inline io_result connect_until_done(posix_transport& t, std::string_view host, std::uint16_t port,
                                    int* would_blocks = nullptr) {
  const auto start = steady::now();
  int blocks = 0;
  io_result r = connect_call(t, host, port);
  while (r.status == io_status::would_block && steady::now() - start < wait_budget) {
    ++blocks;
    wait_handle(t, POLLOUT, 20);
    r = connect_call(t, host, port);
  }
  if (would_blocks != nullptr) *would_blocks = blocks;
  return r;
}

// Receives in pieces of `piece` bytes until closed or error (or the budget), appending to `got`.
inline io_result recv_until_end(posix_transport& t, std::string& got, std::size_t piece = 4096) {
  char buffer[4096];
  const auto start = steady::now();
  io_result r{io_status::would_block, 0, 0};
  while (steady::now() - start < wait_budget) {
    r = recv_call(t, {buffer, std::min(piece, sizeof(buffer))});
    if (r.status == io_status::ok) {
      got.append(buffer, r.bytes);
    } else if (r.status == io_status::would_block) {
      wait_handle(t, POLLIN, 20);
    } else {
      break;
    }
  }
  return r;
}

inline bool transport_send_all(posix_transport& t, std::string_view data) {
  const auto start = steady::now();
  while (!data.empty() && steady::now() - start < wait_budget) {
    const io_result r = send_call(t, data);
    if (r.status == io_status::ok) {
      data.remove_prefix(r.bytes);
    } else if (r.status == io_status::would_block) {
      wait_handle(t, POLLOUT, 20);
    } else {
      return false;
    }
  }
  return data.empty();
}

// A transport connected to a peer accepted from a fresh listener on `address`.
struct connected_pair {
  listener l;
  posix_transport t;
  unique_fd peer;
};

inline void connect_pair(connected_pair& p, const char* address = "127.0.0.1", int rcvbuf = 0) {
  ASSERT_TRUE(open_listener(p.l, address, 16, rcvbuf)) << std::strerror(errno);
  const io_result r = connect_until_done(p.t, address, p.l.port);
  ASSERT_EQ(r.status, io_status::ok) << "sys_error " << r.sys_error;
  p.peer = accept_within(p.l, 2000);
  ASSERT_GE(p.peer.get(), 0) << "the peer never saw the connection";
}

}  // namespace htpx::port::port_test
