// libFuzzer entry point for the URL fuzz target (parse_url, resolve_url, write_request_target,
// encode_query_component); the body lives in fuzz_url.hpp so the corpus replay unit test runs
// the same code. Built by tests/fuzz/run.sh.
#include "fuzz_url.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return htpx_fuzz::url_target::fuzz_url_one(data, size);
}
