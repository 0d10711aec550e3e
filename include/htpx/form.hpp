// application/x-www-form-urlencoded request bodies (httpx `data=`), streamed: no buffer holds
// the encoded form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/body.hpp"
#include "htpx/bytes.hpp"
#include "htpx/port/transport.hpp"
#include "htpx/span.hpp"
#include "htpx/url.hpp"

namespace htpx {

/// Returns the bytes `text` takes form-encoded as form_body encodes it.
[[nodiscard]] std::uint64_t form_encoded_length(std::string_view text) noexcept;

/// A form body: `name=value` pairs joined by '&', each name and value encoded as httpx does for
/// `data=` (Python's urllib.parse.urlencode, i.e. quote_plus): ALPHA, DIGIT and "-._~" are
/// kept, a space becomes '+', every other byte %XX with uppercase hex ("é" is "%C3%A9", '+' is
/// "%2B", '&' "%26", '=' "%3D"). Note the difference from `params=` (encode_query_component(),
/// where a space is "%20"). Exact length, streamed byte by byte as the transmit buffer frees
/// up, and rewindable. The fields and their bytes must outlive the request.
class form_body final : public body_source {
 public:
  /// Encodes `fields` in order (a name may repeat, as with a list value in httpx).
  explicit form_body(span<const query_param> fields) noexcept;

  /// Returns the exact encoded length (the Content-Length).
  [[nodiscard]] std::uint64_t length() const noexcept { return length_; }
  /// Fills `out` with the next encoded bytes. Returns ok, closed at the end, or would_block for
  /// an empty `out`.
  port::io_result read(mutable_bytes out) noexcept override;
  /// Starts over from the first byte. Returns true.
  bool rewind() noexcept override;

 private:
  span<const query_param> fields_;
  std::uint64_t length_ = 0;
  std::size_t field_ = 0;  // the field being sent
  std::size_t at_ = 0;     // the byte of its name or value being sent
  std::uint8_t part_ = 0;  // 0 the '&' before it, 1 the name, 2 '=', 3 the value
  std::uint8_t sent_ = 0;  // characters of the current byte's encoding already sent
};

namespace body {
/// A form body from `content` (httpx `data=`), Content-Type application/x-www-form-urlencoded,
/// with its exact Content-Length; starts `content` over. `content` must outlive the request.
[[nodiscard]] request_body form(form_body& content) noexcept;
}  // namespace body

}  // namespace htpx
