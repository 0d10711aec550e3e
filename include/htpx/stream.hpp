// Pulling a response body (httpx `client.stream()` with iter_bytes / iter_lines), blocking.
#pragma once

#include <cstddef>
#include <string_view>

#include "htpx/client.hpp"

namespace htpx {

/// Reads one response as the caller pulls it. The connection reads only as fast as the caller
/// does (backpressure), so a body of any size passes through the connection's receive buffer.
///
///   htpx::response_stream s(client);
///   if (htpx::error e = s.open(req)) ...;          // blocks until the head (or an error)
///   s.head().status_code; s.read(buf) ... until 0  // blocks until bytes, the end or an error
class response_stream final : private response_handler {
 public:
  /// A stream on `c` (outliving it). One request per stream object.
  explicit response_stream(client& c) noexcept : client_(&c) {}
  response_stream(const response_stream&) = delete;
  response_stream& operator=(const response_stream&) = delete;
  /// Cancels the request when it is still in flight.
  ~response_stream();

  /// Starts `req` and waits for its final head. Returns any error a request can end with.
  /// The head is copied into the client's head store (valid until the next blocking call).
  [[nodiscard]] error open(const htpx::request& req) noexcept;
  /// Returns the response head (status, headers; body is empty).
  [[nodiscard]] const response& head() const noexcept { return head_; }
  /// Waits until body bytes arrive and copies up to out.size of them. Returns the number of
  /// bytes (0: the body is complete), or the error the request ended with.
  [[nodiscard]] result<std::size_t> read(mutable_bytes out) noexcept;
  /// Returns true once the body has been read to its end.
  [[nodiscard]] bool done() const noexcept { return finished_ && !handle_.valid(); }

 private:
  error on_head(const response& head) noexcept override;
  body_ack on_body(bytes_view data) noexcept override;
  void on_complete(error failure) noexcept override;

  client* client_;
  request_handle handle_{};
  response head_{};
  error failure_{};
  bool head_seen_ = false;
  bool finished_ = false;
};

/// Splits a stream's body into lines (httpx iter_lines): LF or CRLF ends a line, neither is
/// included; a last line without one is returned too.
class line_reader {
 public:
  /// Reads from `stream` through `buffer`, which bounds the longest line (both outlive it).
  line_reader(response_stream& stream, mutable_bytes buffer) noexcept : stream_(&stream), buffer_(buffer) {}
  /// Returns the next line (valid until the next call), or an error: the stream's, or
  /// DecodingError "line longer than the buffer". Once every line has been returned, returns
  /// an empty view and done() becomes true: check done() before using a line.
  [[nodiscard]] result<std::string_view> next() noexcept;
  /// Returns true when every line has been returned.
  [[nodiscard]] bool done() const noexcept { return done_; }

 private:
  response_stream* stream_;
  mutable_bytes buffer_;
  std::size_t start_ = 0;  // first byte of the next line
  std::size_t end_ = 0;    // one past the last byte read
  bool eof_ = false;
  bool done_ = false;
};

}  // namespace htpx
