// The port conformance test (port/README.md, "How the rules are checked") run against the POSIX
// port: a transport drives real TCP connections to peers this test controls on the loopback
// interface (127.0.0.0/8 and ::1 only; name lookups are made only where they cannot leave the
// machine). Every result of every call is checked against P-03, every transport call against
// the 50 ms bound of P-01.
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

#include "port_test_support.hpp"
#include "posix_transport.hpp"

namespace htpx::port {
namespace {

using namespace port_test;  // NOLINT(google-build-using-namespace): port_test_support.hpp

// ---- name resolution without the network -----------------------------------------------------

// The `hosts:` sources of /etc/nsswitch.conf, without [action] items; empty when unreadable
// (glibc's default then asks DNS first).
std::vector<std::string> hosts_sources() {
  std::ifstream file("/etc/nsswitch.conf");
  std::string line;
  std::vector<std::string> sources;
  while (std::getline(file, line)) {
    std::istringstream words(line.substr(0, line.find('#')));
    std::string word;
    if (!(words >> word) || word != "hosts:") continue;
    while (words >> word) {
      if (word[0] != '[') sources.push_back(word);
    }
  }
  return sources;
}

// Lookups of names that neither /etc/hosts nor DNS syntax accepts stay inside glibc: `files`
// finds nothing and `dns` refuses an empty label before building a query (ns_name_pton).
bool invalid_names_stay_local() {
  const std::vector<std::string> sources = hosts_sources();
  return !sources.empty() &&
         std::all_of(sources.begin(), sources.end(), [](const std::string& s) { return s == "files" || s == "dns"; });
}

bool is_loopback_text(const std::string& address) {
  endpoint e;
  if (!parse_endpoint(address.c_str(), e)) return false;
  if (e.address.ss_family == AF_INET6) return address == "::1";
  return (ntohl(reinterpret_cast<const sockaddr_in&>(e.address).sin_addr.s_addr) >> 24) == 127;
}

std::string lowercase(std::string text) {
  for (char& c : text) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return text;
}

struct hosts_name {
  std::string name;
  std::string address;  // its first address in /etc/hosts
};

// A name other than localhost that /etc/hosts maps to loopback addresses only, when glibc looks
// in files first: its lookup never reaches DNS.
bool find_loopback_hosts_name(hosts_name& out) {
  const std::vector<std::string> sources = hosts_sources();
  if (sources.empty() || sources[0] != "files") return false;
  std::ifstream file("/etc/hosts");
  std::string line;
  std::vector<std::pair<std::string, std::string>> entries;  // lowercase name, address
  while (std::getline(file, line)) {
    std::istringstream words(line.substr(0, line.find('#')));
    std::string address;
    std::string name;
    if (!(words >> address)) continue;
    while (words >> name) entries.emplace_back(lowercase(name), address);
  }
  for (const auto& entry : entries) {
    const std::string& name = entry.first;
    if (name == "localhost" || name == "localhost." || !is_loopback_text(entry.second)) continue;
    endpoint numeric;
    if (parse_endpoint(name.c_str(), numeric)) continue;
    const bool only_loopback = std::all_of(entries.begin(), entries.end(), [&name](const auto& other) {
      return other.first != name || is_loopback_text(other.second);
    });
    if (!only_loopback) continue;
    out = hosts_name{name, entry.second};
    return true;
  }
  return false;
}

constexpr std::string_view invalid_name = "htpx..invalid";  // an empty label: no DNS query is built

// ---- P-01, P-02 ---------------------------------------------------------------------------------

TEST(PortConformance, P01_EveryCallReturnsAtOnceAgainstASilentPeer) {
  listener l;  // never accepts: the kernel queues the connection and the peer never reads or writes
  ASSERT_TRUE(open_listener(l, "127.0.0.1", 16, 4096));
  posix_transport t;
  ASSERT_EQ(connect_until_done(t, "127.0.0.1", l.port).status, io_status::ok);
  const std::string chunk(65536, 'p');
  std::size_t sent = 0;
  io_result r = send_call(t, chunk);
  while (r.status == io_status::ok && sent < (64u << 20)) {
    sent += r.bytes;
    r = send_call(t, chunk);
  }
  EXPECT_EQ(r.status, io_status::would_block) << "after " << sent << " bytes";
  char buffer[64];
  EXPECT_EQ(recv_call(t, buffer).status, io_status::would_block);
  close_call(t);
}

TEST(PortConformance, P02_NumericAddressAndLocalhostResolveWithoutAResolver) {
  listener l;
  ASSERT_TRUE(open_listener(l, "127.0.0.1"));
  for (const std::string_view host : {"127.0.0.1", "localhost", "LocalHost."}) {
    posix_transport t;
    const io_result first = connect_call(t, host, l.port);
    EXPECT_GE(t.native_handle(), 0) << host << ": a socket from the first call, no lookup";
    if (first.status == io_status::would_block) {
      EXPECT_EQ(connect_until_done(t, host, l.port).status, io_status::ok) << host;
    } else {
      EXPECT_EQ(first.status, io_status::ok) << host;
    }
    EXPECT_GE(accept_within(l, 2000).get(), 0) << host;
    close_call(t);
  }
}

TEST(PortConformance, P02_Ipv6Loopback) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "no ::1 on this machine";
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p, "::1"));
  EXPECT_EQ(peer_of(static_cast<int>(p.t.native_handle())), p.l.where);
  ASSERT_TRUE(transport_send_all(p.t, "v6"));
  EXPECT_EQ(peer_read(p.peer.get(), 2), "v6");
}

