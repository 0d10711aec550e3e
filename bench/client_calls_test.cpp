// ctest bench-client-calls: the system-call economy htpx-bench measures with strace, kept as a
// test over a model transport (no sockets, no servers). A response arrives only after the
// client has slept in wait() (a round trip), as on a real network, and every transport call is
// counted:
//   - a kept-alive GET chained from on_complete() costs one send, one wait and one recv: no read
//     right after sending, no poll(0) before the next request, no reuse probe;
//   - a POST on a reused connection is still probed (one more recv, would_block);
//   - with N connections, a finished request does not make the client read the other N - 1
//     again in the same poll().
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "htpx/client.hpp"

namespace {

constexpr std::string_view response = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";

struct counts {
  std::size_t sends = 0;
  std::size_t recvs = 0;
  std::size_t empty_recvs = 0;  // would_block
  std::size_t recv_waits = 0;   // receives that slept (transport::recv_wait)
  std::size_t waits = 0;
};
counts calls;

// One connection to a server that answers every request head after the next wait(), or during a
// receive that sleeps when `sleeping_receive` is set.
class model_transport final : public htpx::port::transport {
 public:
  static inline bool sleeping_receive = false;

  htpx::port::io_result connect(std::string_view host, std::uint16_t port) noexcept override {
    (void)host;
    (void)port;
    return {};
  }
  htpx::port::io_result send(htpx::bytes_view data) noexcept override {
    ++calls.sends;
    const std::string_view bytes = data.str();
    if (bytes.size() >= 4 && bytes.substr(bytes.size() - 4) == "\r\n\r\n") ++requests_sent_;
    return {htpx::port::io_status::ok, data.size, 0};
  }
  htpx::port::io_result recv(htpx::mutable_bytes buffer) noexcept override {
    ++calls.recvs;
    if (ready_ == 0) {
      ++calls.empty_recvs;
      return {htpx::port::io_status::would_block, 0, 0};
    }
    --ready_;
    std::memcpy(buffer.data, response.data(), response.size());  // buffers here are larger
    return {htpx::port::io_status::ok, response.size(), 0};
  }
  htpx::port::io_result recv_wait(htpx::mutable_bytes buffer, std::uint32_t timeout_ms) noexcept override {
    if (!sleeping_receive) return transport::recv_wait(buffer, timeout_ms);
    ++calls.recv_waits;
    deliver();  // the sleep lasts a round trip
    if (ready_ == 0) return {htpx::port::io_status::would_block, 0, 0};
    --ready_;
    std::memcpy(buffer.data, response.data(), response.size());
    return {htpx::port::io_status::ok, response.size(), 0};
  }
  void close() noexcept override { requests_sent_ = ready_ = 0; }
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return 3; }

  // The round trip: what was sent before the client slept is answered when it wakes.
  void deliver() noexcept {
    ready_ += requests_sent_;
    requests_sent_ = 0;
  }
  [[nodiscard]] bool readable() const noexcept { return ready_ != 0; }

 private:
  std::size_t requests_sent_ = 0;
  std::size_t ready_ = 0;
};

template <std::size_t Connections>
struct model_config : htpx::default_client_config {
  static constexpr std::size_t max_connections = Connections;
  static constexpr std::size_t max_requests = Connections;
  static constexpr std::size_t rx_bytes = 1024;
  static constexpr std::size_t tx_bytes = 512;
};

template <std::size_t Connections>
using model_client = htpx::static_client<model_config<Connections>, model_transport>;

// Each wait() answers every connection, or (`half`) only every other one in turn, as a server
// that answers some connections sooner than others; with `report_ready` it says which (W-03).
template <std::size_t Connections>
class model_platform final : public htpx::port::platform {
 public:
  model_client<Connections>* client = nullptr;
  bool half = false;
  bool report_ready = false;
  bool ticking = false;  // every clock read is a millisecond later (a slow machine's clock)
  std::uint32_t now_ms() noexcept override { return ticking ? now_++ : now_; }
  void wait(htpx::port::wait_entry* entries, std::size_t count, std::uint32_t timeout_ms) noexcept override {
    (void)timeout_ms;
    ++calls.waits;
    ++now_;
    for (std::size_t i = 0; i != Connections; ++i) {
      if (!half || i % 2 == now_ % 2) client->transport_at(i).deliver();
    }
    if (!report_ready) return;
    for (std::size_t i = 0; i != count; ++i) {
      const auto* conn = static_cast<const model_transport*>(entries[i].conn);
      entries[i].ready = conn->readable() ? htpx::port::interest::read : htpx::port::interest::none;
    }
  }

