#include "htpx/error.hpp"

namespace htpx {

const char* to_string(errc code) noexcept {
  switch (code) {
    case errc::none: return "none";
    case errc::connect_timeout: return "ConnectTimeout";
    case errc::read_timeout: return "ReadTimeout";
    case errc::write_timeout: return "WriteTimeout";
    case errc::pool_timeout: return "PoolTimeout";
    case errc::connect_error: return "ConnectError";
    case errc::read_error: return "ReadError";
    case errc::write_error: return "WriteError";
    case errc::close_error: return "CloseError";
    case errc::remote_protocol_error: return "RemoteProtocolError";
    case errc::local_protocol_error: return "LocalProtocolError";
    case errc::proxy_error: return "ProxyError";
    case errc::unsupported_protocol: return "UnsupportedProtocol";
    case errc::decoding_error: return "DecodingError";
    case errc::too_many_redirects: return "TooManyRedirects";
    case errc::http_status_error: return "HTTPStatusError";
    case errc::invalid_url: return "InvalidURL";
  }
  return "unknown";
}

error_kind kind_of(errc code) noexcept {
  switch (code) {
    case errc::none: return error_kind::none;
    case errc::connect_timeout:
    case errc::read_timeout:
    case errc::write_timeout:
    case errc::pool_timeout: return error_kind::timeout;
    case errc::connect_error:
    case errc::read_error:
    case errc::write_error:
    case errc::close_error: return error_kind::network;
    case errc::remote_protocol_error:
    case errc::local_protocol_error: return error_kind::protocol;
    case errc::proxy_error:
    case errc::unsupported_protocol: return error_kind::transport;
    case errc::decoding_error:
    case errc::too_many_redirects: return error_kind::request;
    case errc::http_status_error: return error_kind::status;
    case errc::invalid_url: return error_kind::invalid_url;
  }
  return error_kind::none;
}

}  // namespace htpx
