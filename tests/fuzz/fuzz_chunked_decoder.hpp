// Fuzz target body for htpx::h1::chunked_decoder, shared by the libFuzzer entry point
// (fuzz_chunked_decoder.cpp) and the corpus replay test (tests/unit/test_fuzz_corpus.cpp).
//
// Input: [flags] [split plan] [limits/seed] then a chunked body.
//   flags bit 0: decode with a decoder that was used (and failed) before reset();
//   flags bit 1: small limits (chosen by the third byte).
//   split plan: as in fuzz_common.hpp.
// The body is decoded whole, one byte at a time and by the chosen plan, each on a private
// copy. Besides the contract checks, a deliberately simple reference reading of the chunk
// framing (sizes, CRLFs, the empty line after the trailers) must agree with the decoder: the
// payload delivered is always a prefix of the reference payload, and at the end it is the
// whole of it, its size the sum of the chunk sizes, and the bytes consumed the reference's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "htpx/h1/chunked_decoder.hpp"

namespace htpx_fuzz::chunked {

using htpx::h1::chunk_status;

/// A lax reading of chunked framing, trusted only where the strict decoder accepted the input.
struct reference {
  std::string payload;          // the chunk data, as far as the input goes
  std::uint64_t size_sum = 0;   // the sum of the complete chunk-size lines read
  std::size_t longest_ext = 0;  // longest chunk-ext (bytes after the first ';')
  bool complete = false;        // the last chunk and the trailer section are complete
  std::size_t end = 0;          // when complete: bytes up to the end of the trailer section
};

inline reference read_reference(const char* p, std::size_t n) {
  reference ref;
  const std::string_view in{p, n};
  std::size_t pos = 0;
  for (;;) {
    std::uint64_t size = 0;
    unsigned digits = 0;
    for (; pos < n && digits < 16; ++pos, ++digits) {
      const char c = p[pos];
      unsigned v;
      if (c >= '0' && c <= '9') {
        v = static_cast<unsigned>(c - '0');
      } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
        v = static_cast<unsigned>((c | 0x20) - 'a' + 10);
      } else {
        break;
      }
      size = size * 16 + v;
    }
    if (digits == 0) return ref;
    const std::size_t crlf = in.find("\r\n", pos);
    if (crlf == std::string_view::npos) return ref;
    const std::size_t semicolon = in.find(';', pos);
    if (semicolon < crlf && crlf - semicolon - 1 > ref.longest_ext) ref.longest_ext = crlf - semicolon - 1;
    pos = crlf + 2;
    ref.size_sum += size;
    if (size == 0) {
      if (in.substr(pos, 2) == "\r\n") {
        ref.complete = true;
        ref.end = pos + 2;
      } else if (const std::size_t blank = in.find("\r\n\r\n", pos); blank != std::string_view::npos) {
        ref.complete = true;
        ref.end = blank + 4;
      }
      return ref;
    }
    const std::size_t take = size < n - pos ? static_cast<std::size_t>(size) : n - pos;
    ref.payload.append(p + pos, take);
    pos += take;
    if (take != size || in.substr(pos, 2) != "\r\n") return ref;
    pos += 2;
  }
}

struct outcome {
  trace events;
  std::string payload;
  std::size_t consumed = 0;  // bytes consumed up to the end (or the failure)
  bool ended = false;
  bool failed = false;
};