 private:
  std::uint32_t now_ = 1000;
};

// Starts the next request from on_complete() until `left` runs out.
class chain final : public htpx::response_handler {
 public:
  htpx::client* client = nullptr;
  htpx::request req;
  std::size_t* left = nullptr;
  std::size_t done = 0;
  bool failed = false;

  void start() noexcept {
    if (*left == 0) return;
    --*left;
    if (!client->start(req, *this)) failed = true;
  }
  void on_complete(htpx::error failure) noexcept override {
    if (failure) failed = true;
    ++done;
    start();
  }
};

// How a run differs from the plain one: which wait() the platform does, and how the loop sleeps.
struct scenario {
  bool half = false;              // each wait() answers half the connections
  bool report_ready = false;      // ... and says which (W-03)
  bool ticking = false;           // the clock moves on every read
  bool client_sleep = false;      // the loop sleeps with client::sleep(), not the platform's wait()
  bool sleeping_receive = false;  // the transport can sleep in a receive (recv_wait)
};

template <std::size_t Connections>
void run(model_client<Connections>& c, model_platform<Connections>& platform, bool client_sleep) {
  for (int i = 0; i != 100000; ++i) {
    const htpx::poll_result step = c.poll(platform.now_ms());
    if (step.in_flight == 0) return;
    if (client_sleep) {
      c.sleep(step);
    } else {
      platform.wait(step.waits, step.wait_count, step.wait_ms);
    }
  }
  FAIL() << "requests still in flight";
}

template <std::size_t Connections>
void run_chains(std::size_t requests, std::string_view method, const scenario& how = {}) {
  calls = {};
  model_transport::sleeping_receive = how.sleeping_receive;
  model_platform<Connections> platform;
  platform.ticking = how.ticking;
  platform.half = how.half;
  platform.report_ready = how.report_ready;
  htpx::client_options opts;
  opts.trust_env = false;
  model_client<Connections> c(platform, opts);  // ~30 KB at 16 connections: fine on the stack
  platform.client = &c;
  std::size_t left = requests;
  chain chains[Connections];
  for (chain& ch : chains) {
    ch.client = &c;
    ch.req.method = method;
    ch.req.url = "http://model.test/x";
    ch.left = &left;
    ch.start();
  }
  run(c, platform, how.client_sleep);
  std::size_t done = 0;
  for (const chain& ch : chains) {
    EXPECT_FALSE(ch.failed);
    done += ch.done;
  }
  EXPECT_EQ(done, requests);
}

TEST(ClientCalls, AKeptAliveGetIsOneSendOneWaitOneRecv) {
  run_chains<1>(100, "GET");
  EXPECT_EQ(calls.sends, 100u);
  EXPECT_EQ(calls.recvs, 100u) << "would_block reads: " << calls.empty_recvs;
  EXPECT_EQ(calls.empty_recvs, 0u);
  EXPECT_EQ(calls.waits, 100u);
}

TEST(ClientCalls, AChainedRequestGoesOutAtOnceWhenTheClockHasMoved) {
  // The handler's start() reads a clock already ahead of poll()'s: the request must still take
  // the idle connection in the same poll(), not wait for the next one (a sleep, then a probe).
  scenario ticking;
  ticking.ticking = true;
  run_chains<1>(100, "GET", ticking);
  EXPECT_EQ(calls.sends, 100u);
  EXPECT_EQ(calls.empty_recvs, 0u);
  EXPECT_EQ(calls.waits, 100u);
}

TEST(ClientCalls, APostOnAReusedConnectionIsStillProbed) {
  run_chains<1>(100, "POST");
  EXPECT_EQ(calls.sends, 100u);
  EXPECT_EQ(calls.empty_recvs, 99u);  // the probe before each reuse
  EXPECT_EQ(calls.recvs, 199u);
  EXPECT_EQ(calls.waits, 100u);
}

TEST(ClientCalls, ManyConnectionsAreReadOncePerPoll) {
  run_chains<16>(1600, "GET");
  EXPECT_EQ(calls.sends, 1600u);
  // Every wait delivers all 16 responses: each poll reads each connection once and finds its
  // response; nothing is read twice, nothing is read for nothing.
  EXPECT_EQ(calls.empty_recvs, 0u);
  EXPECT_EQ(calls.recvs, 1600u);
  EXPECT_EQ(calls.waits, 100u);
}

