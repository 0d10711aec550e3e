// Runs every response vector under tests/vectors/response/ (format: tests/vectors/README.md)
// through htpx::h1::response_parser whole, split in two at every byte and one byte at a time,
// and through htpx::h1::connection, and checks each run gives the transcript the file states.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "htpx/h1/connection.hpp"
#include "htpx/h1/fault.hpp"
#include "htpx/h1/response_parser.hpp"
#include "vector_file.hpp"

namespace {

using htpx::h1::body_kind;
using htpx::h1::conn_state;
using htpx::h1::event;
using htpx::h1::event_type;
using htpx_test::response_vector;
using htpx_test::vector_event;
using htpx_test::vector_event_type;

constexpr std::size_t min_vector_count = 80;

std::string vector_dir() { return std::string(HTPX_VECTOR_DIR) + "/response"; }

// ---- what one run produced ------------------------------------------------------------------

struct run_result {
  std::vector<vector_event> events;
  bool pending = false;
  std::string leftover;  // bytes left unconsumed after `end`
  std::string problem;   // a contract violation seen during the run (empty: none)
};

std::string transcript_text(const run_result& run) {
  std::string text = htpx_test::format_transcript(run.events, run.pending, run.leftover);
  if (!run.problem.empty()) text += "problem: " + run.problem + "\n";
  return text;
}

std::string expected_text(const response_vector& v) {
  return htpx_test::format_transcript(v.expected, v.pending, v.leftover);
}

void copy_fields(const htpx::headers_view& fields, vector_event& out, std::string& problem) {
  std::size_t count = 0;
  out.fields.reserve(fields.size());
  for (const htpx::header& field : fields) {
    out.fields.push_back({std::string(field.name), std::string(field.value)});
    ++count;
  }
  if (count != fields.size() && problem.empty()) {
    problem =
        "headers_view::size() is " + std::to_string(fields.size()) + " but iteration gave " + std::to_string(count);
  }
}

// Copies what an event says (its views die with the next call), in transcript form.
// Returns false for need_more, which has no transcript line.
bool record(const event& ev, run_result& run) {
  vector_event out;
  switch (ev.type) {
    case event_type::need_more: return false;
    case event_type::informational:
      out.type = vector_event_type::informational;
      out.status = ev.head.status_code;
      copy_fields(ev.head.headers, out, run.problem);
      break;
    case event_type::head:
      out.type = vector_event_type::head;
      out.status = ev.head.status_code;
      out.version_minor = ev.head.version_minor;
      out.keep_alive = ev.head.keep_alive;
      out.tunnel = ev.head.tunnel;
      out.body = ev.head.body;
      out.content_length = ev.head.content_length;
      out.reason = std::string(ev.head.reason);
      copy_fields(ev.head.headers, out, run.problem);
      break;
    case event_type::body:
      out.type = vector_event_type::body;
      out.bytes.assign(ev.body.data, ev.body.size);
      if (ev.body.size == 0 && run.problem.empty()) run.problem = "a body event with no bytes";
      break;
    case event_type::trailers:
      out.type = vector_event_type::trailers;
      copy_fields(ev.trailers, out, run.problem);
      if (out.fields.empty() && run.problem.empty()) run.problem = "a trailers event with no fields";
      break;
    case event_type::end: out.type = vector_event_type::end; break;
    case event_type::failed:
      out.type = vector_event_type::failed;
      out.error_name = htpx::to_string(ev.failure.code);
      out.detail = ev.failure.detail == nullptr ? "(null detail)" : ev.failure.detail;
      break;
  }
  htpx_test::append_event(run.events, std::move(out));
  return true;
}

bool is_terminal(const event& ev) { return ev.type == event_type::end || ev.type == event_type::failed; }

// ---- the parser -------------------------------------------------------------------------------

// Feeds `v.input` cut at `cuts` (ascending positions strictly inside the input). After each
// piece, calls parse() until it reports need_more, re-presenting the unconsumed bytes followed
// by the new ones, as the parse() contract says. At the end calls finish() when the vector
// says EOF follows.
run_result run_parser(const response_vector& v, const std::vector<std::size_t>& cuts) {
  run_result run;
  htpx::h1::response_parser parser(v.limits);
  parser.reset(v.head_request, v.connect_request);
  if (!parser.at_start()) run.problem = "at_start() is false after reset()";

  std::string buffer;
  std::size_t fed = 0;
  bool finished = false;
  const std::size_t guard_limit = 2 * v.input.size() + 64;
  std::size_t guard = 0;

  for (std::size_t piece = 0; piece <= cuts.size() && !finished; ++piece) {
    const std::size_t next = piece < cuts.size() ? cuts[piece] : v.input.size();
    buffer.append(v.input, fed, next - fed);
    fed = next;
    for (;;) {
      if (++guard > guard_limit) {
        run.problem = "parse() keeps returning events without consuming input";
        return run;
      }
      const htpx::h1::parse_step step = parser.parse(buffer.data(), buffer.size());
      if (step.consumed > buffer.size()) {
        run.problem = "parse() consumed more bytes than it was given";
        return run;
      }
      record(step.ev, run);
      buffer.erase(0, step.consumed);
      if (is_terminal(step.ev)) {
        finished = true;
        break;
      }
      if (step.ev.type == event_type::need_more) {
        // need_more means nothing more can be done until bytes arrive: the same bytes again
        // must consume nothing and report nothing.
        const htpx::h1::parse_step idle = parser.parse(buffer.data(), buffer.size());
        if (idle.ev.type != event_type::need_more || idle.consumed != 0) {
          run.problem = "parse() did more with the same bytes after need_more";
          return run;
        }
        break;
      }
    }
  }

  if (!finished) {
    if (v.eof) {
      const event ev = parser.finish();
      if (ev.type != event_type::end && ev.type != event_type::failed) {
        run.problem = "finish() returned neither end nor failed";
      }
      record(ev, run);
      finished = true;
    } else {
      run.pending = true;
    }
  }

  if (!run.events.empty() && run.events.back().type == vector_event_type::end) {
    run.leftover = buffer + v.input.substr(fed);
    if (!parser.done() && run.problem.empty()) run.problem = "done() is false after end";
  }
  if (!run.events.empty() && run.events.back().type == vector_event_type::failed && run.problem.empty()) {
    // After a failure the parser stays failed, with the same reason, until reset().
    const vector_event& failure = run.events.back();
    const htpx::h1::parse_step again = parser.parse(buffer.data(), buffer.size());
    const event after_finish = parser.finish();
    if (!parser.failed()) {
      run.problem = "failed() is false after a failure";
    } else if (again.ev.type != event_type::failed || again.ev.failure.detail == nullptr ||
               failure.detail != again.ev.failure.detail) {
      run.problem = "parse() after a failure does not repeat the failure";
    } else if (after_finish.type != event_type::failed || after_finish.failure.detail == nullptr ||
               failure.detail != after_finish.failure.detail) {
      run.problem = "finish() after a failure does not repeat the failure";
    }
  }
  return run;
}

bool same_run(const response_vector& v, const run_result& run) {
  if (!run.problem.empty() || run.pending != v.pending || run.leftover != v.leftover) return false;
  if (run.events.size() != v.expected.size()) return false;
  for (std::size_t i = 0; i < run.events.size(); ++i) {
    if (!htpx_test::same_event(run.events[i], v.expected[i])) return false;
  }
  return true;
}

// ---- the connection ---------------------------------------------------------------------------

const char* state_name(conn_state s) {
  switch (s) {
    case conn_state::idle: return "idle";
    case conn_state::sending_head: return "sending_head";
    case conn_state::sending_body: return "sending_body";
    case conn_state::awaiting_head: return "awaiting_head";
    case conn_state::receiving_body: return "receiving_body";
    case conn_state::done: return "done";
    case conn_state::must_close: return "must_close";
    case conn_state::closed: return "closed";
    case conn_state::failed: return "failed";
  }
  return "?";
}

bool only_blank_lines(const std::string& bytes) { return bytes.find_first_not_of("\r\n") == std::string::npos; }

// Sends a GET (or HEAD, or CONNECT example.test:443), then feeds the input `step` bytes at a
// time (0: all at once) through receive_buffer()/commit_received(), reading next_event() after
// each piece, and receive_eof() when the vector says so. Checks the connection state matches
// the outcome.
run_result run_connection(const response_vector& v, std::size_t step) {
  run_result run;
  const std::size_t rx_size =
      std::max<std::size_t>({v.limits.max_head_bytes, v.limits.max_trailer_bytes, 4096}) + 16384;
  std::vector<char> rx(rx_size);
  std::vector<char> tx(1024);
  htpx::h1::connection conn({rx.data(), rx.size()}, {tx.data(), tx.size()}, v.limits);

  htpx::h1::request_head request;
  request.method = v.head_request ? "HEAD" : v.connect_request ? "CONNECT" : "GET";
  // RFC 9112 §3.2.3: CONNECT takes the authority-form target, and Host is the same authority.
  request.target = v.connect_request ? "example.test:443" : "/";
  request.host = v.connect_request ? "example.test:443" : "example.com";
  if (const htpx::error e = conn.send_request(request)) {
    run.problem = std::string("send_request failed: ") + e.detail;
    return run;
  }
  const std::string request_line = std::string(request.method) + " " + std::string(request.target) + " HTTP/1.1\r\n";
  if (std::string_view(conn.pending_output().data, conn.pending_output().size).substr(0, request_line.size()) !=
      request_line) {
    run.problem = "the request line is not " + htpx_test::escape(request_line);
    return run;
  }
  while (!conn.pending_output().empty()) conn.consume_output(conn.pending_output().size);
  if (conn.state() != conn_state::awaiting_head) {
    run.problem = std::string("after sending the request the state is ") + state_name(conn.state());
    return run;
  }

  std::size_t fed = 0;
  bool finished = false;
  bool eof_fed = false;
  std::size_t guard = 0;
  const std::size_t guard_limit = 4 * v.input.size() + 64;
  auto drain = [&] {
    for (;;) {
      if (++guard > guard_limit) {
        run.problem = "next_event() keeps returning events";
        return;
      }
      const event ev = conn.next_event();
      if (!record(ev, run)) return;
      if (is_terminal(ev)) {
        finished = true;
        return;
      }
    }
  };

  while (fed < v.input.size() && !finished && run.problem.empty()) {
    const htpx::mutable_bytes space = conn.receive_buffer();
    if (space.empty()) {
      run.problem = "receive_buffer() is empty although every event was read";
      return run;
    }
    std::size_t n = std::min(space.size, v.input.size() - fed);
    if (step != 0) n = std::min(n, step);
    std::memcpy(space.data, v.input.data() + fed, n);
    conn.commit_received(n);
    fed += n;
    drain();
  }
  if (!run.problem.empty()) return run;
  // Started means "a byte other than blank lines was parsed" (RFC 9112 §9.2: blank lines
  // between messages are not a response). A limit may stop the parser before such a byte.
  const bool non_blank = v.input.find_first_not_of("\r\n") != std::string::npos;
  if (conn.response_started() && !non_blank) run.problem = "response_started() after blank lines only";
  if (!conn.response_started() && non_blank && ("\n" + transcript_text(run)).find("\nhead ") != std::string::npos) {
    run.problem = "response_started() is false after a head";
  }

  if (!finished) {
    if (v.eof) {
      conn.receive_eof();
      eof_fed = true;
      drain();
      if (!finished && run.problem.empty()) run.problem = "no end or failed after receive_eof()";
    } else {
      run.pending = true;
    }
  }
  if (!run.problem.empty() || run.events.empty()) return run;

  const vector_event& last = run.events.back();
  const conn_state state = conn.state();
  auto require_state = [&](bool ok, const char* what) {
    if (!ok && run.problem.empty()) run.problem = std::string(what) + ", state is " + state_name(state);
  };

  if (run.pending) {
    const bool have_head = std::any_of(run.events.begin(), run.events.end(),
                                       [](const vector_event& e) { return e.type == vector_event_type::head; });
    require_state(state == (have_head ? conn_state::receiving_body : conn_state::awaiting_head),
                  "pending: expected awaiting_head before the head and receiving_body after it");
    return run;
  }
  if (last.type == vector_event_type::failed) {
    require_state(state == conn_state::failed, "after failed the state must be failed");
    const htpx::error failure = conn.failure();
    if (run.problem.empty() && (htpx::to_string(failure.code) != last.error_name || failure.detail == nullptr ||
                                last.detail != failure.detail)) {
      run.problem = "failure() differs from the failed event";
    }
    return run;
  }

  // The response ended. What remains of the input is the expected leftover, give or take what
  // the connection had already received.
  const auto head = std::find_if(run.events.begin(), run.events.end(),
                                 [](const vector_event& e) { return e.type == vector_event_type::head; });
  const bool keep_alive = head != run.events.end() && head->keep_alive;
  const bool tunnel = head != run.events.end() && head->tunnel;
  const bool junk_after = !v.leftover.empty() && !only_blank_lines(v.leftover);
  if (eof_fed) {
    require_state(state == conn_state::must_close || state == conn_state::closed,
                  "a response ended by EOF must not be reused");
  } else if (!keep_alive) {
    require_state(state == conn_state::must_close, "a response without keep-alive ends in must_close");
  } else if (v.leftover.empty()) {
    require_state(state == conn_state::done, "a keep-alive response ends in done");
  } else {
    require_state(state == conn_state::done || state == conn_state::must_close,
                  "a keep-alive response ends in done or must_close");
  }
  if (!run.problem.empty()) return run;

  // Bytes after the response (RFC 9112 §6.3, §9.2) must never be taken as another response.
  while (fed < v.input.size()) {
    const htpx::mutable_bytes space = conn.receive_buffer();
    if (space.empty()) break;
    const std::size_t n = std::min(space.size, v.input.size() - fed);
    std::memcpy(space.data, v.input.data() + fed, n);
    conn.commit_received(n);
    fed += n;
  }
  if (fed != v.input.size()) {
    run.problem = "the connection refused the bytes after the response";
    return run;
  }
  if (v.eof && !eof_fed) conn.receive_eof();
  const event after = conn.next_event();
  if (tunnel) {
    // RFC 9112 §6.3 rule 2: every byte after the head of a 2xx to CONNECT is the tunnel's, blank
    // lines included: never an error, never consumed, all of it in unparsed().
    const htpx::bytes_view rest = conn.unparsed();
    const conn_state want = v.eof ? conn_state::closed : conn_state::must_close;
    if (after.type != event_type::need_more) {
      run.problem = "next_event() after a tunnel reported something";
    } else if (std::string(rest.data, rest.size) != v.leftover) {
      run.problem = "unparsed() is \"" + htpx_test::escape(std::string(rest.data, rest.size)) +
                    "\", not the bytes after the head";
    } else if (conn.state() != want) {
      run.problem = std::string("after a tunnel the state is ") + state_name(conn.state());
    } else if (!conn.recycle() || conn.state() != want) {
      run.problem = "recycle() after a tunnel was not refused";
    }
    return run;
  }
  if (junk_after) {
    if (after.type != event_type::failed || after.failure.code != htpx::errc::remote_protocol_error) {
      run.problem = "bytes after the response did not fail the connection";
    }
    return run;
  }
  if (after.type != event_type::need_more) {
    run.problem = "next_event() after the end reported something";
    return run;
  }
  if (v.eof) {
    if (conn.state() != conn_state::closed) run.problem = "after EOF the state is not closed";
  } else if (conn.state() == conn_state::done) {
    if (const htpx::error e = conn.recycle()) run.problem = std::string("recycle() failed: ") + e.detail;
  }
  return run;
}

// The connection's transcript must match the vector's, with no leftover check (the bytes after
// the response are checked against the connection's own rules above).
bool same_connection_run(const response_vector& v, const run_result& run) {
  if (!run.problem.empty() || run.pending != v.pending) return false;
  if (run.events.size() != v.expected.size()) return false;
  for (std::size_t i = 0; i < run.events.size(); ++i) {
    if (!htpx_test::same_event(run.events[i], v.expected[i])) return false;
  }
  return true;
}

// ---- the tests --------------------------------------------------------------------------------

std::vector<std::size_t> one_byte_cuts(std::size_t size) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < size; ++i) cuts.push_back(i);
  return cuts;
}

