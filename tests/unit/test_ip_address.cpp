// parse_ip_address(), unmapped() and same_address(): addresses as bytes (include/htpx/ip_address.hpp).
#include <gtest/gtest.h>

#include <string>

#include "htpx/ip_address.hpp"

namespace {

// The address as hex bytes, or "none".
std::string bytes_of(std::string_view text) {
  htpx::ip_address a;
  if (!htpx::parse_ip_address(text, a)) return a.size == 0 ? "none" : "failed but sized";
  std::string out;
  for (std::size_t i = 0; i != a.size; ++i) {
    static constexpr char hex[] = "0123456789abcdef";
    out += hex[a.bytes[i] >> 4];
    out += hex[a.bytes[i] & 15];
  }
  return out;
}

TEST(IpAddress, Ipv4DottedQuadsOnly) {
  EXPECT_EQ(bytes_of("127.0.0.1"), "7f000001");
  EXPECT_EQ(bytes_of("255.255.255.255"), "ffffffff");
  EXPECT_EQ(bytes_of("0.0.0.0"), "00000000");
  // RFC 3986 §3.2.2: four dec-octets, no leading zeros (octal elsewhere), nothing else.
  for (const char* bad : {"127.1", "2130706433", "0x7f.0.0.1", "017.0.0.1", "256.0.0.1", "1.2.3.4.", ".1.2.3.4",
                          "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.4 ", "", "a.b.c.d", "1.2.3.-4"}) {
    EXPECT_EQ(bytes_of(bad), "none") << bad;
  }
}

TEST(IpAddress, Ipv6TextForms) {
  EXPECT_EQ(bytes_of("::1"), "00000000000000000000000000000001");
  EXPECT_EQ(bytes_of("::"), "00000000000000000000000000000000");
  EXPECT_EQ(bytes_of("2001:db8::"), "20010db8000000000000000000000000");
  EXPECT_EQ(bytes_of("2001:DB8:0:0:0:0:0:1"), "20010db8000000000000000000000001");
  EXPECT_EQ(bytes_of("fe80::1:2"), "fe800000000000000000000000010002");
  EXPECT_EQ(bytes_of("::ffff:127.0.0.1"), "00000000000000000000ffff7f000001");
  EXPECT_EQ(bytes_of("1:2:3:4:5:6:7:8"), "00010002000300040005000600070008");
  for (const char* bad :
       {":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", ":1::", "1::2:", "::g", "[::1]",
        "fe80::1%eth0", "::ffff:127.1", "1:2:3:4:5:6:7:1.2.3.4", "1::2:3:4:5:6:7:8"}) {
    EXPECT_EQ(bytes_of(bad), "none") << bad;
  }
}

TEST(IpAddress, MappedAddressesAreTheirIpv4) {
  htpx::ip_address v4;
  htpx::ip_address mapped;
  htpx::ip_address mapped_hex;
  htpx::ip_address loopback6;
  htpx::ip_address compat;  // ::127.0.0.1, the deprecated "compatible" form: not the IPv4 address
  ASSERT_TRUE(htpx::parse_ip_address("127.0.0.1", v4));
  ASSERT_TRUE(htpx::parse_ip_address("::ffff:127.0.0.1", mapped));
  ASSERT_TRUE(htpx::parse_ip_address("::FFFF:7f00:1", mapped_hex));
  ASSERT_TRUE(htpx::parse_ip_address("0:0:0:0:0:0:0:1", loopback6));
  ASSERT_TRUE(htpx::parse_ip_address("::127.0.0.1", compat));
  EXPECT_EQ(htpx::unmapped(mapped).size, 4u);
  EXPECT_TRUE(htpx::same_address(v4, mapped));
  EXPECT_TRUE(htpx::same_address(mapped_hex, v4));
  EXPECT_FALSE(htpx::same_address(v4, loopback6));
  EXPECT_FALSE(htpx::same_address(v4, compat));
  htpx::ip_address one6;
  ASSERT_TRUE(htpx::parse_ip_address("::1", one6));
  EXPECT_TRUE(htpx::same_address(one6, loopback6));
  EXPECT_FALSE(htpx::same_address(htpx::ip_address{}, htpx::ip_address{})) << "no address is no match";
}

}  // namespace