TEST(ClientCalls, OnlyConnectionsFoundReadyAreRead) {
  // Half the connections are answered per wait. Without a report the client must try them all:
  // the other half's reads say would_block.
  scenario half;
  half.half = true;
  run_chains<16>(1600, "GET", half);
  EXPECT_EQ(calls.recvs - calls.empty_recvs, 1600u);
  EXPECT_GT(calls.empty_recvs, 1000u);
  // With wait() reporting readiness (W-03), only the answered ones are read.
  half.report_ready = true;
  run_chains<16>(1600, "GET", half);
  EXPECT_EQ(calls.sends, 1600u);
  EXPECT_EQ(calls.empty_recvs, 0u);
  EXPECT_EQ(calls.recvs, 1600u);
}

TEST(ClientCalls, OnOneConnectionClientSleepIsOneSendAndOneSleepingReceive) {
  // The floor: the receive is the sleep (transport::recv_wait), no wait() at all.
  scenario sleeping;
  sleeping.client_sleep = true;
  sleeping.sleeping_receive = true;
  run_chains<1>(100, "GET", sleeping);
  EXPECT_EQ(calls.sends, 100u);
  EXPECT_EQ(calls.recv_waits, 100u);
  EXPECT_EQ(calls.recvs, 0u);
  EXPECT_EQ(calls.waits, 0u);
  // A transport that cannot sleep in a receive: client::sleep() is the platform's wait().
  sleeping.sleeping_receive = false;
  run_chains<1>(100, "GET", sleeping);
  EXPECT_EQ(calls.recv_waits, 0u);
  EXPECT_EQ(calls.recvs, 100u);
  EXPECT_EQ(calls.empty_recvs, 0u);
  EXPECT_EQ(calls.waits, 100u);
}

TEST(ClientCalls, WithManyConnectionsClientSleepIsThePlatformsWait) {
  scenario sleeping;
  sleeping.client_sleep = true;
  sleeping.sleeping_receive = true;
  run_chains<16>(1600, "GET", sleeping);
  EXPECT_EQ(calls.recv_waits, 0u);
  EXPECT_EQ(calls.recvs, 1600u);
  EXPECT_EQ(calls.empty_recvs, 0u);
  EXPECT_EQ(calls.waits, 100u);
}

// A server that never answers: each sleeping receive lasts its whole timeout on the test's clock.
class silent_platform final : public htpx::port::platform {
 public:
  std::uint32_t now = 5000;
  std::uint32_t now_ms() noexcept override { return now; }
  void wait(htpx::port::wait_entry* entries, std::size_t count, std::uint32_t timeout_ms) noexcept override {
    (void)entries;
    (void)count;
    ++calls.waits;
    now += timeout_ms;
  }
};
silent_platform silent_clock;

class silent_transport final : public htpx::port::transport {
 public:
  htpx::port::io_result connect(std::string_view host, std::uint16_t port) noexcept override {
    (void)host;
    (void)port;
    return {};
  }
  htpx::port::io_result send(htpx::bytes_view data) noexcept override {
    ++calls.sends;
    return {htpx::port::io_status::ok, data.size, 0};
  }
  htpx::port::io_result recv(htpx::mutable_bytes buffer) noexcept override {
    (void)buffer;
    ++calls.recvs;
    return {htpx::port::io_status::would_block, 0, 0};
  }
  htpx::port::io_result recv_wait(htpx::mutable_bytes buffer, std::uint32_t timeout_ms) noexcept override {
    (void)buffer;
    ++calls.recv_waits;
    silent_clock.now += timeout_ms;
    return {htpx::port::io_status::would_block, 0, 0};
  }
  void close() noexcept override {}
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return 3; }
};

TEST(ClientCalls, ASleepingReceiveKeepsTheReadTimeout) {
  calls = {};
  htpx::client_options opts;
  opts.trust_env = false;
  opts.timeout.read_ms = 1000;
  htpx::static_client<model_config<1>, silent_transport> c(silent_clock, opts);
  const std::uint32_t start = silent_clock.now;
  const htpx::result<htpx::response> r = c.get("http://model.test/x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.err().code, htpx::errc::read_timeout);
  EXPECT_GE(silent_clock.now - start, 1000u);
  EXPECT_LE(silent_clock.now - start, 1010u);
  EXPECT_GE(calls.recv_waits, 1u);
  EXPECT_EQ(calls.waits, 0u);
}

}  // namespace
