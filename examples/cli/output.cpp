// Output and report. Bodies are never buffered: the current transfer writes each fragment as
// the client hands it over; the others take nothing, which pauses their connections
// (backpressure) until their turn. Only -i heads and -v lines wait in memory.
#include "output.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace htpx_cli {

namespace {

// A JSON string literal (RFC 8259 §7): quotes, backslashes and control characters escaped.
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string error_text(htpx::error failure) {
  std::string text = htpx::to_string(failure.code);
  if (*failure.detail != '\0') text += std::string(": ") + failure.detail;
  return text;
}

}  // namespace

bool sink::write(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failure_ = n < 0 ? std::strerror(errno) : "write failed";
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void transfer::begin(htpx::client& c, htpx::request_handle handle, std::string_view method, const std::string& body) {
  client_ = &c;
  handle_ = handle;
  method_ = method;
  started_ = true;
  started_at_ = std::chrono::steady_clock::now();
  if (!out_->options.verbose) return;
  std::string text = "* [" + std::to_string(index_ + 1) + "/" + std::to_string(count_) + "] " + std::string(method) +
                     " " + std::string(url_) + "\n";
  for (const field& h : out_->options.headers) text += "> " + std::string(h.name) + ": " + std::string(h.value) + "\n";
  for (const field& p : out_->options.params)
    text += "> param " + std::string(p.name) + "=" + std::string(p.value) + "\n";
  for (const field& k : out_->options.cookies)
    text += "> cookie " + std::string(k.name) + "=" + std::string(k.value) + "\n";
  if (!out_->options.bearer.empty()) text += "> auth: Bearer\n";
  if (out_->options.has_user) {
    text += std::string("> auth: ") + (out_->options.digest ? "Digest" : "Basic") + " user " +
            std::string(out_->options.user) + "\n";
  }
  if (!body.empty()) text += "> body: " + body + "\n";
  to_diagnostics(text);
}

void transfer::refuse(std::string_view method, htpx::error failure, std::string local) {
  method_ = method;
  started_ = completed_ = true;
  failure_ = failure;
  local_failure_ = std::move(local);
}

void transfer::note_connection() {
  if (client_ == nullptr || completed_) return;
  const std::uint32_t serial = client_->connection_serial(handle_);
  if (serial != 0) conn_ = serial;
}

htpx::error transfer::on_head(const htpx::response& head) noexcept {
  note_connection();
  status_ = head.status_code;
  http_version_ = std::string(head.http_version);
  const htpx::error status_failure = out_->options.fail ? head.raise_for_status() : htpx::error{};
  std::string status_line = std::string(head.http_version) + " " + std::to_string(head.status_code) + " " +
                            std::string(head.reason_phrase) + "\n";
  std::string fields;
  for (const htpx::header& h : head.headers) fields += std::string(h.name) + ": " + std::string(h.value) + "\n";
  if (out_->options.verbose) {
    std::string text = "< " + status_line;
    for (const htpx::header& h : head.headers) text += "< " + std::string(h.name) + ": " + std::string(h.value) + "\n";
    text += "* connection " + std::to_string(conn_) + "\n";
    to_diagnostics(text);
  }
  if (out_->options.include && !status_failure) to_body(status_line + fields + "\n");
  return status_failure;
}

htpx::body_ack transfer::on_body(htpx::bytes_view data) noexcept {
  if (!current()) return {0, {}};  // not our turn: pause this response, keep memory constant
  note_connection();
  if (!out_->body.write(data.str())) {
    local_failure_ = "writing " + out_->body.name() + ": " + out_->body.failure();
    // body_ack::stop needs an errc; none names a local sink failure, DecodingError is nearest
    // ("the body could not be delivered"). The exit status (5) tells them apart.
    return {0, {htpx::errc::decoding_error, "the response body could not be written to the output"}};
  }
  bytes_ += data.size;
  return {data.size, {}};
}

void transfer::on_redirect(std::uint16_t status, std::string_view from_url) noexcept {
  ++redirects_;
  if (out_->options.verbose) {
    to_diagnostics("< " + std::to_string(status) + " redirect from " + std::string(from_url) + "\n");
  }
}

void transfer::on_complete(htpx::error failure) noexcept {
  failure_ = failure;
  completed_ = true;
  // A connection that never came up carried nothing: "conn" is null whatever was noted before.
  if (failure.code == htpx::errc::connect_error || failure.code == htpx::errc::connect_timeout) conn_ = 0;
  elapsed_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_at_).count();
}

void transfer::to_body(std::string_view text) {
  if (!current()) {
    held_body_ += text;
  } else if (!out_->body.write(text) && local_failure_.empty()) {
    local_failure_ = "writing " + out_->body.name() + ": " + out_->body.failure();
  }
}

void transfer::to_diagnostics(std::string_view text) {
  if (current()) {
    out_->diagnostics.write(text);
  } else {
    held_diagnostics_ += text;
  }
}

void transfer::flush_held() {
  if (!held_diagnostics_.empty()) out_->diagnostics.write(held_diagnostics_);
  if (!held_body_.empty() && !out_->body.write(held_body_) && local_failure_.empty()) {
    local_failure_ = "writing " + out_->body.name() + ": " + out_->body.failure();
  }
  held_diagnostics_.clear();
  held_body_.clear();
}

void transfer::finish_output() {
  flush_held();
  std::string text;
  if (!local_failure_.empty()) text += "htpx: " + local_failure_ + "\n";
  if (failure_ && local_failure_.empty()) text += "htpx: " + std::string(url_) + ": " + error_text(failure_) + "\n";
  if (out_->options.verbose) {
    text += "* " + (failure_ ? error_text(failure_) : std::string("done")) + ", " + std::to_string(bytes_) +
            " body bytes, " + std::to_string(static_cast<long long>(elapsed_ms_)) + " ms\n";
  }
  if (out_->options.report) text += report_line() + "\n";
  out_->diagnostics.write(text);
}

std::string transfer::report_line() const {
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, "%.3f", elapsed_ms_);
  std::string line = "{\"url\":" + json_string(url_) + ",\"method\":" + json_string(method_);
  line += ",\"status\":" + (status_ != 0 ? std::to_string(status_) : std::string("null"));
  line += ",\"http_version\":" + (http_version_.empty() ? std::string("null") : json_string(http_version_));
  line += ",\"error\":" + (failure_ ? json_string(htpx::to_string(failure_.code)) : std::string("null"));
  line += ",\"detail\":" + json_string(!local_failure_.empty() ? local_failure_ : failure_.detail);
  line += ",\"bytes\":" + std::to_string(bytes_);
  line += ",\"conn\":" + (conn_ != 0 ? std::to_string(conn_) : std::string("null"));
  line += ",\"redirects\":" + std::to_string(redirects_);
  line += ",\"elapsed_ms\":" + std::string(elapsed) + "}";
  return line;
}

int transfer::outcome_status() const {
  if (!local_failure_.empty()) return exit_local_io;
  if (!failure_) return exit_ok;
  return failure_.code == htpx::errc::http_status_error ? exit_status : exit_request;
}

}  // namespace htpx_cli