// RFC 8305-ish: localhost is 127.0.0.1 then ::1; a refused first address moves on to the next,
// on the same descriptor number (H-01).
TEST(PortConformance, P02_LocalhostFallsBackToIpv6WhenIpv4IsRefused) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "no ::1 on this machine";
  listener v6;
  ASSERT_TRUE(open_listener(v6, "::1"));
  unique_fd v4_holder;
  std::uint16_t port = v6.port;
  if (!reserve_refusing_port(v4_holder, port)) GTEST_SKIP() << "127.0.0.1:" << port << " is in use";
  posix_transport t;
  const io_result first = connect_call(t, "localhost", port);
  const std::intptr_t handle = t.native_handle();
  EXPECT_GE(handle, 0);
  const io_result r = first.status == io_status::would_block ? connect_until_done(t, "localhost", port) : first;
  ASSERT_EQ(r.status, io_status::ok) << "sys_error " << r.sys_error;
  EXPECT_EQ(t.native_handle(), handle);
  EXPECT_EQ(peer_of(static_cast<int>(handle)), v6.where);
  EXPECT_GE(accept_within(v6, 2000).get(), 0);
  close_call(t);
}

// C-05, RFC 8305 §5: `localhost` is 127.0.0.1 then ::1. A 127.0.0.1 listener whose accept queue
// is full drops the SYN, so that attempt stays in progress; after the attempt delay (and not
// before) the port says connect() is due again (connect_step_ms()), starts ::1 beside it, and
// connects there, on the descriptor number it showed from the start (H-01), well before the
// dropped SYN's first retransmission (1 s). Without the race the connection would wait for the
// caller's connect timeout.
TEST(PortConformance, C05_ASlowFirstAddressIsJoinedByTheNextAfterTheAttemptDelay) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "no ::1 on this machine";
  listener v6;
  ASSERT_TRUE(open_listener(v6, "::1"));
  listener v4;  // 127.0.0.1 on the same port, its accept queue full
  {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(v6.port);
    v4.fd.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::bind(v4.fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(v4.fd.get(), 0) != 0) {
      GTEST_SKIP() << "127.0.0.1:" << v6.port << " is in use";
    }
    v4.where = local_of(v4.fd.get());
    v4.port = v6.port;
  }
  std::vector<unique_fd> fillers;
  if (!fill_backlog(v4, fillers)) GTEST_SKIP() << "the kernel completed every connect: none stays in progress";

  posix_transport t;
  const auto start = steady::now();
  io_result r = connect_call(t, "localhost", v6.port);
  ASSERT_EQ(r.status, io_status::would_block) << "127.0.0.1 answered at once";
  const std::intptr_t handle = t.native_handle();
  const std::uint32_t first_step = t.connect_step_ms();
  EXPECT_GT(first_step, 0u);
  EXPECT_LE(first_step, posix_transport::attempt_delay_ms);
  // Before the delay: still the one attempt.
  std::this_thread::sleep_for(50ms);
  r = connect_call(t, "localhost", v6.port);
  EXPECT_EQ(r.status, io_status::would_block);
  EXPECT_EQ(accept_within(v6, 0).get(), -1) << "::1 tried before the attempt delay";
  // Then as a caller does: sleep until readiness or the step the port asks for.
  while (r.status == io_status::would_block && steady::now() - start < wait_budget) {
    const std::uint32_t step = t.connect_step_ms();
    wait_handle(t, POLLOUT, step == posix_transport::no_step ? 20 : static_cast<int>(step));
    r = connect_call(t, "localhost", v6.port);
  }
  const auto took = steady::now() - start;
  ASSERT_EQ(r.status, io_status::ok) << "sys_error " << r.sys_error;
  EXPECT_GE(took, std::chrono::milliseconds(posix_transport::attempt_delay_ms));
  EXPECT_LT(took, 1000ms) << "connected only when the dropped SYN was sent again";
  EXPECT_EQ(t.native_handle(), handle) << "H-01";
  EXPECT_EQ(peer_of(static_cast<int>(handle)), v6.where);
  EXPECT_EQ(t.connect_step_ms(), posix_transport::no_step) << "connected: nothing more to step";
  EXPECT_GE(accept_within(v6, 2000).get(), 0);
  const int fds_before_close = count_open_fds();
  close_call(t);
  EXPECT_EQ(count_open_fds(), fds_before_close - 1) << "X-01: one descriptor left after the race";
}

