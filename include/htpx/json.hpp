// JSON for request and response bodies (httpx `json=` and `response.json()`), in fixed memory:
// a writer that can produce any window of a document, json_body that streams a document of any
// size through the transmit buffer, and a strict RFC 8259 reader over caller-supplied tokens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "htpx/body.hpp"
#include "htpx/bytes.hpp"
#include "htpx/config.hpp"
#include "htpx/error.hpp"
#include "htpx/port/transport.hpp"
#include "htpx/result.hpp"
#include "htpx/span.hpp"

/// Most arrays and objects open at once, in the writer and in the reader (deeper is an error).
#ifndef HTPX_JSON_MAX_DEPTH
#define HTPX_JSON_MAX_DEPTH 16
#endif

namespace htpx {

static_assert(HTPX_JSON_MAX_DEPTH >= 1 && HTPX_JSON_MAX_DEPTH <= 64, "HTPX_JSON_MAX_DEPTH must be 1..64");

/// Returns the length (1-4) of the well-formed UTF-8 sequence that starts `text` (RFC 3629 §4:
/// no overlong forms, no surrogates, nothing above U+10FFFF), or 0 when it is not one (or
/// `text` is empty).
[[nodiscard]] std::size_t utf8_sequence_length(std::string_view text) noexcept;

// ---- writing ------------------------------------------------------------------------------

/// Writes one JSON document the way httpx 0.28 sends `json=` (encode/httpx#3363: compact
/// separators, non-ASCII as UTF-8, no NaN), into fixed memory:
///  - a measuring writer (default-constructed) stores nothing and counts the bytes (size());
///  - a windowed writer stores only the bytes at positions [offset, offset + window.size) of
///    the whole document into `window` (written() tells how many); the rest is only counted.
/// The same calls thus measure a document, write it whole, or write any slice of it.
///
/// Calls chain (`w.key("n").int64(1)`). The first misuse sets a sticky error (err()) and every
/// later call does nothing; all are LocalProtocolError with one of these details:
///   "JSON key outside an object"          key() at the top level or in an array
///   "JSON key where a value is needed"    key() right after key()
///   "JSON value where a key is needed"    a value in an object without key() first
///   "more than one JSON value"            anything after the top-level value is complete
///   "unbalanced JSON end"                 end_*() with nothing open, the wrong kind, or after key()
///   "JSON nested too deeply"              more than HTPX_JSON_MAX_DEPTH open arrays/objects
///   "invalid UTF-8 in JSON string"        a key or string that is not well-formed UTF-8 (no
///                                         U+FFFD replacement: the document would differ from
///                                         what the caller meant, so it is refused)
///   "JSON has no NaN or Infinity"         float64() of a NaN or an infinity (RFC 8259 §6)
///   "incomplete JSON document"            finish() with no value or with containers open
/// Strings: '"' and '\' are escaped, control characters as \b \f \n \r \t or \u00XX (lowercase
/// hex, as Python's json), everything else (DEL, '/', UTF-8) is written as it is.
/// Numbers: integers exactly; doubles in the shortest form that parses back to the same double
/// for nearly all values (Grisu2, Loitsch 2010; the rare others get up to 17 digits, still
/// exact on a round trip), laid out as Python's repr(): "1.5", "100.0", "1e+16", "1e-05",
/// "-0.0". No printf and no heap: newlib's printf/strtod allocate.
class json_writer {
 public:
  /// A measuring writer: counts the document's bytes and stores none.
  json_writer() noexcept = default;
  /// A windowed writer: stores the document's bytes [offset, offset + window.size) into window.
  json_writer(mutable_bytes window, std::uint64_t offset) noexcept;

