// A client over caller storage (the non-template path, htpx::client) whose one pool slot's
// transport is the test's, for tests of what static_client does not show.
#pragma once

#include "htpx/client.hpp"

namespace htpx::test {

struct manual_client {
  /// With `proxy_routes` false the storage holds none: proxy options are then refused. With
  /// `feature_state` false it holds no feature_state: base_url, redirects, auth, cookies,
  /// retries, proxies and request bodies are then refused.
  manual_client(port::transport& transport, port::platform& platform, const client_options& options = {},
                bool proxy_routes = true, bool feature_state = true)
      : transport_ptr(&transport),
        c(
            [this, proxy_routes, feature_state] {
              client_storage s;
              s.slots = {&slot, 1};
              s.transports = {&transport_ptr, 1};
              s.requests = requests;
              s.waits = {&wait, 1};
              s.max_request_headers = 8;
              s.rx = rx;
              s.tx = tx;
              s.rx_per_slot = sizeof rx;
              s.tx_per_slot = sizeof tx;
              s.hosts = hosts;
              s.host_bytes_per_slot = sizeof hosts;
              s.scratch = scratch;
              s.head_store = head;
              s.body_store = body;
              s.proxies = proxy_routes ? &proxies : nullptr;
              s.features = feature_state ? &features : nullptr;
              s.request_features = request_features;
              return s;
            }(),
            platform, options) {}

  port::transport* transport_ptr;
  detail::pool_slot slot;
  detail::request_slot requests[2];
  port::wait_entry wait;
  char rx[256];
  char tx[256];
  char hosts[64];
  char scratch[256];
  char head[256];
  char body[256];
  detail::proxy_routes proxies;
  detail::feature_state features;
  detail::request_features request_features[2];
  client c;
};

}  // namespace htpx::test
