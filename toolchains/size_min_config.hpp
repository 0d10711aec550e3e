// The minimal client's configuration, measured by `make size` (size_min_client.cpp) and run by
// the unit tests (tests/unit/test_client_features.cpp), so the profile that is measured is the
// one that is tested.
#pragma once

#include <cstddef>

#include "htpx/client.hpp"

namespace htpx_size {

// 1 KiB to receive (bounds the response head), 512 B to send (bounds the request head), one
// request at a time; blocking calls are not used, so their stores are one byte; no optional
// feature is built in (so no scratch area: the request target is composed in the receive buffer).
struct min_config : htpx::default_client_config {
  static constexpr std::size_t max_connections = 1;
  static constexpr std::size_t max_requests = 1;
  static constexpr std::size_t rx_bytes = 1024;
  static constexpr std::size_t tx_bytes = 512;
  static constexpr std::size_t max_request_headers = 4;
  static constexpr std::size_t head_store_bytes = 1;
  static constexpr std::size_t body_store_bytes = 1;
  // Host names up to 32 bytes ("device.local", an IPv4 or a short IPv6 address) are kept for
  // keep-alive reuse; a longer one still connects, its connection closed after one response.
  static constexpr std::size_t max_host_bytes = 32;
  // Left out of the link and the object (options asking for them make start() fail).
  static constexpr bool https = false;
  static constexpr bool proxies = false;
  static constexpr bool base_url = false;
  static constexpr bool redirects = false;
  static constexpr bool auth = false;
  static constexpr bool cookies = false;
  static constexpr bool retries = false;
  static constexpr bool request_bodies = false;  // GET only
  static constexpr bool hooks = false;
};

}  // namespace htpx_size
