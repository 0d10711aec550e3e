// libFuzzer entry point for the Digest fuzz target (digest_auth: WWW-Authenticate challenges in a
// 401 head and the Authorization value written after them); the body lives in fuzz_digest.hpp
// so the corpus replay unit test runs the same code. Built by tests/fuzz/run.sh.
#include "fuzz_digest.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return htpx_fuzz::digest::fuzz_digest_one(data, size);
}
