// Shared pieces of the htpx fuzz targets: the invariant check, the option bytes, the split
// plans and the receive buffer that re-presents unconsumed bytes. Test code: it may use the
// heap; the library under test may not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "htpx/error.hpp"
#include "htpx/h1/parser_limits.hpp"
#include "htpx/headers.hpp"

// Under AddressSanitizer the bytes after the live part of a receive buffer are poisoned, so a
// parser that reads past the `size` it was given faults at once (the guard-page idea of
// picohttpparser's tests). Without ASan the macros do nothing.
#if defined(__has_include)
#if __has_include(<sanitizer/asan_interface.h>)
#include <sanitizer/asan_interface.h>
#endif
#endif
#ifndef ASAN_POISON_MEMORY_REGION
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif

namespace htpx_fuzz {

/// Names the input being replayed (set by the corpus replay test) so a report says which.
inline const char* current_input = nullptr;

/// Reports a violated invariant and stops: libFuzzer saves the input as a crash artifact.
[[noreturn]] inline void check_failed(const char* what, const char* file, int line) noexcept {
  std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s%s%s\n", file, line, what,
               current_input != nullptr ? " -- input " : "", current_input != nullptr ? current_input : "");
  std::fflush(stderr);
  __builtin_trap();
}

}  // namespace htpx_fuzz

/// Checks an invariant of the code under test; a violation traps (a crash for libFuzzer).
#define HTPX_FUZZ_CHECK(cond) ((cond) ? (void)0 : ::htpx_fuzz::check_failed(#cond, __FILE__, __LINE__))

