#include "htpx/h1/request_writer.hpp"

#include <cstring>

#include "char_class.hpp"
#include "fault_texts.hpp"

namespace htpx::h1 {

namespace {

using detail::content_length_name;
using detail::name_is;
using detail::transfer_encoding_name;

constexpr char host_name[] = "Host";

// Appends to `out`, or only counts when `out` is null: the head is sized and then written by
// the same code, so the size and the bytes cannot disagree. Pointers and sizes rather than
// string_views: 32-bit ABIs pass a view through the stack.
struct head_writer {
  char* out;
  std::size_t size = 0;

  void put(const char* s, std::size_t n) noexcept {
    if (out != nullptr) std::memcpy(out + size, s, n);
    size += n;
  }
  void put(std::string_view s) noexcept { put(s.data(), s.size()); }
  // Writes the field line `name: value CRLF` (one call per line: smaller code at each caller).
  void field(const char* name, std::size_t n, const char* value, std::size_t m) noexcept {
    put(name, n);
    put(": ", 2);
    put(value, m);
    crlf();
  }
  void crlf() noexcept { put("\r\n", 2); }
};

// Returns true when every byte of `s` has the class `bit`: one table load per byte, four bytes
// per step (their classes ANDed) and then the rest. A pointer and a size rather than a
// string_view: 32-bit ABIs pass a view through the stack.
bool all_in(const char* p, std::size_t size, std::uint8_t bit) noexcept {
  const char* const end = p + size;
  const auto cls = [](char c) { return detail::char_class[static_cast<unsigned char>(c)]; };
  for (; end - p >= 4; p += 4) {
    if ((cls(p[0]) & cls(p[1]) & cls(p[2]) & cls(p[3]) & bit) == 0) return false;
  }
  for (; p != end; ++p) {
    if ((cls(*p) & bit) == 0) return false;
  }
  return true;
}

// token = 1*tchar (RFC 9110 §5.6.2): a method or a field name.
bool is_token(std::string_view s) noexcept { return !s.empty() && all_in(s.data(), s.size(), detail::tchar); }

// request-target: printable US-ASCII only; SP, CTL, DEL and non-ASCII would let a caller split
// the request line (RFC 9112 §3.2; Python CVE-2019-9740). A fragment is never sent (RFC 9110 §7.1).
bool is_valid_target(std::string_view s) noexcept {
  return !s.empty() && all_in(s.data(), s.size(), detail::target_char);
}

// Host = uri-host [ ":" port ] (RFC 9110 §7.2): reg-name, IPv4 or [IPv6] characters only.
bool is_valid_host(std::string_view s) noexcept { return all_in(s.data(), s.size(), detail::host_char); }

// field-value: no CR, LF, NUL or other CTL except HTAB, no DEL (RFC 9110 §5.5).
bool is_valid_value(std::string_view s) noexcept { return all_in(s.data(), s.size(), detail::value_char); }

// Writes `v` in decimal at the end of `digits` and returns how many digits it took. Each digit
// is a long division by 10 over 16-bit pieces in 32-bit arithmetic: 32-bit targets have no
// 64-bit divide instruction, and libgcc's would add about 700 bytes.
std::size_t format_decimal(char (&digits)[20], std::uint64_t v) noexcept {
  const auto high = static_cast<std::uint32_t>(v >> 32);
  const auto low = static_cast<std::uint32_t>(v);
  std::uint32_t pieces[4] = {high >> 16, high & 0xffffu, low >> 16, low & 0xffffu};
  std::size_t n = sizeof digits;
  std::uint32_t left;
  do {
    std::uint32_t rest = 0;
    left = 0;
    for (std::uint32_t& piece : pieces) {
      const std::uint32_t part = (rest << 16) | piece;
      piece = part / 10;
      rest = part % 10;
      left |= piece;
    }
    digits[--n] = static_cast<char>('0' + rest);
  } while (left != 0);
  return sizeof digits - n;
}

// Checks every element of `request` once. Returns fault::none, or why it is refused; says
// whether the caller set Host itself (then the automatic one is left out).
fault check_head(const request_head& request, bool& caller_host) noexcept {
  if (!is_token(request.method)) return fault::method_not_token;
  if (!is_valid_target(request.target)) return fault::bad_request_target;
  if (!is_valid_host(request.host)) return fault::invalid_host;
  caller_host = false;
  for (std::size_t i = 0; i != request.header_count; ++i) {
    const header& field = request.headers[i];
    if (!is_token(field.name)) return fault::bad_field_name;
    if (!is_valid_value(field.value)) return fault::ctl_in_value;
    const char* const name = field.name.data();
    const std::size_t size = field.name.size();
    if (name_is(name, size, content_length_name) || name_is(name, size, transfer_encoding_name)) {
      return fault::framing_field_set;
    }
    caller_host = caller_host || name_is(name, size, host_name);
  }
  return fault::none;
}

// Writes the head of a checked `request` to `out`, or only counts when `out` is null. Returns its
// size.
std::size_t write_head(char* out, const request_head& request, bool send_host) noexcept {
  head_writer w{out};
  w.put(request.method);
  w.put(" ", 1);
  w.put(request.target);
  w.put(" HTTP/1.1\r\n", 11);
  if (send_host) w.field(host_name, 4, request.host.data(), request.host.size());
  for (std::size_t i = 0; i != request.header_count; ++i) {
    const header& field = request.headers[i];
    w.field(field.name.data(), field.name.size(), field.value.data(), field.value.size());
  }
  if (request.framing == body_framing::content_length) {
    char digits[20];
    const std::size_t n = format_decimal(digits, request.content_length);
    w.field(content_length_name.data(), content_length_name.size(), digits + sizeof digits - n, n);
  } else if (request.framing == body_framing::chunked) {
    w.field(transfer_encoding_name.data(), transfer_encoding_name.size(), detail::chunked_coding.data(),
            detail::chunked_coding.size());
  }
  w.crlf();
  return w.size;
}

}  // namespace

result<std::size_t> write_request_head(mutable_bytes out, const request_head& request) noexcept {
  // Check everything and size the whole head first, so an invalid or oversized head writes
  // nothing; then only copy.
  bool caller_host = false;
  fault failure = check_head(request, caller_host);
  const bool send_host = !request.host.empty() && !caller_host;
  if (failure == fault::none && write_head(nullptr, request, send_host) > out.size) {
    failure = fault::head_over_tx_buffer;
  }
  if (failure != fault::none) return error{errc::local_protocol_error, text_of(failure)};
  return write_head(out.data, request, send_host);
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
  std::size_t i = header_size - 2;
  out[i] = '\r';
  out[i + 1] = '\n';
  while (i != 0) {
    const auto digit = static_cast<char>(payload & 0xf);
    out[--i] = static_cast<char>(digit < 10 ? '0' + digit : 'a' - 10 + digit);
    payload >>= 4;
  }
}

}  // namespace htpx::h1
