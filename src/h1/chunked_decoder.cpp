#include "htpx/h1/chunked_decoder.hpp"

#include "char_class.hpp"

namespace htpx::h1 {

using detail::char_class;
using detail::is_ows;

namespace {

// chunk-size is at most 16 hex digits: 64 bits, the curl and picohttpparser bound.
constexpr std::uint8_t max_size_digits = 16;

// Extensions may not outweigh the payload (Go CVE-2023-39326: kilobytes of extension per data
// byte): extension bytes minus payload bytes may not exceed this many per-chunk limits.
constexpr std::uint32_t ext_slack_factor = 16;

}  // namespace

// One loop over the states, resumable at any byte (RFC 9112 §7.1): chunk-size [ chunk-ext ]
// CRLF, then payload, then CRLF, until the last chunk and the trailer section. It works on
// local copies of the members and saves them on the way out.
//
// One call per chunk: after a chunk's payload the loop goes on through its CRLF and the next
// chunk-size line while they are in the input, so the next call starts with payload. An invalid
// byte met there is left unconsumed and unapplied (the state it is read in reads it the same way
// again), so the next call reports it after this payload has been delivered.
chunk_status chunked_decoder::decode(char* input, std::size_t size, std::size_t& consumed, bytes_view& data) noexcept {
  state st = state_;
  std::uint64_t remaining = remaining_;
  std::uint16_t ext = ext_bytes_;
  std::uint8_t digits = digits_;
  std::size_t i = 0;
  chunk_status status = chunk_status::need_more;  // until payload, trailers or the end is found
  fault failure = fault::none;

  for (;;) {
    switch (st) {
      case state::data: {
        if (i == size) goto out;  // (no payload was found before: size_lf stops after one)
        const std::size_t available = size - i;
        const std::size_t n = remaining < available ? static_cast<std::size_t>(remaining) : available;
        remaining -= n;
        if (ext_excess_ != 0) ext_excess_ = n < ext_excess_ ? ext_excess_ - static_cast<std::uint32_t>(n) : 0;
        status = chunk_status::data;
        data = {input + i, n};
        i += n;
        if (remaining != 0) goto out;
        st = state::data_cr;
        [[fallthrough]];
      }
      case state::data_cr:
        if (i == size) goto out;
        if (input[i] != '\r') goto bad_crlf;
        st = state::data_lf;
        ++i;
        [[fallthrough]];
      case state::data_lf:
        if (i == size) goto out;
        if (input[i] != '\n') goto bad_crlf;
        st = state::size;
        ++i;
        [[fallthrough]];
      case state::size: {
        for (; i != size && (char_class[static_cast<unsigned char>(input[i])] & detail::hex_digit) != 0; ++i) {
          if (digits == max_size_digits) {
            failure = fault::chunk_size_too_long;
            goto out;
          }
          remaining = (remaining << 4) | detail::hex_value(input[i]);
          ++digits;
        }
        if (i == size) goto out;
        if (digits == 0) {
          failure = fault::chunk_size_not_hex;
          goto out;
        }
        if (input[i] == '\r') {
          st = state::size_lf;
          ++i;
          goto size_lf;
        }
        st = state::size_bws;  // ";", BWS or junk: this byte is examined there
        [[fallthrough]];
      }
      case state::size_bws:
        // BWS is allowed only before ";" (chunk-ext = *( BWS ";" BWS ext-name ...)).
        if (i == size) goto out;
        if (input[i] == ';') {
          st = state::ext;
        } else if (!is_ows(input[i])) {
          failure = fault::junk_after_chunk_size;
          goto out;
        }
        ++i;
        continue;
      case state::ext: {
        // The usual extension, tokens with ";" "=" and OWS, in a tight loop; the limit holds
        // per line (Node CVE-2024-22019).
        const std::uint16_t max = limits_->max_chunk_ext_bytes;
        const std::size_t first = i;
        const std::size_t stop = size - i > static_cast<std::size_t>(max - ext) ? i + (max - ext) : size;
        while (i != stop && (char_class[static_cast<unsigned char>(input[i])] & detail::ext_char) != 0) ++i;
        ext = static_cast<std::uint16_t>(ext + (i - first));
        if (i == size) goto out;
        const char c = input[i];
        if (c == '\r') {
          st = state::size_lf;
          ++i;
          goto size_lf;
        }
        if (ext == max) {
          failure = fault::extension_too_long;
          goto out;
        }
        if (c != '"') {
          failure = fault::bad_chunk_extension;
          goto out;
        }
        st = state::ext_quoted;
        ++ext;
        ++i;
        continue;
      }
      case state::ext_quoted:
      case state::ext_quoted_escape: {
        // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4)
        if (i == size) goto out;
        const char c = input[i];
        if (ext == limits_->max_chunk_ext_bytes) {
          failure = fault::extension_too_long;
          goto out;
        }
        if ((char_class[static_cast<unsigned char>(c)] & detail::value_char) == 0) {  // a CTL but HTAB
          failure = fault::bad_chunk_extension;
          goto out;
        }
        if (st == state::ext_quoted_escape) {
          st = state::ext_quoted;
        } else if (c == '\\') {
          st = state::ext_quoted_escape;
        } else if (c == '"') {
          st = state::ext;
        }
        ++ext;
        ++i;
        continue;
      }
      case state::size_lf:
      size_lf:
        if (i == size) goto out;
        if (input[i] != '\n') {
          failure = fault::bare_cr_in_size_line;
          goto out;
        }
        if (ext != 0) {
          if (ext_excess_ + ext > ext_slack_factor * limits_->max_chunk_ext_bytes) {
            failure = fault::extensions_outweigh_data;
            goto out;
          }
          ext_excess_ += ext;
          ext = 0;
        }
        digits = 0;
        ++i;
        if (remaining != 0) {
          st = state::data;
          if (status == chunk_status::data) goto out;  // this payload first
        } else if (size - i >= 2 && input[i] == '\r' && input[i + 1] == '\n' && limits_->max_trailer_bytes >= 2) {
          // The usual end, the last chunk and an empty trailer section, without the field parser.
          st = state::done;
          i += 2;
        } else {
          // The last chunk: the trailer section follows (RFC 9112 §7.1.2).
          trailer_parser_.reset();
          st = state::trailers;
        }
        continue;
      case state::trailers: goto out;  // after any payload found here: decode_trailers()
      case state::done:
        if (status == chunk_status::need_more) status = chunk_status::end;
        goto out;
      case state::failed: consumed = 0; return chunk_status::failed;
    }
  }

bad_crlf:
  failure = fault::no_crlf_after_data;
out:
  state_ = st;
  remaining_ = remaining;
  ext_bytes_ = ext;
  digits_ = digits;
  consumed = i;
  if (failure != fault::none && status != chunk_status::data) goto failed;
  if (st != state::trailers || status != chunk_status::need_more) return status;

  // The trailer section, from input[i] (RFC 9112 §7.1.2). RFC 9110 §6.5.1: trailers are
  // delivered as they are; framing fields among them are not acted on (the head fixed the
  // framing).
  switch (
      trailer_parser_.parse(input + i, size - i, limits_->max_trailer_bytes, limits_->max_headers, nullptr, nullptr)) {
    case field_status::need_more: return chunk_status::need_more;
    case field_status::failed: failure = trailer_parser_.refusal(); goto failed;
    case field_status::end_of_block: break;
  }
  state_ = state::done;
  consumed = i + trailer_parser_.block_size();
  if (trailer_parser_.field_count() == 0) return chunk_status::end;
  data = {input + i, trailer_parser_.fields_size()};
  return chunk_status::trailers;

failed:  // the decoder stays failed until reset()
  state_ = state::failed;
  failure_ = failure;
  return chunk_status::failed;
}

}  // namespace htpx::h1
