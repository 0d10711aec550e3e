// The addresses one posix_transport::connect() tries, in the order it tries them: what a name
// resolved to, capped, families interleaved (RFC 8305 §4). Its own file so that the order, the
// cap and the answers with nothing usable can be tested without a resolver (catalogue S-07).
#pragma once

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

namespace htpx::port {

/// One address with its port; only IPv4 and IPv6 are ever stored.
union socket_address {
  sockaddr any;
  sockaddr_in v4;
  sockaddr_in6 v6;
};

/// Up to `capacity` addresses, inline.
class address_list {
 public:
  /// Most addresses one connect() tries: a huge answer costs no more than this many attempts.
  static constexpr std::size_t capacity = 8;

  /// Adds `address` (IPv4 or IPv6, `length` bytes) with `port`; ignored when full or when it is
  /// of another family.
  void add(const sockaddr* address, socklen_t length, std::uint16_t port) noexcept;
  /// Adds the IPv4 and IPv6 entries of a getaddrinfo() answer, up to the capacity, families
  /// alternating from the first entry's (RFC 8305 §4), so that many addresses of a broken
  /// family still leave room for the other. Entries of other families are skipped: an empty
  /// answer, or one with no IPv4 or IPv6 entry, adds nothing.
  void add_answer(const addrinfo* answer, std::uint16_t port) noexcept;
  void clear() noexcept { count_ = 0; }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] const socket_address& operator[](std::size_t i) const noexcept { return addresses_[i]; }

 private:
  socket_address addresses_[capacity]{};
  std::size_t count_ = 0;
};

}  // namespace htpx::port
