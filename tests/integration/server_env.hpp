// What run-with-servers.sh tells a test about the servers it started (environment variables),
// and a TCP port on 127.0.0.1 with nothing listening.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace htpx_test {

/// Returns the environment variable `name`, or "" when it is not set.
inline std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

/// Returns true when the servers must be there (CI): a missing URL is then a failure, not a skip.
inline bool servers_required() { return !env("HTPX_REQUIRE_SERVERS").empty(); }

/// A port on 127.0.0.1 that refuses connections: a socket bound to it but not listening, kept
/// for the object's life so no other program can take the port meanwhile. port() is 0 on failure.
class refusing_port {
 public:
  refusing_port() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  refusing_port(const refusing_port&) = delete;
  refusing_port& operator=(const refusing_port&) = delete;
  ~refusing_port() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace htpx_test
