#include "htpx/h1/connection.hpp"

#include <cstring>

namespace htpx::h1 {

namespace {

// A chunked body always keeps room for its ending: the last chunk and empty trailers, plus
// the CRLF after the chunk being filled.
constexpr std::size_t last_chunk_room = last_chunk.size();
constexpr std::size_t chunk_end_room = 2;

std::uint32_t clamp32(std::size_t n) noexcept { return n > 0xffffffffu ? 0xffffffffu : static_cast<std::uint32_t>(n); }

// Makes room at the end of a buffer whose bytes [start, end) are still wanted: an empty buffer
// starts over; a buffer more than half full moves them to the front. An incomplete head (or a
// line) stays contiguous, and nothing moves while there is room.
void compact(char* buffer, std::uint32_t& start, std::uint32_t& end, std::uint32_t capacity) noexcept {
  if (start == end) {
    start = end = 0;
  } else if (start != 0 && capacity - end < capacity / 2) {
    std::memmove(buffer, buffer + start, end - start);
    end -= start;
    start = 0;
  }
}

// The caller's misuse (one out-of-line place that builds the error).
error local_error(const char* detail) noexcept { return {errc::local_protocol_error, detail}; }

}  // namespace

connection::connection(mutable_bytes rx, mutable_bytes tx, const parser_limits& limits) noexcept
    : parser_(limits), rx_(rx.data), tx_(tx.data), rx_capacity_(clamp32(rx.size)), tx_capacity_(clamp32(tx.size)) {
  reset();
}

bool connection::rx_blank() const noexcept {
  for (std::uint32_t i = rx_start_; i != rx_end_; ++i) {
    if (rx_[i] != '\r' && rx_[i] != '\n') return false;
  }
  return true;
}

// Member by member, all but the buffers and limits (a fresh connection would be built and
// copied in); the constructor uses it too.
void connection::reset() noexcept {
  parser_.reset();
  body_remaining_ = 0;
  rx_start_ = rx_end_ = 0;
  tx_sent_ = tx_end_ = head_unsent_ = 0;
  failure_detail_ = "";
  failure_code_ = errc::none;
  state_ = conn_state::idle;
  framing_ = body_framing::none;
  chunk_header_ = 0;
  body_finished_ = keep_alive_ = eof_ = false;
}

void connection::apply(conn_input input) noexcept {
  const transition t = step(state_, input);
  if (!t.defined) record(errc::local_protocol_error, detail_text("not allowed now"));
  state_ = t.to;
}

// Keeps the first error: it is the cause, later ones are its consequences.
void connection::record(errc code, const char* detail) noexcept {
  if (failure_code_ == errc::none) {
    failure_code_ = code;
    failure_detail_ = detail;
  }
}

void connection::set_failure(errc code, const char* detail) noexcept {
  record(code, detail);
  apply(conn_input::protocol_failure);
}

void connection::fail(event& ev, errc code, const char* detail) noexcept {
  set_failure(code, detail);
  ev.type = event_type::failed;
  ev.failure = failure();
}

// ---- the request -------------------------------------------------------------------------

error connection::send_request(const request_head& head) noexcept {
  if (state_ != conn_state::idle) return local_error("request in flight");
  if (rx_start_ != rx_end_ || eof_) return local_error("recycle() first");
  tx_sent_ = tx_end_ = 0;
  // A chunked request keeps room for its last chunk from the start.
  const std::size_t reserve = head.framing == body_framing::chunked ? last_chunk_room : 0;
  const std::size_t room = tx_capacity_ > reserve ? tx_capacity_ - reserve : 0;
  const result<std::size_t> written = write_request_head({tx_, room}, head);
  if (!written) return written.err();
  tx_end_ = static_cast<std::uint32_t>(written.value());  // at most `room`
  head_unsent_ = tx_end_;
  framing_ = head.framing;
  body_remaining_ = head.framing == body_framing::content_length ? head.content_length : 0;
  body_finished_ =
      head.framing == body_framing::none || (head.framing == body_framing::content_length && body_remaining_ == 0);
  // RFC 9112 §6.3: the response to HEAD has no body (rule 1); a 2xx to CONNECT turns the
  // connection into a tunnel after its head (rule 2). Methods are case-sensitive (RFC 9110 §9.1).
  const std::size_t m = head.method.size();
  const char* const method = head.method.data();
  parser_.reset(m == 4 && std::memcmp(method, "HEAD", 4) == 0, m == 7 && std::memcmp(method, "CONNECT", 7) == 0);
  apply(conn_input::start_request);
  return {};
}

mutable_bytes connection::body_buffer() noexcept {
  const bool sending = state_ == conn_state::sending_head || state_ == conn_state::sending_body;
  if (!sending || body_finished_) return {};
  compact(tx_, tx_sent_, tx_end_, tx_capacity_);
  const std::size_t free = tx_capacity_ - tx_end_;
  if (framing_ == body_framing::content_length) {
    const std::size_t n = body_remaining_ < free ? static_cast<std::size_t>(body_remaining_) : free;
    return {tx_ + tx_end_, n};
  }
  // Room for "<hex>\r\n" + payload + "\r\n", keeping the last chunk's room free.
  if (free <= last_chunk_room + chunk_end_room + 3) return {};
  const std::size_t available = free - last_chunk_room - chunk_end_room;
  chunk_header_ = static_cast<std::uint8_t>(chunk_header_size(available));
  return {tx_ + tx_end_ + chunk_header_, available - chunk_header_};
}

error connection::commit_body(std::size_t n) noexcept {
  const bool sending = state_ == conn_state::sending_head || state_ == conn_state::sending_body;
  if (!sending || body_finished_) return local_error("no body being sent");
  if (n == 0) return {};  // a zero-size chunk would end the body
  const bool chunked = framing_ == body_framing::chunked;
  if (!chunked && n > body_remaining_) return local_error("body over Content-Length");
  // A chunk also needs its size line (reserved by body_buffer()), its CRLF and the last chunk's room.
  const std::size_t framing = chunked ? chunk_header_ + chunk_end_room + last_chunk_room : 0;
  if ((chunked && chunk_header_ == 0) || n + framing > tx_capacity_ - tx_end_) {
    return local_error("body over body_buffer()");
  }
  if (!chunked) {
    tx_end_ += static_cast<std::uint32_t>(n);
    body_remaining_ -= n;
    body_finished_ = body_remaining_ == 0;
    return {};
  }
  char* const chunk = tx_ + tx_end_;
  write_chunk_header(chunk, chunk_header_, n);
  char* const end = chunk + chunk_header_ + n;  // a local: stores through char* would reload members
  end[0] = '\r';
  end[1] = '\n';
  tx_end_ = static_cast<std::uint32_t>(end + 2 - tx_);
  chunk_header_ = 0;
  return {};
}

result<std::size_t> connection::write_body(bytes_view data) noexcept {
  const mutable_bytes space = body_buffer();
  const std::size_t n = data.size < space.size ? data.size : space.size;
  if (n != 0) std::memcpy(space.data, data.data, n);
  if (const error failure = commit_body(n)) return failure;
  return n;
}

error connection::finish_body() noexcept {
  if (body_finished_) return {};
  const bool sending = state_ == conn_state::sending_head || state_ == conn_state::sending_body;
  if (!sending) return local_error("no body being sent");
  if (framing_ == body_framing::content_length) {
    return local_error("body under Content-Length");
  }
  compact(tx_, tx_sent_, tx_end_, tx_capacity_);
  std::memcpy(tx_ + tx_end_, last_chunk.data(), last_chunk.size());  // room was kept for it
  tx_end_ += static_cast<std::uint32_t>(last_chunk.size());
  body_finished_ = true;
  return {};
}

void connection::consume_output(std::size_t n) noexcept {
  const std::uint32_t pending = tx_end_ - tx_sent_;
  const std::uint32_t taken = n < pending ? static_cast<std::uint32_t>(n) : pending;
  tx_sent_ += taken;
  if (head_unsent_ != 0) {
    head_unsent_ -= taken < head_unsent_ ? taken : head_unsent_;
    if (head_unsent_ == 0 && state_ == conn_state::sending_head) {
      apply(framing_ == body_framing::none ? conn_input::request_complete : conn_input::head_sent);
    }
  }
  if (state_ == conn_state::sending_body && request_flushed()) apply(conn_input::request_complete);
  if (tx_sent_ == tx_end_) tx_sent_ = tx_end_ = 0;
}

// ---- the response ------------------------------------------------------------------------

mutable_bytes connection::receive_buffer() noexcept {
  if (state_ == conn_state::closed || state_ == conn_state::failed || eof_) return {};
  compact(rx_, rx_start_, rx_end_, rx_capacity_);
  return {rx_ + rx_end_, rx_capacity_ - rx_end_};
}

void connection::commit_received(std::size_t n) noexcept {
  const std::uint32_t room = rx_capacity_ - rx_end_;
  rx_end_ += n < room ? static_cast<std::uint32_t>(n) : room;
}

void connection::receive_eof() noexcept { eof_ = true; }

// Every path returns `ev`, so it is built in place.
event connection::next_event() noexcept {
  event ev;
  switch (state_) {
    case conn_state::failed:
      ev.type = event_type::failed;
      ev.failure = failure();
      return ev;
    case conn_state::closed: return ev;
    case conn_state::idle:
    case conn_state::done:
    case conn_state::must_close:
      // RFC 9112 §9.2: bytes with no request outstanding are not a response; only blank
      // lines are harmless. A 408 or junk on an idle connection poisons it (catalogue S-12).
      // After a 2xx to CONNECT (must_close) every byte, blank lines included, is the tunnel's
      // (§6.3 rule 2): left for unparsed(), never an error.
      if (!parser_.tunnel()) {
        if (!rx_blank()) {
          fail(ev, errc::remote_protocol_error, detail_text("data while idle"));
          return ev;
        }
        rx_start_ = rx_end_;
      }
      if (eof_) apply(conn_input::transport_closed);
      return ev;
    case conn_state::sending_head:
    case conn_state::sending_body:
    case conn_state::awaiting_head:
    case conn_state::receiving_body: break;
  }
  for (;;) {
    // The parser writes into `ev` only what it reports, so need_more leaves it as it was.
    const std::size_t consumed = parser_.parse(rx_ + rx_start_, rx_end_ - rx_start_, ev);
    rx_start_ += static_cast<std::uint32_t>(consumed);
    if (ev.type != event_type::need_more) break;
    if (consumed != 0) continue;
    if (eof_) {
      parser_.finish(ev);
      break;
    }
    if (rx_start_ == 0 && rx_end_ == rx_capacity_)
      fail(ev, errc::remote_protocol_error, detail_text("head over rx buffer"));
    return ev;
  }
  switch (ev.type) {
    case event_type::head:
      keep_alive_ = ev.head.keep_alive;
      if (state_ != conn_state::awaiting_head) {
        // An early final response (RFC 9112 §9.5): stop sending; the rest of the request is
        // dropped, so the request is incomplete and the connection cannot be reused.
        tx_sent_ = tx_end_ = head_unsent_ = 0;
        body_finished_ = false;
      }
      apply(conn_input::final_head);
      break;
    case event_type::end: {
      // Blank lines after a response are harmless (RFC 9112 §9.2), however the reads split them.
      const bool reusable = keep_alive_ && request_flushed() && rx_blank() && !eof_;
      apply(reusable ? conn_input::response_end_keep : conn_input::response_end_close);
      break;
    }
    case event_type::failed: fail(ev, ev.failure.code, ev.failure.detail); break;
    case event_type::need_more:
    case event_type::informational:
    case event_type::body:
    case event_type::trailers: break;
  }
  return ev;
}

// ---- reuse -------------------------------------------------------------------------------

error connection::recycle() noexcept {
  if (state_ != conn_state::done) return local_error("not reusable");
  if (eof_ || !rx_blank()) {
    // Ends with next_event()'s "data while idle": a linker keeps that text inside this one.
    set_failure(errc::remote_protocol_error, detail_text("EOF or data while idle"));
    return failure();
  }
  rx_start_ = rx_end_ = 0;
  apply(conn_input::recycle);
  return {};
}

void connection::close() noexcept { apply(conn_input::transport_closed); }

}  // namespace htpx::h1
