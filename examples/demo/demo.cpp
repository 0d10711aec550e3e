// htpx in three steps against httpbin (make demo starts one on 127.0.0.1):
//   1. blocking calls: five GET /delay/1 one after another          (about 5 s)
//   2. the main loop:  the same five started at once, then poll()   (about 1 s, five connections)
//   3. a one-off htpx::get(), as httpx.get(): status, version and a field of the JSON body
//
//   htpx-demo [BASE_URL]      default: $HTPX_HTTPBIN_URL, else http://127.0.0.1:8080
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "default_client.hpp"  // htpx::get() on a default client over the POSIX port
#include "htpx/client.hpp"
#include "posix_platform.hpp"
#include "posix_transport.hpp"

namespace {

// A client that can hold five connections. Its memory is all inside the object: no heap.
struct demo_config : htpx::default_client_config {
  static constexpr std::size_t max_connections = 5;
};
htpx::port::posix_platform platform;
htpx::static_client<demo_config, htpx::port::posix_transport> client(platform);

// Main-loop style: a handler gets each response's events from client.poll().
struct on_done final : htpx::response_handler {
  htpx::error on_head(const htpx::response& head) noexcept override { return head.raise_for_status(); }
  void on_complete(htpx::error failure) noexcept override { error = failure; }
  htpx::error error{};
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int fail(const char* what, htpx::error e) {
  std::printf("%s: %s (%s)\n", what, htpx::to_string(e.code), e.detail);
  return 1;
}

// The string value of "key" in a JSON text (a plain search: enough for a demo).
std::string_view json_string(std::string_view json, std::string_view key) {
  const std::size_t at = json.find("\"" + std::string(key) + "\":");
  const std::size_t open = json.find('"', at + key.size() + 3);
  const std::size_t close = json.find('"', open + 1);
  if (at == json.npos || open == json.npos || close == json.npos) return "?";
  return json.substr(open + 1, close - open - 1);
}

}  // namespace

int main(int argc, char** argv) {
  const char* from_env = std::getenv("HTPX_HTTPBIN_URL");
  const std::string base = argc > 1 ? argv[1] : from_env != nullptr ? from_env : "http://127.0.0.1:8080";
  const std::string delay = base + "/delay/1";

  // 1. Blocking: each call returns when its response is complete.
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i != 5; ++i) {
    const htpx::result<htpx::response> r = client.get(delay);
    if (!r) return fail("GET /delay/1", r.err());
  }
  std::printf("5 x GET /delay/1, one after another: %.2f s\n", seconds_since(start));

  // 2. Main loop: start all five, then poll until none is in flight. Between polls the
  //    application sleeps on the sockets (or does its own work).
  on_done handlers[5];
  htpx::request req;
  req.url = delay;
  start = std::chrono::steady_clock::now();
  for (on_done& handler : handlers) {
    const htpx::result<htpx::request_handle> started = client.start(req, handler);
    if (!started) return fail("start", started.err());
  }
  for (;;) {
    const htpx::poll_result step = client.poll(platform.now_ms());
    if (step.in_flight == 0) break;
    platform.wait(step.waits, step.wait_count, step.wait_ms);
  }
  for (const on_done& handler : handlers) {
    if (handler.error) return fail("GET /delay/1", handler.error);
  }
  std::printf("5 x GET /delay/1, all at once:       %.2f s\n", seconds_since(start));

  // 3. One-off, as httpx.get(url, params=...).
  const htpx::query_param params[] = {{"greeting", "hello htpx"}};
  htpx::request_options opts;
  opts.params = params;
  const htpx::result<htpx::response> r = htpx::get(base + "/get", opts);
  if (!r) return fail("GET /get", r.err());
  const htpx::response& res = r.value();
  const std::string version(res.http_version);
  const std::string greeting(json_string(res.text(), "greeting"));
  std::printf("GET /get: %d %s, args.greeting = \"%s\"\n", res.status_code, version.c_str(), greeting.c_str());
  return res.is_success() ? 0 : 1;
}