  /// Opens an object ('{'). Returns *this.
  json_writer& begin_object() noexcept;
  /// Closes the innermost object ('}'). Returns *this.
  json_writer& end_object() noexcept;
  /// Opens an array ('['). Returns *this.
  json_writer& begin_array() noexcept;
  /// Closes the innermost array (']'). Returns *this.
  json_writer& end_array() noexcept;
  /// Writes an object member's name; the next call must write its value. Returns *this.
  json_writer& key(std::string_view name) noexcept;
  /// Writes a string value (UTF-8, escaped as above). Returns *this.
  json_writer& string(std::string_view text) noexcept;
  /// Writes a signed integer (INT64_MIN included). Returns *this.
  json_writer& int64(std::int64_t value) noexcept;
  /// Writes an unsigned integer. Returns *this.
  json_writer& uint64(std::uint64_t value) noexcept;
  /// Writes a finite double (a float is widened first, so 0.1f is 0.10000000149011612).
  /// Returns *this.
  json_writer& float64(double value) noexcept;
  /// Writes any integer as int64()/uint64() and any floating-point value as float64().
  template <class Number>
  json_writer& number(Number value) noexcept {
    static_assert(std::is_arithmetic_v<Number> && !std::is_same_v<Number, bool>, "number() takes a number");
    if constexpr (std::is_floating_point_v<Number>) {
      return float64(static_cast<double>(value));
    } else if constexpr (std::is_signed_v<Number>) {
      return int64(static_cast<std::int64_t>(value));
    } else {
      return uint64(static_cast<std::uint64_t>(value));
    }
  }
  /// Writes true or false. Returns *this.
  json_writer& boolean(bool value) noexcept;
  /// Writes null. Returns *this.
  json_writer& null() noexcept;

  /// Returns the first misuse (see the class comment), or no error.
  [[nodiscard]] error err() const noexcept { return error_; }
  /// Returns err(), or "incomplete JSON document" when no value was written or a container is
  /// still open: the check a generator's caller makes once the document should be complete.
  [[nodiscard]] error finish() const noexcept;
  /// Returns the bytes of the document so far (whatever the window).
  [[nodiscard]] std::uint64_t size() const noexcept { return pos_; }
  /// Returns how many bytes were stored into the window (0 for a measuring writer).
  [[nodiscard]] std::size_t written() const noexcept;

 private:
  void put(const char* data, std::size_t n) noexcept;
  void put(char c) noexcept { put(&c, 1); }
  void fail(const char* detail) noexcept;
  bool begin_value() noexcept;
  void end_value() noexcept;
  void open(bool object) noexcept;
  void close(bool object) noexcept;
  void quoted(std::string_view text) noexcept;

  char* out_ = nullptr;
  std::size_t cap_ = 0;
  std::uint64_t offset_ = 0;
  std::uint64_t pos_ = 0;
  std::uint64_t objects_ = 0;  // bit i set: open level i is an object, clear: an array
  error error_{};
  std::uint8_t depth_ = 0;
  bool has_items_ = false;  // the innermost open level already holds a member or an element
  bool after_key_ = false;  // key() was written; its value comes next
  bool done_ = false;       // the top-level value is complete
};

/// Generates one JSON document into `w`; `ctx` is the caller's. It must emit the same document
/// every time it is called (json_body calls it once per chunk sent).
using json_build_fn = void (*)(json_writer& w, void* ctx);

/// Serialises the document `build` generates into `out` at once (for small documents; then send
/// it with body::json_text()). Returns its length, or the writer's error, or LocalProtocolError
/// "JSON document larger than the buffer" (nothing is written past out.size).
[[nodiscard]] result<std::size_t> write_json(json_build_fn build, void* ctx, mutable_bytes out) noexcept;

/// A request body that streams a JSON document without holding it: body::json() runs the
/// generator once to measure it (exact Content-Length), then every read(out) runs it again with
/// a window on [sent, sent + out.size) and sends that slice. Regenerating per chunk trades CPU
/// for RAM: a document of D bytes through a transmit buffer of B bytes costs about D / B + 1
/// generator runs (10 KB through 512 B: 21 runs, 210 KB of formatting work) and no memory
/// beyond the buffer. The generator and `ctx` must outlive the request.
class json_body final : public body_source {
 public:
  /// Streams the document `build` generates (called with `ctx`).
  json_body(json_build_fn build, void* ctx) noexcept : build_(build), ctx_(ctx) {}

