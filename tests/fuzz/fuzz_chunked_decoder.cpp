// libFuzzer entry point for the htpx::h1::chunked_decoder fuzz target; the body lives in
// fuzz_chunked_decoder.hpp so the corpus replay unit test runs the same code. Built by tests/fuzz/run.sh.
#include "fuzz_chunked_decoder.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return htpx_fuzz::chunked::fuzz_chunked_decoder_one(data, size);
}
