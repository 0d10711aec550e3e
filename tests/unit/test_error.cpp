// errc names match httpx's exception classes, and the predicates follow httpx's hierarchy.
#include "htpx/error.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace {

using htpx::errc;

struct expectation {
  errc code;
  const char* name;
  htpx::error_kind kind;
};

constexpr expectation all[] = {
    {errc::connect_timeout, "ConnectTimeout", htpx::error_kind::timeout},
    {errc::read_timeout, "ReadTimeout", htpx::error_kind::timeout},
    {errc::write_timeout, "WriteTimeout", htpx::error_kind::timeout},
    {errc::pool_timeout, "PoolTimeout", htpx::error_kind::timeout},
    {errc::connect_error, "ConnectError", htpx::error_kind::network},
    {errc::read_error, "ReadError", htpx::error_kind::network},
    {errc::write_error, "WriteError", htpx::error_kind::network},
    {errc::close_error, "CloseError", htpx::error_kind::network},
    {errc::remote_protocol_error, "RemoteProtocolError", htpx::error_kind::protocol},
    {errc::local_protocol_error, "LocalProtocolError", htpx::error_kind::protocol},
    {errc::proxy_error, "ProxyError", htpx::error_kind::transport},
    {errc::unsupported_protocol, "UnsupportedProtocol", htpx::error_kind::transport},
    {errc::decoding_error, "DecodingError", htpx::error_kind::request},
    {errc::too_many_redirects, "TooManyRedirects", htpx::error_kind::request},
    {errc::http_status_error, "HTTPStatusError", htpx::error_kind::status},
    {errc::invalid_url, "InvalidURL", htpx::error_kind::invalid_url},
};

TEST(Error, NamesAreHttpxClassNames) {
  for (const expectation& e : all) EXPECT_STREQ(htpx::to_string(e.code), e.name);
  EXPECT_STREQ(htpx::to_string(errc::none), "none");
}

TEST(Error, EveryValueHasADistinctName) {
  for (const expectation& a : all) {
    for (const expectation& b : all) {
      if (a.code != b.code) {
        EXPECT_STRNE(htpx::to_string(a.code), htpx::to_string(b.code));
      }
    }
  }
  EXPECT_EQ(sizeof all / sizeof all[0], static_cast<std::size_t>(errc::invalid_url));
}

TEST(Error, KindsFollowTheHttpxHierarchy) {
  for (const expectation& e : all) {
    EXPECT_EQ(htpx::kind_of(e.code), e.kind) << e.name;
    const bool transport = e.kind == htpx::error_kind::timeout || e.kind == htpx::error_kind::network ||
                           e.kind == htpx::error_kind::protocol || e.kind == htpx::error_kind::transport;
    EXPECT_EQ(htpx::is_transport(e.code), transport) << e.name;
    EXPECT_EQ(htpx::is_timeout(e.code), e.kind == htpx::error_kind::timeout) << e.name;
    EXPECT_EQ(htpx::is_network(e.code), e.kind == htpx::error_kind::network) << e.name;
    EXPECT_EQ(htpx::is_protocol(e.code), e.kind == htpx::error_kind::protocol) << e.name;
  }
  EXPECT_FALSE(htpx::is_transport(errc::none));
}

TEST(Error, ErrorIsFalseOnlyWithoutACode) {
  EXPECT_FALSE(htpx::error{});
  const htpx::error failure{errc::read_error, "reset by peer"};
  EXPECT_TRUE(failure);
  EXPECT_EQ(std::strcmp(failure.detail, "reset by peer"), 0);
}

}  // namespace
