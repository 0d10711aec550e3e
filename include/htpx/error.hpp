// Typed errors named after httpx's exception classes, so code and logs read the same in both.
#pragma once

#include <cstdint>

#include "htpx/config.hpp"

namespace htpx {

/// One value per httpx exception class that can end a request (DESIGN.md §5).
enum class errc : std::uint8_t {
  none = 0,
  connect_timeout,        ///< ConnectTimeout: the TCP/TLS connection was not up in time.
  read_timeout,           ///< ReadTimeout: no response bytes arrived for `timeout.read`.
  write_timeout,          ///< WriteTimeout: no request bytes could be sent for `timeout.write`.
  pool_timeout,           ///< PoolTimeout: no connection slot became free in time.
  connect_error,          ///< ConnectError: refused, unreachable, name not resolved, TLS failed.
  read_error,             ///< ReadError: the transport failed while receiving.
  write_error,            ///< WriteError: the transport failed while sending.
  close_error,            ///< CloseError: the transport failed while closing.
  remote_protocol_error,  ///< RemoteProtocolError: the server broke HTTP (framing, syntax, limits).
  local_protocol_error,   ///< LocalProtocolError: the caller asked for something HTTP forbids.
  proxy_error,            ///< ProxyError: the proxy refused or broke the tunnel.
  unsupported_protocol,   ///< UnsupportedProtocol: a scheme or protocol this build cannot speak.
  decoding_error,         ///< DecodingError: a body could not be decoded (or did not fit).
  too_many_redirects,     ///< TooManyRedirects: `max_redirects` was exceeded.
  http_status_error,      ///< HTTPStatusError: raise_for_status() on a 4xx or 5xx response.
  invalid_url,            ///< InvalidURL: the URL could not be parsed or used.
};

/// The httpx base class an error belongs to; predicates below test these.
enum class error_kind : std::uint8_t {
  none,
  timeout,      ///< TimeoutException (and thus TransportError)
  network,      ///< NetworkError (and thus TransportError)
  protocol,     ///< ProtocolError (and thus TransportError)
  transport,    ///< Other TransportError: ProxyError, UnsupportedProtocol
  request,      ///< Other RequestError: DecodingError, TooManyRedirects
  status,       ///< HTTPStatusError
  invalid_url,  ///< InvalidURL
};

/// An error: what kind (`code`) plus why (`detail`, a static string literal, never null; "" when
/// the build leaves the texts out, HTPX_ERROR_TEXTS 0).
struct error {
  errc code = errc::none;
  const char* detail = "";

  constexpr error() noexcept = default;
  /// Without texts the literal is dropped here, where every error is made: inlined, the literal
  /// at the call site is then referenced by nothing, and the image leaves it out.
  constexpr error(errc what, const char* why) noexcept : code(what), detail(HTPX_ERROR_TEXTS ? why : "") {}

  /// Returns true when this holds an error (code is not `errc::none`).
  [[nodiscard]] constexpr explicit operator bool() const noexcept { return code != errc::none; }
};

/// Returns `text` as the build keeps detail texts: itself, or "" without them (HTPX_ERROR_TEXTS 0).
/// For a text a function returns before an error is made of it: the error's constructor drops
/// the others.
[[nodiscard]] constexpr const char* detail_text(const char* text) noexcept { return HTPX_ERROR_TEXTS ? text : ""; }

/// Returns the httpx class name of `code`, e.g. "ReadTimeout"; "none" for errc::none.
[[nodiscard]] const char* to_string(errc code) noexcept;
/// Returns the httpx base class `code` derives from.
[[nodiscard]] error_kind kind_of(errc code) noexcept;

/// Returns true for ConnectTimeout, ReadTimeout, WriteTimeout and PoolTimeout.
[[nodiscard]] inline bool is_timeout(errc code) noexcept { return kind_of(code) == error_kind::timeout; }
/// Returns true for ConnectError, ReadError, WriteError and CloseError.
[[nodiscard]] inline bool is_network(errc code) noexcept { return kind_of(code) == error_kind::network; }
/// Returns true for RemoteProtocolError and LocalProtocolError.
[[nodiscard]] inline bool is_protocol(errc code) noexcept { return kind_of(code) == error_kind::protocol; }
/// Returns true for every httpx TransportError: timeouts, network and protocol errors,
/// ProxyError and UnsupportedProtocol.
[[nodiscard]] inline bool is_transport(errc code) noexcept {
  const error_kind kind = kind_of(code);
  return kind == error_kind::timeout || kind == error_kind::network || kind == error_kind::protocol ||
         kind == error_kind::transport;
}

}  // namespace htpx
