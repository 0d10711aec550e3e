// Request building: every option maps to a field of htpx::request / request_options.
#include "request_builder.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>

#include "htpx/json.hpp"

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

// The multipart boundary from the OS's random source (the built-in generator is predictable).
std::uint32_t os_random(void* ctx) noexcept {
  (void)ctx;
  std::uint32_t value = 0;
  if (::getentropy(&value, sizeof value) != 0) {
    value = static_cast<std::uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  return value;
}

// The file name a file part is sent with: the path's last segment.
std::string_view base_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

request_builder::request_builder(const args& a) : args_(a) {
  const bool has_body = a.has_json || a.content != content_kind::none || !a.data.empty() || !a.form.empty();
  method_ = !a.method.empty() ? a.method : has_body ? std::string_view("POST") : std::string_view("GET");
  for (const field& h : a.headers) headers_.push_back({h.name, h.value});
  for (const field& p : a.params) params_.push_back({p.name, p.value});
  for (const field& d : a.data) form_fields_.push_back({d.name, d.value});
  for (const field& c : a.cookies) cookies_.push_back({c.name, c.value});
}

std::string request_builder::check() const {
  file_source probe;
  if (args_.content == content_kind::file) {
    const std::string failure = open_file(probe, std::string(args_.content_value));
    if (!failure.empty()) return "--content @" + std::string(args_.content_value) + ": " + failure;
  }
  for (const form_part& part : args_.form) {
    if (!part.file) continue;
    file_source file;
    const std::string failure = open_file(file, std::string(part.value));
    if (!failure.empty()) return "-F " + std::string(part.name) + "=@" + std::string(part.value) + ": " + failure;
  }
  return {};
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

std::string request_builder::build(std::string_view url, body_holder& body, htpx::request& out,
                                   bool per_request_digest) const {
  out = htpx::request{};
  out.method = method_;
  out.url = url;
  out.options.headers = {headers_.data(), headers_.size()};
  out.options.params = {params_.data(), params_.size()};
  out.options.cookies = {cookies_.data(), cookies_.size()};
  out.options.expect_continue = args_.expect_100;
  if (per_request_digest) {
    // A digest_auth follows one request at a time: with -Z > 1 each request has its own.
    body.digest = std::make_unique<htpx::digest_auth>(args_.user, args_.password);
    out.options.auth = body.digest.get();
  }
  if (!args_.data.empty()) {
    body.form = std::make_unique<htpx::form_body>(
        htpx::span<const htpx::query_param>{form_fields_.data(), form_fields_.size()});
    out.options.content = htpx::body::form(*body.form);
    body.describe =
        "form, " + std::to_string(form_fields_.size()) + " fields, " + std::to_string(body.form->length()) + " bytes";
    return {};
  }
  if (!args_.form.empty()) return build_multipart(body, out);
  switch (args_.content) {
    case content_kind::none:
      if (args_.has_json) {
        out.options.content = htpx::body::json_text(args_.json);
        body.describe = "JSON, " + std::to_string(args_.json.size()) + " bytes";
      }
      break;
    case content_kind::text:
      out.options.content = htpx::body::bytes(args_.content_value);
      body.describe = std::to_string(args_.content_value.size()) + " bytes";
      break;
    case content_kind::file: {
      body.file = std::make_unique<file_source>();
      const std::string failure = open_file(*body.file, std::string(args_.content_value));
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

std::string request_builder::build_multipart(body_holder& body, htpx::request& out) const {
  // Every part first (the multipart body views the finished table), files opened per request.
  body.parts.reserve(args_.form.size());
  for (const form_part& part : args_.form) {
    htpx::multipart_part p;
    p.name = part.name;
    if (part.file) {
      auto file = std::make_unique<file_source>();
      const std::string failure = open_file(*file, std::string(part.value));
      if (!failure.empty()) return "-F " + std::string(part.name) + "=@" + std::string(part.value) + ": " + failure;
      p.filename = base_name(part.value);
      p.source = file.get();
      p.length = file->length();
      body.part_files.push_back(std::move(file));
    } else {
      p.data = htpx::bytes_view(part.value);
    }
    body.parts.push_back(p);
  }
  body.multipart = std::make_unique<htpx::multipart_body>(
      htpx::span<const htpx::multipart_part>{body.parts.data(), body.parts.size()}, os_random, nullptr);
  const htpx::result<htpx::request_body> content = htpx::body::multipart(*body.multipart);
  if (!content) return std::string("-F: ") + content.err().detail;
  out.options.content = content.value();
  body.describe = "multipart, " + std::to_string(body.parts.size()) + " parts, " +
                  (content.value().length == htpx::request_body::unknown_length
                       ? std::string("chunked")
                       : std::to_string(content.value().length) + " bytes");
  return {};
}

}  // namespace htpx_cli
