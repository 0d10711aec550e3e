#include "request_reader.hpp"

#include <cstdint>
#include <utility>

namespace htpx::test {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i != a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char l = lower(c);
  if (l >= 'a' && l <= 'f') return l - 'a' + 10;
  return -1;
}

read_request invalid(read_request r, const char* why) {
  r.valid = false;
  r.complete = false;
  r.problem = why;
  return r;
}

// Decodes a chunked body starting at `at`; fills `r` and returns it (complete when the last
// chunk and trailer section are there).
read_request read_chunked(std::string_view bytes, std::size_t at, read_request r) {
  r.chunked = true;
  r.need = bytes.size() + 1;
  for (;;) {
    r.resume = at;
    const std::size_t eol = bytes.find("\r\n", at);
    if (eol == std::string_view::npos) return r;  // incomplete size line
    std::string_view line = bytes.substr(at, eol - at);
    const std::size_t semi = line.find(';');
    const std::string_view digits = line.substr(0, semi);
    if (digits.empty() || digits.size() > 16) return invalid(r, "bad chunk-size line");
    std::uint64_t size = 0;
    for (const char c : digits) {
      const int v = hex_value(c);
      if (v < 0) return invalid(r, "non-hex digit in chunk-size");
      size = size * 16 + static_cast<std::uint64_t>(v);
    }
    at = eol + 2;
    if (size == 0) break;
    if (bytes.size() - at < size + 2) {  // incomplete chunk: its CRLF and a last chunk must follow
      r.need = at + static_cast<std::size_t>(size) + 2 + 5;
      return r;
    }
    r.body.append(bytes.substr(at, static_cast<std::size_t>(size)));
    at += static_cast<std::size_t>(size);
    if (bytes.substr(at, 2) != "\r\n") return invalid(r, "chunk data not followed by CRLF");
    at += 2;
    ++r.chunks;
  }
  // Trailer section: field lines, then an empty line.
  for (;;) {
    const std::size_t eol = bytes.find("\r\n", at);
    if (eol == std::string_view::npos) return r;
    if (eol == at) {
      r.size = at + 2;
      r.complete = true;
      return r;
    }
    r.trailers.append(bytes.substr(at, eol + 2 - at));
    at = eol + 2;
  }
}

}  // namespace

read_request continue_request(std::string_view bytes, read_request previous) {
  if (previous.valid && !previous.complete && previous.chunked && previous.resume != 0 &&
      previous.resume <= bytes.size()) {
    const std::size_t at = previous.resume;
    return read_chunked(bytes, at, std::move(previous));
  }
  return read_first_request(bytes);
}

std::string_view field_value(std::string_view head, std::string_view name) {
  std::size_t at = head.find("\r\n");  // skip the request line
  while (at != std::string_view::npos) {
    at += 2;
    const std::size_t eol = head.find("\r\n", at);
    if (eol == std::string_view::npos || eol == at) break;
    const std::string_view line = head.substr(at, eol - at);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequal(line.substr(0, colon), name)) {
      return trim(line.substr(colon + 1));
    }
    at = eol;
  }
  return {};
}

read_request read_first_request(std::string_view bytes) {
  read_request r;
  r.need = bytes.size() + 1;
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (bytes.find('\n') != std::string_view::npos && bytes.find("\r\n") == std::string_view::npos) {
      return invalid(r, "bare LF in the request head");
    }
    return r;  // head not complete yet
  }
  r.head = std::string(bytes.substr(0, end + 4));
  const std::string_view te = field_value(r.head, "transfer-encoding");
  const std::string_view cl = field_value(r.head, "content-length");
  if (!te.empty() && !cl.empty()) return invalid(r, "both Content-Length and Transfer-Encoding");
  const std::size_t body_start = end + 4;
  if (!te.empty()) {
    if (!iequal(te, "chunked")) return invalid(r, "Transfer-Encoding other than chunked");
    return read_chunked(bytes, body_start, r);
  }
  std::uint64_t length = 0;
  if (!cl.empty()) {
    if (cl.size() > 19) return invalid(r, "Content-Length too long");
    for (const char c : cl) {
      if (c < '0' || c > '9') return invalid(r, "Content-Length is not a number");
      length = length * 10 + static_cast<std::uint64_t>(c - '0');
    }
  }
  if (bytes.size() - body_start < length) {
    r.need = body_start + static_cast<std::size_t>(length);
    return r;
  }
  r.body = std::string(bytes.substr(body_start, static_cast<std::size_t>(length)));
  r.size = body_start + static_cast<std::size_t>(length);
  r.complete = true;
  return r;
}

}  // namespace htpx::test
