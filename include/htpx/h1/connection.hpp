// One HTTP/1.1 client connection, sans-IO: requests in, bytes out; bytes in, events out.
#pragma once

#include <cstddef>
#include <cstdint>

#include "htpx/bytes.hpp"
#include "htpx/error.hpp"
#include "htpx/h1/connection_state.hpp"
#include "htpx/h1/request_writer.hpp"
#include "htpx/h1/response_parser.hpp"
#include "htpx/result.hpp"

namespace htpx::h1 {

/// Drives one request/response exchange at a time over caller-owned buffers. It never touches a
/// socket, a clock or the heap: the owner moves bytes between it and a transport.
///
///   send_request() -> [body_buffer()/commit_body() ... finish_body()]
///   loop: send pending_output(), consume_output(n); recv into receive_buffer(),
///         commit_received(n) or receive_eof(); next_event() until `end` or `failed`
///   then recycle() when state() == done, or close the transport.
///
/// Memory: the receive buffer holds the whole response head (so it bounds the head size) and
/// then streams the body through; the transmit buffer holds the head and body chunks.
class connection {
 public:
  /// A connection over `rx` (receive) and `tx` (transmit) buffers, both owned by the caller and
  /// outliving the connection, as does `limits`.
  connection(mutable_bytes rx, mutable_bytes tx, const parser_limits& limits) noexcept;

  /// Forgets everything: state idle, buffers empty. Use it for a new transport.
  void reset() noexcept;

  /// Returns the current state.
  [[nodiscard]] conn_state state() const noexcept { return state_; }
  /// Returns the error that put the connection in conn_state::failed (code none otherwise).
  [[nodiscard]] error failure() const noexcept { return {failure_code_, failure_detail_}; }

  // ---- the request ---------------------------------------------------------------------

  /// Queues the head of a request (state idle -> sending_head). Returns LocalProtocolError when
  /// the head is invalid or does not fit the transmit buffer, or when a request is in flight.
  /// Method HEAD means a response without a body; CONNECT (target in authority-form,
  /// `host:port`) means a 2xx response opens a tunnel (see unparsed()).
  [[nodiscard]] error send_request(const request_head& head) noexcept;

  /// Returns free space in the transmit buffer for the next body bytes (framing is reserved
  /// around it). Empty when there is no room now, or the request takes no more body.
  /// Valid until the next call that changes the connection.
  [[nodiscard]] mutable_bytes body_buffer() noexcept;
  /// Queues the first `n` bytes written into body_buffer() as body. Returns LocalProtocolError
  /// when `n` exceeds that space or the declared Content-Length.
  [[nodiscard]] error commit_body(std::size_t n) noexcept;
  /// Copies as much of `data` as fits into the transmit buffer as body. Returns the bytes taken,
  /// or LocalProtocolError as commit_body().
  [[nodiscard]] result<std::size_t> write_body(bytes_view data) noexcept;
  /// Ends the body (queues the last chunk when chunked). Returns LocalProtocolError when fewer
  /// bytes than the declared Content-Length were written, or when no body is being sent.
  [[nodiscard]] error finish_body() noexcept;

  /// Returns the bytes waiting for the transport (valid until the next non-const call).
  [[nodiscard]] bytes_view pending_output() const noexcept { return {tx_ + tx_sent_, tx_end_ - tx_sent_}; }
  /// Records that the transport took the first `n` bytes of pending_output().
  void consume_output(std::size_t n) noexcept;

  // ---- the response --------------------------------------------------------------------

  /// Returns where the next received bytes should go. Empty means "do not read now": the
  /// application has not consumed enough events (backpressure), or the connection is closed or
  /// failed. Calling it may move unconsumed bytes and so ends the life of earlier views.
  [[nodiscard]] mutable_bytes receive_buffer() noexcept;
  /// Records that `n` bytes were received into receive_buffer().
  void commit_received(std::size_t n) noexcept;
  /// Records that the server closed its side (orderly EOF).
  void receive_eof() noexcept;

  /// Returns the next event: need_more, informational, head, body, trailers, end or failed.
  /// Views in it point into the receive buffer and stay valid until the next call to
  /// next_event(), receive_buffer() or reset(). Bytes arriving while no request is in flight
  /// (other than blank lines) fail the connection (RFC 9112 §9.2: never a response to a
  /// request not sent), except after a tunnel (see unparsed()).
  [[nodiscard]] event next_event() noexcept;

  /// Returns the received bytes not yet consumed by the parser. After the head of a 2xx
  /// response to CONNECT (`head.tunnel`, RFC 9112 §6.3 rule 2), `end` follows at once and the
  /// state is must_close: the bytes after the head belong to the tunnel. They stay in the
  /// receive buffer, here, and are never parsed, dropped or reported as an error (next_event()
  /// then returns need_more, or moves to closed after EOF); the caller hands them to the
  /// tunnel, takes the transport over, and calls reset() before running HTTP through the
  /// tunnel. The view lives until the next call to receive_buffer(), next_event() or reset().
  [[nodiscard]] bytes_view unparsed() const noexcept { return {rx_ + rx_start_, rx_end_ - rx_start_}; }

  // ---- reuse ---------------------------------------------------------------------------

  /// Takes a `done` connection back to idle for the next request. Returns RemoteProtocolError
  /// (and fails the connection) when the server sent bytes or closed meanwhile.
  [[nodiscard]] error recycle() noexcept;
  /// Records that the caller closed the transport (any state -> closed).
  void close() noexcept;
  /// Returns true when any byte of the current response other than blank lines has been parsed
  /// (a request that failed before that on a reused connection may be retried if idempotent,
  /// RFC 9112 §9.3.1). Call next_event() first so received bytes are parsed.
  [[nodiscard]] bool response_started() const noexcept { return state_ != conn_state::idle && !parser_.at_start(); }

 private:
  void apply(conn_input input) noexcept;
  void record(errc code, const char* detail) noexcept;
  void set_failure(errc code, const char* detail) noexcept;
  void fail(event& ev, errc code, const char* detail) noexcept;
  bool request_flushed() const noexcept { return body_finished_ && tx_sent_ == tx_end_; }
  /// Returns true when the received bytes not yet parsed are blank lines only (or none).
  bool rx_blank() const noexcept;

  // Members ordered widest first: no padding. 128 bytes on 32-bit targets (`make size`).
  // The constructor sets the buffers and limits and calls reset(), which sets the rest (one
  // place).
  response_parser parser_;
  std::uint64_t body_remaining_;  // Content-Length bytes still to be written
  char* rx_;
  char* tx_;
  std::uint32_t rx_capacity_;
  std::uint32_t rx_start_;  // first byte not yet consumed by the parser
  std::uint32_t rx_end_;    // one past the last received byte
  std::uint32_t tx_capacity_;
  std::uint32_t tx_sent_;       // first byte not yet taken by the transport
  std::uint32_t tx_end_;        // one past the last queued byte
  std::uint32_t head_unsent_;   // bytes of the request head not yet taken
  const char* failure_detail_;  // never null: failure() returns it as it is
  errc failure_code_;
  conn_state state_;
  body_framing framing_;
  std::uint8_t chunk_header_;  // size line width reserved by the last body_buffer()
  bool body_finished_;         // every body byte (and the last chunk) is queued
  bool keep_alive_;            // the final head allows reuse
  bool eof_;
};

}  // namespace htpx::h1
