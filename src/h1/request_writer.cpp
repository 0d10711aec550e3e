#include "htpx/h1/request_writer.hpp"

#include <cstring>

#include "char_class.hpp"

namespace htpx::h1 {

using detail::is_ctl;
using detail::is_tchar;

namespace {

constexpr std::string_view version_line = " HTTP/1.1\r\n";
constexpr std::string_view host_name = "Host: ";
constexpr std::string_view length_name = "Content-Length: ";
constexpr std::string_view chunked_line = "Transfer-Encoding: chunked\r\n";

error invalid(const char* detail) noexcept { return {errc::local_protocol_error, detail}; }

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

// request-target: printable US-ASCII only; SP, CTL, DEL and non-ASCII would let a caller split
// the request line (RFC 9112 §3.2; Python CVE-2019-9740). A fragment is never sent (RFC 9110 §7.1).
bool is_valid_target(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#') return false;
  }
  return true;
}

// Host = uri-host [ ":" port ] (RFC 9110 §7.2): reg-name, IPv4 or [IPv6] characters only.
bool is_valid_host(std::string_view s) noexcept {
  for (const char c : s) {
    if (c == '\0') return false;  // strchr() would find the terminator
    const unsigned u = static_cast<unsigned char>(c);
    const bool alnum = (u - '0' < 10u) || ((u | 0x20u) - 'a' < 26u);
    if (!alnum && std::strchr("-._~!$&'()*+,;=:[]%", c) == nullptr) return false;
  }
  return true;
}

// field-value: no CR, LF, NUL or other CTL except HTAB (RFC 9110 §5.5).
bool is_valid_value(std::string_view s) noexcept {
  for (const char c : s) {
    if (c != '\t' && is_ctl(c)) return false;
  }
  return true;
}

// Powers of ten for writing a 64-bit length by subtraction: 32-bit targets have no 64-bit
// divide instruction, and libgcc's would add about 700 bytes.
constexpr std::uint64_t powers_of_ten[] = {10000000000000000000u, 1000000000000000000u, 100000000000000000u,
                                           10000000000000000u,    1000000000000000u,    100000000000000u,
                                           10000000000000u,       1000000000000u,       100000000000u,
                                           10000000000u,          1000000000u,          100000000u,
                                           10000000u,             1000000u,             100000u,
                                           10000u,                1000u,                100u,
                                           10u,                   1u};

// Writes `v` in decimal at `out` (when not null); returns the number of digits.
std::size_t write_decimal(char* out, std::uint64_t v) noexcept {
  std::size_t n = 0;
  for (const std::uint64_t power : powers_of_ten) {
    unsigned digit = 0;
    while (v >= power) {
      v -= power;
      ++digit;
    }
    if (digit != 0 || n != 0 || power == 1) {
      if (out != nullptr) out[n] = static_cast<char>('0' + digit);
      ++n;
    }
  }
  return n;
}

char* put(char* out, std::string_view s) noexcept {
  std::memcpy(out, s.data(), s.size());
  return out + s.size();
}

char* put_crlf(char* out) noexcept {
  out[0] = '\r';
  out[1] = '\n';
  return out + 2;
}

}  // namespace

result<std::size_t> write_request_head(mutable_bytes out, const request_head& request) noexcept {
  // Validate everything and size the head first, so an invalid or oversized head writes nothing.
  if (!is_token(request.method)) return invalid("request method is not a token");
  if (!is_valid_target(request.target)) return invalid("request target contains SP, a control character or #");
  if (!is_valid_host(request.host)) return invalid("Host contains a character not allowed in a host");
  bool caller_host = false;
  std::size_t size = request.method.size() + 1 + request.target.size() + version_line.size() + 2;  // SP, final CRLF
  for (std::size_t i = 0; i != request.header_count; ++i) {
    const header& field = request.headers[i];
    if (!is_token(field.name)) return invalid("header name is not a token");
    if (!is_valid_value(field.value)) return invalid("header value contains CR, LF, NUL or a control character");
    if (iequals(field.name, "content-length") || iequals(field.name, "transfer-encoding")) {
      return invalid("Content-Length and Transfer-Encoding are set by the library");
    }
    caller_host = caller_host || iequals(field.name, "host");
    size += field.name.size() + 2 + field.value.size() + 2;
  }
  const bool auto_host = !request.host.empty() && !caller_host;
  if (auto_host) size += host_name.size() + request.host.size() + 2;
  if (request.framing == body_framing::content_length) {
    size += length_name.size() + write_decimal(nullptr, request.content_length) + 2;
  } else if (request.framing == body_framing::chunked) {
    size += chunked_line.size();
  }
  if (size > out.size) return invalid("request head does not fit the transmit buffer");

  char* p = out.data;
  p = put(p, request.method);
  *p++ = ' ';
  p = put(p, request.target);
  p = put(p, version_line);
  if (auto_host) p = put_crlf(put(put(p, host_name), request.host));
  for (std::size_t i = 0; i != request.header_count; ++i) {
    p = put(p, request.headers[i].name);
    p = put(p, ": ");
    p = put_crlf(put(p, request.headers[i].value));
  }
  if (request.framing == body_framing::content_length) {
    p = put(p, length_name);
    p = put_crlf(p + write_decimal(p, request.content_length));
  } else if (request.framing == body_framing::chunked) {
    p = put(p, chunked_line);
  }
  p = put_crlf(p);
  return static_cast<std::size_t>(p - out.data);
}

std::size_t chunk_header_size(std::size_t max_payload) noexcept {
  std::size_t digits = 1;
  while (max_payload >= 16) {
    max_payload >>= 4;
    ++digits;
  }
  return digits + 2;
}

void write_chunk_header(char* out, std::size_t header_size, std::size_t payload) noexcept {
  static constexpr char hex[] = "0123456789abcdef";
  std::size_t i = header_size - 2;
  out[i] = '\r';
  out[i + 1] = '\n';
  while (i != 0) {
    out[--i] = hex[payload & 0xf];
    payload >>= 4;
  }
}

}  // namespace htpx::h1
