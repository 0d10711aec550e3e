// The form body: httpx's `data=` encoding, streamed.
#include <cstring>

#include "htpx/form.hpp"

namespace htpx {

namespace {

// httpx `encode_urlencoded_data` (httpx/_content.py) sends `urllib.parse.urlencode(plain_data,
// doseq=True)`, which encodes each name and value with quote_plus(): the always-safe bytes
// ALPHA / DIGIT / "_.-~" are kept, ' ' becomes '+', everything else %XX (uppercase hex). This is
// also the WHATWG application/x-www-form-urlencoded serializer browsers use for forms.
bool kept(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Writes the encoding of `c` into out; returns its length (1 or 3).
std::size_t encode(unsigned char c, char out[3]) noexcept {
  static constexpr char hex[] = "0123456789ABCDEF";
  if (kept(c) || c == ' ') {
    out[0] = c == ' ' ? '+' : static_cast<char>(c);
    return 1;
  }
  out[0] = '%';
  out[1] = hex[c >> 4];
  out[2] = hex[c & 0xF];
  return 3;
}

}  // namespace

std::uint64_t form_encoded_length(std::string_view text) noexcept {
  std::uint64_t n = 0;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    n += kept(b) || b == ' ' ? 1 : 3;
  }
  return n;
}

form_body::form_body(span<const query_param> fields) noexcept : fields_(fields) {
  for (std::size_t i = 0; i != fields.size(); ++i) {
    length_ += (i == 0 ? 1 : 2) + form_encoded_length(fields[i].name) + form_encoded_length(fields[i].value);
  }
}

port::io_result form_body::read(mutable_bytes out) noexcept {
  std::size_t n = 0;
  while (n < out.size && field_ < fields_.size()) {
    const query_param& field = fields_[field_];
    char piece[3];
    std::size_t len = 1;
    if (part_ == 0 || part_ == 2) {
      if (part_ == 0 && field_ == 0) {
        part_ = 1;
        continue;
      }
      piece[0] = part_ == 0 ? '&' : '=';
    } else {
      const std::string_view text = part_ == 1 ? field.name : field.value;
      if (at_ == text.size()) {  // this name or value is done
        at_ = 0;
        part_ = static_cast<std::uint8_t>(part_ + 1);
        if (part_ == 4) {
          part_ = 0;
          field_ += 1;
        }
        continue;
      }
      len = encode(static_cast<unsigned char>(text[at_]), piece);
    }
    // A %XX may straddle two reads: sent_ remembers how much of it went out.
    std::size_t take = len - sent_;
    if (take > out.size - n) take = out.size - n;
    std::memcpy(out.data + n, piece + sent_, take);
    n += take;
    sent_ = static_cast<std::uint8_t>(sent_ + take);
    if (sent_ == len) {
      sent_ = 0;
      if (part_ == 0 || part_ == 2) {
        part_ = static_cast<std::uint8_t>(part_ + 1);
      } else {
        at_ += 1;
      }
    }
  }
  if (n != 0) return {port::io_status::ok, n, 0};
  return {field_ == fields_.size() ? port::io_status::closed : port::io_status::would_block, 0, 0};
}

bool form_body::rewind() noexcept {
  field_ = 0;
  at_ = 0;
  part_ = 0;
  sent_ = 0;
  return true;
}

namespace body {
request_body form(form_body& content) noexcept {
  (void)content.rewind();
  return source(content, content.length(), "application/x-www-form-urlencoded");
}
}  // namespace body

}  // namespace htpx