// Every position strictly inside the input. Inputs above `exhaustive_limit` bytes (the
// repeated-field vectors, 20-50 KB) would cost seconds each, so for them every position in the
// first and last 2 KiB is used, and every 7th in between (7 is prime to the repeated line
// lengths, so every offset within a line is still cut). HTPX_VECTOR_ALL_SPLITS=1 restores all.
constexpr std::size_t exhaustive_limit = 8192;
constexpr std::size_t edge = 2048;
constexpr std::size_t middle_stride = 7;

std::vector<std::size_t> split_positions(std::size_t size) {
  const char* all = std::getenv("HTPX_VECTOR_ALL_SPLITS");
  const bool exhaustive = size <= exhaustive_limit || (all != nullptr && std::strcmp(all, "1") == 0);
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < size; ++i) {
    if (exhaustive || i <= edge || i >= size - edge || i % middle_stride == 0) cuts.push_back(i);
  }
  return cuts;
}

std::string test_name(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  name.resize(name.size() - 4);  // ".vec"
  for (char& c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) c = '_';
  }
  return name;
}

class ResponseVector : public ::testing::TestWithParam<std::string> {};

TEST_P(ResponseVector, Transcript) {
  response_vector v;
  const htpx_test::load_error err = htpx_test::load_vector_file(GetParam(), v);
  ASSERT_FALSE(err.failed) << GetParam() << ":" << err.line << ": " << err.message;
  const std::string expected = expected_text(v);

  // (a) whole
  const run_result whole = run_parser(v, {});
  EXPECT_TRUE(same_run(v, whole)) << v.path << ": parser, whole input\n--- expected\n"
                                  << expected << "--- actual\n"
                                  << transcript_text(whole);

  // (b) split in two at every byte position
  std::size_t split_failures = 0;
  std::size_t first_split = 0;
  run_result first_bad;
  for (const std::size_t cut : split_positions(v.input.size())) {
    run_result run = run_parser(v, {cut});
    if (!same_run(v, run)) {
      if (split_failures++ == 0) {
        first_split = cut;
        first_bad = std::move(run);
      }
    }
  }
  EXPECT_EQ(split_failures, 0u) << v.path << ": parser, input split in two: " << split_failures
                                << " split positions differ; the first is after byte " << first_split
                                << " (next bytes: \"" << htpx_test::escape(v.input.substr(first_split, 16))
                                << "\")\n--- expected\n"
                                << expected << "--- actual\n"
                                << transcript_text(first_bad);

  // (c) one byte at a time
  const run_result bytewise = run_parser(v, one_byte_cuts(v.input.size()));
  EXPECT_TRUE(same_run(v, bytewise)) << v.path << ": parser, one byte at a time\n--- expected\n"
                                     << expected << "--- actual\n"
                                     << transcript_text(bytewise);

  // (d) the connection reports the same outcome, whole, one byte and 7 bytes at a time
  for (const std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
    const run_result run = run_connection(v, step);
    EXPECT_TRUE(same_connection_run(v, run))
        << v.path << ": connection, "
        << (step == 0 ? std::string("whole input") : std::to_string(step) + " byte(s) at a time") << "\n--- expected\n"
        << expected << "--- actual\n"
        << transcript_text(run);
  }
}

