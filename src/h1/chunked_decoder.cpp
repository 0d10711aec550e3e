#include "htpx/h1/chunked_decoder.hpp"

#include "char_class.hpp"

namespace htpx::h1 {

using detail::hex_value;
using detail::is_ctl;
using detail::is_ows;
using detail::is_tchar;

namespace {

// chunk-size is at most 16 hex digits: 64 bits, the curl and picohttpparser bound.
constexpr std::uint8_t max_size_digits = 16;

// Extensions may not outweigh the payload (Go CVE-2023-39326: kilobytes of extension per data
// byte): extension bytes minus payload bytes may not exceed this many per-chunk limits.
constexpr std::uint32_t ext_slack_factor = 16;

}  // namespace

void chunked_decoder::reset() noexcept {
  const parser_limits* limits = limits_;
  *this = chunked_decoder{*limits};
}

chunk_step chunked_decoder::fail(std::size_t consumed, const char* detail) noexcept {
  state_ = state::failed;
  failure_ = detail;
  chunk_step step;
  step.consumed = consumed;
  step.status = chunk_status::failed;
  return step;
}

// After the CRLF of a chunk-size line: checks the extension budget and moves to the payload,
// or to the trailer section after the last chunk (RFC 9112 §7.1.2).
chunk_step chunked_decoder::end_size_line(std::size_t consumed) noexcept {
  ext_excess_ += ext_bytes_;
  if (ext_excess_ > ext_slack_factor * limits_->max_chunk_ext_bytes) {
    return fail(consumed, "chunk extensions outweigh the payload");
  }
  ext_bytes_ = 0;
  digits_ = 0;
  if (remaining_ == 0) {
    trailer_parser_.reset();
    state_ = state::trailers;
  } else {
    state_ = state::data;
  }
  chunk_step step;
  step.consumed = consumed;
  return step;
}

// The chunk-size line: chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1, §7.1.1), byte by byte so
// it resumes anywhere. Returns need_more with everything consumed, or a failure; on success the
// state has moved past the line.
chunk_step chunked_decoder::parse_size_line(const char* input, std::size_t size) noexcept {
  std::size_t i = 0;
  if (state_ == state::size) {
    // The common line, "<hex>CRLF", without the general loop's per-byte dispatch.
    for (; i != size; ++i) {
      const std::uint8_t digit = hex_value(input[i]);
      if (digit == 0xff) break;
      if (digits_ == max_size_digits) return fail(i, "chunk size longer than 16 hex digits");
      remaining_ = (remaining_ << 4) | digit;
      ++digits_;
    }
    if (digits_ != 0 && size - i >= 2 && input[i] == '\r' && input[i + 1] == '\n') return end_size_line(i + 2);
  }
  for (; i != size; ++i) {
    const char c = input[i];
    switch (state_) {
      case state::size: {
        const std::uint8_t digit = hex_value(c);
        if (digit != 0xff) {
          if (digits_ == max_size_digits) return fail(i, "chunk size longer than 16 hex digits");
          remaining_ = (remaining_ << 4) | digit;
          ++digits_;
          continue;
        }
        if (digits_ == 0) return fail(i, "chunk size is not a hex number");
        if (c == ';') {
          state_ = state::ext;
        } else if (c == '\r') {
          state_ = state::size_lf;
        } else if (is_ows(c)) {
          state_ = state::size_bws;
        } else {
          return fail(i, "invalid character after the chunk size");
        }
        continue;
      }
      case state::size_bws:
        // BWS is allowed only before ";" (chunk-ext = *( BWS ";" BWS ext-name ...)).
        if (is_ows(c)) continue;
        if (c != ';') return fail(i, "whitespace after the chunk size without an extension");
        state_ = state::ext;
        continue;
      case state::ext:
      case state::ext_quoted:
      case state::ext_quoted_escape:
        if (c == '\r' && state_ == state::ext) {
          state_ = state::size_lf;
          continue;
        }
        if (++ext_bytes_ > limits_->max_chunk_ext_bytes) return fail(i, "chunk extension longer than the limit");
        if (state_ == state::ext) {
          if (c == '"') {
            state_ = state::ext_quoted;
          } else if (!is_tchar(c) && c != ';' && c != '=' && !is_ows(c)) {
            return fail(i, c == '\n' ? "bare LF in a chunk extension" : "invalid character in a chunk extension");
          }
        } else if (c != '\t' && is_ctl(c)) {
          return fail(i, "control character in a quoted chunk extension");
        } else if (state_ == state::ext_quoted_escape) {
          state_ = state::ext_quoted;
        } else if (c == '\\') {
          state_ = state::ext_quoted_escape;
        } else if (c == '"') {
          state_ = state::ext;
        }
        continue;
      case state::size_lf:
        if (c != '\n') return fail(i, "chunk size line not ended by CRLF");
        return end_size_line(i + 1);
      default: return fail(i, "chunked decoder in an impossible state");
    }
  }
  chunk_step step;
  step.consumed = i;
  return step;
}

chunk_step chunked_decoder::decode(char* input, std::size_t size) noexcept {
  std::size_t used = 0;
  for (;;) {
    switch (state_) {
      case state::size:
      case state::size_bws:
      case state::ext:
      case state::ext_quoted:
      case state::ext_quoted_escape:
      case state::size_lf: {
        const chunk_step step = parse_size_line(input + used, size - used);
        used += step.consumed;
        if (step.status == chunk_status::failed) return fail(used, failure_);
        if (state_ <= state::size_lf) {  // the line is incomplete: every byte was used
          chunk_step need;
          need.consumed = used;
          return need;
        }
        // Go on in the next state even with no bytes left, so need_more always means "no more
        // to do": a trailer limit of 0 fails here, not on a later call with the same bytes.
        continue;
      }
      case state::data: {
        const std::size_t available = size - used;
        if (available == 0) {
          chunk_step need;
          need.consumed = used;
          return need;
        }
        const std::size_t n = remaining_ < available ? static_cast<std::size_t>(remaining_) : available;
        remaining_ -= n;
        ext_excess_ = n < ext_excess_ ? ext_excess_ - static_cast<std::uint32_t>(n) : 0;
        if (remaining_ == 0) state_ = state::data_cr;
        chunk_step step;
        step.consumed = used + n;
        step.status = chunk_status::data;
        step.data = {input + used, n};
        return step;
      }
      case state::data_cr:
      case state::data_lf: {
        if (used == size) {
          chunk_step need;
          need.consumed = used;
          return need;
        }
        const char expected = state_ == state::data_cr ? '\r' : '\n';
        if (input[used] != expected) return fail(used, "chunk data not followed by CRLF");
        ++used;
        state_ = state_ == state::data_cr ? state::data_lf : state::size;
        continue;
      }
      case state::trailers: {
        char* const block = input + used;
        // RFC 9110 §6.5.1: trailers are delivered as they are; framing fields among them are
        // not acted on here (the response's framing was fixed by its head).
        const field_status trailers = trailer_parser_.parse(block, size - used, limits_->max_trailer_bytes,
                                                            limits_->max_headers, nullptr, nullptr);
        if (trailers == field_status::failed) return fail(used, trailer_parser_.failure().detail);
        if (trailers == field_status::need_more) {
          chunk_step need;
          need.consumed = used;
          return need;
        }
        state_ = state::done;
        chunk_step step;
        step.consumed = used + trailer_parser_.block_size();
        if (trailer_parser_.field_count() == 0) {
          step.status = chunk_status::end;
          return step;
        }
        step.status = chunk_status::trailers;
        step.data = {block, trailer_parser_.fields_size()};
        return step;
      }
      case state::done: {
        chunk_step step;
        step.consumed = used;
        step.status = chunk_status::end;
        return step;
      }
      case state::failed: return fail(0, failure_);
    }
  }
}

}  // namespace htpx::h1
