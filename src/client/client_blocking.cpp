// The blocking calls: start a request with a buffering handler, then poll and sleep until done.
#include <cstring>

#include "htpx/client.hpp"
#include "response_store.hpp"

namespace htpx {

namespace {

// Buffered mode: the head and the whole body into the client's stores.
class buffering_handler final : public response_handler {
 public:
  buffering_handler(mutable_bytes head_store, mutable_bytes body_store, mutable_bytes history_store) noexcept
      : head_store_(head_store), body_store_(body_store), history_(history_store) {}

  error on_head(const response& head) noexcept override { return detail::copy_head(head, head_store_, response_); }
  body_ack on_body(bytes_view data) noexcept override {
    if (data.size > body_store_.size - body_size_) {
      return {0, {errc::decoding_error, "response body larger than the client's body store"}};
    }
    std::memcpy(body_store_.data + body_size_, data.data, data.size);
    body_size_ += data.size;
    return {data.size, {}};
  }
  void on_redirect(std::uint16_t status, std::string_view from_url) noexcept override {
    history_.add(status, from_url);
  }
  void on_complete(error failure) noexcept override {
    failure_ = failure;
    response_.body = {body_store_.data, body_size_};
    response_.history = history_.view();
  }

  [[nodiscard]] result<response> outcome() const noexcept {
    if (failure_) return failure_;
    return response_;
  }

 private:
  mutable_bytes head_store_;
  mutable_bytes body_store_;
  detail::history_recorder history_;
  std::size_t body_size_ = 0;
  response response_{};
  error failure_{};
};

}  // namespace

error header_appender::add(std::string_view name, std::string_view value) noexcept {
  if (used_ == capacity_) return {errc::local_protocol_error, "too many request headers for the header table"};
  // (The table may be bytes of a receive buffer, write_head()'s: a header is trivially copyable.)
  storage_[used_++] = {name, value};
  return {};
}

void client::wait_for(request_handle handle) noexcept {
  while (active(handle)) {
    const poll_result step = poll(platform_->now_ms());
    if (!active(handle)) return;
    sleep(step);
  }
}

void client::sleep(const poll_result& step) noexcept {
  // One connection waiting only to read, and a time limit (recv_wait() with 0 would not sleep):
  // the receive can be the sleep. Its bytes are processed by the next poll().
  if (step.wait_count == 1 && step.waits[0].what == port::interest::read && step.wait_ms != 0) {
    for (detail::pool_slot& slot : storage_.slots) {
      if (slot.transport != step.waits[0].conn) continue;
      if (slot.st == slot_state::busy && receive_waiting(slot, step.wait_ms)) return;
      break;
    }
  }
  platform_->wait(step.waits, step.wait_count, step.wait_ms);
}

result<response> client::send(const htpx::request& req) noexcept {
  // (A redirect history only with redirects built in, which keep it in their feature_state.)
  buffering_handler handler(storage_.head_store, storage_.body_store,
                            extras_ != nullptr ? extras_->history_store : mutable_bytes{});
  const result<request_handle> handle = start(req, handler);
  if (!handle) return handle.err();
  wait_for(handle.value());
  return handler.outcome();
}

result<response> client::request(std::string_view method, std::string_view url, const request_options& opts) noexcept {
  htpx::request req;
  req.method = method;
  req.url = url;
  req.options = opts;
  return send(req);
}

result<response> client::get(std::string_view url, const request_options& opts) noexcept {
  return request("GET", url, opts);
}
result<response> client::head(std::string_view url, const request_options& opts) noexcept {
  return request("HEAD", url, opts);
}
result<response> client::options(std::string_view url, const request_options& opts) noexcept {
  return request("OPTIONS", url, opts);
}
result<response> client::post(std::string_view url, const request_options& opts) noexcept {
  return request("POST", url, opts);
}
result<response> client::put(std::string_view url, const request_options& opts) noexcept {
  return request("PUT", url, opts);
}
result<response> client::patch(std::string_view url, const request_options& opts) noexcept {
  return request("PATCH", url, opts);
}
result<response> client::delete_(std::string_view url, const request_options& opts) noexcept {
  return request("DELETE", url, opts);
}

}  // namespace htpx