// A name glibc resolves from /etc/hosts, through getaddrinfo_a: would_block while it runs
// (handle -1 then), each call at once, never a hang.
TEST(PortConformance, P02_NameFromHostsFileResolvesInTheBackground) {
  hosts_name entry;
  if (!find_loopback_hosts_name(entry))
    GTEST_SKIP() << "no loopback-only name in /etc/hosts looked up from files first";
  listener l;
  if (!open_listener(l, entry.address.c_str())) GTEST_SKIP() << "cannot listen on " << entry.address;
  posix_transport t;
  int would_blocks = 0;
  const auto start = steady::now();
  const io_result r = connect_until_done(t, entry.name, l.port, &would_blocks);
  ASSERT_EQ(r.status, io_status::ok) << entry.name << ": sys_error " << r.sys_error
                                     << (is_resolver_error(r.sys_error) ? gai_strerror(r.sys_error) : "");
  EXPECT_LT(ms_since(start), 2000) << entry.name;
  EXPECT_EQ(peer_of(static_cast<int>(t.native_handle())), l.where);
  EXPECT_GE(accept_within(l, 2000).get(), 0);
  close_call(t);
  RecordProperty("resolved_name", entry.name);
  RecordProperty("would_blocks", would_blocks);
}

TEST(PortConformance, P02_UnresolvableNameIsAResolverErrorNeverAHang) {
  if (!invalid_names_stay_local()) GTEST_SKIP() << "nsswitch.conf hosts has sources other than files and dns";
  posix_transport t;
  const io_result r = connect_until_done(t, invalid_name, 80);
  ASSERT_EQ(r.status, io_status::error);
  EXPECT_TRUE(is_resolver_error(r.sys_error)) << r.sys_error;
  EXPECT_TRUE(r.sys_error == EAI_NONAME || r.sys_error == EAI_FAIL) << gai_strerror(r.sys_error);
  EXPECT_EQ(connect_call(t, invalid_name, 80).sys_error, r.sys_error) << "the same error until close()";
  close_call(t);
}

TEST(PortConformance, P02_NamesNoResolverCanTakeFailInOneCall) {
  const std::string too_long(posix_transport::max_host_length + 1, 'a');
  constexpr char nul_inside[] = "127.0.0.1\0.evil";
  const std::string_view embedded_nul(nul_inside, sizeof(nul_inside) - 1);
  for (const std::string_view host : {std::string_view{}, std::string_view{too_long}, embedded_nul}) {
    posix_transport t;
    const io_result r = connect_call(t, host, 80);
    EXPECT_EQ(r.status, io_status::error) << host.size();
    EXPECT_EQ(r.sys_error, EAI_NONAME) << host.size();
    EXPECT_EQ(t.native_handle(), -1);
    close_call(t);
  }
}

