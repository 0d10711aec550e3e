// multipart/form-data request bodies (RFC 7578; httpx `files=` with `data=`), streamed part by
// part: parts in memory are copied out as the transmit buffer frees up, parts from a
// body_source (a file) are read from it the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/body.hpp"
#include "htpx/bytes.hpp"
#include "htpx/error.hpp"
#include "htpx/port/transport.hpp"
#include "htpx/result.hpp"
#include "htpx/span.hpp"

namespace htpx {

/// One part of a multipart/form-data body. Every view and the source must outlive the request.
struct multipart_part {
  std::string_view name;          ///< the form field name (may be empty; any bytes, quoted as below)
  std::string_view filename;      ///< non-empty: a file part, sent as `filename="..."`
  std::string_view content_type;  ///< sent as Content-Type; a file part without one gets
                                  ///< application/octet-stream (httpx's default, no guessing)
  bytes_view data;                ///< the content, when `source` is null
  body_source* source = nullptr;  ///< streamed content, read until `length` bytes or closed
  std::uint64_t length = request_body::unknown_length;  ///< the source's exact length, if known
};

/// A multipart/form-data body laid out as httpx's MultipartStream does (httpx/_multipart.py):
/// for each part "--" boundary CRLF, `Content-Disposition: form-data; name="..."` [`;
/// filename="..."`] [CRLF `Content-Type: ...`] CRLF CRLF, the content, CRLF; then "--"
/// boundary "--" CRLF. In name and filename, as httpx and the HTML standard's form encoding do
/// (RFC 7578 §4.2 leaves it to them), '"' is sent as %22, '\' as "\\", and every control byte
/// below 0x20 except ESC as %XX (CR LF become %0D%0A); other bytes (UTF-8) are sent as they are.
///
/// The boundary is 32 lowercase hex digits (128 bits, the shape of httpx's
/// hexlify(os.urandom(16))) from four calls of the caller's random function. Without one, a
/// built-in generator mixes the object's address, the parts' addresses and sizes and a counter:
/// it never repeats for one object but is NOT unpredictable, so pass a hardware RNG or a DRBG
/// (mbedtls_ctr_drbg) when streamed content could be chosen by someone aiming at a collision.
/// Either way a boundary found in any in-memory part's content or headers is replaced by a new
/// one (up to 8 tries).
///
/// The length is exact when every source part has a known length (Content-Length), unknown
/// otherwise (chunked). A source of known length is read for exactly that many bytes; one
/// that ends before fails the body.
class multipart_body final : public body_source {
 public:
  /// Returns 32 random bits; `ctx` is the caller's.
  using random_fn = std::uint32_t (*)(void* ctx);

  /// A body of `parts` in order; the boundary comes from `random` (the built-in one if null).
  explicit multipart_body(span<const multipart_part> parts, random_fn random = nullptr,
                          void* random_ctx = nullptr) noexcept
      : parts_(parts), random_(random), random_ctx_(random_ctx) {}

  /// Checks the parts, draws a new boundary and computes the length; starts over from the
  /// first byte (sources are not rewound: see rewind()). Returns LocalProtocolError
  /// "multipart part has both data and a source", "invalid multipart content type" (a control
  /// byte in it: header injection), or "multipart boundary collides with the content" (8
  /// boundaries in a row were found in the content: a broken random function), or no error.
  [[nodiscard]] error prepare() noexcept;
  /// Returns the boundary (valid after prepare(); lives as long as this object).
  [[nodiscard]] std::string_view boundary() const noexcept { return {content_type_ + prefix_size, boundary_size}; }
  /// Returns "multipart/form-data; boundary=..." (valid after prepare(); lives as long as this).
  [[nodiscard]] std::string_view content_type() const noexcept { return {content_type_, sizeof content_type_}; }
  /// Returns the exact length, or request_body::unknown_length when a source's is unknown.
  [[nodiscard]] std::uint64_t length() const noexcept { return length_; }

  /// Fills `out` with the next bytes (preparing first if prepare() was not called). Returns ok,
  /// would_block when a source has nothing yet, closed at the end, or error with err() telling
  /// why: prepare()'s error, "multipart part source failed" (its error), "multipart part source
  /// ended early" (closed before its length) or "multipart part source broke its contract" (ok
  /// with 0 bytes or more than asked).
  port::io_result read(mutable_bytes out) noexcept override;
  /// Starts over from the first byte with the same boundary, rewinding every part's source.
  /// Returns false when one cannot rewind or after an error.
  bool rewind() noexcept override;
  /// Returns why read() failed, or no error.
  [[nodiscard]] error err() const noexcept { return error_; }

 private:
  static constexpr std::size_t prefix_size = 30;  // "multipart/form-data; boundary="
  static constexpr std::size_t boundary_size = 32;

  bool collides() const noexcept;
  port::io_result fail(const char* detail) noexcept;

  span<const multipart_part> parts_;
  random_fn random_;
  void* random_ctx_;
  std::uint64_t length_ = 0;
  std::uint64_t offset_ = 0;  // bytes of the current section already sent
  std::size_t part_ = 0;      // the part being sent; parts_.size() for the closing delimiter
  std::uint8_t section_ = 0;  // 0 the delimiter and headers, 1 the content, 2 the CRLF after it
  bool prepared_ = false;
  std::uint32_t draws_ = 0;  // the built-in generator's counter
  error error_{};
  char content_type_[prefix_size + boundary_size] = {};
};

namespace body {
/// A multipart/form-data body from `form` (httpx `files=`/`data=`), its Content-Type with the
/// boundary, and its exact Content-Length or chunked: calls form.prepare(). Returns the body or
/// prepare()'s error. `form` must outlive the request.
[[nodiscard]] result<request_body> multipart(multipart_body& form) noexcept;
}  // namespace body

}  // namespace htpx
