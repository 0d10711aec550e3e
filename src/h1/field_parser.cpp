#include "htpx/h1/field_parser.hpp"

#include "char_class.hpp"

namespace htpx::h1 {

using detail::find_ctl;
using detail::is_ows;
using detail::is_tchar;

void field_parser::reset(std::uint32_t max_bytes, std::uint16_t max_fields) noexcept {
  *this = field_parser{};
  max_bytes_ = max_bytes;
  max_fields_ = max_fields;
}

field_step field_parser::fail(const char* detail) noexcept {
  state_ = state::failed;
  failure_ = detail;
  field_step step;
  step.status = field_status::failed;
  step.failure = {errc::remote_protocol_error, detail};
  return step;
}

// One loop over the states; each case either advances `p` or returns. `pos_` records where to
// resume, so no byte is examined twice however the section is split across calls.
field_step field_parser::next(char* block, std::size_t size) noexcept {
  const std::size_t limit = size < max_bytes_ ? size : max_bytes_;
  char* p = block + pos_;
  char* const end = block + limit;

  for (;;) {
    switch (state_) {
      case state::line_start: {
        if (p == end) goto need_more;
        const char c = *p;
        if (c == '\r') {
          if (end - p < 2) goto need_more;
          if (p[1] != '\n') return fail("bare CR in the header section");
          p += 2;
          pos_ = static_cast<std::uint32_t>(p - block);
          state_ = state::complete;
          field_step step;
          step.status = field_status::end_of_block;
          return step;
        }
        if (c == '\n') return fail("bare LF in the header section (CRLF required)");
        // RFC 9112 §2.2: a whitespace-preceded line before the first field is not a fold.
        if (is_ows(c)) return fail("whitespace at the start of a field line");
        if (count_ == max_fields_) return fail("too many header fields");
        state_ = state::name;
        [[fallthrough]];
      }
      case state::name: {
        while (p != end && is_tchar(*p)) ++p;
        if (p == end) goto need_more;
        if (*p != ':') {
          // RFC 9112 §5.1: no whitespace between the field name and the colon.
          if (is_ows(*p)) return fail("whitespace between a field name and its colon");
          return fail("invalid character in a field name");
        }
        const std::ptrdiff_t name_size = p - (block + line_start_);
        if (name_size == 0) return fail("empty field name");
        if (name_size > 0xffff) return fail("field name longer than 65535 bytes");
        name_size_ = static_cast<std::uint16_t>(name_size);
        ++p;
        value_start_ = static_cast<std::uint32_t>(p - block);
        state_ = state::value;
        [[fallthrough]];
      }
      case state::value: {
        for (;;) {
          p = find_ctl(p, end);
          if (p == end) goto need_more;
          if (*p != '\t') break;
          ++p;
        }
        if (*p == '\r') {
          if (end - p < 2) goto need_more;
          if (p[1] != '\n') return fail("bare CR in a field value");
          p += 2;
          state_ = state::after_line;
        } else if (*p == '\n') {
          return fail("bare LF in a field value (CRLF required)");
        } else if (*p == '\0') {
          return fail("NUL in a field value");
        } else {
          return fail("control character in a field value");
        }
        [[fallthrough]];
      }
      case state::after_line: {
        // A field ends only when the next line does not continue it (obs-fold).
        if (p == end) goto need_more;
        if (is_ows(*p)) {
          // RFC 9112 §5.2: replace each obs-fold with SP before interpreting the value.
          p[-2] = ' ';
          p[-1] = ' ';
          folded_ = true;
          state_ = state::value;
          continue;
        }
        field_step step;
        step.status = field_status::field;
        step.folded = folded_;
        const char* const line = block + line_start_;
        step.name = {line, name_size_};
        const char* value = block + value_start_;
        const char* value_end = p - 2;
        while (value != value_end && is_ows(*value)) ++value;
        while (value_end != value && is_ows(value_end[-1])) --value_end;
        step.value = {value, static_cast<std::size_t>(value_end - value)};
        ++count_;
        folded_ = false;
        line_start_ = static_cast<std::uint32_t>(p - block);
        pos_ = line_start_;
        state_ = state::line_start;
        return step;
      }
      case state::complete: {
        field_step step;
        step.status = field_status::end_of_block;
        return step;
      }
      case state::failed: {
        field_step step;
        step.status = field_status::failed;
        step.failure = {errc::remote_protocol_error, failure_};
        return step;
      }
    }
  }

need_more:
  pos_ = static_cast<std::uint32_t>(p - block);
  if (size >= max_bytes_) return fail("header section larger than the limit");
  return field_step{};
}

}  // namespace htpx::h1
