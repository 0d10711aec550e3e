// Shared by the load generators (htpx-bench, curl-bench): command line, clocks, CPU time, a
// latency histogram and the report, so every contender is measured and printed the same way.
// Header-only; these are host programs (POSIX), never part of the library.
#pragma once

#include <sys/resource.h>
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bench {

/// CLOCK_MONOTONIC in nanoseconds (vDSO: no system call).
inline std::uint64_t now_ns() noexcept {
  timespec ts{};
  (void)clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

/// User plus system CPU time of this process, in microseconds (getrusage).
inline std::uint64_t cpu_us() noexcept {
  rusage ru{};
  (void)getrusage(RUSAGE_SELF, &ru);
  const auto us = [](const timeval& tv) {
    return static_cast<std::uint64_t>(tv.tv_sec) * 1000000u + static_cast<std::uint64_t>(tv.tv_usec);
  };
  return us(ru.ru_utime) + us(ru.ru_stime);
}

/// Latencies in a log-linear histogram (128 sub-buckets per power of two: under 0.8 % error),
/// O(1) per record and fixed memory, so a run of any length costs the same per request.
class histogram {
 public:
  void record(std::uint64_t ns) noexcept {
    ++buckets_[index(ns)];
    ++count_;
    if (ns > max_) max_ = ns;
  }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  /// The value at quantile q (0..1): the upper edge of the bucket holding it, capped at max().
  [[nodiscard]] std::uint64_t quantile(double q) const noexcept {
    if (count_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_));
    if (rank >= count_) rank = count_ - 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i != bucket_count; ++i) {
      seen += buckets_[i];
      if (seen > rank) {
        const std::uint64_t edge = upper_edge(i);
        return edge < max_ ? edge : max_;
      }
    }
    return max_;
  }

 private:
  static constexpr unsigned sub_bits = 7;
  static constexpr std::size_t sub = std::size_t{1} << sub_bits;
  static constexpr std::size_t bucket_count = (64 - sub_bits + 1) * sub;

  static std::size_t index(std::uint64_t v) noexcept {
    if (v < sub) return static_cast<std::size_t>(v);
    const unsigned top = 63u - static_cast<unsigned>(__builtin_clzll(v));  // >= sub_bits
    const unsigned shift = top - sub_bits;
    const auto mantissa = static_cast<std::size_t>((v >> shift) & (sub - 1));
    return (shift + 1) * sub + mantissa;
  }
  static std::uint64_t upper_edge(std::size_t i) noexcept {
    if (i < sub) return i;
    const std::size_t shift = i / sub - 1;
    const std::uint64_t base = (std::uint64_t{1} << (shift + sub_bits)) + (std::uint64_t{i % sub} << shift);
    return base + ((std::uint64_t{1} << shift) - 1);
  }

  std::uint64_t buckets_[bucket_count] = {};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

/// The command line every load generator here takes (h2load's shape):
///   NAME -n REQUESTS -c CONNECTIONS [-m STREAMS] [-d SECONDS] [--h1|--h2|--h2c]
///        [--expect-body BYTES] [-q] URL
struct options {
  std::uint64_t requests = 1;
  std::size_t connections = 1;
  std::size_t streams = 1;
  double seconds = 0;  // > 0: run for this long, -n ignored
  std::int64_t expect_body = -1;
  bool quiet = false;
  bool h2 = false;  // --h2 or --h2c asked for
  const char* url = nullptr;
};

inline void usage(const char* name) {
  std::fprintf(stderr,
               "usage: %s -n REQUESTS -c CONNECTIONS [-m STREAMS_PER_CONNECTION] [-d SECONDS]\n"
               "       [--h1|--h2|--h2c] [--expect-body BYTES] [-q] URL\n"
               "  -n  requests in all (default 1); -d SECONDS runs for that long instead\n"
               "  -c  connections, each with one request in flight (HTTP/1.1 keep-alive)\n"
               "  -m  requests in flight per connection: 1 until HTTP/2\n"
               "  --expect-body  count a response whose body is not exactly BYTES as failed\n"
               "  -q  only the RESULT line\n"
               "exit: 0 every request succeeded (2xx), 1 usage, 2 some failed, 4 not supported yet\n",
               name);
}

/// Takes `flag` (a program's own option, beside the shared ones) out of argv; returns whether
/// it was there.
inline bool take_flag(int& argc, char** argv, const char* flag) {
  bool found = false;
  int kept = 1;
  for (int i = 1; i != argc; ++i) {
    if (std::strcmp(argv[i], flag) == 0) {
      found = true;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return found;
}

/// Returns 0 when parsed, else the exit status (1 usage).
inline int parse(int argc, char** argv, options& o) {
  const auto number = [&](int& i, double& out) {
    if (i + 1 >= argc) return false;
    char* end = nullptr;
    out = std::strtod(argv[++i], &end);
    return end != argv[i] && *end == '\0' && out >= 0;
  };
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    double v = 0;
    if (std::strcmp(a, "-n") == 0 && number(i, v) && v >= 1) {
      o.requests = static_cast<std::uint64_t>(v);
    } else if (std::strcmp(a, "-c") == 0 && number(i, v) && v >= 1) {
      o.connections = static_cast<std::size_t>(v);
    } else if (std::strcmp(a, "-m") == 0 && number(i, v) && v >= 1) {
      o.streams = static_cast<std::size_t>(v);
    } else if (std::strcmp(a, "-d") == 0 && number(i, v) && v > 0) {
      o.seconds = v;
    } else if (std::strcmp(a, "--expect-body") == 0 && number(i, v)) {
      o.expect_body = static_cast<std::int64_t>(v);
    } else if (std::strcmp(a, "--h1") == 0) {
      o.h2 = false;
    } else if (std::strcmp(a, "--h2") == 0 || std::strcmp(a, "--h2c") == 0) {
      o.h2 = true;
    } else if (std::strcmp(a, "-q") == 0) {
      o.quiet = true;
    } else if (std::strcmp(a, "-h") == 0 || std::strcmp(a, "--help") == 0) {
      usage(argv[0]);
      std::exit(0);
    } else if (a[0] != '-' && o.url == nullptr) {
      o.url = a;
    } else {
      std::fprintf(stderr, "%s: bad argument '%s'\n", argv[0], a);
      usage(argv[0]);
      return 1;
    }
  }
  if (o.url == nullptr) {
    usage(argv[0]);
    return 1;
  }
  if (o.seconds == 0 && o.connections > o.requests) o.connections = static_cast<std::size_t>(o.requests);
  return 0;
}

/// What a run measured.
struct tally {
  std::uint64_t succeeded = 0;  // complete responses with a 2xx status (and the expected body)
  std::uint64_t failed = 0;     // transport or protocol errors, wrong body length
  std::uint64_t non2xx = 0;     // complete responses with another status
  std::uint64_t body_bytes = 0;
  std::uint64_t connections = 0;  // connections opened
  std::uint64_t elapsed_ns = 0;   // first start to last completion
  std::uint64_t cpu_us = 0;       // user + system CPU of the run (getrusage)
  histogram latency;              // start() to completion, every finished request
};

/// Prints the report; the last line is the machine-readable RESULT line.
inline void report(const char* name, const options& o, const char* protocol, const tally& t) {
  const std::uint64_t done = t.succeeded + t.non2xx;  // complete responses
  const double secs = static_cast<double>(t.elapsed_ns) / 1e9;
  const double rps = secs > 0 ? static_cast<double>(done) / secs : 0;
  const double mibps = secs > 0 ? static_cast<double>(t.body_bytes) / 1048576.0 / secs : 0;
  const double cpu_per = done != 0 ? static_cast<double>(t.cpu_us) / static_cast<double>(done) : 0;
  const auto us = [](std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; };
  if (!o.quiet) {
    std::printf("%s: %s, %zu connection(s), %s\n", name, o.url, o.connections, protocol);
    std::printf("finished in %.2f s, %.2f req/s, %.2f MiB/s (response bodies)\n", secs, rps, mibps);
    std::printf("requests: %llu done, %llu succeeded, %llu failed, %llu non-2xx; %llu connection(s) opened\n",
                static_cast<unsigned long long>(done), static_cast<unsigned long long>(t.succeeded),
                static_cast<unsigned long long>(t.failed), static_cast<unsigned long long>(t.non2xx),
                static_cast<unsigned long long>(t.connections));
    std::printf("latency (us): p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n", us(t.latency.quantile(0.5)),
                us(t.latency.quantile(0.9)), us(t.latency.quantile(0.99)), us(t.latency.max()));
    std::printf("client CPU: %.3f s (user + system), %.2f us per request\n", static_cast<double>(t.cpu_us) / 1e6,
                cpu_per);
  }
  std::printf(
      "RESULT requests=%llu req_per_s=%.1f mib_per_s=%.2f cpu_us_per_req=%.3f p50_us=%.1f p90_us=%.1f p99_us=%.1f "
      "max_us=%.1f failed=%llu non2xx=%llu connections=%llu\n",
      static_cast<unsigned long long>(done), rps, mibps, cpu_per, us(t.latency.quantile(0.5)),
      us(t.latency.quantile(0.9)), us(t.latency.quantile(0.99)), us(t.latency.max()),
      static_cast<unsigned long long>(t.failed), static_cast<unsigned long long>(t.non2xx),
      static_cast<unsigned long long>(t.connections));
  std::fflush(stdout);
}

}  // namespace bench
