// curl-bench: the libcurl peer of htpx-bench for `make bench`, with the same command line and
// report (bench_stats.hpp), built against Debian's libcurl4-openssl-dev.
//
//   curl-bench -n REQUESTS -c CONNECTIONS [-d SECONDS] [--expect-body BYTES] [-q] URL
//
// -c 1: the easy interface, one handle reused for every request (its connection is kept alive),
// curl_easy_perform() per request, as a simple application would. -c N > 1: the multi interface,
// N easy handles each with one request in flight; a finished handle is removed and added again
// for the next request, reusing the multi's connection cache (at most N connections). Bodies go
// to a write callback that counts the bytes, as htpx-bench's on_body() does. Latency is the
// start of a transfer (perform, or add_handle) to its completion.
#include <curl/curl.h>

#include <cstdint>
#include <cstdio>
#include <vector>

#include "bench_stats.hpp"

namespace {

struct transfer {
  CURL* easy = nullptr;
  std::uint64_t body = 0;
  std::uint64_t started_ns = 0;
};

std::size_t count_body(char* data, std::size_t size, std::size_t n, void* user) {
  (void)data;
  static_cast<transfer*>(user)->body += size * n;
  return size * n;
}

bool set_up(transfer& t, const bench::options& o) {
  t.easy = curl_easy_init();
  if (t.easy == nullptr) return false;
  curl_easy_setopt(t.easy, CURLOPT_URL, o.url);
  curl_easy_setopt(t.easy, CURLOPT_WRITEFUNCTION, count_body);
  curl_easy_setopt(t.easy, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(t.easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(t.easy, CURLOPT_NOPROXY, "*");  // loopback only, whatever the environment says
  curl_easy_setopt(t.easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(t.easy, CURLOPT_TCP_NODELAY, 1L);
  return true;
}

class runner {
 public:
  explicit runner(const bench::options& o) : o_(o) {}

  // Accounts for the finished transfer `t` with result `rc`.
  void finished(transfer& t, CURLcode rc) {
    const std::uint64_t end = bench::now_ns();
    t_.latency.record(end - t.started_ns);
    last_ns_ = end;
    t_.body_bytes += t.body;
    long connects = 0;
    curl_easy_getinfo(t.easy, CURLINFO_NUM_CONNECTS, &connects);
    t_.connections += static_cast<std::uint64_t>(connects);
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
      if (t_.failed++ < 5) std::fprintf(stderr, "curl-bench: %s\n", curl_easy_strerror(rc));
    } else if (o_.expect_body >= 0 && t.body != static_cast<std::uint64_t>(o_.expect_body)) {
      if (t_.failed++ < 5) std::fprintf(stderr, "curl-bench: body length differs from --expect-body\n");
    } else if (status / 100 == 2) {
      ++t_.succeeded;
    } else {
      ++t_.non2xx;
    }
  }

  // Returns true and counts the request when another one should start.
  bool next() {
    if (o_.seconds > 0 ? bench::now_ns() >= deadline_ns_ : issued_ == o_.requests) return false;
    ++issued_;
    return true;
  }

  bench::tally run() {
    const std::uint64_t cpu0 = bench::cpu_us();
    const std::uint64_t start = bench::now_ns();
    last_ns_ = start;
    deadline_ns_ = start + static_cast<std::uint64_t>(o_.seconds * 1e9);
    const bool ok = o_.connections == 1 ? run_easy() : run_multi();
    t_.cpu_us = bench::cpu_us() - cpu0;
    t_.elapsed_ns = last_ns_ - start;
    if (!ok) ++t_.failed;
    return t_;
  }

 private:
  bool run_easy() {
    transfer t;
    if (!set_up(t, o_)) return false;
    while (next()) {
      t.body = 0;
      t.started_ns = bench::now_ns();
      finished(t, curl_easy_perform(t.easy));
    }
    curl_easy_cleanup(t.easy);
    return true;
  }

  bool run_multi() {
    CURLM* multi = curl_multi_init();
    if (multi == nullptr) return false;
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(o_.connections));
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(o_.connections));
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(o_.connections));
    std::vector<transfer> transfers(o_.connections);
    const auto launch = [&](transfer& t) {
      if (!next()) return false;
      t.body = 0;
      t.started_ns = bench::now_ns();
      curl_multi_add_handle(multi, t.easy);
      return true;
    };
    int running = 0;
    for (transfer& t : transfers) {
      if (!set_up(t, o_)) return false;
      curl_easy_setopt(t.easy, CURLOPT_PRIVATE, &t);
      if (launch(t)) ++running;
    }
    while (running > 0) {
      int still = 0;
      curl_multi_perform(multi, &still);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        transfer* t = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
        const CURLcode rc = msg->data.result;
        curl_multi_remove_handle(multi, t->easy);
        finished(*t, rc);
        if (!launch(*t)) --running;
      }
      if (running > 0) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    }
    for (transfer& t : transfers) curl_easy_cleanup(t.easy);
    curl_multi_cleanup(multi);
    return true;
  }

  const bench::options& o_;
  bench::tally t_;
  std::uint64_t issued_ = 0;
  std::uint64_t deadline_ns_ = 0;
  std::uint64_t last_ns_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  bench::options o;
  if (const int rc = bench::parse(argc, argv, o)) return rc;
  if (o.streams > 1 || o.h2) {
    std::fprintf(stderr, "curl-bench: HTTP/1.1 only (the HTTP/2 rows come with htpx's HTTP/2)\n");
    return 4;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return 2;
  static runner r(o);  // the tally's histogram is large: not on the stack
  const bench::tally t = r.run();
  bench::report("curl-bench", o, curl_version(), t);
  curl_global_cleanup();
  return t.failed != 0 || t.succeeded + t.non2xx == 0 ? 2 : 0;
}
