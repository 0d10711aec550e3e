// The platform rules of port/README.md (T-01, T-02, W-01 to W-04) checked against the POSIX
// port's two platforms: posix_platform (poll(2)) and, on Linux, epoll_platform (an epoll set
// kept between waits), on loopback sockets and pipes this test controls.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "epoll_platform.hpp"
#include "port_test_support.hpp"
#include "posix_platform.hpp"
#include "posix_transport.hpp"

namespace htpx::port {
namespace {

using namespace port_test;  // NOLINT(google-build-using-namespace): port_test_support.hpp

// A transport whose handle and buffered input the test sets (W-02, batches).
class fake_transport final : public transport {
 public:
  fake_transport(std::intptr_t handle, bool buffered) : handle_(handle), buffered_(buffered) {}
  io_result connect(std::string_view, std::uint16_t) noexcept override { return {io_status::error, 0, ENOTSUP}; }
  io_result send(bytes_view) noexcept override { return {io_status::error, 0, ENOTSUP}; }
  io_result recv(mutable_bytes) noexcept override { return {io_status::error, 0, ENOTSUP}; }
  void close() noexcept override {}
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return handle_; }
  [[nodiscard]] bool has_buffered_input() const noexcept override { return buffered_; }

 private:
  std::intptr_t handle_;
  bool buffered_;
};

long long timed_wait(platform& waiter, wait_entry* entries, std::size_t count, std::uint32_t ms) {
  const auto start = steady::now();
  waiter.wait(entries, count, ms);
  return ms_since(start);
}

// The shortest of three waits that should each sleep the whole timeout. Being descheduled after
// poll() returns (a busy host, a VM) lengthens one wait, never all three, and never shortens one.
long long shortest_of_three(platform& waiter, wait_entry* entries, std::size_t count, std::uint32_t ms) {
  long long shortest = timed_wait(waiter, entries, count, ms);
  for (int i = 0; i != 2; ++i) shortest = std::min(shortest, timed_wait(waiter, entries, count, ms));
  return shortest;
}

// `count` pipes, each read end behind a fake_transport: many handles without sockets.
struct pipes {
  void open(std::size_t count) {
    transports.reserve(count);  // the wait entries point at them
    for (std::size_t i = 0; i != count; ++i) {
      int ends[2];
      ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
      read_ends.emplace_back(ends[0]);
      write_ends.emplace_back(ends[1]);
      transports.emplace_back(ends[0], false);
    }
  }
  // A wait entry per pipe asking for `what`, its `ready` filled with `filled`.
  [[nodiscard]] std::vector<wait_entry> entries(interest what, interest filled = interest::none) const {
    std::vector<wait_entry> out;
    for (const fake_transport& t : transports) out.push_back({&t, what, filled});
    return out;
  }

