// Fuzz target body for htpx::h1::response_parser, shared by the libFuzzer entry point
// (fuzz_response_parser.cpp) and the corpus replay test (tests/unit/test_fuzz_corpus.cpp).
//
// Input: [flags] [split plan] [limits/seed] then the server's bytes.
//   flags bit 0: the request was HEAD; bit 1: small limits (chosen by the third byte);
//   bit 2: the request was CONNECT (a 2xx opens a tunnel).
//   split plan: bits 0-1 whole / byte-at-a-time / fixed size / random; bits 2-7: size - 1.
// The bytes are parsed three ways (whole, one byte at a time, the chosen plan), each on a
// private copy, re-presenting unconsumed bytes as parse() requires, then finish(). Every
// event is checked against the parser's contract, and the three traces must be identical.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "htpx/h1/response_parser.hpp"

namespace htpx_fuzz::response {

using htpx::h1::body_kind;
using htpx::h1::event;
using htpx::h1::event_type;

struct options {
  bool head_request = false;
  bool connect_request = false;
  htpx::h1::parser_limits limits;
};

/// What one run observed, beyond the trace.
struct outcome {
  trace events;
  bool ended = false;
  bool failed = false;
};

/// Per-run bookkeeping for the event checks.
struct tracker {
  const options* opt;
  bool head_seen = false;
  body_kind body = body_kind::none;
  std::uint64_t content_length = 0;
  std::uint64_t delivered = 0;
  bool trailers_seen = false;
  unsigned informational = 0;
  std::uint64_t head_bytes = 0;  // bytes consumed by 1xx and final heads
};

inline std::string head_text(const htpx::h1::response_head& head, const char* base, std::size_t size) {
  HTPX_FUZZ_CHECK(head.status_code <= 999);  // three digits
  HTPX_FUZZ_CHECK(head.version_minor <= 1);
  HTPX_FUZZ_CHECK(within(base, size, head.reason));
  std::string text = std::to_string(head.status_code) + " 1." + std::to_string(head.version_minor) +
                     (head.keep_alive ? " keep" : " close") + (head.tunnel ? " tunnel" : "") +
                     " body=" + std::to_string(static_cast<int>(head.body)) +
                     " cl=" + std::to_string(head.content_length) + " reason=";
  text.append(head.reason);
  text += '\n';
  text += check_fields(head.headers, base, size);
  return text;
}

/// Returns true when a field named `name` lists `token` (comma-separated, OWS trimmed,
/// case-insensitive): an independent reading of the Connection field.
inline bool lists_token(const htpx::headers_view& fields, std::string_view name, std::string_view token) {
  for (const htpx::header& field : fields) {
    if (!htpx::iequals(field.name, name)) continue;
    std::string_view rest = field.value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      std::string_view element = rest.substr(0, comma);
      while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) element.remove_prefix(1);
      while (!element.empty() && (element.back() == ' ' || element.back() == '\t')) element.remove_suffix(1);
      if (htpx::iequals(element, token)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

/// Returns the Content-Length the fields declare (all values agree, or the head would have
/// failed), read independently of the parser.
inline std::uint64_t declared_length(const htpx::headers_view& fields) {
  for (const htpx::header& field : fields) {
    if (!htpx::iequals(field.name, "content-length")) continue;
    // The first non-empty list element (RFC 9110 §5.6.1: empty elements do not count).
    std::uint64_t value = 0;
    bool digits = false;
    for (const char ch : field.value) {
      if (ch == ',' && digits) break;
      if (ch >= '0' && ch <= '9') {
        value = value * 10 + static_cast<std::uint64_t>(ch - '0');
        digits = true;
      }
    }
    return value;
  }
  return 0;
}

/// Checks one event from parse() (or finish(), with base == nullptr and size == 0) and adds
/// it to the trace. Its views must lie within [base, base + size).
inline void check_event(const event& ev, const char* base, std::size_t size, tracker& t, outcome& out) {
  switch (ev.type) {
    case event_type::need_more:
      // Progress: once the whole body is known to be delivered, the parser must say end
      // without waiting for more bytes.
      if (t.head_seen) {
        HTPX_FUZZ_CHECK(t.body != body_kind::none);
        HTPX_FUZZ_CHECK(t.body != body_kind::content_length || t.delivered < t.content_length);
      }
      return;
    case event_type::informational:
      HTPX_FUZZ_CHECK(!t.head_seen);
      HTPX_FUZZ_CHECK(ev.head.status_code >= 100 && ev.head.status_code <= 199);
      HTPX_FUZZ_CHECK(ev.head.status_code != 101);
      ++t.informational;
      HTPX_FUZZ_CHECK(t.informational <= t.opt->limits.max_informational);
      out.events.add('I', head_text(ev.head, base, size));
      return;
    case event_type::head: {
      HTPX_FUZZ_CHECK(!t.head_seen);
      const htpx::h1::response_head& head = ev.head;
      // Any three digits but 1xx: a code outside 100-599 is handled as a final response
      // (RFC 9110 §15: treat it as a 5xx).
      HTPX_FUZZ_CHECK(head.status_code < 100 || head.status_code >= 200);
      // RFC 9112 §6.3 rule 2: a 2xx to CONNECT is a tunnel after its head: no body, never
      // reused, its Content-Length and Transfer-Encoding ignored (so not checked below).
      const bool tunnel = t.opt->connect_request && head.status_code >= 200 && head.status_code <= 299;
      HTPX_FUZZ_CHECK(head.tunnel == tunnel);
      if (tunnel) HTPX_FUZZ_CHECK(head.body == body_kind::none && !head.keep_alive);
      // RFC 9112 §6.3 rule 1: HEAD, 204 and 304 responses have no body, whatever they say.
      if (t.opt->head_request || head.status_code == 204 || head.status_code == 304) {
        HTPX_FUZZ_CHECK(head.body == body_kind::none);
      }
      HTPX_FUZZ_CHECK(head.body != body_kind::content_length || head.content_length != 0);
      HTPX_FUZZ_CHECK(head.body != body_kind::until_close || !head.keep_alive);
      // Strict framing (DESIGN.md §2.7): never both framings, never chunked in HTTP/1.0.
      HTPX_FUZZ_CHECK(tunnel ||
                      !(head.headers.contains("content-length") && head.headers.contains("transfer-encoding")));
      HTPX_FUZZ_CHECK(head.body != body_kind::chunked || head.version_minor == 1);
      HTPX_FUZZ_CHECK(head.headers.size() <= t.opt->limits.max_headers);
      // The framing and persistence, read again from the fields (RFC 9112 §6.3, §9.3).
      if (!(t.opt->head_request || tunnel || head.status_code == 204 || head.status_code == 304)) {
        if (head.headers.contains("transfer-encoding")) {
          HTPX_FUZZ_CHECK(head.body == body_kind::chunked);
        } else if (head.headers.contains("content-length")) {
          const std::uint64_t length = declared_length(head.headers);
          HTPX_FUZZ_CHECK(head.body == (length == 0 ? body_kind::none : body_kind::content_length));
          HTPX_FUZZ_CHECK(head.content_length == length);
        } else {
          HTPX_FUZZ_CHECK(head.body == body_kind::until_close);
        }
      }
      const bool close = lists_token(head.headers, "connection", "close");
      const bool persistent =
          head.version_minor == 1 ? !close : lists_token(head.headers, "connection", "keep-alive") && !close;
      HTPX_FUZZ_CHECK(head.keep_alive == (persistent && head.body != body_kind::until_close && !tunnel));
      t.head_seen = true;
      t.body = head.body;
      t.content_length = head.content_length;
      out.events.add('H', head_text(head, base, size));
      return;
    }
    case event_type::body:
      HTPX_FUZZ_CHECK(t.head_seen);
      HTPX_FUZZ_CHECK(t.body != body_kind::none);
      HTPX_FUZZ_CHECK(!t.trailers_seen);
      HTPX_FUZZ_CHECK(ev.body.size != 0);
      HTPX_FUZZ_CHECK(within(base, size, ev.body.data, ev.body.size));
      t.delivered += ev.body.size;
      if (t.body == body_kind::content_length) HTPX_FUZZ_CHECK(t.delivered <= t.content_length);
      out.events.add('B', std::string(ev.body.data, ev.body.size));
      return;
    case event_type::trailers:
      HTPX_FUZZ_CHECK(t.head_seen);
      HTPX_FUZZ_CHECK(t.body == body_kind::chunked);
      HTPX_FUZZ_CHECK(!t.trailers_seen);
      HTPX_FUZZ_CHECK(!ev.trailers.empty());
      HTPX_FUZZ_CHECK(ev.trailers.size() <= t.opt->limits.max_headers);
      HTPX_FUZZ_CHECK(ev.trailers.raw().size() <= t.opt->limits.max_trailer_bytes);
      t.trailers_seen = true;
      out.events.add('T', check_fields(ev.trailers, base, size));
      return;
    case event_type::end:
      HTPX_FUZZ_CHECK(t.head_seen);
      if (t.body == body_kind::content_length) HTPX_FUZZ_CHECK(t.delivered == t.content_length);
      if (t.body == body_kind::none) HTPX_FUZZ_CHECK(t.delivered == 0);
      out.ended = true;
      out.events.add('E', {});
      return;
    case event_type::failed:
      HTPX_FUZZ_CHECK(ev.failure.code == htpx::errc::remote_protocol_error);
      out.failed = true;
      out.events.add_error('F', ev.failure);
      return;
  }
  HTPX_FUZZ_CHECK(false && "event type out of range");
}

/// Parses `input` split by `plan`, then finish(). Checks every step; returns the trace.
inline outcome run(const char* input, std::size_t size, const options& opt, split_plan plan) {
  htpx::h1::response_parser parser(opt.limits);
  parser.reset(opt.head_request, opt.connect_request);
  HTPX_FUZZ_CHECK(parser.at_start() && !parser.done() && !parser.failed() && !parser.tunnel());

  outcome out;
  tracker t{&opt};
  pending_bytes pending(size);
  std::size_t fed = 0;
  // Every call either consumes a byte, reports an event, or waits for the next slice; the
  // bound catches a parser that loops reporting nothing.
  std::size_t budget = 64 + 4 * size;
  for (;;) {
    if (fed < size) {
      const std::size_t n = plan.next(size - fed);
      pending.append(input + fed, n);
      fed += n;
    }
    for (;;) {
      HTPX_FUZZ_CHECK(budget-- != 0);
      const std::size_t given = pending.size();
      const htpx::h1::parse_step step = parser.parse(pending.data(), given);
      HTPX_FUZZ_CHECK(step.consumed <= given);
      // Views lie within the bytes this call used up (so nothing is delivered twice).
      check_event(step.ev, pending.data(), step.consumed, t, out);
      if (step.ev.type == event_type::informational || step.ev.type == event_type::head ||
          step.ev.type == event_type::trailers) {
        HTPX_FUZZ_CHECK(step.consumed != 0);
      }
      if (step.ev.type == event_type::head) HTPX_FUZZ_CHECK(parser.tunnel() == step.ev.head.tunnel);
      if (step.ev.type == event_type::informational || step.ev.type == event_type::head) {
        // Every head counts against one limit, 1xx heads included (parser_limits).
        t.head_bytes += step.consumed;
        HTPX_FUZZ_CHECK(t.head_bytes <= opt.limits.max_head_bytes);
      }
      if (step.ev.type == event_type::body) HTPX_FUZZ_CHECK(step.consumed >= step.ev.body.size);
      pending.consume(step.consumed);
      if (out.ended || out.failed) break;
      if (step.ev.type == event_type::need_more) {
        // need_more means nothing more can be done until bytes arrive: another call with the
        // same bytes consumes nothing and reports nothing (parse_step's contract).
        const htpx::h1::parse_step idle = parser.parse(pending.data(), pending.size());
        HTPX_FUZZ_CHECK(idle.ev.type == event_type::need_more && idle.consumed == 0);
        break;
      }
    }
    if (out.ended || out.failed) break;
    if (fed == size) {
      const event ev = parser.finish();
      HTPX_FUZZ_CHECK(ev.type == event_type::end || ev.type == event_type::failed);
      // A close-delimited body is complete when the server closes.
      if (t.head_seen && t.body == body_kind::until_close) HTPX_FUZZ_CHECK(ev.type == event_type::end);
      check_event(ev, nullptr, 0, t, out);
      break;
    }
  }

  HTPX_FUZZ_CHECK(parser.done() == out.ended);
  HTPX_FUZZ_CHECK(parser.failed() == out.failed);
  if (out.failed) {
    // After a failure every call fails the same way, until reset().
    const htpx::h1::parse_step again = parser.parse(pending.data(), pending.size());
    HTPX_FUZZ_CHECK(again.ev.type == event_type::failed);
    HTPX_FUZZ_CHECK(again.consumed <= pending.size());
    trace repeat;
    repeat.add_error('F', again.ev.failure);
    HTPX_FUZZ_CHECK(repeat.records().back() == out.events.records().back());
    const event fin = parser.finish();
    HTPX_FUZZ_CHECK(fin.type == event_type::failed);
    trace repeat_finish;
    repeat_finish.add_error('F', fin.failure);
    HTPX_FUZZ_CHECK(repeat_finish.records().back() == out.events.records().back());
    HTPX_FUZZ_CHECK(parser.failed());
  } else {
    // Once done, the parser consumes nothing more: later bytes belong to the next response (or
    // to the tunnel).
    const htpx::h1::parse_step again = parser.parse(pending.data(), pending.size());
    HTPX_FUZZ_CHECK(again.consumed == 0);
    HTPX_FUZZ_CHECK(again.ev.type == event_type::need_more || again.ev.type == event_type::end);
    HTPX_FUZZ_CHECK(parser.done());
  }
  parser.reset(opt.head_request, opt.connect_request);
  HTPX_FUZZ_CHECK(parser.at_start() && !parser.done() && !parser.failed() && !parser.tunnel());
  return out;
}

/// The fuzz target: returns 0 (libFuzzer's "keep going"); violations trap.
inline int fuzz_response_parser_one(const std::uint8_t* data, std::size_t size) {
  input_reader in(data, size);
  const std::uint8_t flags = in.byte();
  const std::uint8_t plan_byte = in.byte();
  const std::uint8_t limits_byte = in.byte();
  options opt;
  opt.head_request = (flags & 1u) != 0;
  opt.connect_request = (flags & 4u) != 0;
  opt.limits = choose_limits((flags & 2u) != 0, limits_byte);

  const char* bytes = in.rest();
  const std::size_t n = in.rest_size();
  const outcome whole = run(bytes, n, opt, split_plan::whole());
  const outcome bytewise = run(bytes, n, opt, split_plan::bytewise());
  HTPX_FUZZ_CHECK(whole.events == bytewise.events);
  const split_plan plan = split_plan::from_bytes(plan_byte, limits_byte);
  if (plan.kind() == split_plan::mode::fixed || plan.kind() == split_plan::mode::random) {
    const outcome split = run(bytes, n, opt, plan);
    HTPX_FUZZ_CHECK(whole.events == split.events);
  }
  return 0;
}

}  // namespace htpx_fuzz::response
