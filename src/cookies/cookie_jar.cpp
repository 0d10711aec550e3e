// The jar's storage: cookies in creation order in caller slots, their text back to back in the
// caller's text buffer (compacted with memmove on every removal), eviction when full, and the
// application's set() / remove() / clear().
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>

#include "htpx/cookies.hpp"
#include "htpx/headers.hpp"
#include "set_cookie.hpp"

namespace htpx {

namespace {

using sv = std::string_view;

constexpr std::size_t max_domain_bytes = 255;  // a DNS name (RFC 1035 §2.3.4)
constexpr std::size_t max_path_bytes = 1024;   // RFC 6265bis §5.6 attribute limit

std::size_t text_of(const detail::cookie_slot& s) noexcept {
  return std::size_t{s.name_size} + s.value_size + s.domain_size + s.path_size;
}
std::size_t text_of(const cookie& c) noexcept {
  return c.name.size() + c.value.size() + c.domain.size() + c.path.size();
}

// Copies `s` to `p` (lowercased when asked: §5.2.3 stores domains in lowercase) and advances it.
void copy_to(char*& p, sv s, bool lowercase = false) noexcept {
  for (const char c : s) *p++ = (lowercase && c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
}

}  // namespace

cookie_jar::cookie_jar(span<detail::cookie_slot> entries, mutable_bytes text) noexcept
    : slots_(entries),
      text_(text.data),
      // offsets are 32-bit (small slots on a microcontroller)
      text_size_(static_cast<std::size_t>(std::uint64_t{text.size} < 0xFFFFFFFFu ? text.size : 0xFFFFFFFFu)) {}

cookie cookie_jar::at(std::size_t i) const noexcept {
  cookie c;
  if (i >= count_) return c;
  const detail::cookie_slot& s = slots_[i];
  const char* p = text_ + s.offset;
  c.name = {p, s.name_size};
  c.value = {p += s.name_size, s.value_size};
  c.domain = {p += s.value_size, s.domain_size};
  c.path = {p + s.domain_size, s.path_size};
  c.expires = s.expires;
  c.host_only = (s.flags & host_only_flag) != 0;
  c.secure = (s.flags & secure_flag) != 0;
  c.http_only = (s.flags & http_only_flag) != 0;
  c.site = static_cast<cookie::same_site>(s.site);
  return c;
}

// §5.3 step 11: the same cookie is the same name, domain and path (names and paths are
// case-sensitive, domains are not).
std::size_t cookie_jar::find(sv name, sv domain, sv path) const noexcept {
  for (std::size_t i = 0; i != count_; ++i) {
    const cookie c = at(i);
    if (c.name == name && c.path == path && iequals(c.domain, domain)) return i;
  }
  return count_;
}

bool cookie_jar::expired(std::size_t i, std::int64_t now) const noexcept {
  return slots_[i].expires != -1 && slots_[i].expires <= now;
}

bool cookie_jar::owns(sv s) const noexcept {
  const std::less<const char*> before;
  return !s.empty() && before(s.data(), text_ + text_size_) && before(text_, s.data() + s.size());
}

void cookie_jar::erase(std::size_t i) noexcept {
  const std::size_t at = slots_[i].offset;
  const std::size_t n = text_of(slots_[i]);
  std::memmove(text_ + at, text_ + at + n, used_ - at - n);
  used_ -= n;
  for (std::size_t j = i + 1; j != count_; ++j) {
    slots_[j - 1] = slots_[j];
    slots_[j - 1].offset = static_cast<std::uint32_t>(slots_[j - 1].offset - n);
  }
  --count_;
}

// Needs a free slot and text_of(c) free bytes (put() made room).
void cookie_jar::insert(std::size_t i, const cookie& c) noexcept {
  const std::size_t n = text_of(c);
  const std::size_t at = i < count_ ? slots_[i].offset : used_;
  std::memmove(text_ + at + n, text_ + at, used_ - at);
  char* p = text_ + at;
  copy_to(p, c.name);
  copy_to(p, c.value);
  copy_to(p, c.domain, true);
  copy_to(p, c.path);
  used_ += n;
  for (std::size_t j = count_; j > i; --j) {
    slots_[j] = slots_[j - 1];
    slots_[j].offset = static_cast<std::uint32_t>(slots_[j].offset + n);
  }
  const auto flags = static_cast<std::uint8_t>((c.host_only ? host_only_flag : 0) | (c.secure ? secure_flag : 0) |
                                               (c.http_only ? http_only_flag : 0));
  slots_[i] = {c.expires,
               static_cast<std::uint32_t>(at),
               static_cast<std::uint16_t>(c.name.size()),
               static_cast<std::uint16_t>(c.value.size()),
               static_cast<std::uint16_t>(c.domain.size()),
               static_cast<std::uint16_t>(c.path.size()),
               flags,
               static_cast<std::uint8_t>(c.site)};
  ++count_;
}

// Removes the expired cookies; returns `pos` moved down past the removed ones before it.
std::size_t cookie_jar::purge_expired(std::int64_t now, std::size_t pos) noexcept {
  for (std::size_t i = count_; i-- != 0;) {
    if (!expired(i, now)) continue;
    erase(i);
    if (i < pos) --pos;
  }
  return pos;
}

// Stores, replaces or (expired) deletes `c`. Returns nullptr or why it was refused, with the
// jar unchanged.
const char* cookie_jar::put(const cookie& c, std::int64_t now) noexcept {
  const std::size_t n = text_of(c);
  if (c.name.size() + c.value.size() > HTPX_COOKIE_MAX_BYTES || c.domain.size() > max_domain_bytes ||
      c.path.size() > max_path_bytes || n > text_size_ || slots_.empty()) {
    return "cookie too large";
  }
  if (owns(c.name) || owns(c.value) || owns(c.domain) || owns(c.path)) return "cookie text inside the jar";
  std::size_t pos = find(c.name, c.domain, c.path);
  if (pos != count_) erase(pos);                            // the new one takes the old one's place
  if (c.expires != -1 && c.expires <= now) return nullptr;  // a deletion
  const auto fits = [&] { return count_ < slots_.size() && text_size_ - used_ >= n; };
  if (!fits()) pos = purge_expired(now, pos);
  while (!fits()) {  // then the oldest; ends at the latest with an empty jar, where c fits
    erase(0);
    if (pos != 0) --pos;
  }
  insert(pos, c);
  return nullptr;
}

error cookie_jar::set(sv name, sv value, sv domain, sv path) noexcept {
  if (name.empty() || name.find_first_of("=;") != sv::npos || value.find(';') != sv::npos ||
      detail::has_cookie_ctl(name) || detail::has_cookie_ctl(value)) {
    return {errc::local_protocol_error, "invalid cookie name or value"};
  }
  if (!domain.empty() && domain[0] == '.') domain.remove_prefix(1);
  cookie c;
  c.name = name;
  c.value = value;
  c.domain = domain;  // empty: every host (http.cookiejar's behaviour for domain="")
  c.path = (!path.empty() && path[0] == '/') ? path : sv("/");
  if (const char* why = put(c, last_now_)) return {errc::local_protocol_error, why};
  return {};
}

void cookie_jar::remove(sv name, sv domain, sv path) noexcept {
  if (!domain.empty() && domain[0] == '.') domain.remove_prefix(1);
  if (const std::size_t i = find(name, domain, path); i != count_) erase(i);
}

void cookie_jar::clear() noexcept { count_ = used_ = 0; }

}  // namespace htpx
