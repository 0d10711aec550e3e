// Output and report: one response handler per URL writes the body as it streams (stdout or
// -o FILE), the -i head, the -v transcript and the --report line, all in URL order.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "args.hpp"
#include "htpx/client.hpp"

namespace htpx_cli {

/// A file descriptor written with blocking write(2) calls; remembers the first failure.
class sink {
 public:
  /// Writes to `fd`, named `name` in messages (neither is owned).
  sink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  /// Writes all of `data`. Returns false (and keeps errno's text) when the descriptor fails.
  bool write(std::string_view data);
  /// Returns why the last write failed, or an empty string.
  [[nodiscard]] const std::string& failure() const { return failure_; }
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  int fd_;
  std::string name_;
  std::string failure_;
};

/// What every transfer shares: the options, where bodies and diagnostics go, and whose turn it
/// is to write (transfers other than the current one hold their text and pause their body).
struct shared_output {
  const args& options;
  sink& body;
  sink& diagnostics;
  std::size_t turn = 0;  ///< index of the transfer allowed to write now
};

/// One URL's request: its response handler, its results and its held output.
class transfer final : public htpx::response_handler {
 public:
  transfer(std::size_t index, std::size_t count, std::string_view url, shared_output& out)
      : index_(index), count_(count), url_(url), out_(&out) {}

  /// The request started: `handle` on `c`. `method` and `body` are for -v and the report.
  void begin(htpx::client& c, htpx::request_handle handle, std::string_view method, const std::string& body);
  /// The request never started (start() refused it, or its body file did not open).
  void refuse(std::string_view method, htpx::error failure, std::string local = {});
  /// Reads the number of the connection carrying the request (called once it is established,
  /// and again with the response).
  void note_connection();
  /// Writes held text; called when this transfer's turn comes.
  void flush_held();
  /// Writes the -v summary and the --report line; called once, in URL order, after completion.
  void finish_output();

  /// Returns the URL as typed (the view the request was started with).
  [[nodiscard]] std::string_view url() const { return url_; }
  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] bool completed() const { return completed_; }
  /// Returns this URL's exit status (exit_ok when it succeeded).
  [[nodiscard]] int outcome_status() const;

 private:
  htpx::error on_head(const htpx::response& head) noexcept override;
  htpx::body_ack on_body(htpx::bytes_view data) noexcept override;
  void on_redirect(std::uint16_t status, std::string_view from_url) noexcept override;
  void on_complete(htpx::error failure) noexcept override;

  [[nodiscard]] bool current() const { return out_->turn == index_; }
  void to_body(std::string_view text);
  void to_diagnostics(std::string_view text);
  std::string report_line() const;

  std::size_t index_;
  std::size_t count_;
  std::string_view url_;
  shared_output* out_;
  htpx::client* client_ = nullptr;
  htpx::request_handle handle_{};
  std::string_view method_;
  std::chrono::steady_clock::time_point started_at_{};
  double elapsed_ms_ = 0;
  std::string held_body_;         // -i head waiting for this transfer's turn
  std::string held_diagnostics_;  // -v lines waiting for this transfer's turn
  std::string http_version_;
  std::string local_failure_;  // a local file problem (exit 5)
  htpx::error failure_{};
  std::uint64_t bytes_ = 0;
  std::uint32_t conn_ = 0;
  std::uint16_t status_ = 0;
  unsigned redirects_ = 0;  // redirects followed (-L)
  bool started_ = false;
  bool completed_ = false;
};

}  // namespace htpx_cli
