// Request building: every option maps to a field of htpx::request / request_options.
#include "request_builder.hpp"

#include <cmath>

namespace htpx_cli {

namespace {

// Seconds from the command line to htpx milliseconds (0 stays 0: "disabled"; a positive value
// never rounds down to 0).
std::uint32_t to_ms(double seconds, std::uint32_t fallback) {
  if (seconds < 0) return fallback;
  const double ms = std::round(seconds * 1000.0);
  if (seconds > 0 && ms < 1) return 1;
  return static_cast<std::uint32_t>(ms);
}

}  // namespace

request_builder::request_builder(const args& a) : args_(a) {
  const bool has_body = a.has_json || a.content != content_kind::none;
  method_ = !a.method.empty() ? a.method : has_body ? std::string_view("POST") : std::string_view("GET");
  for (const field& h : a.headers) headers_.push_back({h.name, h.value});
  for (const field& p : a.params) params_.push_back({p.name, p.value});
}

std::string request_builder::check() const {
  if (args_.content != content_kind::file) return {};
  file_source probe;
  const std::string failure = probe.open(std::string(args_.content_value));
  if (failure.empty()) return {};
  return "--content @" + std::string(args_.content_value) + ": " + failure;
}

htpx::timeout request_builder::timeouts() const {
  const htpx::timeout defaults;
  htpx::timeout t;
  t.connect_ms = to_ms(args_.timeouts.connect, defaults.connect_ms);
  t.read_ms = to_ms(args_.timeouts.read, defaults.read_ms);
  t.write_ms = to_ms(args_.timeouts.write, defaults.write_ms);
  t.pool_ms = to_ms(args_.timeouts.pool, defaults.pool_ms);
  return t;
}

std::string request_builder::build(std::string_view url, body_holder& body, htpx::request& out) const {
  out = htpx::request{};
  out.method = method_;
  out.url = url;
  out.options.headers = {headers_.data(), headers_.size()};
  out.options.params = {params_.data(), params_.size()};
  switch (args_.content) {
    case content_kind::none:
      if (args_.has_json) {
        out.options.content = htpx::body::bytes(args_.json, "application/json");
        body.describe = "JSON, " + std::to_string(args_.json.size()) + " bytes";
      }
      break;
    case content_kind::text:
      out.options.content = htpx::body::bytes(args_.content_value);
      body.describe = std::to_string(args_.content_value.size()) + " bytes";
      break;
    case content_kind::file: {
      body.file = std::make_unique<file_source>();
      const std::string failure = body.file->open(std::string(args_.content_value));
      if (!failure.empty()) return "--content @" + std::string(args_.content_value) + ": " + failure;
      out.options.content = htpx::body::source(*body.file, body.file->length());
      body.describe =
          "file " + std::string(args_.content_value) + ", " + std::to_string(body.file->length()) + " bytes";
      break;
    }
    case content_kind::stdin_stream:
      out.options.content = htpx::body::source(body.in);  // unknown length: chunked
      body.describe = "stdin, chunked";
      break;
  }
  return {};
}

}  // namespace htpx_cli