// close() during a lookup cancels it, or leaves a lookup glibc has already started to finish:
// the next connect() waits for it (would_block, handle -1) and then connects, and destroying a
// transport mid-lookup waits for it. Many rounds, so some close() lands on a running lookup.
TEST(PortConformance, P02_CloseDuringLookupLeavesTheTransportReusable) {
  if (!invalid_names_stay_local()) GTEST_SKIP() << "nsswitch.conf hosts has sources other than files and dns";
  listener l;
  ASSERT_TRUE(open_listener(l, "127.0.0.1"));
  posix_transport t;
  int waited_for_old_lookup = 0;
  for (int round = 0; round != 200; ++round) {
    (void)connect_call(t, invalid_name, 80);
    close_call(t);
    const io_result first = connect_call(t, "127.0.0.1", l.port);
    waited_for_old_lookup += first.status == io_status::would_block && t.native_handle() == -1 ? 1 : 0;
    const io_result r = first.status == io_status::ok ? first : connect_until_done(t, "127.0.0.1", l.port);
    ASSERT_EQ(r.status, io_status::ok) << "round " << round << ": sys_error " << r.sys_error;
    ASSERT_GE(accept_within(l, 2000).get(), 0) << "round " << round;
    close_call(t);
    posix_transport doomed;
    (void)connect_call(doomed, invalid_name, 80);
  }
  RecordProperty("waited_for_old_lookup", waited_for_old_lookup);
}

// ---- connect ---------------------------------------------------------------------------------

// Linux drops SYNs to a full accept queue, so the handshake stays in progress. If a kernel
// completed every connect, the test is skipped (it would then only show "ok or would_block").
TEST(PortConformance, C01_FullBacklogGivesWouldBlockNotError) {
  listener l;
  ASSERT_TRUE(open_listener(l, "127.0.0.1", 0));
  std::vector<unique_fd> fillers;
  if (!fill_backlog(l, fillers)) GTEST_SKIP() << "the kernel completed every connect: none stays in progress";
  const int fds_before = count_open_fds();
  posix_transport t;
  int would_blocks = 0;
  std::intptr_t handle = -1;
  for (int i = 0; i != 10; ++i) {
    const io_result r = connect_call(t, "127.0.0.1", l.port);
    EXPECT_NE(r.status, io_status::error) << "call " << i << ": sys_error " << r.sys_error;
    if (r.status != io_status::would_block) break;
    ++would_blocks;
    if (i == 0) handle = t.native_handle();
    EXPECT_TRUE(is_open_fd(t.native_handle())) << "H-01: a descriptor while connecting";
    EXPECT_EQ(t.native_handle(), handle) << "H-01: the same value on every call";
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GE(would_blocks, 1);
  close_call(t);
  EXPECT_EQ(count_open_fds(), fds_before) << "X-01: close() while connecting";
}

TEST(PortConformance, C02_OkOnceConnectedAndASendRightAfterSucceeds) {
  listener l;
  ASSERT_TRUE(open_listener(l, "127.0.0.1"));
  posix_transport t;
  ASSERT_EQ(connect_until_done(t, "127.0.0.1", l.port).status, io_status::ok);
  EXPECT_EQ(connect_call(t, "127.0.0.1", l.port).status, io_status::ok) << "still ok when asked again";
  const io_result sent = send_call(t, "ping");
  EXPECT_EQ(sent.status, io_status::ok);
  unique_fd peer = accept_within(l, 2000);
  ASSERT_GE(peer.get(), 0) << "the peer never saw the connection";
  EXPECT_EQ(peer_of(peer.get()), local_of(static_cast<int>(t.native_handle())));
  EXPECT_EQ(peer_read(peer.get(), sent.bytes), std::string("ping").substr(0, sent.bytes));
  close_call(t);
}

TEST(PortConformance, C03_RefusedIsErrorEconnrefusedNeverClosed) {
  unique_fd holder;
  std::uint16_t port = 0;
  ASSERT_TRUE(reserve_refusing_port(holder, port));
  posix_transport t;
  const io_result r = connect_until_done(t, "127.0.0.1", port);
  ASSERT_EQ(r.status, io_status::error);
  EXPECT_EQ(r.sys_error, ECONNREFUSED);
  EXPECT_EQ(connect_call(t, "127.0.0.1", port).sys_error, ECONNREFUSED) << "the same error until close()";
  close_call(t);
}

TEST(PortConformance, C04_RefusedConnectsKeepTheirSocketUntilCloseAndLeakNothing) {
  unique_fd holder;
  std::uint16_t port = 0;
  ASSERT_TRUE(reserve_refusing_port(holder, port));
  const int fds_before = count_open_fds();
  posix_transport t;
  for (int i = 0; i != 1000; ++i) {
    const io_result r = connect_until_done(t, "127.0.0.1", port);
    ASSERT_EQ(r.status, io_status::error) << "connect " << i;
    ASSERT_EQ(r.sys_error, ECONNREFUSED) << "connect " << i;
    ASSERT_TRUE(is_open_fd(t.native_handle())) << "C-04: the socket stays taken until close()";
    close_call(t);
  }
  EXPECT_EQ(count_open_fds(), fds_before);
}

// ---- send ------------------------------------------------------------------------------------

// Reads `size` bytes slowly (1 KB at a time, pausing) into `got`, until EOF or 3 s of silence.
void slow_reader(int fd, std::size_t size, std::string& got) {
  char buffer[1024];
  for (int reads = 1; got.size() < size; ++reads) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return;
    got.append(buffer, static_cast<std::size_t>(n));
    if (reads % 32 == 0) std::this_thread::sleep_for(1ms);
  }
}