inline outcome run(const char* input, std::size_t size, const htpx::h1::parser_limits& limits, bool reused,
                   split_plan plan) {
  htpx::h1::chunked_decoder decoder(limits);
  if (reused) {
    // A decoder that failed mid-body must decode the next body as if new after reset().
    char junk[] = "5;a=\"b\"\r\nabcde";
    (void)decoder.decode(junk, sizeof junk - 1);
    char bad[] = "X";
    (void)decoder.decode(bad, sizeof bad - 1);
    HTPX_FUZZ_CHECK(decoder.failed());
    decoder.reset();
  }
  HTPX_FUZZ_CHECK(!decoder.done() && !decoder.failed());

  outcome out;
  bool trailers_seen = false;
  pending_bytes pending(size);
  std::size_t fed = 0;
  std::size_t budget = 64 + 4 * size;
  while (!out.ended && !out.failed) {
    if (fed == size) break;  // the input is over without the end of the body
    const std::size_t n = plan.next(size - fed);
    pending.append(input + fed, n);
    fed += n;
    for (;;) {
      HTPX_FUZZ_CHECK(budget-- != 0);
      const std::size_t given = pending.size();
      const char* const base = pending.data();
      const htpx::h1::chunk_step step = decoder.decode(pending.data(), given);
      HTPX_FUZZ_CHECK(step.consumed <= given);
      switch (step.status) {
        case chunk_status::need_more: break;
        case chunk_status::data:
          HTPX_FUZZ_CHECK(!trailers_seen);
          HTPX_FUZZ_CHECK(step.data.size != 0);
          // Payload lies within the bytes this call used up, so it is never delivered twice.
          HTPX_FUZZ_CHECK(within(base, step.consumed, step.data.data, step.data.size));
          out.payload.append(step.data.data, step.data.size);
          out.events.add('B', std::string(step.data.data, step.data.size));
          break;
        case chunk_status::trailers: {
          HTPX_FUZZ_CHECK(!trailers_seen);
          HTPX_FUZZ_CHECK(within(base, step.consumed, step.data.data, step.data.size));
          const htpx::headers_view trailers = decoder.trailers(step.data);
          HTPX_FUZZ_CHECK(!trailers.empty());
          HTPX_FUZZ_CHECK(trailers.size() <= limits.max_headers);
          HTPX_FUZZ_CHECK(trailers.raw().size() <= limits.max_trailer_bytes);
          HTPX_FUZZ_CHECK(decoder.done());
          trailers_seen = true;
          out.events.add('T', check_fields(trailers, base, step.consumed));
          break;
        }
        case chunk_status::end:
          HTPX_FUZZ_CHECK(decoder.done());
          if (trailers_seen) HTPX_FUZZ_CHECK(step.consumed == 0);
          out.ended = true;
          out.events.add('E', {});
          break;
        case chunk_status::failed:
          HTPX_FUZZ_CHECK(decoder.failed());
          HTPX_FUZZ_CHECK(decoder.failure().code == htpx::errc::remote_protocol_error);
          out.failed = true;
          out.events.add_error('F', decoder.failure());
          break;
        default: HTPX_FUZZ_CHECK(false && "chunk status out of range");
      }
      out.consumed += step.consumed;
      pending.consume(step.consumed);
      if (step.status == chunk_status::need_more) {
        // Nothing more can be done until bytes arrive: the same bytes again change nothing.
        const htpx::h1::chunk_step idle = decoder.decode(pending.data(), pending.size());
        HTPX_FUZZ_CHECK(idle.status == chunk_status::need_more && idle.consumed == 0);
        break;
      }
      if (out.ended || out.failed) break;
    }
  }

  HTPX_FUZZ_CHECK(decoder.done() == out.ended);
  HTPX_FUZZ_CHECK(decoder.failed() == out.failed);
  if (out.failed) {
    // After a failure every call returns it again, until reset().
    const htpx::h1::chunk_step again = decoder.decode(pending.data(), pending.size());
    HTPX_FUZZ_CHECK(again.status == chunk_status::failed);
    HTPX_FUZZ_CHECK(again.consumed <= pending.size());
    trace repeat;
    repeat.add_error('F', decoder.failure());
    HTPX_FUZZ_CHECK(repeat.records().back() == out.events.records().back());
  } else if (out.ended) {
    // After the end the decoder takes nothing more: what follows is the next message.
    const htpx::h1::chunk_step again = decoder.decode(pending.data(), pending.size());
    HTPX_FUZZ_CHECK(again.status == chunk_status::end && again.consumed == 0);
  }

  // The reference reading of the framing.
  const reference ref = read_reference(input, size);
  HTPX_FUZZ_CHECK(ref.payload.compare(0, out.payload.size(), out.payload) == 0);
  if (out.ended) {
    HTPX_FUZZ_CHECK(ref.complete);
    HTPX_FUZZ_CHECK(out.payload == ref.payload);
    HTPX_FUZZ_CHECK(out.payload.size() == ref.size_sum);
    HTPX_FUZZ_CHECK(out.consumed == ref.end);
    HTPX_FUZZ_CHECK(ref.longest_ext <= limits.max_chunk_ext_bytes);
  }
  decoder.reset();
  HTPX_FUZZ_CHECK(!decoder.done() && !decoder.failed());
  return out;
}

/// The fuzz target: returns 0 (libFuzzer's "keep going"); violations trap.
inline int fuzz_chunked_decoder_one(const std::uint8_t* data, std::size_t size) {
  input_reader in(data, size);
  const std::uint8_t flags = in.byte();
  const std::uint8_t plan_byte = in.byte();
  const std::uint8_t limits_byte = in.byte();
  const bool reused = (flags & 1u) != 0;
  const htpx::h1::parser_limits limits = choose_limits((flags & 2u) != 0, limits_byte);

  const char* bytes = in.rest();
  const std::size_t n = in.rest_size();
  const outcome whole = run(bytes, n, limits, reused, split_plan::whole());
  const outcome bytewise = run(bytes, n, limits, reused, split_plan::bytewise());
  HTPX_FUZZ_CHECK(whole.events == bytewise.events);
  const split_plan plan = split_plan::from_bytes(plan_byte, limits_byte);
  if (plan.kind() == split_plan::mode::fixed || plan.kind() == split_plan::mode::random) {
    const outcome split = run(bytes, n, limits, reused, plan);
    HTPX_FUZZ_CHECK(whole.events == split.events);
  }
  return 0;
}

}  // namespace htpx_fuzz::chunked