  /// Runs the generator in measuring mode and starts over from the first byte. Returns the
  /// document's length, or the writer's error (LocalProtocolError; "no JSON generator" for a
  /// null one).
  [[nodiscard]] result<std::uint64_t> measure() noexcept;
  /// Fills `out` with the next slice (measuring first if measure() was not called). Returns ok,
  /// closed at the end, or error, with err() telling why: the writer's error, or
  /// "JSON generator is not deterministic" when a run's document differs in length from the
  /// measured one. The client reports error as WriteError.
  port::io_result read(mutable_bytes out) noexcept override;
  /// Starts over from the first byte. Returns false after an error.
  bool rewind() noexcept override;
  /// Returns why read() failed, or no error.
  [[nodiscard]] error err() const noexcept { return error_; }
  /// Returns the measured length (0 before measure()).
  [[nodiscard]] std::uint64_t length() const noexcept { return length_; }

 private:
  json_build_fn build_;
  void* ctx_;
  std::uint64_t length_ = 0;
  std::uint64_t sent_ = 0;
  bool measured_ = false;
  error error_{};
};

namespace body {
/// A JSON body streamed from `doc` (httpx `json=`), Content-Type application/json, with the
/// exact Content-Length: measures `doc` now. Returns the body, or the generator's writer error
/// (LocalProtocolError). `doc` must outlive the request.
[[nodiscard]] result<request_body> json(json_body& doc) noexcept;
/// An already serialised JSON document sent as it is (httpx `json=` for a small document, e.g.
/// from write_json()), Content-Type application/json. `text` must outlive the request.
[[nodiscard]] inline request_body json_text(std::string_view text) noexcept { return bytes(text, "application/json"); }
}  // namespace body

// ---- reading ------------------------------------------------------------------------------

/// What a JSON value is. `invalid` is a value that is not there (a failed lookup).
enum class json_type : std::uint8_t { invalid, object, array, string, number, boolean, null };

/// One parsed value (jsmn-style, in an array the caller supplies). Tokens are in document
/// order; a container's members follow it: for an object, each member is its name (a string
/// token) followed by the value's tokens; for an array, each element's tokens.
struct json_token {
  json_type type = json_type::invalid;
  bool escaped = false;     ///< string: holds a backslash escape (as_string() decodes it)
  std::uint32_t start = 0;  ///< offset of the first byte ('{', '[', the first byte inside the quotes, ...)
  std::uint32_t end = 0;    ///< offset one past the last byte ('}', ']', the byte before the closing quote, ...)
  std::uint32_t size = 0;   ///< object: members; array: elements; others: 0
  std::uint32_t skip = 1;   ///< tokens of this value, itself and its members included: the next sibling is this + skip
};

class json_value;
struct json_member;

/// Iterates an array's elements (json_value) or an object's members (json_member).
template <class Item>
class json_range {
 public:
  class iterator {
   public:
    iterator(const char* text, const json_token* at) noexcept : text_(text), at_(at) {}
    Item operator*() const noexcept;
    iterator& operator++() noexcept;
    bool operator==(const iterator& other) const noexcept { return at_ == other.at_; }
    bool operator!=(const iterator& other) const noexcept { return at_ != other.at_; }

   private:
    const char* text_;
    const json_token* at_;
  };
  json_range(const char* text, const json_token* first, const json_token* last) noexcept
      : text_(text), first_(first), last_(last) {}
  [[nodiscard]] iterator begin() const noexcept { return {text_, first_}; }
  [[nodiscard]] iterator end() const noexcept { return {text_, last_}; }

 private:
  const char* text_;
  const json_token* first_;
  const json_token* last_;
};

/// A view of one parsed value: the text and its token. Lives as long as both (for
/// response.json(), until the next blocking call on the client and while the tokens live).
/// Lookups on a missing value give an invalid value, whose accessors fail, so chains such as
/// `v["a"][2]["b"].as_int64()` need one check at the end. Accessor errors are DecodingError:
///   "JSON value missing"                   the value is invalid (a lookup found nothing)
///   "JSON value has another type"          e.g. as_int64() of a string
///   "JSON number is not an integer"        as_int64()/as_uint64() of "1.5" or "1e3"
///   "JSON number out of range"             does not fit the type (a double: beyond ±DBL_MAX)
///   "JSON string larger than the buffer"   as_string() into too small a buffer
class json_value {
 public:
  /// An invalid value.
  constexpr json_value() noexcept = default;
  /// The value of `token` in `text` (as parse_json() and the iterators make them).
  constexpr json_value(const char* text, const json_token* token) noexcept : text_(text), token_(token) {}

