// The addresses the POSIX port tries for a resolved name (port/posix/address_list.hpp), fed
// with answers made here rather than by a resolver: catalogue S-07 "empty answer, only the
// unsupported family, a huge address list" and S-06 "interleave families".
#include "address_list.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

namespace {

using htpx::port::address_list;

// A getaddrinfo()-style answer built in memory: entries linked in the order added.
class answer {
 public:
  answer& v4(const char* text) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    EXPECT_EQ(inet_pton(AF_INET, text, &a.sin_addr), 1) << text;
    return add(&a, sizeof a);
  }
  answer& v6(const char* text) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    EXPECT_EQ(inet_pton(AF_INET6, text, &a.sin6_addr), 1) << text;
    return add(&a, sizeof a);
  }
  answer& unix_socket() {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    return add(&a, sizeof a);
  }
  // An IPv4 entry whose address is too short to be one (a broken resolver's).
  answer& short_v4() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    return add(&a, offsetof(sockaddr_in, sin_zero) - 2);  // family, port and half the address
  }
  const addrinfo* list() {
    for (std::size_t i = 0; i != entries_.size(); ++i) {
      entries_[i].ai_addr = reinterpret_cast<sockaddr*>(storage_[i].data());
      entries_[i].ai_next = i + 1 == entries_.size() ? nullptr : &entries_[i + 1];
    }
    return entries_.empty() ? nullptr : entries_.data();
  }

 private:
  answer& add(const void* address, std::size_t size) {
    addrinfo entry{};
    entry.ai_family = static_cast<const sockaddr*>(address)->sa_family;
    entry.ai_socktype = SOCK_STREAM;
    entry.ai_addrlen = static_cast<socklen_t>(size);
    entries_.push_back(entry);
    storage_.emplace_back(static_cast<const char*>(address), static_cast<const char*>(address) + size);
    return *this;
  }
  std::vector<addrinfo> entries_;
  std::vector<std::vector<char>> storage_;
};

// The list as "address port" words, in order.
std::string text_of(const address_list& list) {
  std::string out;
  for (std::size_t i = 0; i != list.size(); ++i) {
    char text[INET6_ADDRSTRLEN] = {};
    const htpx::port::socket_address& a = list[i];
    if (a.any.sa_family == AF_INET6) {
      inet_ntop(AF_INET6, &a.v6.sin6_addr, text, sizeof text);
      out += std::string(out.empty() ? "" : " ") + "[" + text + "]:" + std::to_string(ntohs(a.v6.sin6_port));
    } else {
      inet_ntop(AF_INET, &a.v4.sin_addr, text, sizeof text);
      out += std::string(out.empty() ? "" : " ") + text + ":" + std::to_string(ntohs(a.v4.sin_port));
    }
  }
  return out;
}

TEST(AddressList, EmptyAnswerAndAnswerWithNoUsableFamilyAddNothingS07) {
  address_list list;
  list.add_answer(nullptr, 80);
  EXPECT_EQ(list.size(), 0u);
  answer unusable;
  unusable.unix_socket().short_v4().unix_socket();
  list.add_answer(unusable.list(), 80);
  EXPECT_EQ(list.size(), 0u) << text_of(list);
}

TEST(AddressList, FamiliesAlternateFromTheFirstAnswersS06) {
  answer v6_first;
  v6_first.v6("2001:db8::1").v6("2001:db8::2").v4("192.0.2.1").unix_socket().v4("192.0.2.2").v6("2001:db8::3");
  address_list list;
  list.add_answer(v6_first.list(), 8080);
  EXPECT_EQ(text_of(list), "[2001:db8::1]:8080 192.0.2.1:8080 [2001:db8::2]:8080 192.0.2.2:8080 [2001:db8::3]:8080");
  answer v4_first;
  v4_first.v4("192.0.2.1").v6("2001:db8::1").v6("2001:db8::2");
  address_list other;
  other.add_answer(v4_first.list(), 443);
  EXPECT_EQ(text_of(other), "192.0.2.1:443 [2001:db8::1]:443 [2001:db8::2]:443");
}

TEST(AddressList, AHugeAnswerIsCappedWithBothFamiliesInItS07) {
  answer huge;
  for (int i = 1; i <= 100; ++i) huge.v6(("2001:db8::" + std::to_string(i)).c_str());
  for (int i = 1; i <= 100; ++i) huge.v4(("192.0.2." + std::to_string(i)).c_str());
  address_list list;
  list.add_answer(huge.list(), 80);
  ASSERT_EQ(list.size(), address_list::capacity);
  EXPECT_EQ(text_of(list),
            "[2001:db8::1]:80 192.0.2.1:80 [2001:db8::2]:80 192.0.2.2:80 [2001:db8::3]:80 192.0.2.3:80 "
            "[2001:db8::4]:80 192.0.2.4:80");
  list.add_answer(huge.list(), 80);  // full: nothing more
  EXPECT_EQ(list.size(), address_list::capacity);
  list.clear();
  EXPECT_EQ(list.size(), 0u);
}

}  // namespace
