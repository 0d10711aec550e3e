// What a request carries: method, URL, headers, query parameters, body, timeouts.
#pragma once

#include <optional>
#include <string_view>

#include "htpx/body.hpp"
#include "htpx/headers.hpp"
#include "htpx/span.hpp"
#include "htpx/timeout.hpp"
#include "htpx/url.hpp"

namespace htpx {

class auth;

/// The keyword arguments of httpx's request methods. Views only: everything they point at
/// must outlive the request (until its completion callback, or the blocking call returns).
struct request_options {
  span<const header> headers;            ///< Added after the client's default headers.
  span<const query_param> params;        ///< Appended to the URL's query, percent-encoded.
  request_body content;                  ///< body::bytes(...) or body::source(...).
  std::optional<htpx::timeout> timeout;  ///< Replaces the client's timeouts for this request.
  std::optional<bool> follow_redirects;  ///< Replaces the client's follow_redirects.
  /// Send `Expect: 100-continue` and hold the body back until the server says 100, answers
  /// (a 4xx or 5xx stops the upload before it starts), or client_options::expect_continue_ms
  /// passes (RFC 9110 §10.1.1). For large uploads a server may refuse.
  bool expect_continue = false;
  /// Credentials for this request only (replaces client_options::auth).
  htpx::auth* auth = nullptr;
  /// Cookies for this request only, added to the jar's (httpx `cookies=`).
  span<const query_param> cookies;
};

/// A request for client::start() or client::send().
struct request {
  std::string_view method = "GET";
  std::string_view url;  ///< Absolute, or relative to the client's base_url (RFC 3986 §5).
  request_options options;
};

}  // namespace htpx
