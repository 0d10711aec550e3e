// htpx-parse-bench FILE ITERATIONS [walk]
//
// Parses the one HTTP/1.1 response in FILE ITERATIONS times with htpx::h1::response_parser and
// prints ns/response and MB/s. bench/bench-parse.sh runs it under callgrind at N and 2N
// iterations, so instructions per response = (Ir(2N) - Ir(N)) / N: keep everything here
// deterministic (no branch depends on time) and keep the per-iteration work to the parser.
//
// Per iteration: reset() the parser (constructed once), parse the whole response from one
// buffer, consuming every event (head, informational, body, trailers, end), accumulating status,
// header count and body length. The same method as the corpus README's reference figures.
//
// The buffer: the parser rewrites obs-fold in place (CRLF SP -> SP SP SP), so a response with
// obs-fold would be different input on the second pass. The reference routine tells whether the
// file has any; only then is the file copied into a work buffer before each iteration (and the
// copy is part of the measured cost). The corpus has none, so the same bytes are parsed every
// time; after the first iteration the bench checks they were not modified.
//
// "walk" (optional third argument) also iterates every header view (name and value sizes), to
// show what a caller that reads every field pays on top of the parser; off by default, as the
// reference figures report the header count only.
//
// Exit status: 0 on success, 1 when the first iteration disagrees with the reference routine in
// bench_reference.h (status, header count, trailer count, body length, bytes consumed) or
// status is not 200, 2 on a usage or I/O error.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "bench_reference.h"
#include "htpx/h1/parser_limits.hpp"
#include "htpx/h1/response_parser.hpp"

namespace {

struct outcome {
  bool ok = false;
  const char* why = "";
  unsigned status = 0;
  std::size_t headers = 0;
  std::size_t trailers = 0;
  std::size_t informational = 0;
  std::uint64_t body = 0;
  std::size_t consumed = 0;
  std::uint64_t walked = 0;  // name + value bytes seen by the "walk" option
};

std::uint64_t walk_headers(const htpx::headers_view& headers) {
  std::uint64_t sum = 0;
  for (const htpx::header& h : headers) sum += h.name.size() + h.value.size();
  return sum;
}

// Handles one event. Returns true when the response is over (end or failed).
bool take(const htpx::h1::event& ev, bool walk, outcome& out) {
  using htpx::h1::event_type;
  switch (ev.type) {
    case event_type::need_more:
      return false;
    case event_type::informational:
      ++out.informational;
      return false;
    case event_type::head:
      out.status = ev.head.status_code;
      out.headers = ev.head.headers.size();
      if (walk) out.walked += walk_headers(ev.head.headers);
      return false;
    case event_type::body:
      out.body += ev.body.size;
      return false;
    case event_type::trailers:
      out.trailers += ev.trailers.size();
      if (walk) out.walked += walk_headers(ev.trailers);
      return false;
    case event_type::end:
      out.ok = true;
      return true;
    case event_type::failed:
      out.why = ev.failure.detail;
      return true;
  }
  out.why = "unknown event type";
  return true;
}

// One response from one buffer. noinline so callgrind shows the harness apart from the parser.
[[gnu::noinline]] outcome parse_once(htpx::h1::response_parser& parser, char* data, std::size_t size,
                                     bool walk) {
  outcome out;
  parser.reset();
  std::size_t offset = 0;
  // Every event but need_more moves the response forward, so a correct parser needs far fewer
  // steps than this; the bound only turns a parser bug into a failure instead of a hang.
  for (std::size_t steps = 0; steps <= size + 8; ++steps) {
    const htpx::h1::parse_step step = parser.parse(data + offset, size - offset);
    offset += step.consumed;
    if (step.ev.type == htpx::h1::event_type::need_more) {
      // Some bytes used up but nothing to report yet: give it the rest.
      if (step.consumed != 0 && offset != size) continue;
      // Nothing more to report from these bytes: the server "closes" (that ends a
      // close-delimited body; any other response is incomplete and finish() says so).
      out.consumed = offset;
      (void)take(parser.finish(), walk, out);
      return out;
    }
    if (take(step.ev, walk, out)) {
      out.consumed = offset;
      return out;
    }
  }
  out.consumed = offset;
  out.why = "the parser made no progress";
  return out;
}

bool read_file(const char* path, std::vector<char>& bytes) {
  std::FILE* f = std::fopen(path, "rb");
  if (f == nullptr) return false;
  char chunk[4096];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) bytes.insert(bytes.end(), chunk, chunk + n);
  const bool ok = std::ferror(f) == 0;
  std::fclose(f);
  return ok;
}

