// Fault sweeps through the socket port (reliability-catalogue.md §5, S-01..S-06, S-12, S-14):
// four exchanges, each run once clean to count the transport calls, then once per call position
// N with each fault (error, closed, short transfer) on connect, send, recv and any call, and
// once per position with a would_block. A run must end in success with the exact expected
// result, or in the typed error that fault calls for; never a hang, never a wrong body reported
// as success, and always with the transport closed (every connect matched by a close).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "exchange_driver.hpp"
#include "fault_transport.hpp"
#include "request_reader.hpp"
#include "scripted_transport.hpp"

namespace htpx::test {
namespace {

using port::io_status;

// ---- the exchanges ---------------------------------------------------------------------------

struct scenario {
  const char* name;
  std::string_view method;
  std::string_view target;
  h1::body_framing framing;
  std::string_view request_body;
  std::size_t body_piece;    // bytes per write (chunked: roughly one chunk each)
  bool use_body_buffer;      // body_buffer()/commit_body() instead of write_body()
  std::string_view response;
  std::uint16_t status;
  std::string_view body;
  std::string_view trailers;  // expected raw trailer block ("" when none)
  std::vector<std::uint16_t> informational;
};

const header request_fields[] = {{"User-Agent", "htpx-test/0"}, {"Accept", "*/*"}};

const std::string upload_body = [] {
  std::string s;
  for (int i = 0; i != 12; ++i) s += "line " + std::to_string(i) + " of the streamed upload\n";
  return s;
}();

const std::vector<scenario>& scenarios() {
  static const std::vector<scenario> all = {
      {"get_content_length", "GET", "/status?x=1", h1::body_framing::none, "", 0, false,
       "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz", 200,
       "abcdefghijklmnopqrstuvwxyz", "", {}},
      {"get_chunked", "GET", "/stream", h1::body_framing::none, "", 0, false,
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "7\r\nchunked\r\n1;ext=\"v\"\r\n \r\n0c\r\nbody arrives\r\n0\r\nX-Checksum: 42\r\n\r\n",
       200, "chunked body arrives", "X-Checksum: 42\r\n", {}},
      {"post_content_length", "POST", "/form", h1::body_framing::content_length,
       "name=htpx&lang=c%2B%2B&memory=fixed&heap=none&exceptions=off", 0, true,
       "HTTP/1.1 201 Created\r\nLocation: /form/1\r\nContent-Length: 7\r\n\r\ncreated", 201, "created", "", {}},
      {"post_chunked_stream", "POST", "/upload", h1::body_framing::chunked, upload_body, 29, false,
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nreceived", 200, "received", "",
       {100}},
  };
  return all;
}

// ---- how the server serves them ------------------------------------------------------------

struct variant {
  const char* name;
  std::size_t slice;  // response slice size (0: one slice)
  bool would_block_between_slices;
  bool alternate_would_block;
  std::size_t recv_cap;
  std::size_t send_cap;
};

const variant variants[] = {
    {"whole", 0, false, false, SIZE_MAX, SIZE_MAX},
    {"sliced7_would_block", 7, true, false, SIZE_MAX, SIZE_MAX},
    {"alternate_caps", 0, false, true, 3, 5},
    {"one_byte", 0, false, false, 1, 1},
};

// One exchange over scripted server <- fault injector <- driver, with small buffers so heads and
// bodies cross buffer boundaries.
struct rig {
  scripted_transport server;
  fault_transport faults{server};
  h1::parser_limits limits{};
  char rx[256];
  char tx[128];
  h1::connection conn{mutable_bytes{rx}, mutable_bytes{tx}, limits};

  rig(const scenario& sc, const variant& v) {
    server.connect_would_block(1).wait_for_request();
    if (v.slice == 0) {
      server.serve(sc.response);
    } else {
      server.serve_sliced(sc.response, v.slice);
    }
    server.opts().would_block_between_slices = v.would_block_between_slices;
    server.opts().alternate_would_block = v.alternate_would_block;
    server.opts().recv_cap = v.recv_cap;
    server.opts().send_cap = v.send_cap;
  }

