// The multipart/form-data body (RFC 7578), laid out as httpx's MultipartStream, streamed.
#include <cstring>

#include "htpx/multipart.hpp"

namespace htpx {

namespace {

constexpr char hex_lower[] = "0123456789abcdef";
constexpr char hex_upper[] = "0123456789ABCDEF";
constexpr int max_draws = 8;

// Keeps the bytes [offset, offset + cap) of all that is put into `out`; counts everything, so
// one function both measures a section and writes any slice of it.
struct window {
  char* out;
  std::size_t cap;
  std::uint64_t offset;
  std::uint64_t pos = 0;

  void put(std::string_view s) noexcept {
    const std::uint64_t begin = pos;
    pos += s.size();
    if (cap == 0 || pos <= offset) return;
    const std::uint64_t from = begin > offset ? begin : offset;
    if (from - offset >= cap) return;
    const std::uint64_t room = cap - (from - offset);
    const std::uint64_t count = pos - from < room ? pos - from : room;
    std::memcpy(out + (from - offset), s.data() + (from - begin), static_cast<std::size_t>(count));
  }
  [[nodiscard]] std::size_t written() const noexcept {
    if (pos <= offset) return 0;
    return pos - offset < cap ? static_cast<std::size_t>(pos - offset) : cap;
  }
};

// httpx `_format_form_param` (httpx/_multipart.py): '"' -> %22, '\' -> \\, and every byte in
// 0x00-0x1F except 0x1B (ESC) -> %XX, following the HTML standard's multipart/form-data
// encoding of names and filenames (RFC 7578 §4.2 defers to it).
void put_quoted(window& w, std::string_view s) noexcept {
  std::size_t plain = 0;
  for (std::size_t i = 0; i != s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c != '"' && c != '\\' && (c >= 0x20 || c == 0x1B)) continue;
    w.put({s.data() + plain, i - plain});
    const char escape[3] = {'%', hex_upper[c >> 4], hex_upper[c & 0xF]};
    w.put(c == '\\' ? std::string_view("\\\\") : std::string_view(escape, 3));
    plain = i + 1;
  }
  w.put({s.data() + plain, s.size() - plain});
}

std::string_view part_type(const multipart_part& part) noexcept {
  if (!part.content_type.empty() || part.filename.empty()) return part.content_type;
  return "application/octet-stream";  // httpx guesses from the filename, else this
}

// The delimiter and header section of a part (RFC 7578 §4.1, §4.2, §4.4).
void put_head(window& w, const multipart_part& part, std::string_view boundary) noexcept {
  w.put("--");
  w.put(boundary);
  w.put("\r\nContent-Disposition: form-data; name=\"");
  put_quoted(w, part.name);
  w.put("\"");
  if (!part.filename.empty()) {
    w.put("; filename=\"");
    put_quoted(w, part.filename);
    w.put("\"");
  }
  const std::string_view type = part_type(part);
  if (!type.empty()) {
    w.put("\r\nContent-Type: ");
    w.put(type);
  }
  w.put("\r\n\r\n");
}

// The last section: the CRLF after the previous part's content is that part's; then the close
// delimiter (RFC 2046 §5.1.1).
void put_section(window& w, std::size_t section, const multipart_part* part, std::string_view boundary) noexcept {
  if (part == nullptr) {
    w.put("--");
    w.put(boundary);
    w.put("--\r\n");
  } else if (section == 0) {
    put_head(w, *part, boundary);
  } else {
    w.put("\r\n");
  }
}

bool contains(std::string_view text, std::string_view needle) noexcept {
  return text.find(needle) != std::string_view::npos;
}

// The built-in boundary source: a 64-bit finaliser (MurmurHash3's fmix64) over the seed.
std::uint32_t mix(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDu;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53u;
  x ^= x >> 33;
  return static_cast<std::uint32_t>(x);
}

}  // namespace

bool multipart_body::collides() const noexcept {
  const std::string_view b = boundary();
  for (const multipart_part& part : parts_) {
    if (contains(part.data.str(), b) || contains(part.name, b) || contains(part.filename, b) ||
        contains(part.content_type, b)) {
      return true;
    }
  }
  return false;
}

port::io_result multipart_body::fail(const char* detail) noexcept {
  if (!error_) error_ = {errc::local_protocol_error, detail};
  return {port::io_status::error, 0, 0};
}

