// The POSIX port's body sources: a file of known length (rewindable), a descriptor streamed
// without blocking.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "file_source.hpp"

namespace {

using htpx::port::io_status;

std::string read_all(htpx::body_source& src, std::size_t piece) {
  std::string out;
  char buf[64];
  for (;;) {
    const htpx::port::io_result r = src.read({buf, piece});
    if (r.status != io_status::ok) {
      EXPECT_EQ(r.status, io_status::closed);
      return out;
    }
    EXPECT_GT(r.bytes, 0u);
    EXPECT_LE(r.bytes, piece);
    out.append(buf, r.bytes);
  }
}

TEST(PosixFileSource, ReadsTheWholeFileInPiecesAndRewinds) {
  char path[] = "/tmp/htpx-file-source-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string content;
  for (int i = 0; i != 300; ++i) content += static_cast<char>('a' + i % 26);
  ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  ::close(fd);

  htpx::port::posix_file_source file;
  ASSERT_EQ(file.open(path), 0);
  EXPECT_EQ(file.length(), content.size());
  for (std::size_t piece : {1u, 7u, 64u}) {
    EXPECT_EQ(read_all(file, piece), content) << piece;
    EXPECT_TRUE(file.rewind());
  }
  ::unlink(path);
}

TEST(PosixFileSource, OpenFailuresAreErrnoValues) {
  htpx::port::posix_file_source file;
  EXPECT_EQ(file.open("/nonexistent/htpx"), ENOENT);
  EXPECT_EQ(file.open("/tmp"), EINVAL);  // a directory is not a regular file
}

TEST(PosixFdSource, WouldBlockUntilDataThenClosedAtEof) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  htpx::port::posix_fd_source src(pipe_fds[0]);
  char buf[16];
  EXPECT_EQ(src.read({buf, sizeof buf}).status, io_status::would_block);  // never blocks
  ASSERT_EQ(::write(pipe_fds[1], "hello", 5), 5);
  const htpx::port::io_result r = src.read({buf, sizeof buf});
  ASSERT_EQ(r.status, io_status::ok);
  EXPECT_EQ(std::string(buf, r.bytes), "hello");
  EXPECT_FALSE(src.rewind());
  ::close(pipe_fds[1]);
  EXPECT_EQ(src.read({buf, sizeof buf}).status, io_status::closed);
  ::close(pipe_fds[0]);
}

}  // namespace
