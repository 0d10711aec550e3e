// File and descriptor body sources over plain POSIX reads.
#include "file_source.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace htpx::port {

namespace {

io_result failed(int error_number) noexcept { return {io_status::error, 0, error_number != 0 ? error_number : EIO}; }

}  // namespace

posix_file_source::~posix_file_source() {
  if (fd_ >= 0) ::close(fd_);
}

int posix_file_source::open(const char* path) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return errno;
  struct stat info {};
  if (::fstat(fd_, &info) != 0) return errno;
  if (!S_ISREG(info.st_mode)) return EINVAL;
  length_ = left_ = static_cast<std::uint64_t>(info.st_size);
  return 0;
}

io_result posix_file_source::read(mutable_bytes out) noexcept {
  if (left_ == 0) return {io_status::closed, 0, 0};
  const std::size_t want = out.size < left_ ? out.size : static_cast<std::size_t>(left_);
  for (;;) {
    const ssize_t n = ::read(fd_, out.data, want);
    if (n > 0) {
      left_ -= static_cast<std::uint64_t>(n);
      return {io_status::ok, static_cast<std::size_t>(n), 0};
    }
    if (n == 0) return {io_status::closed, 0, 0};  // shrank meanwhile: the client reports it
    if (errno != EINTR) return failed(errno);
  }
}

bool posix_file_source::rewind() noexcept {
  if (fd_ < 0 || ::lseek(fd_, 0, SEEK_SET) != 0) return false;
  left_ = length_;
  return true;
}

io_result posix_fd_source::read(mutable_bytes out) noexcept {
  // Ask poll(2) first so a slow pipe or a terminal never stalls the other connections.
  pollfd ready{fd_, POLLIN, 0};
  const int n_ready = ::poll(&ready, 1, 0);
  if (n_ready == 0 || (n_ready < 0 && errno == EINTR)) return {io_status::would_block, 0, 0};
  if (n_ready < 0) return failed(errno);
  for (;;) {
    const ssize_t n = ::read(fd_, out.data, out.size);
    if (n > 0) return {io_status::ok, static_cast<std::size_t>(n), 0};
    if (n == 0) return {io_status::closed, 0, 0};
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {io_status::would_block, 0, 0};
    if (errno != EINTR) return failed(errno);
  }
}

}  // namespace htpx::port
