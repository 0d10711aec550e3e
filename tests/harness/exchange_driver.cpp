#include "exchange_driver.hpp"

#include <algorithm>
#include <cstring>

namespace htpx::test {

using port::io_result;
using port::io_status;

namespace {

bool is_sending(h1::conn_state s) { return s == h1::conn_state::sending_head || s == h1::conn_state::sending_body; }

// One exchange. Each round does what one pass of a poll loop would: produce body bytes, offer
// pending output to the transport, read once, and take every event (S-13: read while writing).
class runner {
 public:
  runner(port::transport& t, h1::connection& c, const exchange_request& r, const driver_options& o)
      : transport_(t), conn_(c), request_(r), options_(o) {}

  exchange_outcome run() {
    if (request_.connect && !connect()) return finish();
    if (const error e = conn_.send_request(request_.head)) {
      fail(e, 0);
      return finish();
    }
    body_done_ = request_.head.framing == h1::body_framing::none;
    while (!finished_) {
      if (!count_step()) break;
      // A round where nothing moved is a wait; too many in a row is a hang (the scripted
      // server never withholds progress for long).
      if (!progress_ && ++idle_ > options_.max_idle_steps) {
        out_.hung = true;
        break;
      }
      if (progress_) idle_ = 0;
      progress_ = false;
      write_body();
      if (!finished_) send_output();
      if (!finished_) take_events();
      if (!finished_) receive();
      if (!finished_) take_events();
    }
    return finish();
  }

 private:
  bool count_step() {
    if (++out_.steps <= options_.max_steps) return true;
    out_.hung = true;
    finished_ = true;
    return false;
  }

  // Connects until ok. Returns false when the exchange is over (error or hang).
  bool connect() {
    for (;;) {
      if (!count_step()) return false;
      const io_result r = transport_.connect(request_.host, request_.port);
      switch (r.status) {
        case io_status::ok:
          idle_ = 0;
          return true;
        case io_status::would_block:
          if (++idle_ > options_.max_idle_steps) {
            out_.hung = true;
            finished_ = true;
            return false;
          }
          continue;
        case io_status::closed:
          fail({errc::connect_error, "the port returned closed from connect() (contract breach)"}, 0);
          return false;
        case io_status::error:
          fail({errc::connect_error, "connect failed"}, r.sys_error);
          return false;
      }
      fail({errc::connect_error, "the port returned an unknown status from connect()"}, 0);
      return false;
    }
  }

  // Hands body bytes to the connection while it takes them. An early response (the state left
  // sending_*) stops the body.
  void write_body() {
    if (body_done_ || write_failed_ || !is_sending(conn_.state())) return;
    const std::string_view body = request_.body;
    while (body_offset_ < body.size()) {
      std::size_t want = body.size() - body_offset_;
      if (request_.body_piece != 0) want = std::min(want, request_.body_piece);
      std::size_t took = 0;
      if (request_.use_body_buffer) {
        const mutable_bytes space = conn_.body_buffer();
        took = std::min(space.size, want);
        if (took == 0) break;
        std::memcpy(space.data, body.data() + body_offset_, took);
        if (const error e = conn_.commit_body(took)) return fail(e, 0);
      } else {
        const result<std::size_t> r = conn_.write_body({body.data() + body_offset_, want});
        if (!r) return fail(r.err(), 0);
        took = r.value();
        if (took == 0) break;
      }
      body_offset_ += took;
      progress_ = true;
    }
    if (body_offset_ != body.size()) return;
    if (request_.head.framing == h1::body_framing::chunked) {
      if (const error e = conn_.finish_body()) return fail(e, 0);
    }
    body_done_ = true;
  }

  void send_output() {
    if (write_failed_) return;
    const bytes_view pending = conn_.pending_output();
    if (pending.empty()) return;
    const io_result r = transport_.send(pending);
    switch (r.status) {
      case io_status::ok:
        if (r.bytes == 0 || r.bytes > pending.size) {
          return fail({errc::write_error, "the port returned ok from send() with 0 or too many bytes (contract breach)"}, 0);
        }
        conn_.consume_output(r.bytes);
        progress_ = true;
        return;
      case io_status::would_block: return;
      case io_status::closed:
      case io_status::error:
        // Keep reading: the server may have answered already and closed (RFC 9112 §9.5, S-04).
        write_failed_ = true;
        out_.write_failed = true;
        write_error_ = {errc::write_error, r.status == io_status::closed ? "the server stopped reading" : "send failed"};
        write_sys_error_ = r.sys_error;
        return;
    }
  }