std::string param_name(const ::testing::TestParamInfo<std::string>& param) { return test_name(param.param); }

INSTANTIATE_TEST_SUITE_P(Files, ResponseVector, ::testing::ValuesIn(htpx_test::list_vector_files(vector_dir())),
                         param_name);

TEST(ResponseVectorSet, HasAtLeast80Vectors) {
  const std::vector<std::string> files = htpx_test::list_vector_files(vector_dir());
  EXPECT_GE(files.size(), min_vector_count) << "vectors found in " << vector_dir();
}

// Every vector says what it tests and where the rule comes from, and names are unique once
// turned into test names.
TEST(ResponseVectorSet, EveryVectorCitesItsSource) {
  const std::vector<std::string> files = htpx_test::list_vector_files(vector_dir());
  std::vector<std::string> names;
  for (const std::string& path : files) {
    response_vector v;
    const htpx_test::load_error err = htpx_test::load_vector_file(path, v);
    EXPECT_FALSE(err.failed) << path << ":" << err.line << ": " << err.message;
    const bool cites = v.description.find("RFC") != std::string::npos || v.description.find("H1-") != std::string::npos;
    EXPECT_TRUE(cites) << path << ": the comment names no RFC section or catalogue ID";
    names.push_back(test_name(path));
  }
  std::sort(names.begin(), names.end());
  EXPECT_TRUE(std::adjacent_find(names.begin(), names.end()) == names.end()) << "two vectors share a test name";
}

