#include "htpx/h1/field_parser.hpp"

#include "char_class.hpp"

namespace htpx::h1 {

using detail::find_ctl;
using detail::is_ows;
using detail::is_tchar;
using detail::skip_tchars;

field_status field_parser::fail(fault why) noexcept {
  state_ = state::failed;
  failure_ = why;
  return field_status::failed;
}

// One loop over the states; each case either advances `p` or returns. `pos_` records where to
// resume, so no byte is examined twice however the section is split across calls. The loop
// works on local copies of the members (writes through `char*` could alias them, which would
// make the compiler store every member at every step) and saves them on the way out.
field_status field_parser::parse(char* block, std::size_t size, std::uint32_t max_bytes, std::uint16_t max_fields,
                                 field_handler on_field, void* context, std::uint32_t name_lengths) noexcept {
  if (state_ == state::complete) return field_status::end_of_block;
  if (state_ == state::failed) return field_status::failed;
  const std::size_t limit = size < max_bytes ? size : max_bytes;
  char* p = block + pos_;
  char* const end = block + limit;
  state st = state_;
  char* line = block + line_start_;
  char* value_start = block + value_start_;
  std::uint16_t count = count_;
  bool folded = folded_;
  fault failure = fault::none;

  for (;;) {
    switch (st) {
      case state::line_start:
      line_start : {
        if (p == end) goto need_more;
        const char c = *p;
        if (is_tchar(c)) {
          ++p;  // the usual start of a field name, known to be a tchar
        } else {
          if (c == '\r') {
            if (end - p < 2) goto need_more;
            if (p[1] != '\n') goto bare_cr;
            p += 2;
            st = state::complete;
            goto save;
          }
          if (c == '\n') goto bare_lf;
          // RFC 9112 §2.2: a whitespace-preceded line before the first field is not a fold.
          if (is_ows(c)) {
            failure = fault::leading_whitespace;
            goto failed;
          }
        }
        if (count == max_fields) {
          failure = fault::too_many_fields;
          goto failed;
        }
        folded = false;
        st = state::name;
        [[fallthrough]];
      }
      case state::name: {
        p = skip_tchars(p, end);
        if (p == end) goto need_more;
        // field-name = token (RFC 9110 §5.1), with no whitespace before the colon (RFC 9112 §5.1).
        if (*p != ':' || p == line) {
          failure = is_ows(*p) ? fault::whitespace_before_colon : fault::bad_field_name;
          goto failed;
        }
        value_start = ++p;
        st = state::value;
        [[fallthrough]];
      }
      case state::value: {
        for (;;) {
          p = find_ctl(p, end);
          if (p == end) goto need_more;
          if (*p != '\t') break;
          ++p;
        }
        if (*p == '\n') goto bare_lf;
        if (*p != '\r') {
          failure = fault::ctl_in_value;
          goto failed;
        }
        if (end - p < 2) goto need_more;
        if (p[1] != '\n') goto bare_cr;
        p += 2;
        st = state::after_line;
        [[fallthrough]];
      }
      case state::after_line: {
        // A field ends only when the next line does not continue it (obs-fold).
        if (p == end) goto need_more;
        if (is_ows(*p)) {
          // RFC 9112 §5.2: replace each obs-fold with SP before interpreting the value.
          p[-2] = ' ';
          p[-1] = ' ';
          folded = true;
          st = state::value;
          continue;
        }
        ++count;
        const auto name_size = static_cast<std::size_t>(value_start - 1 - line);
        if (on_field != nullptr && (name_size >= 32 || ((name_lengths >> name_size) & 1u) != 0)) {
          // OWS around the value is not part of it (RFC 9110 §5.5).
          const char* value = value_start;
          const char* value_end = p - 2;
          while (value != value_end && is_ows(*value)) ++value;
          while (value_end != value && is_ows(value_end[-1])) --value_end;
          failure = on_field(context, line, name_size, value, static_cast<std::size_t>(value_end - value), folded);
          if (failure != fault::none) goto failed;
        }
        line = p;
        st = state::line_start;
        goto line_start;
      }
      case state::complete:
      case state::failed: break;  // handled before the loop
    }
  }

need_more:
  value_start_ = static_cast<std::uint32_t>(value_start - block);
  folded_ = folded;
save:  // where parsing stands: resumed by the next call, or the end of the block
  pos_ = static_cast<std::uint32_t>(p - block);
  line_start_ = static_cast<std::uint32_t>(line - block);
  count_ = count;
  state_ = st;
  if (st == state::complete) return field_status::end_of_block;
  if (size < max_bytes) return field_status::need_more;
  failure = fault::fields_over_limit;
  goto failed;
bare_cr:
  failure = fault::bare_cr_in_fields;
  goto failed;
bare_lf:
  failure = fault::bare_lf_in_fields;  // RFC 9112 §2.2: CRLF required

failed:
  count_ = count;
  return fail(failure);
}

}  // namespace htpx::h1