TEST(PortConformance, S01_PartialSendsDeliverExactlyThePrefixesReported) {
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p, "127.0.0.1", 4096));
  const int small = 4096;  // a small send buffer too, so sends are cut short
  (void)::setsockopt(static_cast<int>(p.t.native_handle()), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
  const std::string data = make_pattern(1u << 20);
  std::string received;
  std::thread reader(slow_reader, p.peer.get(), data.size(), std::ref(received));
  std::size_t offset = 0;
  std::size_t partial = 0;
  const auto start = steady::now();
  while (offset < data.size() && steady::now() - start < 8s) {
    const std::size_t ask = std::min<std::size_t>(data.size() - offset, 65536);
    const io_result r = send_call(p.t, {data.data() + offset, ask});
    if (r.status == io_status::ok) {
      partial += r.bytes < ask ? 1 : 0;
      offset += r.bytes;
    } else if (r.status == io_status::would_block) {
      wait_handle(p.t, POLLOUT, 100);
    } else {
      ADD_FAILURE() << "send failed: status " << static_cast<int>(r.status) << " sys_error " << r.sys_error;
      break;
    }
  }
  reader.join();
  EXPECT_EQ(offset, data.size());
  EXPECT_EQ(received.size(), data.size());
  EXPECT_TRUE(received == data) << "the peer did not receive the concatenated prefixes";
  RecordProperty("partial_sends", static_cast<int>(partial));
}

TEST(PortConformance, S02_APeerThatNeverReadsGivesWouldBlockAtOnce) {
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p, "127.0.0.1", 4096));
  const std::string chunk(65536, 's');
  std::size_t sent = 0;
  io_result r = send_call(p.t, chunk);
  while (r.status == io_status::ok && sent < (64u << 20)) {
    sent += r.bytes;
    r = send_call(p.t, chunk);
  }
  ASSERT_EQ(r.status, io_status::would_block) << "after " << sent << " bytes";
  for (int i = 0; i != 20; ++i) EXPECT_EQ(send_call(p.t, chunk).status, io_status::would_block);
}

TEST(PortConformance, S04_SendFailsAfterTheResetButTheAnswerStaysReadable) {
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  const std::string answer = "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n";
  ASSERT_TRUE(peer_send_all(p.peer.get(), answer));
  ASSERT_EQ(::shutdown(p.peer.get(), SHUT_WR), 0);
  wait_handle(p.t, POLLIN, 2000);  // the answer arrived before the reset
  reset_peer(p.peer);
  ASSERT_TRUE(wait_for_reset(p.t));
  io_result r = send_call(p.t, "the rest of the body");
  for (int i = 0; r.status == io_status::ok && i != 100; ++i) r = send_call(p.t, "the rest of the body");
  EXPECT_TRUE(r.status == io_status::closed || r.status == io_status::error) << static_cast<int>(r.status);
  std::string got;
  const io_result end = recv_until_end(p.t, got);
  EXPECT_EQ(got, answer);
  EXPECT_TRUE(end.status == io_status::closed || end.status == io_status::error);
}

TEST(PortConformance, S05_SendToAResetPeerIsAnErrorNotSigpipe) {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  struct sigaction previous {};
  ASSERT_EQ(::sigaction(SIGPIPE, &default_action, &previous), 0);  // SIGPIPE would end the process
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  ASSERT_EQ(::shutdown(p.peer.get(), SHUT_WR), 0);  // FIN then RST: Linux answers the next send with EPIPE
  reset_peer(p.peer);
  ASSERT_TRUE(wait_for_reset(p.t));
  const io_result r = send_call(p.t, "x");
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_TRUE(r.sys_error == EPIPE || r.sys_error == ECONNRESET) << std::strerror(r.sys_error);
  EXPECT_EQ(send_call(p.t, "x").status, io_status::error);
  ::sigaction(SIGPIPE, &previous, nullptr);
}