// The views' name comparison (RFC 9110 §5.1: field names are case-insensitive) folds the ASCII
// letters and nothing else, for every pair of bytes.
TEST(HeaderNames, IequalsFoldsAsciiLettersOnly) {
  const auto fold = [](unsigned c) { return c >= 'A' && c <= 'Z' ? c | 0x20 : c; };
  for (unsigned a = 0; a != 256; ++a) {
    for (unsigned b = 0; b != 256; ++b) {
      const char x[] = {'k', static_cast<char>(a)};
      const char y[] = {'K', static_cast<char>(b)};
      ASSERT_EQ(htpx::iequals({x, 2}, {y, 2}), fold(a) == fold(b)) << a << " " << b;
    }
  }
  EXPECT_FALSE(htpx::iequals("Host", "Hos"));
  EXPECT_TRUE(htpx::iequals("", ""));
}

// Every fault has a text of its own (the parsers and the writer report faults, text_of() gives
// the error's detail); the vectors above check the texts the parser gives, the writer's tests
// check its own.
TEST(Faults, EveryFaultHasADistinctText) {
  using htpx::h1::fault;
  EXPECT_STREQ(htpx::h1::text_of(fault::none), "");
  EXPECT_STREQ(htpx::h1::text_of(fault::not_http), "not HTTP/1.x");
  EXPECT_STREQ(htpx::h1::text_of(fault::unrequested_101), "101 without Upgrade");
  EXPECT_STREQ(htpx::h1::text_of(fault::head_over_tx_buffer), "head over tx buffer");
  std::vector<std::string> texts;
  for (unsigned f = 1; f <= static_cast<unsigned>(fault::head_over_tx_buffer); ++f) {
    texts.emplace_back(htpx::h1::text_of(static_cast<fault>(f)));
    EXPECT_FALSE(texts.back().empty()) << f;
  }
  std::sort(texts.begin(), texts.end());
  EXPECT_TRUE(std::adjacent_find(texts.begin(), texts.end()) == texts.end());
}

