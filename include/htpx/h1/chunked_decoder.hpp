// Decoder for the chunked transfer coding, RFC 9112 §7.1.
#pragma once

#include <cstddef>
#include <cstdint>

#include "htpx/bytes.hpp"
#include "htpx/error.hpp"
#include "htpx/h1/field_parser.hpp"
#include "htpx/h1/parser_limits.hpp"
#include "htpx/headers.hpp"

namespace htpx::h1 {

/// What one chunked_decoder::decode() call produced. The values are those of the matching
/// event_type (response_parser.hpp), so the response parser reports a status as it is.
enum class chunk_status : std::uint8_t {
  need_more = 0,  ///< Everything given was consumed (or must be given again, see `consumed`).
  data = 3,       ///< `data` holds chunk payload bytes, a view into the caller's input.
  trailers = 4,   ///< `data` views the trailer field lines (a section with at least one field).
  end = 5,        ///< The last chunk and trailer section are complete; the body is over.
  failed = 6,     ///< Invalid framing or a limit exceeded: failure() says which.
};

/// The result of one decode() call. `consumed` bytes of input are used up; the rest must be
/// given again at the start of the next call (they are an incomplete trailer section).
struct chunk_step {
  std::size_t consumed = 0;
  chunk_status status = chunk_status::need_more;
  bytes_view data;
};

/// Decodes a chunked body incrementally, delivering payload without copying.
/// Strict: 1*HEXDIG sizes (at most 16 digits, no overflow), CRLF line ends (a bare LF is an
/// error, RFC 9112 §7.1 and errata 7633), CRLF after chunk data, extensions parsed and
/// bounded per chunk and per body, trailers parsed like headers and bounded.
class chunked_decoder {
 public:
  /// Prepares for a new body under `limits` (kept by reference: it must outlive the decoder).
  explicit chunked_decoder(const parser_limits& limits) noexcept : limits_(&limits) {}

  /// Starts a new body. Member by member (a fresh object would be built and copied in); the
  /// trailer parser is reset when a trailer section starts.
  void reset() noexcept {
    remaining_ = 0;
    ext_excess_ = 0;
    ext_bytes_ = 0;
    digits_ = 0;
    state_ = state::size;
    failure_ = fault::none;
  }

  /// Decodes from `input[0, size)`. Returns data (a view into `input`), trailers, end,
  /// need_more or failed (RemoteProtocolError). After a failure every call returns it again
  /// until reset(). Trailer bytes are rewritten in place where obs-fold is replaced.
  [[nodiscard]] chunk_step decode(char* input, std::size_t size) noexcept {
    chunk_step step;
    step.status = decode(input, size, step.consumed, step.data);
    return step;
  }
  /// The same as decode(input, size), with the step's `consumed` and `data` written to the
  /// arguments (`data` only with data or trailers) and its status returned: the response
  /// parser's per-chunk path, which fills its event in place.
  [[nodiscard]] chunk_status decode(char* input, std::size_t size, std::size_t& consumed, bytes_view& data) noexcept;

  /// Returns the trailers reported by the last `trailers` step (`data` of that step).
  [[nodiscard]] headers_view trailers(bytes_view data) const noexcept {
    return headers_view(data.str(), trailer_parser_.field_count());
  }
  /// Returns the error after `failed` (RemoteProtocolError with a static detail).
  [[nodiscard]] error failure() const noexcept { return {errc::remote_protocol_error, text_of(failure_)}; }
  /// Returns the fault after `failed` (fault::none before).
  [[nodiscard]] fault refusal() const noexcept { return failure_; }

  /// Returns true once the whole body, trailers included, has been decoded.
  [[nodiscard]] bool done() const noexcept { return state_ == state::done; }
  /// Returns true after a failure, until reset().
  [[nodiscard]] bool failed() const noexcept { return state_ == state::failed; }

 private:
  enum class state : std::uint8_t {
    data_cr,
    data_lf,
    size,
    size_bws,
    ext,
    ext_quoted,
    ext_quoted_escape,
    size_lf,
    data,
    trailers,
    done,
    failed
  };

  // Members ordered widest first: no padding (the decoder lives inside every connection).
  std::uint64_t remaining_ = 0;  // payload bytes left in the current chunk (or its size so far)
  const parser_limits* limits_;
  std::uint32_t ext_excess_ = 0;  // extension bytes beyond the payload so far (never below 0)
  std::uint16_t ext_bytes_ = 0;   // extension bytes on the current line
  std::uint8_t digits_ = 0;
  state state_ = state::size;
  field_parser trailer_parser_{};
  fault failure_ = fault::none;
};

}  // namespace htpx::h1
