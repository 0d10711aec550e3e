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
// byte). Small bodies get this much slack before the ratio applies.
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
  step.failure = {errc::remote_protocol_error, detail};
  return step;
}

// The chunk-size line: chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1, §7.1.1), byte by byte so
// it resumes anywhere. Returns need_more with everything consumed, or a failure; on success the
// state has moved past the line.
chunk_step chunked_decoder::parse_size_line(const char* input, std::size_t size) noexcept {
  std::size_t i = 0;
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
      case state::size_lf: {
        if (c != '\n') return fail(i, "chunk size line not ended by CRLF");
        ext_total_ += ext_bytes_;
        if (ext_total_ > ext_slack_factor * limits_->max_chunk_ext_bytes && ext_total_ > data_total_) {
          return fail(i, "chunk extensions outweigh the payload");
        }
        ext_bytes_ = 0;
        digits_ = 0;
        if (remaining_ == 0) {
          // RFC 9112 §7.1.2: the last chunk is followed by the trailer section.
          trailer_parser_.reset(limits_->max_trailer_bytes, limits_->max_headers);
          state_ = state::trailers;
        } else {
          state_ = state::data;
        }
        chunk_step step;
        step.consumed = i + 1;
        return step;
      }
      default:
        return fail(i, "chunked decoder in an impossible state");
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
        if (step.status == chunk_status::failed) {
          chunk_step failed = step;
          failed.consumed = used;
          return failed;
        }
        if (used == size) {
          chunk_step need;
          need.consumed = used;
          return need;
        }
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
        const std::uint64_t total = std::uint64_t{data_total_} + n;  // saturates: only a ratio
        data_total_ = total > 0xffffffffu ? 0xffffffffu : static_cast<std::uint32_t>(total);
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
        for (;;) {
          const field_step field = trailer_parser_.next(block, size - used);
          if (field.status == field_status::field) continue;
          if (field.status == field_status::failed) return fail(used, field.failure.detail);
          if (field.status == field_status::need_more) {
            chunk_step need;
            need.consumed = used;
            return need;
          }
          break;
        }
        state_ = state::done;
        chunk_step step;
        step.consumed = used + trailer_parser_.block_size();
        if (trailer_parser_.field_count() == 0) {
          step.status = chunk_status::end;
          return step;
        }
        step.status = chunk_status::trailers;
        step.trailers = headers_view({block, trailer_parser_.fields_size()}, trailer_parser_.field_count());
        return step;
      }
      case state::done: {
        chunk_step step;
        step.consumed = used;
        step.status = chunk_status::end;
        return step;
      }
      case state::failed:
        return fail(0, failure_);
    }
  }
}

}  // namespace htpx::h1
