// Turns the parsed command line into htpx requests: method, headers, params, body, timeouts.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "args.hpp"
#include "body_sources.hpp"
#include "htpx/request.hpp"
#include "htpx/timeout.hpp"

namespace htpx_cli {

/// The body objects one request streams from; they live as long as the request.
struct body_holder {
  std::unique_ptr<file_source> file;
  stdin_source in;
  std::string describe;  ///< for -v: "12 bytes", "file data.bin (4096 bytes)", "stdin, chunked"
};

/// Builds one htpx::request per URL. The header and parameter tables it owns are shared by
/// every request, so the builder must outlive them all.
class request_builder {
 public:
  /// Views `a` (outliving the builder).
  explicit request_builder(const args& a);

  /// Checks what can fail before any request: the --content @file opens. Returns an error
  /// message, empty when fine.
  std::string check() const;
  /// Returns the client's timeouts: the given ones in milliseconds, 5 s for the others.
  [[nodiscard]] htpx::timeout timeouts() const;
  /// Returns the method every request uses.
  [[nodiscard]] std::string_view method() const { return method_; }
  /// Fills `out` for `url`, opening the body into `body` (same lifetime as the request).
  /// Returns an error message (the body file no longer opens), empty when fine.
  std::string build(std::string_view url, body_holder& body, htpx::request& out) const;

 private:
  const args& args_;
  std::string_view method_;
  std::vector<htpx::header> headers_;
  std::vector<htpx::query_param> params_;
};

}  // namespace htpx_cli