const char* base_name(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash != nullptr ? slash + 1 : path;
}

int check(const outcome& got, const bench_expected& want, const char* file) {
  bool good = got.ok && got.status == 200 && got.status == want.status && got.headers == want.headers &&
              got.trailers == want.trailers && got.body == want.body && got.consumed == want.total;
  if (good) return 0;
  std::fprintf(stderr,
               "htpx-parse-bench: %s: MISMATCH\n"
               "  htpx:      ok=%d (%s) status=%u headers=%zu trailers=%zu body=%llu consumed=%zu\n"
               "  reference: status=%u (200 required) headers=%zu trailers=%zu body=%llu consumed=%zu\n",
               file, got.ok ? 1 : 0, got.why, got.status, got.headers, got.trailers,
               static_cast<unsigned long long>(got.body), got.consumed, want.status, want.headers, want.trailers,
               static_cast<unsigned long long>(want.body), want.total);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4 || (argc == 4 && std::strcmp(argv[3], "walk") != 0)) {
    std::fprintf(stderr, "usage: %s FILE ITERATIONS [walk]\n", argv[0]);
    return 2;
  }
  const char* const path = argv[1];
  char* num_end = nullptr;
  const unsigned long long iterations = std::strtoull(argv[2], &num_end, 10);
  if (*argv[2] == '\0' || *num_end != '\0' || iterations == 0) {
    std::fprintf(stderr, "htpx-parse-bench: ITERATIONS must be a positive integer\n");
    return 2;
  }
  const bool walk = argc == 4;

  std::vector<char> file;
  if (!read_file(path, file) || file.empty()) {
    std::fprintf(stderr, "htpx-parse-bench: cannot read %s\n", path);
    return 2;
  }
  const bench_expected want = bench_reference(file.data(), file.size());
  if (want.ok == 0) {
    std::fprintf(stderr, "htpx-parse-bench: %s: reference routine: %s\n", path, want.why);
    return 1;
  }
  // Parse exactly the response (a trailing byte would be the start of a next response).
  const std::size_t size = want.total;
  const bool copy_each_time = want.has_obs_fold != 0;
  std::vector<char> work(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(size));

  const htpx::h1::parser_limits limits{};
  htpx::h1::response_parser parser(limits);

  std::uint64_t sum_status = 0;
  std::uint64_t sum_headers = 0;
  std::uint64_t sum_body = 0;
  std::uint64_t sum_walked = 0;
  const auto start = std::chrono::steady_clock::now();
  for (unsigned long long i = 0; i < iterations; ++i) {
    if (copy_each_time) std::memcpy(work.data(), file.data(), size);
    const outcome got = parse_once(parser, work.data(), size, walk);
    if (i == 0) {
      if (check(got, want, path) != 0) return 1;
      if (!copy_each_time && std::memcmp(work.data(), file.data(), size) != 0) {
        std::fprintf(stderr, "htpx-parse-bench: %s: the parser modified a response without obs-fold\n", path);
        return 1;
      }
    }
    sum_status += got.status;
    sum_headers += got.headers;
    sum_body += got.body;
    sum_walked += got.walked;
  }
  const auto stop = std::chrono::steady_clock::now();

  const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count());
  const double n = static_cast<double>(iterations);
  const double bytes = static_cast<double>(size) * n;
  std::printf(
      "htpx file=%s bytes=%zu iterations=%llu status=%u headers=%zu body=%llu copy=%s walk=%s "
      "ns_per_response=%.1f mb_per_s=%.1f sums=%llu/%llu/%llu/%llu\n",
      base_name(path), size, iterations, want.status, want.headers, static_cast<unsigned long long>(want.body),
      copy_each_time ? "yes" : "no", walk ? "yes" : "no", ns / n, ns > 0 ? bytes / ns * 1e3 : 0.0,
      static_cast<unsigned long long>(sum_status), static_cast<unsigned long long>(sum_headers),
      static_cast<unsigned long long>(sum_body), static_cast<unsigned long long>(sum_walked));
  return 0;
}