  /// Returns the type (json_type::invalid for a missing value).
  [[nodiscard]] json_type type() const noexcept { return token_ ? token_->type : json_type::invalid; }
  /// Returns true unless this is a missing value.
  [[nodiscard]] bool valid() const noexcept { return token_ != nullptr; }
  /// Returns the object member named `name` (compared after unescaping; when a name repeats,
  /// the last one wins, as Python's json), or an invalid value.
  [[nodiscard]] json_value operator[](std::string_view name) const noexcept;
  /// Returns the array element at `index`, or an invalid value.
  [[nodiscard]] json_value operator[](std::size_t index) const noexcept;
  /// Returns the members of an object or the elements of an array; 0 otherwise.
  [[nodiscard]] std::size_t size() const noexcept;
  /// Returns the elements of an array (an empty range otherwise).
  [[nodiscard]] json_range<json_value> elements() const noexcept;
  /// Returns the members of an object (an empty range otherwise).
  [[nodiscard]] json_range<json_member> members() const noexcept;

  /// Returns an integer number (no fraction, no exponent) in range.
  [[nodiscard]] result<std::int64_t> as_int64() const noexcept;
  /// Returns a non-negative integer number ("-0" is 0) in range.
  [[nodiscard]] result<std::uint64_t> as_uint64() const noexcept;
  /// Returns a number as the nearest double (correctly rounded, ties to even; underflow gives
  /// 0 or a subnormal). Own exact parser, integer arithmetic only (newlib's strtod allocates):
  /// it uses about 0.9 KB of stack, and time that grows with the exponent (cheap for everyday
  /// numbers, tens of passes over up to 800 digits near 1e±300).
  [[nodiscard]] result<double> as_double() const noexcept;
  /// Returns a boolean.
  [[nodiscard]] result<bool> as_bool() const noexcept;
  /// Returns true for null.
  [[nodiscard]] bool is_null() const noexcept { return type() == json_type::null; }
  /// Returns the value's text: a string's bytes between the quotes (escapes left as they are),
  /// a container's whole text with its brackets, a number or literal as written. Empty when
  /// invalid.
  [[nodiscard]] std::string_view raw() const noexcept;
  /// Unescapes a string into `out` (\uXXXX as UTF-8, pairs joined). Returns the view of `out`
  /// it fills.
  [[nodiscard]] result<std::string_view> as_string(mutable_bytes out) const noexcept;
  /// Returns true when this is a string whose unescaped value equals `text` (no buffer needed;
  /// a plain comparison when the string holds no escape).
  [[nodiscard]] bool string_equals(std::string_view text) const noexcept;

 private:
  const char* text_ = nullptr;
  const json_token* token_ = nullptr;
};

/// One object member: its name (a string value) and its value.
struct json_member {
  json_value name;
  json_value value;
};

template <class Item>
Item json_range<Item>::iterator::operator*() const noexcept {
  if constexpr (std::is_same_v<Item, json_member>) {
    return {json_value(text_, at_), json_value(text_, at_ + 1)};
  } else {
    return json_value(text_, at_);
  }
}

template <class Item>
typename json_range<Item>::iterator& json_range<Item>::iterator::operator++() noexcept {
  if constexpr (std::is_same_v<Item, json_member>) {
    at_ += 1 + at_[1].skip;
  } else {
    at_ += at_->skip;
  }
  return *this;
}

/// Parses `text` as one JSON text (RFC 8259, strictly: one value with optional whitespace
/// around it; no trailing commas, comments, leading zeros, '+' signs, NaN, single quotes, bare
/// control characters in strings or invalid UTF-8; escapes are the eight of §7 and \uXXXX, a
/// surrogate only as a high-low pair) into `tokens`. Returns the top-level value (a view of
/// `text` and `tokens`, which must outlive it; tokens[0].skip tokens were used), or
/// DecodingError: "malformed JSON", "too many JSON tokens", "JSON nested too deeply" (more than
/// HTPX_JSON_MAX_DEPTH open arrays/objects), or "JSON text too long" (over 4 GiB).
[[nodiscard]] result<json_value> parse_json(std::string_view text, span<json_token> tokens) noexcept;

}  // namespace htpx