// ---- recv ------------------------------------------------------------------------------------

bool untouched(const char* from, const char* to, char fill) {
  return std::all_of(from, to, [fill](char c) { return c == fill; });
}

// Every buffer size 1..4096, guard bytes around the buffer, the bytes in order.
TEST(PortConformance, R01_RecvWritesOnlyTheBytesItReports) {
  constexpr std::size_t largest = 4096;
  constexpr std::size_t guard = 16;
  constexpr char fill = '\xA5';
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  const std::string data = make_pattern(largest * (largest + 1) / 2);
  std::thread writer([&p, &data] {
    (void)peer_send_all(p.peer.get(), data);
    (void)::shutdown(p.peer.get(), SHUT_WR);
  });
  std::string got;
  char area[guard + largest + guard];
  for (std::size_t size = 1; size <= largest; ++size) {
    std::memset(area, fill, sizeof(area));
    io_result r = recv_call(p.t, {area + guard, size});
    const auto start = steady::now();
    while (r.status == io_status::would_block && steady::now() - start < wait_budget) {
      wait_handle(p.t, POLLIN, 20);
      r = recv_call(p.t, {area + guard, size});
    }
    if (r.status != io_status::ok) {
      ADD_FAILURE() << "size " << size << ": status " << static_cast<int>(r.status) << " sys_error " << r.sys_error;
      break;
    }
    got.append(area + guard, r.bytes);
    if (!untouched(area, area + guard, fill) || !untouched(area + guard + r.bytes, area + sizeof(area), fill)) {
      ADD_FAILURE() << "size " << size << ": recv wrote outside buffer[0, " << r.bytes << ")";
      break;
    }
  }
  const io_result end = recv_until_end(p.t, got);
  writer.join();
  EXPECT_EQ(end.status, io_status::closed);
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data) << "the bytes read differ from the peer's";
}

TEST(PortConformance, R02_NothingAvailableIsWouldBlockNeverOkWithZero) {
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  char buffer[64];
  for (int i = 0; i != 100; ++i) EXPECT_EQ(recv_call(p.t, buffer).status, io_status::would_block);
  // Readiness lies: poll() says readable, another reader takes the byte first.
  ASSERT_TRUE(peer_send_all(p.peer.get(), "x"));
  pollfd entry{static_cast<int>(p.t.native_handle()), POLLIN, 0};
  ASSERT_EQ(::poll(&entry, 1, 2000), 1);
  ASSERT_EQ(::recv(entry.fd, buffer, sizeof(buffer), MSG_DONTWAIT), 1);
  EXPECT_EQ(recv_call(p.t, buffer).status, io_status::would_block);
}

TEST(PortConformance, R03_OrderlyEofIsClosedAfterEveryByteAndAgain) {
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  ASSERT_TRUE(peer_send_all(p.peer.get(), "abc"));
  ASSERT_EQ(::shutdown(p.peer.get(), SHUT_WR), 0);
  std::string got;
  EXPECT_EQ(recv_until_end(p.t, got, 2).status, io_status::closed);
  EXPECT_EQ(got, "abc");
  char buffer[8];
  for (int i = 0; i != 3; ++i) EXPECT_EQ(recv_call(p.t, buffer).status, io_status::closed);
}

TEST(PortConformance, R04_ResetIsErrorEconnresetNeverClosed) {
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  reset_peer(p.peer);
  ASSERT_TRUE(wait_for_reset(p.t));
  char buffer[64];
  for (int i = 0; i != 3; ++i) {
    const io_result r = recv_call(p.t, buffer);
    EXPECT_EQ(r.status, io_status::error) << "call " << i;
    EXPECT_EQ(r.sys_error, ECONNRESET) << "call " << i;
  }
}

// recv_wait() sleeps in the receive: bytes wake it at once, silence for the timeout.
long long timed_recv_wait(posix_transport& t, char* buffer, std::size_t size, std::uint32_t ms, io_result& r) {
  const auto start = steady::now();
  r = t.recv_wait({buffer, size}, ms);
  return ms_since(start);
}

