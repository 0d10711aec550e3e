// Request bodies streamed from a file or from stdin, through the client's transmit buffer:
// nothing is read into memory beyond what the connection can send next.
#pragma once

#include <cstdint>
#include <string>

#include "htpx/body.hpp"

namespace htpx_cli {

/// A regular file of known length (sent with Content-Length), readable again for a retry.
class file_source final : public htpx::body_source {
 public:
  file_source() = default;
  file_source(const file_source&) = delete;
  file_source& operator=(const file_source&) = delete;
  ~file_source();

  /// Opens `path` and takes its size. Returns an empty string, or why it failed (strerror).
  std::string open(const std::string& path);
  /// Returns the size taken by open().
  [[nodiscard]] std::uint64_t length() const { return length_; }

  htpx::port::io_result read(htpx::mutable_bytes out) noexcept override;
  bool rewind() noexcept override;

 private:
  int fd_ = -1;
  std::uint64_t length_ = 0;
  std::uint64_t left_ = 0;
};

/// Standard input of unknown length (sent chunked). Never blocks the poll loop: it answers
/// would_block while stdin has nothing ready. It cannot rewind, so the request is never retried.
class stdin_source final : public htpx::body_source {
 public:
  htpx::port::io_result read(htpx::mutable_bytes out) noexcept override;
};

}  // namespace htpx_cli
