// response: status predicates, raise_for_status(), and copying a head out of the rx buffer.
#include "htpx/response.hpp"

#include <cstring>

#include "response_store.hpp"

namespace htpx {

bool response::is_redirect() const noexcept {
  // httpx: a redirect status with a Location to follow (RFC 9110 §15.4).
  const bool status =
      status_code == 301 || status_code == 302 || status_code == 303 || status_code == 307 || status_code == 308;
  return status && headers.contains("Location");
}

error response::raise_for_status() const noexcept {
  if (is_client_error()) return {errc::http_status_error, "client error (4xx)"};
  if (is_server_error()) return {errc::http_status_error, "server error (5xx)"};
  return {};
}

namespace detail {

error copy_head(const response& head, mutable_bytes store, response& out) noexcept {
  const std::string_view reason = head.reason_phrase;
  const std::string_view fields = head.headers.raw();
  if (reason.size() + fields.size() > store.size) {
    return {errc::decoding_error, "response head larger than the client's head store"};
  }
  if (!reason.empty()) std::memcpy(store.data, reason.data(), reason.size());
  if (!fields.empty()) std::memcpy(store.data + reason.size(), fields.data(), fields.size());
  out = head;
  out.reason_phrase = {store.data, reason.size()};
  out.headers =
      headers_view({store.data + reason.size(), fields.size()}, static_cast<std::uint16_t>(head.headers.size()));
  out.body = {};
  return {};
}

}  // namespace detail

}  // namespace htpx