TEST(PortConformance, R05_RecvWaitSleepsUntilBytesArrive) {
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  std::thread sender([&p] {
    std::this_thread::sleep_for(30ms);
    (void)peer_send_all(p.peer.get(), "late");
  });
  char buffer[16];
  io_result r;
  const long long took = timed_recv_wait(p.t, buffer, sizeof buffer, 5000, r);
  sender.join();
  ASSERT_EQ(r.status, io_status::ok);
  EXPECT_EQ(std::string_view(buffer, r.bytes), "late");
  EXPECT_GE(took, 20);
  EXPECT_LT(took, 30 + 50);
  // Bytes already there: at once, and only as many as fit.
  ASSERT_TRUE(peer_send_all(p.peer.get(), "0123456789"));
  EXPECT_LT(timed_recv_wait(p.t, buffer, 4, 5000, r), 50);
  ASSERT_EQ(r.status, io_status::ok);
  EXPECT_EQ(std::string_view(buffer, r.bytes), "0123");
}

TEST(PortConformance, R05_RecvWaitTimesOutAsWouldBlockAndZeroDoesNotSleep) {
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  char buffer[16];
  io_result r;
  long long shortest = 1000000;
  for (int i = 0; i != 3; ++i) shortest = std::min(shortest, timed_recv_wait(p.t, buffer, sizeof buffer, 100, r));
  EXPECT_EQ(r.status, io_status::would_block);
  EXPECT_EQ(r.sys_error, 0);
  EXPECT_GE(shortest, 80);
  EXPECT_LE(shortest, 150);
  // A shorter timeout is applied (SO_RCVTIMEO set again), and 0 polls.
  EXPECT_LT(timed_recv_wait(p.t, buffer, sizeof buffer, 20, r), 80);
  EXPECT_EQ(r.status, io_status::would_block);
  EXPECT_LT(timed_recv_wait(p.t, buffer, sizeof buffer, 0, r), 5);
  EXPECT_EQ(r.status, io_status::would_block);
  // The other calls still return at once (P-01): the socket's blocking mode is recv_wait's alone.
  for (int i = 0; i != 20; ++i) EXPECT_EQ(recv_call(p.t, buffer).status, io_status::would_block);
}

TEST(PortConformance, R05_RecvWaitSeesEofResetAndNoConnection) {
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  ASSERT_TRUE(peer_send_all(p.peer.get(), "abc"));
  ASSERT_EQ(::shutdown(p.peer.get(), SHUT_WR), 0);
  char buffer[16];
  io_result r = p.t.recv_wait({buffer, sizeof buffer}, 5000);
  ASSERT_EQ(r.status, io_status::ok);
  EXPECT_EQ(r.bytes, 3u);
  EXPECT_EQ(p.t.recv_wait({buffer, sizeof buffer}, 5000).status, io_status::closed);

  connected_pair q;
  ASSERT_NO_FATAL_FAILURE(connect_pair(q));
  reset_peer(q.peer);
  r = q.t.recv_wait({buffer, sizeof buffer}, 5000);
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(r.sys_error, ECONNRESET);

  posix_transport idle;
  r = idle.recv_wait({buffer, sizeof buffer}, 100);
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(r.sys_error, ENOTCONN);
}

// A transport that does not override recv_wait() says so, and does not sleep.
TEST(PortConformance, R05_TheDefaultRecvWaitIsUnsupported) {
  class plain final : public transport {
   public:
    io_result connect(std::string_view, std::uint16_t) noexcept override { return {}; }
    io_result send(bytes_view) noexcept override { return {}; }
    io_result recv(mutable_bytes) noexcept override { return {io_status::would_block, 0, 0}; }
    void close() noexcept override {}
    [[nodiscard]] std::intptr_t native_handle() const noexcept override { return -1; }
  } t;
  char buffer[4];
  const io_result r = t.recv_wait({buffer, sizeof buffer}, 5000);
  EXPECT_EQ(r.status, io_status::would_block);
  EXPECT_EQ(r.sys_error, transport::recv_wait_unsupported);
}

// ---- close -----------------------------------------------------------------------------------