  exchange_outcome run(const scenario& sc) {
    exchange_request req;
    req.host = "api.example.test";
    req.port = 8080;
    req.head.method = sc.method;
    req.head.target = sc.target;
    req.head.host = "api.example.test:8080";
    req.head.headers = request_fields;
    req.head.header_count = 2;
    req.head.framing = sc.framing;
    req.head.content_length = sc.request_body.size();
    req.body = sc.request_body;
    req.body_piece = sc.body_piece;
    req.use_body_buffer = sc.use_body_buffer;
    return run_exchange(faults, conn, req);
  }
};

std::string label(const scenario& sc, const variant& v) { return std::string(sc.name) + "/" + v.name; }

// ---- checks ----------------------------------------------------------------------------------

// The resources: the driver closed the transport, every connection was released, the driver
// never broke the caller's side of the contract, nothing hung.
std::string check_clean_end(const rig& r, const exchange_outcome& out) {
  std::string problems;
  if (out.hung) problems += " hung;";
  if (!out.transport_closed) problems += " transport left open;";
  if (r.server.is_open() || r.server.connections_started() != r.server.connections_released()) {
    problems += " connection leaked (" + r.server.summary() + ");";
  }
  if (!r.server.violations().empty()) problems += " contract violations (" + r.server.summary() + ");";
  if (r.conn.state() != h1::conn_state::closed) problems += " connection state not closed;";
  return problems;
}

// A successful run: exactly the expected response, and the server got exactly the request (the
// head and decoded body of the clean run, nothing before, after or twice).
std::string check_success(const scenario& sc, const rig& r, const exchange_outcome& out, const read_request& ref) {
  std::string problems;
  if (!out.ok()) return " not completed: " + describe(out) + ";";
  if (out.status != sc.status) problems += " status " + std::to_string(out.status) + ";";
  if (out.body != sc.body) problems += " body differs: '" + out.body + "';";
  if (out.trailers != sc.trailers) problems += " trailers differ: '" + out.trailers + "';";
  if (out.informational != sc.informational) problems += " informational responses differ;";
  if (!out.reusable) problems += " not reusable;";
  const read_request got = read_first_request(r.server.sent());
  if (!got.complete || got.size != r.server.sent().size()) {
    problems += " the server did not get exactly one request (" + got.problem + ");";
  } else if (got.head != ref.head || got.body != ref.body) {
    problems += " the request differs from the clean run;";
  }
  return problems;
}

errc expected_error(call_kind hit, fault f) {
  switch (hit) {
    case call_kind::connect: return errc::connect_error;
    case call_kind::send: return errc::write_error;
    case call_kind::recv: return f == fault::closed ? errc::remote_protocol_error : errc::read_error;
    case call_kind::any: break;
  }
  return errc::none;
}

// A failing run: the typed error that fault calls for, with a reason, and no response claimed.
std::string check_failure(call_kind hit, fault f, const exchange_outcome& out) {
  const errc want = expected_error(hit, f);
  if (out.completed) return " completed although the " + std::string(to_string(hit)) + " failed: " + describe(out) + ";";
  if (out.failure.code != want) {
    return std::string(" expected ") + to_string(want) + ", got " + describe(out) + ";";
  }
  if (out.failure.detail == nullptr || out.failure.detail[0] == '\0') return " error without a detail;";
  return {};
}

// Collects problems over thousands of runs and reports them once.
struct sweep_report {
  std::size_t runs = 0;
  std::vector<std::string> problems;
  void add(const std::string& where, const std::string& what) {
    ++runs;
    if (!what.empty()) problems.push_back(where + ":" + what);
  }
  std::string text() const {
    std::string s = std::to_string(problems.size()) + " of " + std::to_string(runs) + " runs failed";
    for (std::size_t i = 0; i != problems.size() && i != 25; ++i) s += "\n  " + problems[i];
    return s;
  }
};

// The clean run of one scenario under one variant, with its call counts.
struct reference {
  exchange_outcome outcome;
  read_request request;
  std::size_t calls[4] = {0, 0, 0, 0};  // by call_kind
};

reference clean_run(const scenario& sc, const variant& v) {
  rig r(sc, v);
  reference ref;
  ref.outcome = r.run(sc);
  ref.request = read_first_request(r.server.sent());
  for (const call_kind k : {call_kind::connect, call_kind::send, call_kind::recv, call_kind::any}) {
    ref.calls[static_cast<int>(k)] = r.faults.calls(k);
  }
  const std::string problems = check_clean_end(r, ref.outcome) + check_success(sc, r, ref.outcome, ref.request);
  EXPECT_EQ(problems, "") << label(sc, v);
  return ref;
}

// ---- the clean runs: what the sweeps compare against -------------------------------------------

TEST(FaultSweep, CleanRunsDeliverTheExpectedExchange) {
  for (const scenario& sc : scenarios()) {
    for (const variant& v : variants) {
      const reference ref = clean_run(sc, v);
      const read_request& req = ref.request;
      ASSERT_TRUE(req.complete) << label(sc, v) << " " << req.problem;
      EXPECT_EQ(req.head.substr(0, sc.method.size() + sc.target.size() + 12),
                std::string(sc.method) + " " + std::string(sc.target) + " HTTP/1.1\r\n")
          << label(sc, v);
      EXPECT_EQ(field_value(req.head, "host"), "api.example.test:8080") << label(sc, v);
      EXPECT_EQ(field_value(req.head, "user-agent"), "htpx-test/0") << label(sc, v);
      EXPECT_EQ(req.body, sc.request_body) << label(sc, v);
      EXPECT_EQ(req.chunked, sc.framing == h1::body_framing::chunked) << label(sc, v);
      if (sc.framing == h1::body_framing::chunked) {
        EXPECT_GE(req.chunks, 2u) << label(sc, v);  // streamed: several chunks
      }
      EXPECT_GT(ref.calls[static_cast<int>(call_kind::recv)], 0u);
    }
  }
}

// ---- the sweeps ------------------------------------------------------------------------------

// Every N of every call kind, with every fault: error and closed must end in the typed error of
// the call that failed; a short transfer must change nothing.
TEST(FaultSweep, EveryFaultAtEveryCallEndsCleanly) {
  sweep_report report;
  for (const scenario& sc : scenarios()) {
    for (const variant& v : variants) {
      const reference ref = clean_run(sc, v);
      for (const call_kind kind : {call_kind::connect, call_kind::send, call_kind::recv, call_kind::any}) {
        const std::size_t total = ref.calls[static_cast<int>(kind)];
        for (std::size_t n = 1; n <= total; ++n) {
          for (const fault f : {fault::error, fault::closed, fault::short_transfer}) {
            rig r(sc, v);
            r.faults.arm(kind, n, f);
            const exchange_outcome out = r.run(sc);
            std::string problems = check_clean_end(r, out);
            if (!r.faults.fired()) {
              problems += " the fault never fired;";
            } else if (f == fault::short_transfer) {
              problems += check_success(sc, r, out, ref.request);
            } else {
              problems += check_failure(r.faults.fired_on(), f, out);
            }
            report.add(label(sc, v) + " " + to_string(kind) + "#" + std::to_string(n) + " " + to_string(f), problems);
          }
        }
      }
    }
  }
  EXPECT_TRUE(report.problems.empty()) << report.text();
  EXPECT_GT(report.runs, 1000u);
  std::printf("[ fault sweep ] %zu runs\n", report.runs);
}

// S-01: would_block at every call position resumes exactly where it stopped.
TEST(FaultSweep, WouldBlockAtEveryCallChangesNothing) {
  sweep_report report;
  for (const scenario& sc : scenarios()) {
    for (const variant& v : variants) {
      const reference ref = clean_run(sc, v);
      const std::size_t total = ref.calls[static_cast<int>(call_kind::any)];
      for (std::size_t n = 1; n <= total; ++n) {
        rig r(sc, v);
        r.faults.arm(call_kind::any, n, fault::would_block);
        const exchange_outcome out = r.run(sc);
        std::string problems = check_clean_end(r, out) + check_success(sc, r, out, ref.request);
        if (!r.faults.fired()) problems += " the fault never fired;";
        report.add(label(sc, v) + " would_block#" + std::to_string(n), problems);
      }
    }
  }
  EXPECT_TRUE(report.problems.empty()) << report.text();
  std::printf("[ would_block sweep ] %zu runs\n", report.runs);
}

// S-02/S-03: one byte per recv and/or per send gives the same exchange.
TEST(FaultSweep, OneByteCapsGiveTheSameResult) {
  for (const scenario& sc : scenarios()) {
    const reference ref = clean_run(sc, variants[0]);
    for (const std::size_t recv_cap : {std::size_t{1}, std::size_t{2}, SIZE_MAX}) {
      for (const std::size_t send_cap : {std::size_t{1}, std::size_t{3}, SIZE_MAX}) {
        const variant v{"caps", 0, false, false, recv_cap, send_cap};
        rig r(sc, v);
        const exchange_outcome out = r.run(sc);
        EXPECT_EQ(check_clean_end(r, out) + check_success(sc, r, out, ref.request), "")
            << sc.name << " recv_cap=" << recv_cap << " send_cap=" << send_cap;
      }
    }
  }
}

// ---- single scenarios the sweep does not reach -------------------------------------------------

struct small_rig {
  scripted_transport server;
  h1::parser_limits limits{};
  char rx[256];
  char tx[128];
  h1::connection conn{mutable_bytes{rx}, mutable_bytes{tx}, limits};
  exchange_request get() const {
    exchange_request req;
    req.head.host = "h";
    return req;
  }
};

void expect_clean_end(const small_rig& r, const exchange_outcome& out) {
  EXPECT_FALSE(out.hung);
  EXPECT_FALSE(r.server.is_open()) << r.server.summary();
  EXPECT_EQ(r.server.connections_started(), r.server.connections_released());
  EXPECT_TRUE(r.server.violations().empty()) << r.server.summary();
}

TEST(FaultScenarios, ConnectRefusedAfterInProgressIsConnectErrorAndReleasesTheSocket) {
  small_rig r;
  r.server.connect_would_block(3).refuse_connect();
  const exchange_outcome out = run_exchange(r.server, r.conn, r.get());
  EXPECT_EQ(out.failure.code, errc::connect_error) << describe(out);
  EXPECT_EQ(out.sys_error, ECONNREFUSED);
  EXPECT_EQ(r.server.connect_calls(), 4u);
  EXPECT_EQ(r.server.send_calls(), 0u);
  expect_clean_end(r, out);
}

TEST(FaultScenarios, EofBeforeAnyResponseByteIsRemoteProtocolError) {
  small_rig r;
  r.server.wait_for_request().eof();
  const exchange_outcome out = run_exchange(r.server, r.conn, r.get());
  EXPECT_EQ(out.failure.code, errc::remote_protocol_error) << describe(out);
  EXPECT_FALSE(r.conn.response_started());
  expect_clean_end(r, out);
}

TEST(FaultScenarios, EofInsideAContentLengthBodyIsRemoteProtocolError) {
  small_rig r;
  r.server.wait_for_request().serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345").eof();
  const exchange_outcome out = run_exchange(r.server, r.conn, r.get());
  EXPECT_EQ(out.failure.code, errc::remote_protocol_error) << describe(out);
  EXPECT_EQ(out.body, "12345");  // delivered as it came, but the exchange failed
  expect_clean_end(r, out);
}

TEST(FaultScenarios, ResetInsideAChunkedBodyIsReadError) {
  small_rig r;
  r.server.wait_for_request().serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab").reset();
  const exchange_outcome out = run_exchange(r.server, r.conn, r.get());
  EXPECT_EQ(out.failure.code, errc::read_error) << describe(out);
  EXPECT_EQ(out.sys_error, ECONNRESET);
  expect_clean_end(r, out);
}

TEST(FaultScenarios, EofEndsACloseDelimitedBodyAndTheConnectionIsNotReused) {
  small_rig r;
  r.server.wait_for_request().serve("HTTP/1.1 200 OK\r\n\r\nuntil ").serve("close").eof();
  const exchange_outcome out = run_exchange(r.server, r.conn, r.get());
  ASSERT_TRUE(out.ok()) << describe(out);
  EXPECT_EQ(out.body, "until close");
  EXPECT_FALSE(out.reusable);
  expect_clean_end(r, out);
}

TEST(FaultScenarios, Http10ResponseWithoutKeepAliveIsNotReused) {
  small_rig r;
  r.server.wait_for_request().serve("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
  const exchange_outcome out = run_exchange(r.server, r.conn, r.get());
  ASSERT_TRUE(out.ok()) << describe(out);
  EXPECT_FALSE(out.reusable);
  expect_clean_end(r, out);
}

// RFC 9112 §9.5 / S-04: the server answers 413 early and stops reading; the response is still
// read and reported, and the half-sent connection is not reused.
TEST(FaultScenarios, EarlyResponseWhileUploadingIsStillRead) {
  for (const io_status stop : {io_status::closed, io_status::error}) {
    small_rig r;
    const std::string big(3000, 'x');
    // The server reads 300 bytes, answers, and reads no more.
    r.server.wait_for_sent(300).serve("HTTP/1.1 413 Content Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large");
    r.server.fail_send_after(300, stop);
    exchange_request req = r.get();
    req.head.method = "PUT";
    req.head.framing = h1::body_framing::content_length;
    req.head.content_length = big.size();
    req.body = big;
    const exchange_outcome out = run_exchange(r.server, r.conn, req);
    ASSERT_TRUE(out.ok()) << describe(out);
    EXPECT_EQ(out.status, 413);
    EXPECT_EQ(out.body, "too large");
    EXPECT_FALSE(out.reusable);
    EXPECT_EQ(r.server.sent().size(), 300u);
    expect_clean_end(r, out);
  }
}

// S-04: the very first send fails (the server answered at once and stopped reading); the
// answer that already arrived is still read and reported.
TEST(FaultScenarios, ResponseIsReadAfterTheServerStoppedReading) {
  for (const io_status stop : {io_status::closed, io_status::error}) {
    small_rig r;
    r.server.serve("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy");
    r.server.fail_send_after(0, stop);
    exchange_request req = r.get();
    req.head.method = "POST";
    req.head.framing = h1::body_framing::content_length;
    req.head.content_length = 5;
    req.body = "hello";
    const exchange_outcome out = run_exchange(r.server, r.conn, req);
    ASSERT_TRUE(out.ok()) << describe(out);
    EXPECT_TRUE(out.write_failed);
    EXPECT_EQ(out.status, 503);
    EXPECT_EQ(out.body, "busy");
    EXPECT_FALSE(out.reusable);
    EXPECT_EQ(r.server.sent(), "");
    expect_clean_end(r, out);
  }
}

// RFC 9112 §9.5 and the comment on the h1 transition table: an early final response stops
// the request, and the connection is not reused. Here the server answers before the client
// could send a single byte (every send would_block), so the server never got the request.
TEST(FaultScenarios, EarlyResponseBeforeTheRequestWasSentIsNotReusable) {
  for (const h1::body_framing framing : {h1::body_framing::none, h1::body_framing::content_length}) {
    small_rig r;
    r.server.serve("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    fault_transport faults(r.server);
    faults.arm(call_kind::send, 1, fault::would_block);
    exchange_request req = r.get();
    req.head.method = framing == h1::body_framing::none ? "GET" : "POST";
    req.head.framing = framing;
    req.head.content_length = 5;
    req.body = framing == h1::body_framing::none ? "" : "hello";
    driver_options keep;
    keep.keep_reusable_open = true;
    const exchange_outcome out = run_exchange(faults, r.conn, req, keep);
    ASSERT_TRUE(out.ok()) << describe(out);
    EXPECT_EQ(r.server.sent(), "");  // the request never left
    EXPECT_FALSE(out.reusable) << "the request was dropped unsent, yet the connection ended in state done";
    EXPECT_NE(static_cast<int>(r.conn.state()), static_cast<int>(h1::conn_state::done));
    faults.close();
    r.conn.close();
    expect_clean_end(r, out);
  }
}

// A failed send with no answer to read is a WriteError (not a hang, not a ReadError).
TEST(FaultScenarios, FailedSendWithNothingToReadIsWriteError) {
  small_rig r;
  r.server.wait_for_request().serve("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  r.server.fail_send_after(10, io_status::error, EPIPE);
  const exchange_outcome out = run_exchange(r.server, r.conn, r.get());
  EXPECT_EQ(out.failure.code, errc::write_error) << describe(out);
  EXPECT_EQ(out.sys_error, EPIPE);
  expect_clean_end(r, out);
}

// The same early answer while the server keeps reading: the client stops sending the body
// (RFC 9112 §9.5 allows either) and does not reuse the connection.
TEST(FaultScenarios, EarlyResponseStopsTheUpload) {
  small_rig r;
  const std::string big(3000, 'y');
  r.server.wait_for_sent(200).serve("HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n");
  r.server.opts().send_cap = 50;
  exchange_request req = r.get();
  req.head.method = "POST";
  req.head.framing = h1::body_framing::chunked;
  req.body = big;
  const exchange_outcome out = run_exchange(r.server, r.conn, req);
  ASSERT_TRUE(out.ok()) << describe(out);
  EXPECT_EQ(out.status, 413);
  EXPECT_FALSE(out.reusable);
  EXPECT_LT(r.server.sent().size(), big.size());
  expect_clean_end(r, out);
}

// S-12: bytes on an idle kept-alive connection (a late 408) poison it: recycle() refuses.
TEST(FaultScenarios, DataOnAnIdleConnectionPoisonsIt) {
  small_rig r;
  r.server.wait_for_request().serve("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na");
  r.server.serve("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
  driver_options keep;
  keep.keep_reusable_open = true;
  const exchange_outcome out = run_exchange(r.server, r.conn, r.get(), keep);
  ASSERT_TRUE(out.ok()) << describe(out);
  ASSERT_TRUE(out.reusable);
  // The pool polls the idle connection before reuse.
  const mutable_bytes space = r.conn.receive_buffer();
  ASSERT_FALSE(space.empty());
  const port::io_result got = r.server.recv(space);
  ASSERT_EQ(got.status, io_status::ok);
  r.conn.commit_received(got.bytes);
  EXPECT_EQ(r.conn.recycle().code, errc::remote_protocol_error);
  EXPECT_EQ(r.conn.state(), h1::conn_state::failed);
  r.server.close();
  r.conn.close();
  expect_clean_end(r, out);
}

// S-05: the server closes an idle kept-alive connection; recycle() refuses it.
TEST(FaultScenarios, EofOnAnIdleConnectionPreventsReuse) {
  small_rig r;
  r.server.wait_for_request().serve("HTTP/1.1 204 No Content\r\n\r\n").eof();
  driver_options keep;
  keep.keep_reusable_open = true;
  const exchange_outcome out = run_exchange(r.server, r.conn, r.get(), keep);
  ASSERT_TRUE(out.ok()) << describe(out);
  ASSERT_TRUE(out.reusable);
  const mutable_bytes space = r.conn.receive_buffer();
  ASSERT_FALSE(space.empty());
  ASSERT_EQ(r.server.recv(space).status, io_status::closed);
  r.conn.receive_eof();
  EXPECT_EQ(r.conn.recycle().code, errc::remote_protocol_error);
  r.server.close();
  r.conn.close();
  expect_clean_end(r, out);
}

}  // namespace
}  // namespace htpx::test
