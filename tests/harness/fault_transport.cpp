#include "fault_transport.hpp"

#include <algorithm>

namespace htpx::test {

using port::io_result;
using port::io_status;

const char* to_string(call_kind kind) {
  switch (kind) {
    case call_kind::connect: return "connect";
    case call_kind::send: return "send";
    case call_kind::recv: return "recv";
    case call_kind::any: return "any";
  }
  return "?";
}

const char* to_string(fault f) {
  switch (f) {
    case fault::none: return "none";
    case fault::error: return "error";
    case fault::closed: return "closed";
    case fault::short_transfer: return "short_transfer";
    case fault::would_block: return "would_block";
  }
  return "?";
}

void fault_transport::arm(call_kind kind, std::size_t n, fault f, std::int32_t sys_error) {
  armed_kind_ = kind;
  armed_n_ = n;
  armed_ = f;
  sys_error_ = sys_error;
  fired_ = false;
}

std::size_t fault_transport::calls(call_kind kind) const {
  if (kind == call_kind::any) return log_.size();
  return counts_[static_cast<int>(kind)];
}

fault fault_transport::next_call(call_kind kind) {
  log_.push_back(kind);
  const std::size_t n = ++counts_[static_cast<int>(kind)];
  if (armed_ == fault::none || fired_) return fault::none;
  const std::size_t position = armed_kind_ == call_kind::any ? log_.size() : n;
  if ((armed_kind_ != call_kind::any && armed_kind_ != kind) || position != armed_n_) return fault::none;
  fired_ = true;
  fired_on_ = kind;
  return armed_;
}

io_result fault_transport::connect(std::string_view host, std::uint16_t port) noexcept {
  const fault f = next_call(call_kind::connect);
  if (dead_) return {io_status::error, 0, sys_error_};
  switch (f) {
    case fault::error:
      dead_ = sticky_;
      return {io_status::error, 0, sys_error_};
    case fault::closed:
      return {io_status::closed, 0, 0};
    case fault::short_transfer:
    case fault::would_block:
      return {io_status::would_block, 0, 0};
    case fault::none:
      break;
  }
  return inner_->connect(host, port);
}

io_result fault_transport::send(bytes_view data) noexcept {
  const fault f = next_call(call_kind::send);
  if (dead_) return {io_status::error, 0, sys_error_};
  if (send_closed_) return {io_status::closed, 0, 0};
  switch (f) {
    case fault::error:
      dead_ = sticky_;
      return {io_status::error, 0, sys_error_};
    case fault::closed:
      send_closed_ = sticky_;
      return {io_status::closed, 0, 0};
    case fault::would_block:
      return {io_status::would_block, 0, 0};
    case fault::short_transfer:
      data.size = std::min(data.size, short_bytes_);
      break;
    case fault::none:
      break;
  }
  return inner_->send(data);
}

io_result fault_transport::recv(mutable_bytes buffer) noexcept {
  const fault f = next_call(call_kind::recv);
  if (dead_) return {io_status::error, 0, sys_error_};
  if (recv_closed_) return {io_status::closed, 0, 0};
  switch (f) {
    case fault::error:
      dead_ = sticky_;
      return {io_status::error, 0, sys_error_};
    case fault::closed:
      recv_closed_ = sticky_;
      return {io_status::closed, 0, 0};
    case fault::would_block:
      return {io_status::would_block, 0, 0};
    case fault::short_transfer:
      buffer.size = std::min(buffer.size, short_bytes_);
      break;
    case fault::none:
      break;
  }
  return inner_->recv(buffer);
}

void fault_transport::close() noexcept {
  dead_ = false;
  recv_closed_ = false;
  send_closed_ = false;
  inner_->close();
}

}  // namespace htpx::test
