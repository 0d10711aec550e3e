#include "scripted_transport.hpp"

#include <algorithm>
#include <cstring>
#include <utility>


namespace htpx::test {

using port::io_result;
using port::io_status;

namespace {

io_result ok(std::size_t n) { return {io_status::ok, n, 0}; }
io_result would_block() { return {io_status::would_block, 0, 0}; }
io_result closed() { return {io_status::closed, 0, 0}; }
io_result failed(std::int32_t sys_error) { return {io_status::error, 0, sys_error}; }

}  // namespace

scripted_transport::scripted_transport() { scripts_.emplace_back(); }

// ---- builder ----------------------------------------------------------------------------------

scripted_transport& scripted_transport::serve(std::string_view bytes) {
  step s;
  s.kind = step_kind::data;
  s.bytes = std::string(bytes);
  if (!s.bytes.empty()) building().steps.push_back(std::move(s));
  return *this;
}

scripted_transport& scripted_transport::serve_sliced(std::string_view bytes, std::size_t slice) {
  if (slice == 0) slice = 1;
  for (std::size_t at = 0; at < bytes.size(); at += slice) serve(bytes.substr(at, slice));
  return *this;
}

scripted_transport& scripted_transport::recv_would_block(std::size_t times) {
  step s;
  s.kind = step_kind::would_block;
  s.count = times;
  if (times != 0) building().steps.push_back(std::move(s));
  return *this;
}

scripted_transport& scripted_transport::wait_for_request() {
  step s;
  s.kind = step_kind::wait_request;
  building().steps.push_back(std::move(s));
  return *this;
}

scripted_transport& scripted_transport::wait_for_sent(std::size_t total) {
  step s;
  s.kind = step_kind::wait_sent;
  s.count = total;
  building().steps.push_back(std::move(s));
  return *this;
}

scripted_transport& scripted_transport::eof() {
  step s;
  s.kind = step_kind::eof;
  building().steps.push_back(std::move(s));
  return *this;
}

scripted_transport& scripted_transport::reset(std::int32_t sys_error) {
  step s;
  s.kind = step_kind::reset;
  s.sys_error = sys_error;
  building().steps.push_back(std::move(s));
  return *this;
}

scripted_transport& scripted_transport::connect_would_block(std::size_t times) {
  building().connect_blocks = times;
  return *this;
}

scripted_transport& scripted_transport::refuse_connect(std::int32_t sys_error) {
  building().refuse = true;
  building().refuse_error = sys_error;
  return *this;
}

scripted_transport& scripted_transport::fail_send_after(std::size_t bytes, io_status status, std::int32_t sys_error) {
  building().send_limit = bytes;
  building().send_fail = status;
  building().send_fail_error = sys_error;
  return *this;
}

scripted_transport& scripted_transport::next_connection() {
  scripts_.emplace_back();
  return *this;
}

// ---- helpers ----------------------------------------------------------------------------------

scripted_transport::script* scripted_transport::current() {
  return conn_ < scripts_.size() ? &scripts_[conn_] : nullptr;
}

const scripted_transport::script* scripted_transport::current() const {
  return conn_ < scripts_.size() ? &scripts_[conn_] : nullptr;
}

void scripted_transport::violation(std::string what) { violations_.push_back(std::move(what)); }

// send() and recv() are allowed only on a connected transport.
bool scripted_transport::usable(const char* call) {
  if (phase_ == phase::connected) return true;
  violation(std::string(call) + (phase_ == phase::idle ? " without a connection (before connect or after close)"
                                                       : " before connect() returned ok"));
  return false;
}

// alternate_would_block: the first of every two calls gives would_block.
bool scripted_transport::alternate_blocks(bool& flip) {
  if (!options_.alternate_would_block) return false;
  flip = !flip;
  return flip;
}

// ---- the transport ----------------------------------------------------------------------------

io_result scripted_transport::connect(std::string_view host, std::uint16_t port) noexcept {
  ++connect_calls_;
  if (phase_ == phase::idle) {
    // A new connection takes its resources now (a socket); only close() gives them back.
    conn_ = started_;
    ++started_;
    phase_ = phase::connecting;
    host_ = std::string(host);
    port_ = port;
    step_ = 0;
    step_progress_ = 0;
    request_mark_ = 0;
    request_need_ = 0;
    request_progress_ = read_request{};
    block_pending_ = false;
    flip_send_ = false;
    flip_recv_ = false;
    eof_ = false;
    dead_ = false;
    dead_error_ = 0;
    script* s = current();
    if (s == nullptr) {
      // No script for this connection: nobody listens.
      phase_ = phase::refused;
      return failed(ECONNREFUSED);
    }
    connect_blocks_left_ = s->connect_blocks;
  } else if (host != host_ || port != port_) {
    violation("connect() called again with different arguments");
  }
  switch (phase_) {
    case phase::connecting: {
      if (connect_blocks_left_ != 0) {
        --connect_blocks_left_;
        return would_block();
      }
      const script* s = current();
      if (s->refuse) {
        phase_ = phase::refused;
        return failed(s->refuse_error);
      }
      phase_ = phase::connected;
      return ok(0);
    }
    case phase::connected:
      violation("connect() called again after it returned ok");
      return ok(0);
    case phase::refused:
      return failed(current() != nullptr ? current()->refuse_error : ECONNREFUSED);
    case phase::idle:
      break;
  }
  return failed(EINVAL);
}

io_result scripted_transport::send(bytes_view data) noexcept {
  ++send_calls_;
  if (!usable("send()")) return failed(ENOTCONN);
  if (data.size == 0) {
    violation("send() with no bytes");
    return failed(EINVAL);
  }
  if (dead_) return failed(dead_error_);
  if (alternate_blocks(flip_send_)) return would_block();
  script& s = *current();
  if (s.sent.size() >= s.send_limit) {
    return s.send_fail == io_status::closed ? closed() : failed(s.send_fail_error);
  }
  const std::size_t n = std::min({data.size, options_.send_cap, s.send_limit - s.sent.size()});
  s.sent.append(data.data, n);
  return ok(n);
}

io_result scripted_transport::recv(mutable_bytes buffer) noexcept {
  ++recv_calls_;
  if (!usable("recv()")) return failed(ENOTCONN);
  if (buffer.size == 0 || buffer.data == nullptr) {
    violation("recv() with an empty buffer");
    return failed(EINVAL);
  }
  if (dead_) return failed(dead_error_);
  if (eof_) return closed();
  if (alternate_blocks(flip_recv_)) return would_block();
  if (block_pending_) {
    block_pending_ = false;
    return would_block();
  }
  script& s = *current();
  while (step_ < s.steps.size()) {
    const step& st = s.steps[step_];
    switch (st.kind) {
      case step_kind::data: {
        const std::size_t left = st.bytes.size() - step_progress_;
        const std::size_t n = std::min({left, buffer.size, options_.recv_cap});
        std::memcpy(buffer.data, st.bytes.data() + step_progress_, n);
        last_received_ = {buffer.data, n};
        step_progress_ += n;
        if (step_progress_ == st.bytes.size()) {
          ++step_;
          step_progress_ = 0;
          block_pending_ = options_.would_block_between_slices && step_ < s.steps.size();
        }
        return ok(n);
      }
      case step_kind::would_block:
        if (++step_progress_ >= st.count) {
          ++step_;
          step_progress_ = 0;
        }
        return would_block();
      case step_kind::wait_sent:
        if (s.sent.size() < st.count) return would_block();
        ++step_;
        continue;
      case step_kind::wait_request: {
        // Parse again only when enough bytes arrived to possibly complete the request.
        if (s.sent.size() < request_need_) return would_block();
        request_progress_ = continue_request(std::string_view(s.sent).substr(request_mark_), std::move(request_progress_));
        const read_request& r = request_progress_;
        if (!r.valid) {
          violation("the client sent an invalid request: " + r.problem);
          dead_ = true;
          dead_error_ = ECONNRESET;
          return failed(dead_error_);
        }
        if (!r.complete) {
          request_need_ = request_mark_ + r.need;
          return would_block();
        }
        request_mark_ += r.size;
        request_need_ = 0;
        request_progress_ = read_request{};
        ++step_;
        continue;
      }
      case step_kind::eof:
        eof_ = true;
        ++step_;
        return closed();
      case step_kind::reset:
        dead_ = true;
        dead_error_ = st.sys_error;
        ++step_;
        return failed(dead_error_);
    }
  }
  return would_block();  // the script is over: the server keeps the connection open, silent
}

void scripted_transport::close() noexcept {
  ++close_calls_;
  if (phase_ == phase::idle) return;  // idempotent
  phase_ = phase::idle;
  ++released_;
}

std::intptr_t scripted_transport::native_handle() const noexcept {
  return phase_ == phase::idle ? -1 : static_cast<std::intptr_t>(100 + conn_);
}

bool scripted_transport::has_buffered_input() const noexcept {
  if (!options_.buffered_input || phase_ != phase::connected || eof_ || dead_ || block_pending_) return false;
  const script* s = current();
  return s != nullptr && step_ < s->steps.size() && s->steps[step_].kind == step_kind::data;
}

// ---- what happened ----------------------------------------------------------------------------

const std::string& scripted_transport::sent() const {
  static const std::string none;
  const script* s = current();
  return s != nullptr ? s->sent : none;
}

const std::string& scripted_transport::sent(std::size_t index) const {
  static const std::string none;
  return index < scripts_.size() ? scripts_[index].sent : none;
}

bool scripted_transport::script_finished() const {
  const script* s = current();
  return s == nullptr || step_ >= s->steps.size();
}

std::string scripted_transport::summary() const {
  std::string out = "connect=" + std::to_string(connect_calls_) + " send=" + std::to_string(send_calls_) +
                    " recv=" + std::to_string(recv_calls_) + " close=" + std::to_string(close_calls_) +
                    " started=" + std::to_string(started_) + " released=" + std::to_string(released_) +
                    (is_open() ? " OPEN" : " closed");
  for (const std::string& v : violations_) out += "\n  violation: " + v;
  return out;
}

}  // namespace htpx::test
