#include "htpx/headers.hpp"

#include <cstring>

namespace htpx {

namespace {

bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  for (const char* const end = p + a.size(); p != end; ++p, ++q) {
    // Equal bytes, or one letter in both cases: they differ in bit 0x20 only.
    const unsigned differ = static_cast<unsigned char>(*p) ^ static_cast<unsigned char>(*q);
    if (differ != 0 && (differ != 0x20 || static_cast<unsigned char>((*p | 0x20) - 'a') >= 26u)) return false;
  }
  return true;
}

// The block was validated by the parser: every line holds a colon and ends in CRLF, and the
// first CR after the colon ends the line (obs-fold CRLFs were replaced by SP).
void headers_view::iterator::load() noexcept {
  if (at_ == end_) {
    current_ = {};  // the end reads as a field with an empty name
    return;
  }
  const auto size = static_cast<std::size_t>(end_ - at_);
  const auto* colon = static_cast<const char*>(std::memchr(at_, ':', size));
  const auto* cr = static_cast<const char*>(std::memchr(colon, '\r', static_cast<std::size_t>(end_ - colon)));
  const char* value = colon + 1;
  const char* value_end = cr;
  while (value != value_end && is_ows(*value)) ++value;
  while (value_end != value && is_ows(value_end[-1])) --value_end;
  current_ = {{at_, static_cast<std::size_t>(colon - at_)}, {value, static_cast<std::size_t>(value_end - value)}};
  next_ = cr + 2;
}

headers_view::iterator& headers_view::iterator::operator++() noexcept {
  at_ = next_;
  load();
  return *this;
}

// Field names are never empty, so an empty name marks the end (no end() iterator to build).
std::string_view headers_view::get(std::string_view name, std::string_view fallback) const noexcept {
  for (iterator it = begin(); !it->name.empty(); ++it) {
    if (iequals(it->name, name)) return it->value;
  }
  return fallback;
}

// A present field's value views the block, so it is never null; the fallback here is.
bool headers_view::contains(std::string_view name) const noexcept { return get(name).data() != nullptr; }

}  // namespace htpx
