// libFuzzer entry point for the JSON reader's fuzz target (parse_json and the value accessors);
// the body lives in fuzz_json.hpp so the corpus replay unit test runs the same code. Built by
// tests/fuzz/run.sh.
#include "fuzz_json.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return htpx_fuzz::json::fuzz_json_one(data, size);
}