  std::vector<unique_fd> read_ends;
  std::vector<unique_fd> write_ends;
  std::vector<fake_transport> transports;
};

// Each typed test runs on a platform of its own (epoll_platform's table is too large for the
// stack of a test thread that also holds sockets: the fixture holds it).
template <class P>
class Platform : public ::testing::Test {
 protected:
  P platform_;
};
#if defined(__linux__)
using platforms = ::testing::Types<posix_platform, epoll_platform>;
#else
using platforms = ::testing::Types<posix_platform>;
#endif
TYPED_TEST_SUITE(Platform, platforms);

TYPED_TEST(Platform, T01_NowMsIsMonotonicMillisecondsTruncatedTo32Bits) {
  auto& platform = this->platform_;
  std::uint32_t previous = platform.now_ms();
  int backwards = 0;
  for (int i = 0; i != 1000000; ++i) {
    const std::uint32_t now = platform.now_ms();
    backwards += static_cast<std::int32_t>(now - previous) < 0 ? 1 : 0;
    previous = now;
  }
  EXPECT_EQ(backwards, 0);
  // T-02: CLOCK_MONOTONIC truncated, neither the wall clock nor clamped.
  timespec mono{};
  ASSERT_EQ(::clock_gettime(CLOCK_MONOTONIC, &mono), 0);
  const auto expected = static_cast<std::uint32_t>(static_cast<std::uint64_t>(mono.tv_sec) * 1000u +
                                                   static_cast<std::uint64_t>(mono.tv_nsec) / 1000000u);
  EXPECT_LE(static_cast<std::uint32_t>(platform.now_ms() - expected), 5u);
  // Across a 100 ms sleep: the shortest of three, as a busy host may lengthen one (never shorten).
  std::int32_t slept = INT32_MAX;
  for (int i = 0; i != 3; ++i) {
    const std::uint32_t before = platform.now_ms();
    std::this_thread::sleep_for(100ms);
    slept = std::min(slept, static_cast<std::int32_t>(platform.now_ms() - before));
  }
  EXPECT_GE(slept, 100);
  EXPECT_LE(slept, 150);
}

TYPED_TEST(Platform, W01_AReadablePeerWakesItAtOnce) {
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  auto& platform = this->platform_;
  wait_entry entry{&p.t, interest::read};
  std::thread sender([&p] {
    std::this_thread::sleep_for(30ms);
    (void)peer_send_all(p.peer.get(), "wake");
  });
  const long long took = timed_wait(platform, &entry, 1, 5000);
  sender.join();
  EXPECT_GE(took, 20);
  EXPECT_LT(took, 30 + 50);
  EXPECT_LT(timed_wait(platform, &entry, 1, 5000), 50) << "readable already";
  wait_entry writable{&p.t, interest::write};
  EXPECT_LT(timed_wait(platform, &writable, 1, 5000), 50);
  wait_entry both{&p.t, interest::read_write};
  EXPECT_LT(timed_wait(platform, &both, 1, 5000), 50);
}

TYPED_TEST(Platform, W01_AnIdlePeerTimesOutAndZeroPolls) {
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  auto& platform = this->platform_;
  wait_entry entry{&p.t, interest::read};
  const long long idle = shortest_of_three(platform, &entry, 1, 100);
  EXPECT_GE(idle, 80);
  EXPECT_LE(idle, 120);
  EXPECT_LT(timed_wait(platform, &entry, 1, 0), 5) << "timeout 0 polls";
  const long long nothing = shortest_of_three(platform, nullptr, 0, 100);
  EXPECT_GE(nothing, 80) << "count 0 sleeps";
  EXPECT_LE(nothing, 120);
}

TYPED_TEST(Platform, W02_BufferedInputReturnsAtOnceAndIgnoredEntriesDoNot) {
  auto& platform = this->platform_;
  const fake_transport buffered(-1, true);
  wait_entry buffered_entry{&buffered, interest::read};
  EXPECT_LT(timed_wait(platform, &buffered_entry, 1, 10000), 50);

  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  ASSERT_TRUE(peer_send_all(p.peer.get(), "ready"));
  reset_peer(p.peer);  // readable, error and hang-up: poll(2) would report it even with no events
  ASSERT_TRUE(wait_for_reset(p.t));
  const fake_transport no_handle(-1, false);
  wait_entry ignored[] = {{&p.t, interest::none}, {&no_handle, interest::read}, {&buffered, interest::none}};
  const long long took = shortest_of_three(platform, ignored, 3, 100);
  EXPECT_GE(took, 80) << "an entry with interest none or handle -1 woke it";
  EXPECT_LE(took, 120);
}

// W-03: wait() says which entries are ready and for what, so the client reads only those.
TYPED_TEST(Platform, W03_ReportsWhatEachEntryIsReadyFor) {
  connected_pair quiet;
  connected_pair talking;
  ASSERT_NO_FATAL_FAILURE(connect_pair(quiet));
  ASSERT_NO_FATAL_FAILURE(connect_pair(talking));
  ASSERT_TRUE(peer_send_all(talking.peer.get(), "hello"));
  auto& platform = this->platform_;
  wait_entry entries[] = {{&quiet.t, interest::read, interest::read},
                          {&talking.t, interest::read, interest::read},
                          {&quiet.t, interest::read_write, interest::read_write}};
  platform.wait(entries, 3, 5000);
  EXPECT_EQ(entries[0].ready, interest::none) << "nothing to read on the quiet connection";
  EXPECT_EQ(entries[1].ready, interest::read);
  EXPECT_EQ(entries[2].ready, interest::write) << "writable, not readable";

  // A timeout: nothing is ready.
  wait_entry idle{&quiet.t, interest::read, interest::read};
  platform.wait(&idle, 1, 20);
  EXPECT_EQ(idle.ready, interest::none);

  // A reset peer: ready for both, so that the caller's next call meets the error.
  reset_peer(quiet.peer);
  ASSERT_TRUE(wait_for_reset(quiet.t));
  wait_entry reset{&quiet.t, interest::read, interest::none};
  platform.wait(&reset, 1, 5000);
  EXPECT_EQ(reset.ready, interest::read_write);

  // Buffered input inside a transport returns at once and leaves `ready` as filled (W-02).
  const fake_transport buffered(-1, true);
  wait_entry held{&buffered, interest::read, interest::read};
  platform.wait(&held, 1, 5000);
  EXPECT_EQ(held.ready, interest::read);
}

// More entries than one poll(2) takes: a ready entry past the first batch still wakes it, and
// with none ready it returns within the timeout (possibly early, W-01).
TYPED_TEST(Platform, W01_MoreEntriesThanOneBatch) {
  constexpr std::size_t count = posix_platform::wait_batch + 6;  // past epoll's report_batch too
  pipes p;
  ASSERT_NO_FATAL_FAILURE(p.open(count));
  std::vector<wait_entry> entries = p.entries(interest::read);
  auto& platform = this->platform_;
  const long long none_ready = timed_wait(platform, entries.data(), count, 100);
  EXPECT_LE(none_ready, 120);
  ASSERT_EQ(::write(p.write_ends.back().get(), "x", 1), 1);
  EXPECT_LT(timed_wait(platform, entries.data(), count, 5000), 50);
}

#if defined(__linux__)
// ---- epoll_platform: the set it keeps between waits -----------------------------------------

// Sends to `peer` after `delay` from another thread, joined by the destructor.
class delayed_send {
 public:
  delayed_send(int peer, std::chrono::milliseconds delay)
      : thread_([peer, delay] {
          std::this_thread::sleep_for(delay);
          (void)peer_send_all(peer, "wake");
        }) {}
  delayed_send(const delayed_send&) = delete;
  delayed_send& operator=(const delayed_send&) = delete;
  ~delayed_send() { thread_.join(); }

