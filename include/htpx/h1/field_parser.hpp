// Resumable parser for an HTTP/1.1 field section (the header or trailer block), RFC 9112 §5.
#pragma once

#include <cstddef>
#include <cstdint>

#include "htpx/error.hpp"
#include "htpx/h1/fault.hpp"

namespace htpx::h1 {

/// What field_parser::parse() found.
enum class field_status : std::uint8_t {
  need_more,     ///< The block is incomplete: call again with the same bytes plus more.
  end_of_block,  ///< The empty line ending the section was consumed; block_size() is final.
  failed,        ///< Invalid syntax, a limit exceeded or a handler's refusal: see failure().
};

/// Called once per complete field, in order. The name (`name_size` bytes at `name`) and the
/// value (`value_size` bytes at `value`, OWS trimmed) view the block; `folded` says the value
/// held obs-fold (now SP). Returns fault::none to go on, or the fault that fails the section
/// (RemoteProtocolError). Pointers and sizes rather than string_views: 32-bit ABIs would pass
/// each view through the stack.
using field_handler = fault (*)(void* context, const char* name, std::size_t name_size, const char* value,
                                std::size_t value_size, bool folded) noexcept;

/// Parses `field-line CRLF` lines until an empty line, resumably and without copying.
/// Strict (RFC 9112 §2.2, §5; RFC 9110 §5.5): field names are tokens with no whitespace before
/// the colon; values hold no NUL, bare CR, LF or other CTL except HTAB; lines end in CRLF.
/// obs-fold is replaced by SP in place (RFC 9112 §5.2), so the block bytes must be writable.
class field_parser {
 public:
  /// Prepares for a new section.
  void reset() noexcept { *this = field_parser{}; }

  /// Continues parsing `block[0, size)`, which starts at the first byte of the section and
  /// must hold every byte given to earlier calls since reset(), unchanged, plus any new ones.
  /// Calls `on_field(context, ...)` for each field completed by these bytes (one call per
  /// field, never per byte) and returns `end_of_block`, `need_more` or `failed`. The section
  /// may take at most `max_bytes` bytes and `max_fields` fields (pass the same limits on every
  /// call). After a failure every call fails again until reset(). `on_field` may be null.
  /// `name_lengths` selects the fields passed to `on_field` by the length n of their name: bit n
  /// set (names of 32 bytes or more always); every field is still parsed, checked and counted.
  [[nodiscard]] field_status parse(char* block, std::size_t size, std::uint32_t max_bytes, std::uint16_t max_fields,
                                   field_handler on_field, void* context,
                                   std::uint32_t name_lengths = ~std::uint32_t{0}) noexcept;

  /// Returns the error after `failed` (RemoteProtocolError with a static detail).
  [[nodiscard]] error failure() const noexcept { return {errc::remote_protocol_error, text_of(failure_)}; }
  /// Returns the fault after `failed` (fault::none before).
  [[nodiscard]] fault refusal() const noexcept { return failure_; }

  /// Returns the bytes of the section so far; after end_of_block, its whole size with the
  /// final empty line.
  [[nodiscard]] std::uint32_t block_size() const noexcept { return pos_; }
  /// Returns the bytes of the field lines only (without the final empty line).
  [[nodiscard]] std::uint32_t fields_size() const noexcept { return line_start_; }
  /// Returns the number of complete fields so far.
  [[nodiscard]] std::uint16_t field_count() const noexcept { return count_; }

 private:
  enum class state : std::uint8_t { line_start, name, value, after_line, complete, failed };
  field_status fail(fault why) noexcept;

  std::uint32_t pos_ = 0;          // next byte to examine
  std::uint32_t line_start_ = 0;   // first byte of the current field line
  std::uint32_t value_start_ = 0;  // first byte after the colon
  std::uint16_t count_ = 0;
  state state_ = state::line_start;
  bool folded_ = false;
  fault failure_ = fault::none;
};

}  // namespace htpx::h1
