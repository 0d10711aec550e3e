#include "htpx/error.hpp"

namespace htpx {

namespace {

constexpr unsigned errc_count = static_cast<unsigned>(errc::invalid_url) + 1;

// The httpx class names in errc order, one after the other: no table of pointers.
constexpr char names[] =
    "none\0ConnectTimeout\0ReadTimeout\0WriteTimeout\0PoolTimeout\0ConnectError\0ReadError\0WriteError\0"
    "CloseError\0RemoteProtocolError\0LocalProtocolError\0ProxyError\0UnsupportedProtocol\0DecodingError\0"
    "TooManyRedirects\0HTTPStatusError\0InvalidURL";

// The httpx base class of each errc, in errc order (DESIGN.md §5).
constexpr error_kind kinds[errc_count] = {
    error_kind::none,     error_kind::timeout,     error_kind::timeout,   error_kind::timeout, error_kind::timeout,
    error_kind::network,  error_kind::network,     error_kind::network,   error_kind::network, error_kind::protocol,
    error_kind::protocol, error_kind::transport,   error_kind::transport, error_kind::request, error_kind::request,
    error_kind::status,   error_kind::invalid_url,
};

}  // namespace

const char* to_string(errc code) noexcept {
  auto n = static_cast<unsigned>(code);
  if (n >= errc_count) return "unknown";
  const char* p = names;
  for (; n != 0; --n) {
    while (*p++ != '\0') {
    }
  }
  return p;
}

error_kind kind_of(errc code) noexcept {
  const auto n = static_cast<unsigned>(code);
  return n < errc_count ? kinds[n] : error_kind::none;
}

}  // namespace htpx
