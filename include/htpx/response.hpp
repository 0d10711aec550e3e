// A response as the application sees it, whatever the protocol: status, headers, body.
#pragma once

#include <cstdint>
#include <string_view>

#include "htpx/bytes.hpp"
#include "htpx/error.hpp"
#include "htpx/headers.hpp"
#include "htpx/json.hpp"

namespace htpx {

/// The redirects a response went through (httpx `response.history`), oldest first: the status
/// of each followed redirect and the URL that answered with it. Views into the client's history
/// store (blocking calls), valid as the response is.
class redirect_history {
 public:
  /// One followed redirect.
  struct hop {
    std::uint16_t status = 0;
    std::string_view url;
  };
  constexpr redirect_history() noexcept = default;
  /// Views `records` holding `count` hops (2-byte status, 2-byte length, URL; big-endian).
  constexpr redirect_history(bytes_view records, std::uint8_t count, bool truncated) noexcept
      : records_(records), count_(count), truncated_(truncated) {}
  /// Returns the number of hops kept.
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  /// Returns hop `i` (0 = the first redirect); i must be below size().
  [[nodiscard]] hop operator[](std::size_t i) const noexcept;
  /// Returns true when more hops happened than the history store could keep (the first ones
  /// are kept).
  [[nodiscard]] bool truncated() const noexcept { return truncated_; }

 private:
  bytes_view records_;
  std::uint8_t count_ = 0;
  bool truncated_ = false;
};

/// A response head, and in buffered mode its body (httpx.Response). Views point into storage
/// the producer names: for the blocking calls, the client's response store, valid until the
/// next blocking call on that client; in a handler's on_head(), only during the call.
struct response {
  std::uint16_t status_code = 0;
  std::string_view reason_phrase;
  std::string_view http_version;  ///< "HTTP/1.1", "HTTP/1.0" (later "HTTP/2").
  headers_view headers;
  bytes_view body;           ///< The whole body, in buffered mode.
  redirect_history history;  ///< Redirects followed to get here (blocking calls).

  /// Returns the body as bytes (httpx `content`).
  [[nodiscard]] bytes_view content() const noexcept { return body; }
  /// Returns the body as text (UTF-8 assumed; no charset decoding).
  [[nodiscard]] std::string_view text() const noexcept { return body.str(); }
  /// 1xx.
  [[nodiscard]] bool is_informational() const noexcept { return status_code / 100 == 1; }
  /// 2xx.
  [[nodiscard]] bool is_success() const noexcept { return status_code / 100 == 2; }
  /// 3xx with a Location a client could follow (301, 302, 303, 307, 308), as httpx.
  [[nodiscard]] bool is_redirect() const noexcept;
  /// 4xx.
  [[nodiscard]] bool is_client_error() const noexcept { return status_code / 100 == 4; }
  /// 5xx, and any code outside 100..599: RFC 9110 §15 says such a code is invalid and a client
  /// SHOULD handle the response as a 5xx (httpx says neither error nor success).
  [[nodiscard]] bool is_server_error() const noexcept {
    return status_code / 100 == 5 || status_code < 100 || status_code > 599;
  }
  /// 4xx or 5xx (so also a code outside 100..599).
  [[nodiscard]] bool is_error() const noexcept { return is_client_error() || is_server_error(); }
  /// Returns HTTPStatusError for 4xx, 5xx and codes outside 100..599 (detail: "client error
  /// (4xx)", "server error (5xx)" or "status code outside 100..599 (handled as 5xx)"), nothing
  /// otherwise. No exception: the error is the return value.
  [[nodiscard]] error raise_for_status() const noexcept;
  /// Parses `body` as JSON into `tokens` (httpx `r.json()`; parse_json() states the rules and
  /// errors). The value views the body and the tokens and lives as long as both.
  [[nodiscard]] result<json_value> json(span<json_token> tokens) const noexcept;
};

/// What a handler did with body bytes offered to it.
struct body_ack {
  std::size_t taken = 0;  ///< Bytes used. Fewer than offered pauses the response (backpressure).
  error stop{};           ///< Set it to end the request with this error (the connection closes).
};

/// Receives one response as it arrives (the streaming API). Callbacks run inside client::poll():
/// they may start() or cancel() requests (their own included) but must not make blocking calls.
class response_handler {
 public:
  /// The final response head (1xx are skipped). The views in `head` live during this call only.
  /// Returning an error ends the request with it (for example head.raise_for_status()).
  [[nodiscard]] virtual error on_head(const response& head) noexcept {
    (void)head;
    return {};
  }
  /// Body bytes, decoded from the transfer coding, as they arrive (a view into the connection's
  /// receive buffer, valid during this call). Taking fewer bytes than offered pauses this
  /// response: the connection stops reading, its socket leaves poll()'s wait list, and the rest
  /// is offered again on every later poll(); while any response is paused, poll() asks to be
  /// called again within 10 ms (so blocking calls resume too). An application that becomes
  /// ready sooner may call poll() at once, or pull with client::read_body().
  [[nodiscard]] virtual body_ack on_body(bytes_view data) noexcept { return {data.size, {}}; }
  /// A redirect is being followed (follow_redirects): `status` came from `from_url`, and its
  /// head and body are not given to this handler. Views live during the call.
  virtual void on_redirect(std::uint16_t status, std::string_view from_url) noexcept {
    (void)status;
    (void)from_url;
  }
  /// The end: `failure.code` is errc::none on success. Called exactly once per started request
  /// (not after cancel()); the handle is invalid afterwards.
  virtual void on_complete(error failure) noexcept = 0;

 protected:
  response_handler() = default;
  response_handler(const response_handler&) = default;
  response_handler& operator=(const response_handler&) = default;
  ~response_handler() = default;
};

}  // namespace htpx