// ---- the loader itself -------------------------------------------------------------------------

TEST(VectorFile, ParsesEveryConstruct) {
  const char* text =
      "# RFC 9112 section 6: a sample\n"
      "request HEAD\n"
      "limit max_headers 7\n"
      "limit max_head_bytes 20000\n"
      "eof\n"
      "> HTTP/1.1 200 OK\\r\\n\n"
      ">*3 X: \\x41\\0\\t\\\\\\r\\n\n"
      "> \\r\\n\n"
      "\n"
      "informational 103\n"
      "header Link: </a>\n"
      "head 200 1.0 close length=5 reason=O K\n"
      "header X: A\n"
      "header Empty:\n"
      "body ab\n"
      "body*2 c\n"
      "trailer T: v\n"
      "end\n"
      "leftover zz\n";
  response_vector v;
  const htpx_test::load_error err = htpx_test::parse_vector_text(text, v);
  ASSERT_FALSE(err.failed) << err.line << ": " << err.message;
  EXPECT_TRUE(v.head_request);
  EXPECT_TRUE(v.eof);
  EXPECT_EQ(v.limits.max_headers, 7u);
  EXPECT_EQ(v.limits.max_head_bytes, 20000u);
  EXPECT_EQ(v.input, std::string("HTTP/1.1 200 OK\r\n") + std::string("X: A\0\t\\\r\n", 9) +
                         std::string("X: A\0\t\\\r\n", 9) + std::string("X: A\0\t\\\r\n", 9) + "\r\n");
  ASSERT_EQ(v.expected.size(), 5u);
  EXPECT_EQ(v.expected[0].type, vector_event_type::informational);
  EXPECT_EQ(v.expected[0].status, 103u);
  ASSERT_EQ(v.expected[0].fields.size(), 1u);
  EXPECT_EQ(v.expected[0].fields[0].value, "</a>");
  EXPECT_EQ(v.expected[1].type, vector_event_type::head);
  EXPECT_EQ(v.expected[1].version_minor, 0u);
  EXPECT_FALSE(v.expected[1].keep_alive);
  EXPECT_EQ(v.expected[1].body, body_kind::content_length);
  EXPECT_EQ(v.expected[1].content_length, 5u);
  EXPECT_EQ(v.expected[1].reason, "O K");
  ASSERT_EQ(v.expected[1].fields.size(), 2u);
  EXPECT_EQ(v.expected[1].fields[1].name, "Empty");
  EXPECT_EQ(v.expected[1].fields[1].value, "");
  EXPECT_EQ(v.expected[2].bytes, "abcc");
  EXPECT_EQ(v.expected[3].type, vector_event_type::trailers);
  EXPECT_EQ(v.expected[4].type, vector_event_type::end);
  EXPECT_EQ(v.leftover, "zz");
  EXPECT_FALSE(v.pending);
}

