// The HTTP/1.1 client connection state machine: every transition in one table.
#pragma once

#include <cstdint>

namespace htpx::h1 {

/// Where a client connection is in its request/response cycle.
enum class conn_state : std::uint8_t {
  idle,            ///< No request in flight; a new one may start (a fresh or kept-alive connection).
  sending_head,    ///< The request head is queued and not yet all handed to the transport.
  sending_body,    ///< The head is out; body bytes are still being produced or sent.
  awaiting_head,   ///< The request is complete; no final response head yet.
  receiving_body,  ///< The final head arrived; body bytes are arriving.
  done,            ///< Request and response complete; the connection may be reused (recycle()).
  must_close,      ///< The exchange is complete but the connection cannot be reused.
  closed,          ///< The transport is closed; reset() before using it with a new transport.
  failed,          ///< A protocol or local error; the connection must be closed.
};
inline constexpr int conn_state_count = 9;

/// What can happen to a connection. Each input moves the state along the table.
enum class conn_input : std::uint8_t {
  start_request,       ///< The caller queued a request head.
  head_sent,           ///< The transport took the last byte of the head; a body follows.
  request_complete,    ///< The transport took the last byte of the request.
  final_head,          ///< The final (non-1xx) response head was parsed.
  response_end_keep,   ///< The response ended and the connection may be reused.
  response_end_close,  ///< The response ended and the connection may not be reused.
  recycle,             ///< The caller takes the connection back for another request.
  protocol_failure,    ///< Invalid bytes from the server or an invalid request from the caller.
  transport_closed,    ///< The transport was closed (by the peer's EOF or by the caller).
};
inline constexpr int conn_input_count = 9;

/// Returns the state after `input` in state `from`, or conn_state::failed when the input is
/// not allowed there (a bug in the caller, reported as LocalProtocolError by the connection).
[[nodiscard]] conn_state next_state(conn_state from, conn_input input) noexcept;

/// Returns true when the table defines `input` in state `from` (tests use this).
[[nodiscard]] bool transition_defined(conn_state from, conn_input input) noexcept;

/// One transition: the state after an input, and whether the table defines it there.
struct transition {
  conn_state to;
  bool defined;
};

/// Returns next_state() and transition_defined() of `input` in state `from` with one lookup.
[[nodiscard]] transition step(conn_state from, conn_input input) noexcept;

}  // namespace htpx::h1