  void receive() {
    const mutable_bytes space = conn_.receive_buffer();
    if (space.empty()) return;
    const io_result r = transport_.recv(space);
    switch (r.status) {
      case io_status::ok:
        if (r.bytes == 0 || r.bytes > space.size) {
          return fail({errc::read_error, "the port returned ok from recv() with 0 or too many bytes (contract breach)"}, 0);
        }
        conn_.commit_received(r.bytes);
        progress_ = true;
        return;
      case io_status::would_block:
        // After a failed send, only what already arrived can still make a response.
        if (write_failed_ && !conn_.response_started()) fail(write_error_, write_sys_error_);
        return;
      case io_status::closed:
        conn_.receive_eof();
        progress_ = true;
        return;
      case io_status::error: return fail({errc::read_error, "recv failed"}, r.sys_error);
    }
  }

  void take_events() {
    // Events in a row without need_more are bounded too: a connection that reports events for
    // ever (say, empty body events) is a hang.
    std::size_t in_a_row = 0;
    while (!finished_) {
      if (++in_a_row > options_.max_steps) {
        out_.hung = true;
        finished_ = true;
        return;
      }
      const h1::event ev = conn_.next_event();
      if (ev.type != h1::event_type::need_more) progress_ = true;
      switch (ev.type) {
        case h1::event_type::need_more: return;
        case h1::event_type::informational: out_.informational.push_back(ev.head.status_code); break;
        case h1::event_type::head:
          out_.status = ev.head.status_code;
          out_.headers = std::string(ev.head.headers.raw());
          break;
        case h1::event_type::body:
          out_.body.append(ev.body.data, ev.body.size);
          ++out_.body_events;
          break;
        case h1::event_type::trailers: out_.trailers = std::string(ev.trailers.raw()); break;
        case h1::event_type::end:
          out_.completed = true;
          finished_ = true;
          return;
        case h1::event_type::failed: return fail(ev.failure, 0);
      }
    }
  }

  // The first error wins. After a failed send, a failure before any response byte is the
  // write's fault (the read only found out).
  void fail(error e, std::int32_t sys_error) {
    if (!out_.failure) {
      if (write_failed_ && !conn_.response_started()) {
        out_.failure = write_error_;
        out_.sys_error = write_sys_error_;
      } else {
        out_.failure = e;
        out_.sys_error = sys_error;
      }
      if (!out_.failure) out_.failure = {errc::local_protocol_error, "failed event without an error code"};
    }
    finished_ = true;
  }

  exchange_outcome finish() {
    if (out_.failure || out_.hung) out_.completed = false;
    // A transport whose send failed is broken whatever the connection says.
    out_.reusable = out_.completed && !write_failed_ && conn_.state() == h1::conn_state::done;
    if (!(out_.reusable && options_.keep_reusable_open)) {
      transport_.close();
      conn_.close();
      out_.transport_closed = true;
    }
    return out_;
  }

  port::transport& transport_;
  h1::connection& conn_;
  const exchange_request& request_;
  const driver_options& options_;
  exchange_outcome out_{};
  std::size_t body_offset_ = 0;
  std::size_t idle_ = 0;
  bool progress_ = true;
  bool body_done_ = false;
  bool finished_ = false;
  bool write_failed_ = false;
  error write_error_{};
  std::int32_t write_sys_error_ = 0;
};

}  // namespace

exchange_outcome run_exchange(port::transport& transport, h1::connection& conn, const exchange_request& request,
                              const driver_options& options) {
  return runner(transport, conn, request, options).run();
}

std::string describe(const exchange_outcome& o) {
  std::string s;
  if (o.hung) s += "HUNG after " + std::to_string(o.steps) + " steps; ";
  if (o.completed) {
    s += "completed status=" + std::to_string(o.status) + " body=" + std::to_string(o.body.size()) + "B";
    s += o.reusable ? " reusable" : " not-reusable";
  } else {
    s += std::string("failed ") + to_string(o.failure.code) + " (" + o.failure.detail + ")";
    if (o.sys_error != 0) s += " sys_error=" + std::to_string(o.sys_error);
    if (o.status != 0) s += " status=" + std::to_string(o.status);
  }
  if (o.write_failed) s += " write_failed";
  s += o.transport_closed ? " transport-closed" : " transport-open";
  s += " steps=" + std::to_string(o.steps);
  return s;
}

}  // namespace htpx::test