TEST(VectorFile, ParsesConnectAndTunnel) {
  const char* text =
      "# RFC 9112 section 6.3 rule 2: a sample\n"
      "request CONNECT\n"
      "> HTTP/1.1 200 OK\\r\\n\\r\\nx\n"
      "head 200 1.1 close none tunnel reason=OK\n"
      "end\n"
      "leftover x\n";
  response_vector v;
  const htpx_test::load_error err = htpx_test::parse_vector_text(text, v);
  ASSERT_FALSE(err.failed) << err.line << ": " << err.message;
  EXPECT_TRUE(v.connect_request);
  EXPECT_FALSE(v.head_request);
  ASSERT_EQ(v.expected.size(), 2u);
  EXPECT_TRUE(v.expected[0].tunnel);
  EXPECT_EQ(v.expected[0].reason, "OK");
  EXPECT_NE(htpx_test::format_transcript(v.expected, false, v.leftover).find(" none tunnel reason=OK\n"),
            std::string::npos);
  vector_event plain = v.expected[0];
  plain.tunnel = false;
  EXPECT_FALSE(htpx_test::same_event(plain, v.expected[0]));
}

TEST(VectorFile, RejectsMalformedFiles) {
  const char* bad[] = {
      "# RFC\n> x\n",                                        // no end, failed or pending
      "# RFC\nend\n",                                        // no input
      "> x\nend\n",                                          // no comment
      "# RFC\n> x \nend\n",                                  // trailing whitespace
      "# RFC\n> x\\q\nend\n",                                // unknown escape
      "# RFC\n> x\\x4\nend\n",                               // short \x
      "# RFC\n> x\tb\nend\n",                                // raw tab
      "# RFC\n> x\nend\nbody y\n",                           // events after end
      "# RFC\n> x\neof\npending\n",                          // pending with eof
      "# RFC\n> x\nheader A: b\nend\n",                      // header without head
      "# RFC\n> x\nlimit max_informational 300\nend\n",      // out of range
      "# RFC\n> x\nlimit max_bogus 3\nend\n",                // unknown limit
      "# RFC\n> x\nhead 200 1.1 keep-alive chunked\nend\n",  // reason= missing
      "# RFC\n> x\nfailed RemoteProtocolError\n",            // no detail
      "# RFC\n>*0 x\nend\n",                                 // zero repeat
      "# RFC\n> x\nfrobnicate\nend\n",                       // unknown line
      "# RFC\nrequest POST\n> x\nend\n",                     // not GET, HEAD or CONNECT
  };
  for (const char* text : bad) {
    response_vector v;
    const htpx_test::load_error err = htpx_test::parse_vector_text(text, v);
    EXPECT_TRUE(err.failed) << "accepted: " << htpx_test::escape(text);
  }
}

TEST(VectorFile, EscapeRoundTrips) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  std::string back;
  std::string message;
  ASSERT_TRUE(htpx_test::unescape(htpx_test::escape(all), back, message)) << message;
  EXPECT_EQ(back, all);
}

}  // namespace