namespace htpx_fuzz {

/// Reads option bytes from the front of a fuzz input; missing bytes read as zero.
class input_reader {
 public:
  input_reader(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}
  std::uint8_t byte() noexcept { return pos_ < size_ ? data_[pos_++] : std::uint8_t{0}; }
  /// The bytes not yet read, as chars.
  const char* rest() const noexcept { return reinterpret_cast<const char*>(data_) + pos_; }
  std::size_t rest_size() const noexcept { return size_ - pos_; }
  /// Takes up to `n` bytes off the front.
  std::string_view take(std::size_t n) noexcept {
    const std::size_t k = n < size_ - pos_ ? n : size_ - pos_;
    const std::string_view s{rest(), k};
    pos_ += k;
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

/// How an input is cut into the slices handed to the code under test.
class split_plan {
 public:
  enum class mode : std::uint8_t { whole, bytewise, fixed, random };

  split_plan(mode m, std::size_t fixed_size, std::uint32_t seed) noexcept
      : mode_(m), fixed_(fixed_size == 0 ? 1 : fixed_size), rng_(seed * 2654435761u + 1u) {}

  /// Decodes a plan from an option byte (bits 0-1: mode, bits 2-7: slice size - 1) and a seed.
  static split_plan from_bytes(std::uint8_t plan, std::uint8_t seed) noexcept {
    return split_plan{static_cast<mode>(plan & 3u), std::size_t{1} + (plan >> 2u), seed};
  }

  static split_plan whole() noexcept { return {mode::whole, 1, 0}; }
  static split_plan bytewise() noexcept { return {mode::bytewise, 1, 0}; }

  mode kind() const noexcept { return mode_; }

  /// Returns the size of the next slice, 1..left (left > 0).
  std::size_t next(std::size_t left) noexcept {
    std::size_t n = left;
    switch (mode_) {
      case mode::whole: break;
      case mode::bytewise: n = 1; break;
      case mode::fixed: n = fixed_; break;
      case mode::random: {
        rng_ ^= rng_ << 13u;  // xorshift32: deterministic for a given seed
        rng_ ^= rng_ >> 17u;
        rng_ ^= rng_ << 5u;
        // Mostly small slices, sometimes large ones, so both edges get exercised.
        n = (rng_ & 0x300u) == 0 ? std::size_t{1} + (rng_ >> 16u) % 512u : std::size_t{1} + (rng_ >> 16u) % 8u;
        break;
      }
    }
    return n < left ? n : left;
  }

 private:
  mode mode_;
  std::size_t fixed_;
  std::uint32_t rng_;
};

/// Limits for a run: the defaults, or small ones chosen by `sel` so the limit paths are reached
/// by short inputs.
inline htpx::h1::parser_limits choose_limits(bool small, std::uint8_t sel) noexcept {
  htpx::h1::parser_limits limits;
  if (!small) return limits;
  static constexpr std::uint32_t head_bytes[4] = {24, 64, 128, 512};
  static constexpr std::uint16_t headers[4] = {0, 1, 3, 8};
  static constexpr std::uint16_t ext_bytes[4] = {0, 1, 5, 24};
  static constexpr std::uint16_t trailer_bytes[4] = {0, 6, 40, 200};
  limits.max_head_bytes = head_bytes[sel & 3u];
  limits.max_headers = headers[(sel >> 2u) & 3u];
  limits.max_chunk_ext_bytes = ext_bytes[(sel >> 4u) & 3u];
  limits.max_trailer_bytes = trailer_bytes[(sel >> 6u) & 3u];
  limits.max_informational = static_cast<std::uint8_t>((sel >> 4u) & 3u);
  return limits;
}

/// Returns true when [p, p+n) lies within [base, base+size). Empty views may point anywhere.
inline bool within(const char* base, std::size_t size, const char* p, std::size_t n) noexcept {
  if (n == 0) return true;
  if (p == nullptr || base == nullptr) return false;
  const auto b = reinterpret_cast<std::uintptr_t>(base);
  const auto q = reinterpret_cast<std::uintptr_t>(p);
  return q >= b && n <= size && q - b <= size - n;
}

/// Returns true when `s` lies within [base, base+size).
inline bool within(const char* base, std::size_t size, std::string_view s) noexcept {
  return within(base, size, s.data(), s.size());
}

/// Checks a parsed field block: it lies within the input, every field lies within the block,
/// names are non-empty, iteration visits exactly size() fields. Returns a canonical text of the
/// fields for comparing runs.
inline std::string check_fields(const htpx::headers_view& fields, const char* base, std::size_t size) {
  const std::string_view raw = fields.raw();
  HTPX_FUZZ_CHECK(within(base, size, raw));
  HTPX_FUZZ_CHECK(fields.empty() == (fields.size() == 0));
  std::string text;
  std::size_t count = 0;
  for (const htpx::header& field : fields) {
    HTPX_FUZZ_CHECK(count < fields.size());
    HTPX_FUZZ_CHECK(!field.name.empty());
    HTPX_FUZZ_CHECK(within(raw.data(), raw.size(), field.name));
    HTPX_FUZZ_CHECK(within(raw.data(), raw.size(), field.value));
    HTPX_FUZZ_CHECK(fields.contains(field.name));
    text.append(field.name).append(1, ':').append(field.value).append("\r\n");
    ++count;
  }
  HTPX_FUZZ_CHECK(count == fields.size());
  HTPX_FUZZ_CHECK(raw.empty() == (count == 0));
  return text;
}

/// One observable outcome of a run, for comparing runs over different splits.
struct record {
  char tag;
  std::string text;
  bool operator==(const record& other) const { return tag == other.tag && text == other.text; }
  bool operator!=(const record& other) const { return !(*this == other); }
};

/// The observable outcomes of a run. Consecutive payload records are merged, so the trace does
/// not depend on how the input was split.
class trace {
 public:
  void add(char tag, std::string text) {
    if (tag == 'B' && !records_.empty() && records_.back().tag == 'B') {
      records_.back().text += text;
      return;
    }
    records_.push_back(record{tag, std::move(text)});
  }
  /// Adds an error: its code and detail must not depend on the split either (DESIGN.md §6:
  /// identical results for every split). Build with -DHTPX_FUZZ_IGNORE_DETAIL to compare the
  /// codes only, e.g. to look past a known detail mismatch.
  void add_error(char tag, const htpx::error& e) {
    HTPX_FUZZ_CHECK(e.code != htpx::errc::none);
    HTPX_FUZZ_CHECK(e.detail != nullptr && e.detail[0] != '\0');
#ifdef HTPX_FUZZ_IGNORE_DETAIL
    add(tag, htpx::to_string(e.code));
#else
    add(tag, std::string(htpx::to_string(e.code)) + ": " + e.detail);
#endif
  }
  bool operator==(const trace& other) const { return records_ == other.records_; }
  bool operator!=(const trace& other) const { return !(*this == other); }
  const std::vector<record>& records() const { return records_; }

 private:
  std::vector<record> records_;
};

/// Unconsumed received bytes, always re-presented from the start as the parse contracts say.
/// Owns a heap block of exactly the capacity asked for; under ASan the bytes past the live
/// region are poisoned while the code under test runs, so an over-read faults.
class pending_bytes {
 public:
  explicit pending_bytes(std::size_t capacity) : storage_(capacity + 1) { guard(); }
  ~pending_bytes() { ASAN_UNPOISON_MEMORY_REGION(storage_.data(), storage_.size()); }
  pending_bytes(const pending_bytes&) = delete;
  pending_bytes& operator=(const pending_bytes&) = delete;

  char* data() noexcept { return storage_.data(); }
  std::size_t size() const noexcept { return size_; }

  /// Appends `n` bytes (a copy: the caller's bytes are never modified).
  void append(const char* p, std::size_t n) noexcept {
    ASAN_UNPOISON_MEMORY_REGION(storage_.data(), storage_.size());
    HTPX_FUZZ_CHECK(size_ + n < storage_.size());
    if (n != 0) std::memcpy(storage_.data() + size_, p, n);
    size_ += n;
    guard();
  }

  /// Drops the first `n` bytes, moving the rest to the front (as a receive buffer does).
  void consume(std::size_t n) noexcept {
    HTPX_FUZZ_CHECK(n <= size_);
    ASAN_UNPOISON_MEMORY_REGION(storage_.data(), storage_.size());
    if (n != 0 && n != size_) std::memmove(storage_.data(), storage_.data() + n, size_ - n);
    size_ -= n;
    guard();
  }

 private:
  void guard() noexcept { ASAN_POISON_MEMORY_REGION(storage_.data() + size_, storage_.size() - size_); }

  std::vector<char> storage_;
  std::size_t size_ = 0;
};

}  // namespace htpx_fuzz