 private:
  std::thread thread_;
};

TEST(EpollPlatform, HasItsSetAndKeepsOnlyTheListedHandles) {
  auto platform = std::make_unique<epoll_platform>();
  ASSERT_TRUE(platform->has_epoll_set());
  connected_pair a;
  connected_pair b;
  ASSERT_NO_FATAL_FAILURE(connect_pair(a));
  ASSERT_NO_FATAL_FAILURE(connect_pair(b));
  wait_entry both[] = {{&a.t, interest::read}, {&b.t, interest::read}};
  platform->wait(both, 2, 0);
  EXPECT_EQ(platform->watched(), 2u);
  wait_entry one{&b.t, interest::read};
  platform->wait(&one, 1, 0);
  EXPECT_EQ(platform->watched(), 1u) << "a, not listed, left the set";
  platform->wait(nullptr, 0, 0);
  EXPECT_EQ(platform->watched(), 0u);
}

// Level-triggered: a readable socket left in the set would end every later wait at once, so a
// handle no longer listed must leave it.
TEST(EpollPlatform, W01_ASocketNoLongerListedCannotWakeAWait) {
  auto platform = std::make_unique<epoll_platform>();
  connected_pair talking;
  connected_pair quiet;
  ASSERT_NO_FATAL_FAILURE(connect_pair(talking));
  ASSERT_NO_FATAL_FAILURE(connect_pair(quiet));
  ASSERT_TRUE(peer_send_all(talking.peer.get(), "unread"));
  wait_entry first{&talking.t, interest::read, interest::read};
  EXPECT_LT(timed_wait(*platform, &first, 1, 5000), 50);
  EXPECT_EQ(first.ready, interest::read);
  wait_entry second{&quiet.t, interest::read, interest::read};
  const long long took = shortest_of_three(*platform, &second, 1, 100);
  EXPECT_GE(took, 80) << "the unread socket, no longer listed, woke the wait";
  EXPECT_LE(took, 120);
  EXPECT_EQ(second.ready, interest::none);
}

// W-03 through changes of interest: the set waits for what this wait asks, not the last one.
TEST(EpollPlatform, W03_EachWaitAsksForItsOwnInterest) {
  auto platform = std::make_unique<epoll_platform>();
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  wait_entry reading{&p.t, interest::read, interest::read};
  EXPECT_GE(timed_wait(*platform, &reading, 1, 60), 40) << "nothing to read";
  wait_entry writing{&p.t, interest::write, interest::write};
  EXPECT_LT(timed_wait(*platform, &writing, 1, 5000), 50);
  EXPECT_EQ(writing.ready, interest::write);
  reading.ready = interest::read;
  EXPECT_GE(timed_wait(*platform, &reading, 1, 60), 40) << "still waiting for writability";
  EXPECT_EQ(reading.ready, interest::none);
  const delayed_send wake(p.peer.get(), 30ms);
  EXPECT_LT(timed_wait(*platform, &reading, 1, 5000), 30 + 50);
  EXPECT_EQ(reading.ready, interest::read);
}

// Puts p.t's socket in the set, closes it, and connects `next` (p.t again, or another
// transport) to the same listener, after forget(p.t) when `forget_first`; the new socket takes
// the old number (the premise of the W-04 tests, asserted). Returns the new connection's peer.
unique_fd reconnect_under_old_number(epoll_platform& platform, connected_pair& p, posix_transport& next,
                                     bool forget_first) {
  const std::intptr_t old_number = p.t.native_handle();
  wait_entry entry{&p.t, interest::read, interest::read};
  platform.wait(&entry, 1, 0);  // the old socket is in the set
  EXPECT_EQ(platform.watched(), 1u);
  p.t.close();
  if (forget_first) {
    platform.forget(p.t);  // as the client does before every connect
    EXPECT_EQ(platform.watched(), 0u);
  }
  EXPECT_EQ(connect_until_done(next, "127.0.0.1", p.l.port).status, io_status::ok);
  EXPECT_EQ(next.native_handle(), old_number) << "the premise: the new socket took the old number";
  return accept_within(p.l, 2000);
}

// Data sent to `peer` 30 ms from now wakes a wait on `next` at once, reported as readable.
void expect_woken_by_new_socket(epoll_platform& platform, const posix_transport& next, const unique_fd& peer) {
  ASSERT_GE(peer.get(), 0);
  const delayed_send wake(peer.get(), 30ms);
  wait_entry entry{&next, interest::read, interest::read};
  EXPECT_LT(timed_wait(platform, &entry, 1, 5000), 30 + 50) << "slept through the new socket's data";
  EXPECT_EQ(entry.ready, interest::read);
}

// W-04: a transport that connects again gets a new socket, usually under its old number (the
// lowest free one). The kernel took the old socket out of the set when it was closed; the
// platform's table still names the number. forget() is what tells it.
TEST(EpollPlatform, W04_AfterForgetANewSocketUnderTheOldNumberIsWatched) {
  auto platform = std::make_unique<epoll_platform>();
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  const unique_fd peer = reconnect_under_old_number(*platform, p, p.t, true);
  expect_woken_by_new_socket(*platform, p.t, peer);
}

// Another transport under a number the table holds for the first: watched without forget().
TEST(EpollPlatform, W04_AnotherTransportUnderAnOldNumberIsWatched) {
  auto platform = std::make_unique<epoll_platform>();
  connected_pair p;
  ASSERT_NO_FATAL_FAILURE(connect_pair(p));
  posix_transport other;
  const unique_fd peer = reconnect_under_old_number(*platform, p, other, false);
  expect_woken_by_new_socket(*platform, other, peer);
  other.close();
}

// More ready handles than one epoll_wait(2) reports: the unreported keep `ready` as filled, so
// the caller tries them (none is taken for idle).
TEST(EpollPlatform, W03_ReadyHandlesPastOneReportKeepReadyAsFilled) {
  constexpr std::size_t count = epoll_platform::report_batch + 6;
  pipes p;
  ASSERT_NO_FATAL_FAILURE(p.open(count));
  for (const unique_fd& end : p.write_ends) ASSERT_EQ(::write(end.get(), "x", 1), 1);
  std::vector<wait_entry> entries = p.entries(interest::read, interest::read_write);
  auto platform = std::make_unique<epoll_platform>();
  platform->wait(entries.data(), count, 5000);
  const auto is = [](interest what) { return [what](const wait_entry& e) { return e.ready == what; }; };
  EXPECT_EQ(std::count_if(entries.begin(), entries.end(), is(interest::read)),
            static_cast<std::ptrdiff_t>(epoll_platform::report_batch));
  EXPECT_EQ(std::count_if(entries.begin(), entries.end(), is(interest::read_write)),
            static_cast<std::ptrdiff_t>(count - epoll_platform::report_batch));
}

// A handle of max_handle or more is waited on by poll(2) (the whole wait), and still reported.
TEST(EpollPlatform, W01_AHandlePastTheTableIsStillWaitedOn) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  const rlim_t wanted = epoll_platform::max_handle + 8;
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < wanted) GTEST_SKIP() << "RLIMIT_NOFILE hard limit too low";
  rlimit raised = saved;
  if (raised.rlim_cur < wanted) raised.rlim_cur = wanted;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &raised), 0);
  int ends[2];
  ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
  unique_fd write_end(ends[1]);
  const int high = static_cast<int>(epoll_platform::max_handle) + 2;
  ASSERT_EQ(::dup3(ends[0], high, O_CLOEXEC), high);
  (void)::close(ends[0]);
  {
    unique_fd read_end(high);
    const fake_transport far(high, false);
    connected_pair near;
    ASSERT_NO_FATAL_FAILURE(connect_pair(near));
    auto platform = std::make_unique<epoll_platform>();
    wait_entry entries[] = {{&near.t, interest::read, interest::read}, {&far, interest::read, interest::read}};
    const long long idle = timed_wait(*platform, entries, 2, 100);
    EXPECT_GE(idle, 80);
    EXPECT_LE(idle, 150);
    ASSERT_EQ(::write(write_end.get(), "x", 1), 1);
    EXPECT_LT(timed_wait(*platform, entries, 2, 5000), 50);
    EXPECT_EQ(entries[1].ready, interest::read);
    EXPECT_EQ(entries[0].ready, interest::none);
  }
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
}

// Without an epoll set (no descriptor left for one), every wait is posix_platform's.
TEST(EpollPlatform, WithoutASetWaitsArePolls) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  int ends[2];
  ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
  unique_fd read_end(ends[0]);
  unique_fd write_end(ends[1]);
  std::vector<unique_fd> fillers;
  fillers.reserve(64);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(count_open_fds() + 8);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  for (int fd = ::dup(read_end.get()); fd >= 0; fd = ::dup(read_end.get())) fillers.emplace_back(fd);
  auto platform = std::make_unique<epoll_platform>();
  fillers.clear();
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_FALSE(platform->has_epoll_set());
  const fake_transport pipe_end(read_end.get(), false);
  wait_entry entry{&pipe_end, interest::read, interest::read};
  EXPECT_GE(timed_wait(*platform, &entry, 1, 60), 40);
  ASSERT_EQ(::write(write_end.get(), "x", 1), 1);
  EXPECT_LT(timed_wait(*platform, &entry, 1, 5000), 50);
  EXPECT_EQ(entry.ready, interest::read);
}
#endif  // __linux__

}  // namespace
}  // namespace htpx::port
