// Shared by the 100 MiB download tests (plain and TLS): a handler that hashes the body as it
// streams, and the process's memory figures.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "htpx/response.hpp"
#include "sha256.hpp"

namespace htpx_test {

class hashing_handler final : public htpx::response_handler {
 public:
  htpx::error on_head(const htpx::response& head) noexcept override {
    status = head.status_code;
    return head.raise_for_status();
  }
  htpx::body_ack on_body(htpx::bytes_view data) noexcept override {
    hash.update(data.data, data.size);
    bytes += data.size;
    ++pieces;
    return {data.size, {}};
  }
  void on_complete(htpx::error f) noexcept override { failure = f; }

  int status = 0;
  std::uint64_t bytes = 0;
  std::uint64_t pieces = 0;
  htpx_test::sha256 hash;
  htpx::error failure{};
};

// Returns a "Vm...:" figure of /proc/self/status in KiB, or -1.
inline long proc_status_kib(const char* field) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long value = -1;
  const std::size_t n = std::strlen(field);
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, field, n) == 0) {
      value = std::strtol(line + n, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return value;
}

}  // namespace htpx_test
