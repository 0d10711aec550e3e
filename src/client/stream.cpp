// response_stream and line_reader: pulling a body at the caller's pace (backpressure).
#include "htpx/stream.hpp"

#include <cstring>

#include "response_store.hpp"

namespace htpx {

response_stream::~response_stream() {
  if (handle_.valid()) client_->cancel(handle_);
}

error response_stream::open(const htpx::request& req) noexcept {
  const result<request_handle> started = client_->start(req, *this);
  if (!started) return started.err();
  handle_ = started.value();
  port::platform& platform = client_->platform();
  while (!head_seen_ && !finished_) {
    const poll_result step = client_->poll(platform.now_ms());
    if (head_seen_ || finished_) break;
    client_->sleep(step);
  }
  return failure_;
}

error response_stream::on_head(const response& head) noexcept {
  head_seen_ = true;
  return detail::copy_head(head, client_->storage_.head_store, head_);
}

body_ack response_stream::on_body(bytes_view data) noexcept {
  (void)data;
  return {};  // never taken here: read() pulls it with client::read_body()
}

void response_stream::on_complete(error failure) noexcept {
  failure_ = failure;
  finished_ = true;
  handle_ = {};
}

result<std::size_t> response_stream::read(mutable_bytes out) noexcept {
  port::platform& platform = client_->platform();
  for (;;) {
    if (handle_.valid()) {
      const std::size_t n = client_->read_body(handle_, out);
      if (n != 0) return n;
    }
    if (finished_) {
      if (failure_) return failure_;
      return std::size_t{0};
    }
    const poll_result step = client_->poll(platform.now_ms());
    if (handle_.valid()) {
      const std::size_t n = client_->read_body(handle_, out);
      if (n != 0) return n;
    }
    if (finished_) continue;
    client_->sleep(step);
  }
}

result<std::string_view> line_reader::next() noexcept {
  for (;;) {
    // A complete line already buffered?
    for (std::size_t i = start_; i != end_; ++i) {
      if (buffer_.data[i] != '\n') continue;
      std::size_t stop = i;
      if (stop > start_ && buffer_.data[stop - 1] == '\r') --stop;
      const std::string_view line{buffer_.data + start_, stop - start_};
      start_ = i + 1;
      return line;
    }
    if (eof_) {
      // A last line without a line end is still a line; after it, the end.
      const std::string_view rest{buffer_.data + start_, end_ - start_};
      start_ = end_;
      done_ = rest.empty();
      return rest;
    }
    // Make room behind the partial line, then read more.
    if (start_ != 0) {
      std::memmove(buffer_.data, buffer_.data + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
    }
    if (end_ == buffer_.size) return error{errc::decoding_error, "line longer than the buffer"};
    const result<std::size_t> got = stream_->read({buffer_.data + end_, buffer_.size - end_});
    if (!got) return got.err();
    end_ += got.value();
    eof_ = got.value() == 0;
  }
}

}  // namespace htpx
