// libFuzzer entry point for the cookie fuzz target (cookie_jar store, set, remove, header_for and
// parse_cookie_date); the body lives in fuzz_cookies.hpp so the corpus replay unit test runs the
// same code. Built by tests/fuzz/run.sh.
#include "fuzz_cookies.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return htpx_fuzz::cookies::fuzz_cookies_one(data, size);
}
