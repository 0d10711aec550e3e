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
  if (status_code / 100 == 5) return {errc::http_status_error, "server error (5xx)"};
  if (is_server_error()) return {errc::http_status_error, "status code outside 100..599 (handled as 5xx)"};
  return {};
}

redirect_history::hop redirect_history::operator[](std::size_t i) const noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(records_.data);
  for (;; --i) {
    const std::size_t size = static_cast<std::size_t>(p[2] << 8 | p[3]);
    if (i == 0) return {static_cast<std::uint16_t>(p[0] << 8 | p[1]), {reinterpret_cast<const char*>(p) + 4, size}};
    p += 4 + size;
  }
}

namespace detail {

void history_recorder::add(std::uint16_t status, std::string_view url) noexcept {
  if (truncated_ || url.size() > 0xFFFF || store_.size - used_ < 4 + url.size() || count_ == 0xFF) {
    truncated_ = true;
    return;
  }
  auto* p = reinterpret_cast<unsigned char*>(store_.data + used_);
  p[0] = static_cast<unsigned char>(status >> 8);
  p[1] = static_cast<unsigned char>(status);
  p[2] = static_cast<unsigned char>(url.size() >> 8);
  p[3] = static_cast<unsigned char>(url.size());
  if (!url.empty()) std::memcpy(p + 4, url.data(), url.size());
  used_ += 4 + url.size();
  ++count_;
}

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