error multipart_body::prepare() noexcept {
  error_ = {};
  prepared_ = false;
  for (const multipart_part& part : parts_) {
    if (part.source != nullptr && !part.data.empty()) {
      (void)fail("multipart part has both data and a source");
      return error_;
    }
    for (const char c : part_type(part)) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
        (void)fail("invalid multipart content type");
        return error_;
      }
    }
  }
  std::memcpy(content_type_, "multipart/form-data; boundary=", prefix_size);
  std::uint64_t seed = reinterpret_cast<std::uintptr_t>(this) ^ (std::uint64_t{parts_.size()} << 48);
  for (const multipart_part& part : parts_) {
    seed = seed * 0x100000001B3u + reinterpret_cast<std::uintptr_t>(part.data.data) + part.data.size;
  }
  for (int attempt = 0;; ++attempt) {
    if (attempt == max_draws) {
      (void)fail("multipart boundary collides with the content");
      return error_;
    }
    char* at = content_type_ + prefix_size;
    for (int word = 0; word != 4; ++word) {
      draws_ += 1;
      const std::uint32_t r = random_ != nullptr ? random_(random_ctx_) : mix(seed + draws_ * 0x9E3779B97F4A7C15u);
      for (int shift = 28; shift >= 0; shift -= 4) *at++ = hex_lower[(r >> shift) & 0xF];
    }
    if (!collides()) break;
  }
  bool known = true;
  std::uint64_t total = 0;
  for (const multipart_part& part : parts_) {
    window w{nullptr, 0, 0};
    put_head(w, part, boundary());
    total += w.pos + 2;
    if (part.source == nullptr) {
      total += part.data.size;
    } else if (part.length == request_body::unknown_length) {
      known = false;
    } else {
      total += part.length;
    }
  }
  total += 2 + boundary_size + 4;
  length_ = known ? total : request_body::unknown_length;
  part_ = 0;
  section_ = 0;
  offset_ = 0;
  prepared_ = true;
  return {};
}

port::io_result multipart_body::read(mutable_bytes out) noexcept {
  if (!prepared_ && !error_ && prepare()) return {port::io_status::error, 0, 0};
  if (error_) return {port::io_status::error, 0, 0};
  std::size_t n = 0;
  while (n < out.size && part_ <= parts_.size()) {
    const multipart_part* part = part_ < parts_.size() ? &parts_[part_] : nullptr;
    if (part == nullptr || section_ != 1) {  // framing: regenerated, only the unsent slice kept
      window w{out.data + n, out.size - n, offset_};
      put_section(w, section_, part, boundary());
      n += w.written();
      offset_ += w.written();
      if (offset_ == w.pos) {
        offset_ = 0;
        if (part == nullptr || section_ == 2) {  // the next part, or past the close delimiter: the end
          part_ += 1;
          section_ = 0;
        } else {
          section_ = 1;
        }
      }
      continue;
    }
    const std::size_t space = out.size - n;
    if (part->source == nullptr) {
      const std::uint64_t left = part->data.size - offset_;
      const std::size_t take = left < space ? static_cast<std::size_t>(left) : space;
      if (take != 0) std::memcpy(out.data + n, part->data.data + offset_, take);
      n += take;
      offset_ += take;
      if (offset_ == part->data.size) {
        offset_ = 0;
        section_ = 2;
      }
      continue;
    }
    const bool known = part->length != request_body::unknown_length;
    if (known && offset_ == part->length) {
      offset_ = 0;
      section_ = 2;
      continue;
    }
    const std::size_t want =
        known && part->length - offset_ < space ? static_cast<std::size_t>(part->length - offset_) : space;
    const port::io_result r = part->source->read({out.data + n, want});
    switch (r.status) {
      case port::io_status::ok:
        if (r.bytes == 0 || r.bytes > want) return fail("multipart part source broke its contract");
        n += r.bytes;
        offset_ += r.bytes;
        break;
      case port::io_status::would_block:
        if (n != 0) return {port::io_status::ok, n, 0};
        return {port::io_status::would_block, 0, 0};
      case port::io_status::closed:
        if (known) return fail("multipart part source ended early");
        offset_ = 0;
        section_ = 2;
        break;
      case port::io_status::error: return fail("multipart part source failed");
    }
  }
  if (n != 0) return {port::io_status::ok, n, 0};
  return {part_ > parts_.size() ? port::io_status::closed : port::io_status::would_block, 0, 0};
}

bool multipart_body::rewind() noexcept {
  part_ = 0;
  section_ = 0;
  offset_ = 0;
  bool ok = !error_;
  for (const multipart_part& part : parts_) {
    if (part.source != nullptr && !part.source->rewind()) ok = false;
  }
  return ok;
}

namespace body {
result<request_body> multipart(multipart_body& form) noexcept {
  if (const error failure = form.prepare()) return failure;
  return source(form, form.length(), form.content_type());
}
}  // namespace body

}  // namespace htpx
