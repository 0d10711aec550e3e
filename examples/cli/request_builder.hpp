// Turns the parsed command line into htpx requests: method, headers, params, cookies, body,
// timeouts.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "args.hpp"
#include "body_sources.hpp"
#include "htpx/auth.hpp"
#include "htpx/form.hpp"
#include "htpx/multipart.hpp"
#include "htpx/request.hpp"
#include "htpx/timeout.hpp"

namespace htpx_cli {

/// The body objects one request streams from; they live as long as the request.
struct body_holder {
  std::unique_ptr<file_source> file;                     ///< --content @FILE
  stdin_source in{0};                                    ///< --content @-
  std::unique_ptr<htpx::form_body> form;                 ///< -d
  std::vector<std::unique_ptr<file_source>> part_files;  ///< -F name=@FILE, one per file part
  std::vector<htpx::multipart_part> parts;               ///< -F
  std::unique_ptr<htpx::multipart_body> multipart;       ///< -F
  std::unique_ptr<htpx::digest_auth> digest;             ///< --digest with -Z > 1: one scheme per request
  std::string describe;  ///< for -v: "12 bytes", "file data.bin (4096 bytes)", "stdin, chunked"
};

/// Builds one htpx::request per URL. The header, parameter, form and cookie tables it owns are
/// shared by every request, so the builder must outlive them all.
class request_builder {
 public:
  /// Views `a` (outliving the builder).
  explicit request_builder(const args& a);

  /// Checks what can fail before any request: the --content @FILE and -F name=@FILE files
  /// open. Returns an error message, empty when fine.
  std::string check() const;
  /// Returns the client's timeouts: the given ones in milliseconds, 5 s for the others.
  [[nodiscard]] htpx::timeout timeouts() const;
  /// Returns the method every request uses.
  [[nodiscard]] std::string_view method() const { return method_; }
  /// Fills `out` for `url`, opening the body into `body` (same lifetime as the request); with
  /// `per_request_digest`, a Digest scheme of its own goes into `body` too. Returns an error
  /// message (a body file no longer opens), empty when fine.
  std::string build(std::string_view url, body_holder& body, htpx::request& out, bool per_request_digest) const;

 private:
  std::string build_multipart(body_holder& body, htpx::request& out) const;

  const args& args_;
  std::string_view method_;
  std::vector<htpx::header> headers_;
  std::vector<htpx::query_param> params_;
  std::vector<htpx::query_param> form_fields_;
  std::vector<htpx::query_param> cookies_;
};

}  // namespace htpx_cli
