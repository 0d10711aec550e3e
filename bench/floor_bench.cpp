// floor-bench: the floor of client CPU per request, not a client. It sends a fixed request and
// counts response bytes over plain sockets: no HTTP parsing, no checks, no timeouts, no pool,
// nothing an application could rely on. What it costs per request is what the kernel charges
// any client on this machine (the system calls, the loopback TCP path, waking the server and
// being woken), so `make bench` prints it beside the real clients: a target below it cannot be
// met by a client, only by the machine.
//
//   floor-bench [-n REQUESTS | -d SECONDS] [--poll] [-q] http://127.0.0.1:PORT/PATH
//
// --poll: a non-blocking socket and a poll(2) before each recv(), as a poll-driven client does
// (three system calls per request): what that third call costs.
//
// One connection, one request at a time: a blocking send() and blocking recv()s, the floor the
// benchmark issue names (one send and one receive per request). Every response must be exactly as
// long as the first one (read with the same blocking calls and measured from its Content-Length):
// nginx serving one static file, as `make bench` runs it. IPv4 literals only.
//
// (Only one connection: with many, CPU per request depends mostly on how often the client's
// sends find the server asleep, that is on how a client batches them, so a naive loop is no
// floor there.)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench_stats.hpp"

namespace {

struct target {
  sockaddr_in addr{};
  std::string request;
};

// http://A.B.C.D:PORT/PATH only: this program talks to the benchmark's own nginx.
bool parse_target(const char* url, target& t) {
  const char* p = std::strncmp(url, "http://", 7) == 0 ? url + 7 : nullptr;
  if (p == nullptr) return false;
  const char* colon = std::strchr(p, ':');
  const char* slash = std::strchr(p, '/');
  if (colon == nullptr || slash == nullptr || colon > slash) return false;
  const std::string host(p, colon);
  t.addr.sin_family = AF_INET;
  t.addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(colon + 1)));
  if (::inet_pton(AF_INET, host.c_str(), &t.addr.sin_addr) != 1) return false;
  // A head like htpx-bench's (Host, User-Agent, Accept), so the server's work is about equal.
  t.request = std::string("GET ") + slash + " HTTP/1.1\r\nHost: " + std::string(p, slash) +
              "\r\nUser-Agent: floor-bench\r\nAccept: */*\r\n\r\n";
  return true;
}

int open_connection(const target& t) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int on = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&t.addr), sizeof t.addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_request(int fd, const target& t, int flags) {
  return ::send(fd, t.request.data(), t.request.size(), MSG_NOSIGNAL | flags) == static_cast<ssize_t>(t.request.size());
}

// The first response, read whole with blocking calls: its length is every response's length.
// Returns 0 when it is not a 200 with a Content-Length.
std::size_t measure_response(int fd, const target& t, std::size_t& body) {
  if (!send_request(fd, t, 0)) return 0;
  std::string got;
  char buf[16384];
  std::size_t head = std::string::npos;
  std::size_t total = 0;
  while (total == 0 || got.size() < total) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return 0;
    got.append(buf, static_cast<std::size_t>(n));
    if (head == std::string::npos && (head = got.find("\r\n\r\n")) != std::string::npos) {
      if (got.compare(0, 12, "HTTP/1.1 200") != 0) return 0;
      std::string lower = got.substr(0, head);
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const std::size_t cl = lower.find("\r\ncontent-length:");
      if (cl == std::string::npos) return 0;
      body = std::strtoull(lower.c_str() + cl + 17, nullptr, 10);
      total = head + 4 + body;
    }
  }
  return got.size() == total ? total : 0;
}

struct run_state {
  const bench::options& o;
  const target& t;
  bool poll_first;
  std::size_t response_bytes;
  std::size_t body_bytes;
  bench::tally tally{};
  std::uint64_t issued = 0;
  std::uint64_t deadline_ns = 0;

  bool more() const { return o.seconds > 0 ? bench::now_ns() < deadline_ns : issued < o.requests; }
  void done(std::uint64_t started_ns) {
    const std::uint64_t end = bench::now_ns();
    tally.latency.record(end - started_ns);
    tally.elapsed_ns = end;  // made relative by the caller
    tally.body_bytes += body_bytes;
    ++tally.succeeded;
  }
};

// Send, then blocking recv() until the response's bytes are in.
void run_one(run_state& s, int fd) {
  char buf[16384];
  while (s.more()) {
    const std::uint64_t started = bench::now_ns();
    if (!send_request(fd, s.t, 0)) break;
    ++s.issued;
    std::size_t left = s.response_bytes;
    while (left != 0) {
      if (s.poll_first) {
        pollfd p{fd, POLLIN, 0};
        (void)::poll(&p, 1, 5000);
      }
      const ssize_t n = ::recv(fd, buf, sizeof buf < left ? sizeof buf : left, 0);
      if (n <= 0) {
        ++s.tally.failed;
        return;
      }
      left -= static_cast<std::size_t>(n);
    }
    s.done(started);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const bool poll_first = bench::take_flag(argc, argv, "--poll");
  bench::options o;
  if (const int rc = bench::parse(argc, argv, o)) return rc;
  target t;
  if (!parse_target(o.url, t)) {
    std::fprintf(stderr, "floor-bench: only http://IPv4:PORT/PATH\n");
    return 1;
  }
  if (o.connections != 1) {
    std::fprintf(stderr, "floor-bench: one connection only\n");
    return 1;
  }
  const int fd = open_connection(t);
  if (fd < 0) {
    std::fprintf(stderr, "floor-bench: cannot connect\n");
    return 2;
  }
  std::size_t body = 0;
  const std::size_t response_bytes = measure_response(fd, t, body);
  if (response_bytes == 0) {
    std::fprintf(stderr, "floor-bench: the first response is not a 200 with a Content-Length\n");
    return 2;
  }
  if (o.expect_body >= 0 && body != static_cast<std::uint64_t>(o.expect_body)) {
    std::fprintf(stderr, "floor-bench: the body is %zu bytes, not --expect-body\n", body);
    return 2;
  }
  if (poll_first) (void)::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  run_state s{o, t, poll_first, response_bytes, body};
  s.tally.connections = 1;
  const std::uint64_t cpu0 = bench::cpu_us();
  const std::uint64_t start = bench::now_ns();
  s.deadline_ns = start + static_cast<std::uint64_t>(o.seconds * 1e9);
  run_one(s, fd);
  s.tally.cpu_us = bench::cpu_us() - cpu0;
  s.tally.elapsed_ns = s.tally.elapsed_ns > start ? s.tally.elapsed_ns - start : 0;
  ::close(fd);
  bench::report("floor-bench", o, "HTTP/1.1 bytes, not parsed", s.tally);
  return s.tally.failed != 0 || s.tally.succeeded == 0 ? 2 : 0;
}
