// The test transports themselves: the scripted server (slicing, would_block, partial sends, EOF
// versus reset, connect in progress, the caller's contract checks), the fault injector, the
// request reader and the exchange driver's own guarantees (step bound, contract breaches).
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "exchange_driver.hpp"
#include "fault_transport.hpp"
#include "request_reader.hpp"
#include "scripted_transport.hpp"

namespace htpx::test {
namespace {

using port::io_result;
using port::io_status;

// Receives once into a buffer of `size` bytes; returns the result and appends bytes to `got`.
io_result recv_some(port::transport& t, std::string& got, std::size_t size = 64) {
  char buf[64];
  const io_result r = t.recv({buf, size});
  if (r.status == io_status::ok) got.append(buf, r.bytes);
  return r;
}

void connect_now(scripted_transport& t) { ASSERT_EQ(t.connect("h", 80).status, io_status::ok); }

// ---- scripted_transport: connect -----------------------------------------------------------

TEST(ScriptedTransport, ConnectWouldBlockWhileInProgressThenOk) {
  scripted_transport t;
  t.connect_would_block(3);
  EXPECT_EQ(t.native_handle(), -1);
  for (int i = 0; i != 3; ++i) EXPECT_EQ(t.connect("example.test", 8080).status, io_status::would_block);
  EXPECT_TRUE(t.is_open());
  EXPECT_FALSE(t.is_connected());
  EXPECT_GE(t.native_handle(), 0);
  EXPECT_EQ(t.connect("example.test", 8080).status, io_status::ok);
  EXPECT_TRUE(t.is_connected());
  EXPECT_EQ(t.connect_calls(), 4u);
  EXPECT_EQ(t.connections_started(), 1u);
  EXPECT_EQ(t.connected_host(), "example.test");
  EXPECT_EQ(t.connected_port(), 8080);
  EXPECT_TRUE(t.violations().empty()) << t.summary();
}

TEST(ScriptedTransport, ConnectRefusedAfterInProgressHoldsResourcesUntilClose) {
  scripted_transport t;
  t.connect_would_block(2).refuse_connect();
  EXPECT_EQ(t.connect("h", 1).status, io_status::would_block);
  EXPECT_EQ(t.connect("h", 1).status, io_status::would_block);
  const io_result r = t.connect("h", 1);
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(r.sys_error, ECONNREFUSED);
  EXPECT_EQ(t.connect("h", 1).status, io_status::error);  // stays refused
  EXPECT_TRUE(t.is_open());  // a refused socket is still a socket: close() releases it
  t.close();
  EXPECT_FALSE(t.is_open());
  t.close();  // idempotent
  EXPECT_EQ(t.close_calls(), 2u);
  EXPECT_EQ(t.connections_released(), 1u);
  EXPECT_EQ(t.native_handle(), -1);
}

TEST(ScriptedTransport, ConnectWithOtherArgumentsWhileInProgressIsAViolation) {
  scripted_transport t;
  t.connect_would_block(1);
  EXPECT_EQ(t.connect("a", 1).status, io_status::would_block);
  EXPECT_EQ(t.connect("b", 1).status, io_status::ok);
  ASSERT_EQ(t.violations().size(), 1u);
  EXPECT_NE(t.violations()[0].find("different arguments"), std::string::npos);
}

TEST(ScriptedTransport, ConnectAgainAfterOkIsAViolation) {
  scripted_transport t;
  connect_now(t);
  EXPECT_EQ(t.connect("h", 80).status, io_status::ok);
  EXPECT_EQ(t.violations().size(), 1u);
}

TEST(ScriptedTransport, EachConnectionPlaysItsOwnScriptAndRecordsItsOwnBytes) {
  scripted_transport t;
  t.serve("first").next_connection().serve("second");
  connect_now(t);
  ASSERT_EQ(t.send(bytes_view{"one"}).status, io_status::ok);
  std::string got;
  EXPECT_EQ(recv_some(t, got).bytes, 5u);
  t.close();
  connect_now(t);  // the transport is reusable after close()
  ASSERT_EQ(t.send(bytes_view{"two"}).status, io_status::ok);
  got.clear();
  EXPECT_EQ(recv_some(t, got).bytes, 6u);
  EXPECT_EQ(got, "second");
  t.close();
  EXPECT_EQ(t.sent(0), "one");
  EXPECT_EQ(t.sent(1), "two");
  EXPECT_EQ(t.connections_started(), 2u);
  EXPECT_EQ(t.connections_released(), 2u);
  // No third script: nobody listens.
  EXPECT_EQ(t.connect("h", 80).status, io_status::error);
  t.close();
  EXPECT_EQ(t.connections_released(), 3u);
}

// ---- scripted_transport: recv --------------------------------------------------------------

TEST(ScriptedTransport, RecvServesSlicesUnderTheCapAndTheBufferSize) {
  scripted_transport t;
  t.serve("abc").serve("defg");
  t.opts().recv_cap = 2;
  connect_now(t);
  std::string got;
  EXPECT_EQ(recv_some(t, got).bytes, 2u);  // "ab": the cap
  EXPECT_EQ(recv_some(t, got).bytes, 1u);  // "c": a recv never crosses a slice
  EXPECT_EQ(recv_some(t, got, 1).bytes, 1u);  // "d": the buffer
  EXPECT_EQ(recv_some(t, got).bytes, 2u);  // "ef"
  EXPECT_EQ(recv_some(t, got).bytes, 1u);  // "g"
  EXPECT_EQ(got, "abcdefg");
  EXPECT_TRUE(t.script_finished());
  EXPECT_EQ(recv_some(t, got).status, io_status::would_block);  // script over: silent, open
}

TEST(ScriptedTransport, ServeSlicedSplitsBytes) {
  scripted_transport t;
  t.serve_sliced("0123456789", 4);
  connect_now(t);
  std::string got;
  EXPECT_EQ(recv_some(t, got).bytes, 4u);
  EXPECT_EQ(recv_some(t, got).bytes, 4u);
  EXPECT_EQ(recv_some(t, got).bytes, 2u);
  EXPECT_EQ(got, "0123456789");
}

TEST(ScriptedTransport, WouldBlockBetweenSlicesWhenAsked) {
  scripted_transport t;
  t.serve("ab").serve("cd");
  t.opts().would_block_between_slices = true;
  connect_now(t);
  std::string got;
  EXPECT_EQ(recv_some(t, got).status, io_status::ok);
  EXPECT_EQ(recv_some(t, got).status, io_status::would_block);
  EXPECT_EQ(recv_some(t, got).status, io_status::ok);
  EXPECT_EQ(got, "abcd");
  EXPECT_EQ(recv_some(t, got).status, io_status::would_block);
}

TEST(ScriptedTransport, RecvWouldBlockStepsCount) {
  scripted_transport t;
  t.recv_would_block(2).serve("x");
  connect_now(t);
  std::string got;
  EXPECT_EQ(recv_some(t, got).status, io_status::would_block);
  EXPECT_EQ(recv_some(t, got).status, io_status::would_block);
  EXPECT_EQ(recv_some(t, got).status, io_status::ok);
  EXPECT_EQ(got, "x");
}

TEST(ScriptedTransport, EofIsClosedAndStaysClosedDistinctFromWouldBlockAndError) {
  scripted_transport t;
  t.serve("x").eof();
  connect_now(t);
  std::string got;
  EXPECT_EQ(recv_some(t, got).status, io_status::ok);
  const io_result r = recv_some(t, got);
  EXPECT_EQ(r.status, io_status::closed);
  EXPECT_EQ(r.bytes, 0u);
  EXPECT_EQ(r.sys_error, 0);
  EXPECT_EQ(recv_some(t, got).status, io_status::closed);
  EXPECT_EQ(t.send(bytes_view{"late"}).status, io_status::ok);  // a half-close: we may still send
}

TEST(ScriptedTransport, ResetIsAnErrorForRecvAndSendFromThenOn) {
  scripted_transport t;
  t.serve("x").reset();
  connect_now(t);
  std::string got;
  EXPECT_EQ(recv_some(t, got).status, io_status::ok);
  io_result r = recv_some(t, got);
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(r.sys_error, ECONNRESET);
  r = t.send(bytes_view{"y"});
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(r.sys_error, ECONNRESET);
  EXPECT_EQ(recv_some(t, got).status, io_status::error);
}

TEST(ScriptedTransport, WaitForSentHoldsTheResponseBack) {
  scripted_transport t;
  t.wait_for_sent(4).serve("ok");
  connect_now(t);
  std::string got;
  ASSERT_EQ(t.send(bytes_view{"abc"}).status, io_status::ok);
  EXPECT_EQ(recv_some(t, got).status, io_status::would_block);
  ASSERT_EQ(t.send(bytes_view{"d"}).status, io_status::ok);
  EXPECT_EQ(recv_some(t, got).status, io_status::ok);
  EXPECT_EQ(got, "ok");
}

TEST(ScriptedTransport, WaitForRequestHoldsTheResponseUntilTheRequestIsComplete) {
  scripted_transport t;
  t.wait_for_request().serve("R1").wait_for_request().serve("R2");
  connect_now(t);
  std::string got;
  const std::string req = "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
  ASSERT_EQ(t.send(bytes_view{req.data(), req.size() - 1}).status, io_status::ok);
  EXPECT_EQ(recv_some(t, got).status, io_status::would_block);
  ASSERT_EQ(t.send(bytes_view{"c"}).status, io_status::ok);
  EXPECT_EQ(recv_some(t, got).status, io_status::ok);
  EXPECT_EQ(recv_some(t, got).status, io_status::would_block);  // the second request is not there
  ASSERT_EQ(t.send(bytes_view{"GET / HTTP/1.1\r\n\r\n"}).status, io_status::ok);
  EXPECT_EQ(recv_some(t, got).status, io_status::ok);
  EXPECT_EQ(got, "R1R2");
  EXPECT_TRUE(t.violations().empty()) << t.summary();
}

TEST(ScriptedTransport, AnInvalidRequestIsAViolationAndResetsTheConnection) {
  scripted_transport t;
  t.wait_for_request().serve("never");
  connect_now(t);
  ASSERT_EQ(t.send(bytes_view{"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"}).status, io_status::ok);
  std::string got;
  EXPECT_EQ(recv_some(t, got).status, io_status::error);
  EXPECT_EQ(t.violations().size(), 1u);
}

// ---- scripted_transport: send --------------------------------------------------------------

TEST(ScriptedTransport, PartialSendsTakeAPrefixAndRecordIt) {
  scripted_transport t;
  t.opts().send_cap = 3;
  connect_now(t);
  io_result r = t.send(bytes_view{"hello"});
  EXPECT_EQ(r.status, io_status::ok);
  EXPECT_EQ(r.bytes, 3u);
  r = t.send(bytes_view{"lo"});
  EXPECT_EQ(r.bytes, 2u);
  EXPECT_EQ(t.sent(), "hello");
  EXPECT_EQ(t.send_calls(), 2u);
}

TEST(ScriptedTransport, FailSendAfterStopsTakingBytes) {
  scripted_transport t;
  t.fail_send_after(4, io_status::closed);
  connect_now(t);
  EXPECT_EQ(t.send(bytes_view{"abcdef"}).bytes, 4u);
  EXPECT_EQ(t.send(bytes_view{"ef"}).status, io_status::closed);
  EXPECT_EQ(t.sent(), "abcd");
  scripted_transport u;
  u.fail_send_after(0, io_status::error, EPIPE);
  connect_now(u);
  const io_result r = u.send(bytes_view{"a"});
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(r.sys_error, EPIPE);
}

TEST(ScriptedTransport, AlternateWouldBlockInterleavesBothDirections) {
  scripted_transport t;
  t.serve("ab");
  t.opts().alternate_would_block = true;
  connect_now(t);
  std::string got;
  EXPECT_EQ(t.send(bytes_view{"x"}).status, io_status::would_block);
  EXPECT_EQ(t.send(bytes_view{"x"}).status, io_status::ok);
  EXPECT_EQ(recv_some(t, got).status, io_status::would_block);
  EXPECT_EQ(recv_some(t, got).status, io_status::ok);
  EXPECT_EQ(t.sent(), "x");
  EXPECT_EQ(got, "ab");
}

// ---- scripted_transport: the caller's side of the contract ---------------------------------

TEST(ScriptedTransport, CallsWithoutAConnectionAreViolations) {
  scripted_transport t;
  char buf[4];
  EXPECT_EQ(t.send(bytes_view{"x"}).status, io_status::error);
  EXPECT_EQ(t.recv(mutable_bytes{buf}).status, io_status::error);
  connect_now(t);
  t.close();
  EXPECT_EQ(t.recv(mutable_bytes{buf}).status, io_status::error);
  EXPECT_EQ(t.violations().size(), 3u);
}

TEST(ScriptedTransport, EmptyRecvBufferAndEmptySendAreViolations) {
  scripted_transport t;
  t.serve("x");
  connect_now(t);
  char buf[1];
  EXPECT_EQ(t.recv({buf, 0}).status, io_status::error);
  EXPECT_EQ(t.send({"x", 0}).status, io_status::error);
  EXPECT_EQ(t.violations().size(), 2u);
}

TEST(ScriptedTransport, BufferedInputIsReportedLikeTlsWhenAsked) {
  scripted_transport t;
  t.serve("x").recv_would_block();
  connect_now(t);
  EXPECT_FALSE(t.has_buffered_input());  // off by default: a plain socket
  t.opts().buffered_input = true;
  EXPECT_TRUE(t.has_buffered_input());
  std::string got;
  EXPECT_EQ(recv_some(t, got).status, io_status::ok);
  EXPECT_FALSE(t.has_buffered_input());
}

// ---- fault_transport -----------------------------------------------------------------------

TEST(FaultTransport, ForwardsAndCountsEveryKind) {
  scripted_transport inner;
  inner.connect_would_block(1).serve("resp");
  fault_transport t(inner);
  EXPECT_EQ(t.connect("h", 80).status, io_status::would_block);
  EXPECT_EQ(t.connect("h", 80).status, io_status::ok);
  EXPECT_EQ(t.send(bytes_view{"req"}).bytes, 3u);
  std::string got;
  EXPECT_EQ(recv_some(t, got).bytes, 4u);
  EXPECT_EQ(t.calls(call_kind::connect), 2u);
  EXPECT_EQ(t.calls(call_kind::send), 1u);
  EXPECT_EQ(t.calls(call_kind::recv), 1u);
  EXPECT_EQ(t.calls(call_kind::any), 4u);
  ASSERT_EQ(t.call_log().size(), 4u);
  EXPECT_EQ(t.call_log()[2], call_kind::send);
  EXPECT_FALSE(t.fired());
  t.close();
  EXPECT_FALSE(inner.is_open());
}

TEST(FaultTransport, ErrorOnTheNthSendIsStickyUntilClose) {
  scripted_transport inner;
  inner.serve("resp").next_connection().serve("again");
  fault_transport t(inner);
  t.arm(call_kind::send, 2, fault::error, EPIPE);
  ASSERT_EQ(t.connect("h", 80).status, io_status::ok);
  EXPECT_EQ(t.send(bytes_view{"a"}).status, io_status::ok);
  const io_result r = t.send(bytes_view{"b"});
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(r.sys_error, EPIPE);
  EXPECT_TRUE(t.fired());
  EXPECT_EQ(t.fired_on(), call_kind::send);
  std::string got;
  EXPECT_EQ(recv_some(t, got).status, io_status::error);  // the connection is dead
  EXPECT_EQ(t.send(bytes_view{"c"}).status, io_status::error);
  EXPECT_EQ(inner.sent(), "a");
  t.close();
  ASSERT_EQ(t.connect("h", 80).status, io_status::ok);  // a new connection is healthy
  EXPECT_EQ(recv_some(t, got).status, io_status::ok);
  EXPECT_EQ(got, "again");
  t.close();
}

TEST(FaultTransport, ClosedOnRecvIsAnEofThatStays) {
  scripted_transport inner;
  inner.serve("resp");
  fault_transport t(inner);
  t.arm(call_kind::recv, 1, fault::closed);
  ASSERT_EQ(t.connect("h", 80).status, io_status::ok);
  std::string got;
  EXPECT_EQ(recv_some(t, got).status, io_status::closed);
  EXPECT_EQ(recv_some(t, got).status, io_status::closed);
  EXPECT_EQ(t.send(bytes_view{"still"}).status, io_status::ok);  // half-close
  EXPECT_TRUE(got.empty());
  t.close();
}

TEST(FaultTransport, NonStickyFaultsHitOneCallOnly) {
  scripted_transport inner;
  inner.serve("resp");
  fault_transport t(inner);
  t.set_sticky(false);
  t.arm(call_kind::recv, 1, fault::error);
  ASSERT_EQ(t.connect("h", 80).status, io_status::ok);
  std::string got;
  EXPECT_EQ(recv_some(t, got).status, io_status::error);
  EXPECT_EQ(recv_some(t, got).status, io_status::ok);
  t.close();
}

TEST(FaultTransport, ShortTransferMovesOneByte) {
  scripted_transport inner;
  inner.serve("resp");
  fault_transport t(inner);
  ASSERT_EQ(t.connect("h", 80).status, io_status::ok);
  t.arm(call_kind::send, 1, fault::short_transfer);
  EXPECT_EQ(t.send(bytes_view{"abc"}).bytes, 1u);
  EXPECT_EQ(inner.sent(), "a");
  t.arm(call_kind::recv, 1, fault::short_transfer);
  std::string got;
  EXPECT_EQ(recv_some(t, got).bytes, 1u);
  EXPECT_EQ(recv_some(t, got).bytes, 3u);
  EXPECT_EQ(got, "resp");
  t.set_short_bytes(2);
  t.arm(call_kind::send, 3, fault::short_transfer);
  EXPECT_EQ(t.send(bytes_view{"bc"}).bytes, 2u);
  EXPECT_EQ(t.send(bytes_view{"defg"}).bytes, 2u);
  t.close();
}

TEST(FaultTransport, WouldBlockDoesNotReachTheInnerTransport) {
  scripted_transport inner;
  inner.serve("resp");
  fault_transport t(inner);
  ASSERT_EQ(t.connect("h", 80).status, io_status::ok);
  t.arm(call_kind::any, 2, fault::would_block);
  EXPECT_EQ(t.send(bytes_view{"abc"}).status, io_status::would_block);
  EXPECT_EQ(inner.send_calls(), 0u);
  EXPECT_EQ(t.send(bytes_view{"abc"}).bytes, 3u);
  t.close();
}

TEST(FaultTransport, AnyCountsAcrossKindsAndConnectFaultsMapAsDocumented) {
  scripted_transport inner;
  fault_transport t(inner);
  t.arm(call_kind::any, 1, fault::short_transfer);
  EXPECT_EQ(t.connect("h", 80).status, io_status::would_block);  // a connect still in progress
  EXPECT_EQ(t.connect("h", 80).status, io_status::ok);
  EXPECT_EQ(inner.connect_calls(), 1u);
  t.close();
  t.arm(call_kind::connect, 3, fault::closed);
  EXPECT_EQ(t.connect("h", 80).status, io_status::closed);  // a broken port (S-14)
  t.close();
  t.arm(call_kind::connect, 4, fault::error, ETIMEDOUT);
  const io_result r = t.connect("h", 80);
  EXPECT_EQ(r.status, io_status::error);
  EXPECT_EQ(r.sys_error, ETIMEDOUT);
  EXPECT_EQ(t.connect("h", 80).status, io_status::error);  // sticky until close
  t.close();
  EXPECT_FALSE(inner.is_open());
  EXPECT_EQ(inner.connections_started(), inner.connections_released());
}

// ---- request_reader ------------------------------------------------------------------------

TEST(TransportRequestReader, ReadsContentLengthAndChunkedRequests) {
  read_request r = read_first_request("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET");
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.size, 51u);
  EXPECT_EQ(r.body, "abc");
  EXPECT_EQ(field_value(r.head, "host"), "h");
  r = read_first_request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n003\r\nabc\r\n1;x=y\r\nd\r\n0\r\nT: 1\r\n\r\n");
  ASSERT_TRUE(r.complete) << r.problem;
  EXPECT_EQ(r.body, "abcd");
  EXPECT_EQ(r.chunks, 2u);
  EXPECT_EQ(r.trailers, "T: 1\r\n");
  r = read_first_request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n");
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(r.valid);
  r = read_first_request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n");
  EXPECT_FALSE(r.valid);
  r = read_first_request("GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_FALSE(r.valid);
}

// ---- exchange driver -----------------------------------------------------------------------

struct driver_rig {
  scripted_transport server;
  h1::parser_limits limits{};
  char rx[512];
  char tx[256];
  h1::connection conn{mutable_bytes{rx}, mutable_bytes{tx}, limits};
};

TEST(TransportExchangeDriver, RunsOneGetAndClosesTheTransport) {
  driver_rig rig;
  rig.server.connect_would_block(2).wait_for_request().serve("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  exchange_request req;
  req.head.host = "example.test";
  const exchange_outcome out = run_exchange(rig.server, rig.conn, req);
  ASSERT_TRUE(out.ok()) << describe(out);
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body, "hello");
  EXPECT_TRUE(out.reusable);
  EXPECT_TRUE(out.transport_closed);
  EXPECT_EQ(rig.server.sent(), "GET / HTTP/1.1\r\nHost: example.test\r\n\r\n");
  EXPECT_FALSE(rig.server.is_open());
  EXPECT_TRUE(rig.server.violations().empty()) << rig.server.summary();
}

TEST(TransportExchangeDriver, ReusesAKeptAliveConnection) {
  driver_rig rig;
  rig.server.wait_for_request().serve("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na");
  rig.server.wait_for_request().serve("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb");
  exchange_request req;
  req.head.host = "h";
  driver_options keep;
  keep.keep_reusable_open = true;
  exchange_outcome out = run_exchange(rig.server, rig.conn, req, keep);
  ASSERT_TRUE(out.ok()) << describe(out);
  ASSERT_TRUE(out.reusable);
  EXPECT_TRUE(rig.server.is_open());
  ASSERT_FALSE(rig.conn.recycle());
  req.connect = false;
  out = run_exchange(rig.server, rig.conn, req);
  ASSERT_TRUE(out.ok()) << describe(out);
  EXPECT_EQ(out.body, "b");
  EXPECT_EQ(rig.server.connections_started(), 1u);
  EXPECT_FALSE(rig.server.is_open());
  EXPECT_TRUE(rig.server.violations().empty()) << rig.server.summary();
}

TEST(TransportExchangeDriver, AHangEndsAtTheStepBounds) {
  {
    driver_rig rig;  // the server never answers
    exchange_request req;
    req.head.host = "h";
    const exchange_outcome out = run_exchange(rig.server, rig.conn, req);
    EXPECT_TRUE(out.hung);
    EXPECT_FALSE(out.ok());
    EXPECT_LT(out.steps, 1100u);  // the idle bound (1000 rounds without progress)
    EXPECT_TRUE(out.transport_closed);
    EXPECT_FALSE(rig.server.is_open());
  }
  {
    driver_rig rig;  // the server answers one byte per 10 would_blocks: slow, never idle long
    rig.server.wait_for_request();
    for (const char c : std::string("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")) {
      rig.server.recv_would_block(10).serve(std::string(1, c));
    }
    exchange_request req;
    req.head.host = "h";
    driver_options opts;
    opts.max_steps = 300;  // the total bound ends it
    const exchange_outcome out = run_exchange(rig.server, rig.conn, req, opts);
    EXPECT_TRUE(out.hung);
    EXPECT_EQ(out.steps, 301u);
    EXPECT_FALSE(rig.server.is_open());
  }
  {
    driver_rig rig;  // connect stays in progress for ever
    rig.server.connect_would_block(5000);
    exchange_request req;
    const exchange_outcome out = run_exchange(rig.server, rig.conn, req);
    EXPECT_TRUE(out.hung);
    EXPECT_FALSE(rig.server.is_open());
  }
}

// A port that breaks the contract: recv says ok with 0 bytes, or more bytes than asked.
class lying_transport final : public port::transport {
 public:
  explicit lying_transport(std::size_t recv_bytes) : recv_bytes_(recv_bytes) {}
  io_result connect(std::string_view, std::uint16_t) noexcept override { return {}; }
  io_result send(bytes_view data) noexcept override { return {io_status::ok, data.size, 0}; }
  io_result recv(mutable_bytes) noexcept override { return {io_status::ok, recv_bytes_, 0}; }
  void close() noexcept override { ++closes; }
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return 3; }
  int closes = 0;

 private:
  std::size_t recv_bytes_;
};

TEST(TransportExchangeDriver, PortContractBreachesAreTypedErrors) {
  for (const std::size_t lie : {std::size_t{0}, std::size_t{100000}}) {
    driver_rig rig;
    lying_transport t(lie);
    exchange_request req;
    req.head.host = "h";
    const exchange_outcome out = run_exchange(t, rig.conn, req);
    EXPECT_EQ(out.failure.code, errc::read_error) << describe(out);
    EXPECT_NE(std::strstr(out.failure.detail, "contract"), nullptr);
    EXPECT_EQ(t.closes, 1);
  }
}

}  // namespace
}  // namespace htpx::test
