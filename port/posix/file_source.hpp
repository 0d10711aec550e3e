// Request bodies streamed from POSIX files and descriptors (a multipart file part, an upload,
// stdin): nothing is read beyond what the connection can send next.
#pragma once

#include <cstdint>

#include "htpx/body.hpp"

namespace htpx::port {

/// A regular file of known length (sent with Content-Length), readable again for a retry, a
/// redirect or an auth challenge (rewind()). Owns its descriptor.
class posix_file_source final : public body_source {
 public:
  posix_file_source() noexcept = default;
  posix_file_source(const posix_file_source&) = delete;
  posix_file_source& operator=(const posix_file_source&) = delete;
  ~posix_file_source();

  /// Opens `path` and takes its size. Returns 0, or the errno of the failure (EISDIR-like
  /// EINVAL when it is not a regular file: stream those with posix_fd_source).
  [[nodiscard]] int open(const char* path) noexcept;
  /// Returns the size taken by open(): the body's Content-Length.
  [[nodiscard]] std::uint64_t length() const noexcept { return length_; }

  io_result read(mutable_bytes out) noexcept override;
  bool rewind() noexcept override;

 private:
  int fd_ = -1;
  std::uint64_t length_ = 0;
  std::uint64_t left_ = 0;
};

/// Any readable descriptor of unknown length (stdin, a pipe, a socket), sent chunked. Never
/// blocks the poll loop: it answers would_block while the descriptor has nothing ready. It
/// cannot rewind, so such a request is never sent twice. Does not own the descriptor.
class posix_fd_source final : public body_source {
 public:
  explicit posix_fd_source(int fd) noexcept : fd_(fd) {}
  io_result read(mutable_bytes out) noexcept override;

 private:
  int fd_;
};

}  // namespace htpx::port
