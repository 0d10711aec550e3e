// libFuzzer entry point for the htpx::h1::connection fuzz target; the body lives in
// fuzz_connection.hpp so the corpus replay unit test runs the same code. Built by tests/fuzz/run.sh.
#include "fuzz_connection.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return htpx_fuzz::connection::fuzz_connection_one(data, size);
}
