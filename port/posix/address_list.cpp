#include "address_list.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace htpx::port {

namespace {

// The next entry of `family` in a getaddrinfo list, starting at `entry`.
const addrinfo* next_of_family(const addrinfo* entry, int family) noexcept {
  while (entry != nullptr && entry->ai_family != family) entry = entry->ai_next;
  return entry;
}

}  // namespace

void address_list::add(const sockaddr* address, socklen_t length, std::uint16_t port) noexcept {
  const bool v4 = address->sa_family == AF_INET && length >= sizeof(sockaddr_in);
  const bool v6 = address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6);
  if (count_ == capacity || (!v4 && !v6)) return;
  socket_address& slot = addresses_[count_++];
  slot = socket_address{};
  if (v6) {
    std::memcpy(&slot.v6, address, sizeof(sockaddr_in6));
    slot.v6.sin6_port = htons(port);
  } else {
    std::memcpy(&slot.v4, address, sizeof(sockaddr_in));
    slot.v4.sin_port = htons(port);
  }
}

void address_list::add_answer(const addrinfo* answer, std::uint16_t port) noexcept {
  const addrinfo* first = next_of_family(answer, AF_INET6);
  const addrinfo* other = next_of_family(answer, AF_INET);
  if (answer != nullptr && answer->ai_family == AF_INET) {
    const addrinfo* swap = first;
    first = other;
    other = swap;
  }
  bool take_first = true;
  while ((first != nullptr || other != nullptr) && count_ != capacity) {
    const addrinfo*& pick = (take_first && first != nullptr) || other == nullptr ? first : other;
    add(pick->ai_addr, pick->ai_addrlen, port);
    pick = next_of_family(pick->ai_next, pick->ai_family);
    take_first = !take_first;
  }
}

}  // namespace htpx::port
