// libFuzzer entry point for the htpx::h1::response_parser fuzz target; the body lives in
// fuzz_response_parser.hpp so the corpus replay unit test runs the same code. Built by tests/fuzz/run.sh.
#include "fuzz_response_parser.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return htpx_fuzz::response::fuzz_response_parser_one(data, size);
}
