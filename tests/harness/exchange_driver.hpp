// The test stand-in for htpx::client: drives one h1::connection over a port::transport for one
// request, the way a poll loop would, with a step bound so that a hang fails the test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "htpx/error.hpp"
#include "htpx/h1/connection.hpp"
#include "htpx/port/transport.hpp"

namespace htpx::test {

/// One request to drive.
struct exchange_request {
  std::string_view host = "example.test";  ///< Passed to transport::connect().
  std::uint16_t port = 80;
  h1::request_head head;   ///< Its framing says how `body` goes out.
  std::string_view body;   ///< The request body (Content-Length or chunked).
  std::size_t body_piece = 0;       ///< Body bytes offered per write (0: as many as fit).
  bool use_body_buffer = false;     ///< body_buffer()/commit_body() instead of write_body().
  bool connect = true;              ///< false: the transport is already connected (reuse).
};

/// How the driver behaves.
struct driver_options {
  std::size_t max_steps = 200000;  ///< Loop rounds before the exchange counts as hung.
  std::size_t max_idle_steps = 1000;  ///< Rounds in a row where nothing moved before it counts as hung.
  bool keep_reusable_open = false; ///< Leave the transport open when the connection is reusable.
};

/// What happened.
struct exchange_outcome {
  bool completed = false;   ///< The response ended (event end) with no error.
  error failure{};          ///< The typed error otherwise (code none when completed).
  std::int32_t sys_error = 0;  ///< The transport's error number, when the error came from it.
  bool hung = false;        ///< max_steps ran out (a test failure by itself).
  std::uint16_t status = 0;
  std::vector<std::uint16_t> informational;  ///< Status codes of the 1xx responses skipped.
  std::string headers;      ///< Raw field block of the final head.
  std::string body;         ///< Body bytes as delivered, in order.
  std::string trailers;     ///< Raw trailer block.
  std::size_t body_events = 0;
  bool reusable = false;    ///< The connection ended in conn_state::done and no send failed.
  bool write_failed = false;   ///< A send failed; the driver then only read what was there.
  bool transport_closed = false;  ///< The driver closed the transport at the end.
  std::size_t steps = 0;

  /// True when the exchange completed and nothing went wrong.
  [[nodiscard]] bool ok() const { return completed && !failure && !hung; }
};

/// Drives `conn` (idle, or fresh) through one request over `transport`:
///   connect (unless request.connect is false) until ok: error/closed -> ConnectError;
///   send_request(); each round: write body bytes, send pending output (ok -> consume_output,
///   error/closed -> WriteError unless a response can still be read from what already
///   arrived, RFC 9112 §9.5 and catalogue S-04), then recv into receive_buffer() (ok ->
///   commit_received, closed -> receive_eof, error -> ReadError) and take every event.
/// A port answer that breaks the contract (ok with 0 bytes or more than asked) ends the exchange
/// with ReadError/WriteError (catalogue S-14). The transport is closed at the end unless the
/// connection is reusable and options.keep_reusable_open is set; conn.close() goes with it.
[[nodiscard]] exchange_outcome run_exchange(port::transport& transport, h1::connection& conn,
                                            const exchange_request& request, const driver_options& options = {});

/// One line describing `outcome` (for test failure messages).
[[nodiscard]] std::string describe(const exchange_outcome& outcome);

}  // namespace htpx::test