TEST(PortConformance, X01_CloseReleasesEverythingInEveryState) {
  listener live;
  ASSERT_TRUE(open_listener(live, "127.0.0.1"));
  listener full;
  ASSERT_TRUE(open_listener(full, "127.0.0.1", 0));
  std::vector<unique_fd> fillers;
  const bool can_hold_in_progress = fill_backlog(full, fillers);
  unique_fd holder;
  std::uint16_t refused_port = 0;
  ASSERT_TRUE(reserve_refusing_port(holder, refused_port));
  const int fds_before = count_open_fds();
  posix_transport t;

  close_call(t);  // never connected
  EXPECT_EQ(count_open_fds(), fds_before) << "never connected";

  if (can_hold_in_progress) {
    EXPECT_EQ(connect_call(t, "127.0.0.1", full.port).status, io_status::would_block);
    EXPECT_EQ(count_open_fds(), fds_before + 1);
    close_call(t);
    EXPECT_EQ(count_open_fds(), fds_before) << "connecting";
  }

  EXPECT_EQ(connect_until_done(t, "127.0.0.1", refused_port).status, io_status::error);
  close_call(t);
  EXPECT_EQ(count_open_fds(), fds_before) << "after error";

  ASSERT_EQ(connect_until_done(t, "127.0.0.1", live.port).status, io_status::ok);
  {
    unique_fd peer = accept_within(live, 2000);
    ASSERT_TRUE(peer_send_all(peer.get(), "bye"));
  }
  std::string got;
  EXPECT_EQ(recv_until_end(t, got).status, io_status::closed);
  close_call(t);
  EXPECT_EQ(count_open_fds(), fds_before) << "after EOF";
}

TEST(PortConformance, X02_SecondCloseDoesNothing) {
  listener l;
  ASSERT_TRUE(open_listener(l, "127.0.0.1"));
  posix_transport t;
  t.close();
  t.close();  // never connected, twice
  ASSERT_EQ(connect_until_done(t, "127.0.0.1", l.port).status, io_status::ok);
  const std::intptr_t old_handle = t.native_handle();
  close_call(t);
  unique_fd newcomer(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));  // likely reuses the number
  ASSERT_GE(newcomer.get(), 0);
  close_call(t);
  EXPECT_TRUE(is_open_fd(newcomer.get())) << "the second close() closed descriptor " << newcomer.get();
  RecordProperty("number_reused", newcomer.get() == old_handle ? "yes" : "no");
}

TEST(PortConformance, X03_ConnectAfterCloseStartsANewConnection) {
  listener l;
  ASSERT_TRUE(open_listener(l, "127.0.0.1"));
  posix_transport t;
  std::vector<std::uint16_t> client_ports;
  for (int round = 0; round != 3; ++round) {
    ASSERT_EQ(connect_until_done(t, "127.0.0.1", l.port).status, io_status::ok) << "round " << round;
    unique_fd peer = accept_within(l, 2000);
    ASSERT_GE(peer.get(), 0) << "round " << round;
    client_ports.push_back(peer_of(peer.get()).port());
    const std::string ping = "ping " + std::to_string(round);
    ASSERT_TRUE(transport_send_all(t, ping));
    EXPECT_EQ(peer_read(peer.get(), ping.size()), ping);
    ASSERT_TRUE(peer_send_all(peer.get(), "pong"));
    peer.reset();
    std::string got;
    EXPECT_EQ(recv_until_end(t, got).status, io_status::closed);
    EXPECT_EQ(got, "pong");
    close_call(t);
  }
  std::sort(client_ports.begin(), client_ports.end());
  EXPECT_EQ(std::unique(client_ports.begin(), client_ports.end()), client_ports.end()) << "a connection was reused";
}

// ---- native_handle -------------------------------------------------------------------------

TEST(PortConformance, H01_NativeHandleIsTheConnectionsDescriptorFromConnectToClose) {
  listener l;
  ASSERT_TRUE(open_listener(l, "127.0.0.1"));
  posix_transport t;
  EXPECT_EQ(t.native_handle(), -1) << "before connect";
  io_result r = connect_call(t, "127.0.0.1", l.port);
  const std::intptr_t handle = t.native_handle();
  ASSERT_TRUE(is_open_fd(handle));
  while (r.status == io_status::would_block) {
    EXPECT_EQ(t.native_handle(), handle);
    wait_handle(t, POLLOUT, 20);
    r = connect_call(t, "127.0.0.1", l.port);
  }
  ASSERT_EQ(r.status, io_status::ok);
  EXPECT_EQ(t.native_handle(), handle);
  EXPECT_EQ(peer_of(static_cast<int>(handle)), l.where) << "getpeername() is the test's listener";
  unique_fd peer = accept_within(l, 2000);
  ASSERT_TRUE(transport_send_all(t, "hi"));
  EXPECT_EQ(peer_read(peer.get(), 2), "hi");
  EXPECT_EQ(t.native_handle(), handle);
  EXPECT_FALSE(t.has_buffered_input()) << "H-02: a plain socket buffers nothing";
  close_call(t);
  EXPECT_EQ(t.native_handle(), -1) << "after close";
}

}  // namespace
}  // namespace htpx::port
