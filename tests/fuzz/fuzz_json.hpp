// The JSON reader's fuzz target body (RFC 8259: parse_json into caller tokens, then the value
// accessors), shared by the libFuzzer entry point (fuzz_json.cpp) and the corpus replay unit
// test.
//
// Input: byte 0 picks a small token array size (bits 0-3) and the string buffer size for
// as_string() (bits 4-7); the rest is the JSON text. It is parsed with an array that cannot run
// out (one token per byte), then with arrays of the exact size it used, one fewer, and the small
// chosen size, each followed by guard tokens that must stay untouched. Invariants:
//   - every parse agrees with the unbounded one: the same tokens when the array is large
//     enough, "too many JSON tokens" (or the same error) when it is not;
//   - tokens: every value lies inside the text, a container's tokens lie inside it and inside
//     the array used, sizes count what iteration visits, strings sit between quotes;
//   - accessors: lookups by index and by name find what iteration finds (the last of repeated
//     names), as_string() decodes to well-formed UTF-8 that string_equals() accepts and never
//     writes past its buffer, numbers read as strtod()/strtoll() read them, wrong types and
//     missing values fail with the documented errors.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "htpx/json.hpp"

namespace htpx_fuzz::json {

constexpr std::uint32_t guard_start = 0xA5A5A5A5u;
constexpr char guard_byte = '\xA5';

inline bool same_detail(const htpx::error& e, const char* detail) { return std::string_view(e.detail) == detail; }

// A token array of `size` tokens followed by guard tokens that parse_json() must not touch.
class guarded_tokens {
 public:
  explicit guarded_tokens(std::size_t size) : tokens_(size + 4), size_(size) {
    for (std::size_t i = size; i != tokens_.size(); ++i) tokens_[i].start = guard_start;
  }
  htpx::span<htpx::json_token> view() noexcept { return {tokens_.data(), size_}; }
  const htpx::json_token* data() const noexcept { return tokens_.data(); }
  bool guards_intact() const noexcept {
    for (std::size_t i = size_; i != tokens_.size(); ++i) {
      if (tokens_[i].start != guard_start || tokens_[i].type != htpx::json_type::invalid) return false;
    }
    return true;
  }

 private:
  std::vector<htpx::json_token> tokens_;
  std::size_t size_;
};

inline bool same_token(const htpx::json_token& a, const htpx::json_token& b) {
  return a.type == b.type && a.escaped == b.escaped && a.start == b.start && a.end == b.end && a.size == b.size &&
         a.skip == b.skip;
}

inline bool well_formed_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = htpx::utf8_sequence_length(s.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// The structure of tokens [first, first + skip): every value's bytes inside [lo, hi) of the text.
inline void check_tokens(std::string_view text, const htpx::json_token* tokens, std::size_t first, std::size_t lo,
                  std::size_t hi) {
  const htpx::json_token& t = tokens[first];
  HTPX_FUZZ_CHECK(t.start >= lo && t.start <= t.end && t.end <= hi);
  switch (t.type) {
    case htpx::json_type::object:
    case htpx::json_type::array: {
      const bool object = t.type == htpx::json_type::object;
      HTPX_FUZZ_CHECK(t.end - t.start >= 2);
      HTPX_FUZZ_CHECK(text[t.start] == (object ? '{' : '['));
      HTPX_FUZZ_CHECK(text[t.end - 1] == (object ? '}' : ']'));
      std::size_t members = 0;
      std::size_t at = first + 1;
      std::size_t floor = t.start + 1;  // children come in order, after one another
      while (at != first + t.skip) {
        HTPX_FUZZ_CHECK(at < first + t.skip);
        if (object) {
          HTPX_FUZZ_CHECK(tokens[at].type == htpx::json_type::string);
          check_tokens(text, tokens, at, floor, t.end - 1);
          floor = tokens[at].end;
          ++at;
          HTPX_FUZZ_CHECK(at < first + t.skip);
        }
        HTPX_FUZZ_CHECK(tokens[at].skip >= 1 && at + tokens[at].skip <= first + t.skip);
        check_tokens(text, tokens, at, floor, t.end - 1);
        floor = tokens[at].end;
        at += tokens[at].skip;
        ++members;
      }
      HTPX_FUZZ_CHECK(members == t.size);
      break;
    }
    case htpx::json_type::string:
      HTPX_FUZZ_CHECK(t.skip == 1 && t.size == 0);
      HTPX_FUZZ_CHECK(t.start >= 1 && text[t.start - 1] == '"' && t.end < text.size() && text[t.end] == '"');
      break;
    case htpx::json_type::number:
    case htpx::json_type::boolean:
    case htpx::json_type::null:
      HTPX_FUZZ_CHECK(t.skip == 1 && t.size == 0 && t.end > t.start);
      break;
    case htpx::json_type::invalid: HTPX_FUZZ_CHECK(false && "invalid token type");
  }
}

// Accessors that do not apply to this value's type fail with "has another type".
inline void check_wrong_types(const htpx::json_value& v) {
  const htpx::json_type type = v.type();
  if (type != htpx::json_type::number) {
    HTPX_FUZZ_CHECK(same_detail(v.as_int64().err(), "JSON value has another type"));
    HTPX_FUZZ_CHECK(same_detail(v.as_uint64().err(), "JSON value has another type"));
    HTPX_FUZZ_CHECK(same_detail(v.as_double().err(), "JSON value has another type"));
  }
  if (type != htpx::json_type::boolean) HTPX_FUZZ_CHECK(same_detail(v.as_bool().err(), "JSON value has another type"));
  if (type != htpx::json_type::string) {
    char buf[4];
    HTPX_FUZZ_CHECK(same_detail(v.as_string(buf).err(), "JSON value has another type"));
    HTPX_FUZZ_CHECK(!v.string_equals(v.raw()));
  }
  if (type != htpx::json_type::array) {
    HTPX_FUZZ_CHECK(!v[std::size_t{0}].valid());
    HTPX_FUZZ_CHECK(v.elements().begin() == v.elements().end());
  }
  if (type != htpx::json_type::object) HTPX_FUZZ_CHECK(v.members().begin() == v.members().end());
  HTPX_FUZZ_CHECK(v.is_null() == (type == htpx::json_type::null));
}

// Decodes a string value into a buffer of `small` bytes followed by guard bytes; when that is
// too small, into one as large as the raw text (decoding never grows a string). Returns it.
inline std::string decode(const htpx::json_value& v, std::size_t small) {
  const std::string_view raw = v.raw();
  for (const std::size_t size : {small, raw.size()}) {
    std::vector<char> buf(size + 8, guard_byte);
    const htpx::result<std::string_view> s = v.as_string({buf.data(), size});
    for (std::size_t i = size; i != buf.size(); ++i) HTPX_FUZZ_CHECK(buf[i] == guard_byte);
    if (!s) {
      HTPX_FUZZ_CHECK(same_detail(s.err(), "JSON string larger than the buffer"));
      HTPX_FUZZ_CHECK(size != raw.size());
      continue;
    }
    HTPX_FUZZ_CHECK(s.value().data() == buf.data() && s.value().size() <= size && s.value().size() <= raw.size());
    return std::string(s.value());
  }
  HTPX_FUZZ_CHECK(false && "as_string() failed with a buffer as large as the raw text");
  return {};
}

inline void check_number(const htpx::json_value& v) {
  const std::string raw(v.raw());
  // strtod (glibc: correctly rounded) is the reference for as_double().
  errno = 0;
  const double expected = std::strtod(raw.c_str(), nullptr);
  const htpx::result<double> d = v.as_double();
  if (std::isinf(expected)) {
    HTPX_FUZZ_CHECK(!d && same_detail(d.err(), "JSON number out of range"));
  } else {
    HTPX_FUZZ_CHECK(d.ok());
    HTPX_FUZZ_CHECK(std::memcmp(&expected, &d.value(), sizeof expected) == 0);
  }
  // Integers: no fraction or exponent; strtoll/strtoull for the range.
  const bool integer = raw.find_first_of(".eE") == std::string::npos;
  const htpx::result<std::int64_t> i = v.as_int64();
  const htpx::result<std::uint64_t> u = v.as_uint64();
  if (!integer) {
    HTPX_FUZZ_CHECK(same_detail(i.err(), "JSON number is not an integer"));
    HTPX_FUZZ_CHECK(same_detail(u.err(), "JSON number is not an integer"));
    return;
  }
  errno = 0;
  const long long ll = std::strtoll(raw.c_str(), nullptr, 10);
  if (errno == ERANGE) {
    HTPX_FUZZ_CHECK(same_detail(i.err(), "JSON number out of range"));
  } else {
    HTPX_FUZZ_CHECK(i.ok() && i.value() == ll);
  }
  const bool negative = raw[0] == '-';
  errno = 0;
  const unsigned long long ull = std::strtoull(negative ? raw.c_str() + 1 : raw.c_str(), nullptr, 10);
  if (errno == ERANGE || (negative && ull != 0)) {
    HTPX_FUZZ_CHECK(same_detail(u.err(), "JSON number out of range"));
  } else {
    HTPX_FUZZ_CHECK(u.ok() && u.value() == ull);
  }
}

// Walks a value and everything in it through the public accessors.
inline void walk(std::string_view text, const htpx::json_value& v, std::size_t string_buffer) {
  HTPX_FUZZ_CHECK(v.valid());
  HTPX_FUZZ_CHECK(within(text.data(), text.size(), v.raw()));
  check_wrong_types(v);
  switch (v.type()) {
    case htpx::json_type::array: {
      std::size_t index = 0;
      for (const htpx::json_value element : v.elements()) {
        HTPX_FUZZ_CHECK(index < v.size());
        HTPX_FUZZ_CHECK(v[index].raw().data() == element.raw().data() && v[index].type() == element.type());
        walk(text, element, string_buffer);
        ++index;
      }
      HTPX_FUZZ_CHECK(index == v.size());
      HTPX_FUZZ_CHECK(!v[index].valid());
      break;
    }
    case htpx::json_type::object: {
      std::size_t count = 0;
      for (const htpx::json_member m : v.members()) {
        HTPX_FUZZ_CHECK(count < v.size());
        HTPX_FUZZ_CHECK(m.name.type() == htpx::json_type::string);
        const std::string name = decode(m.name, string_buffer);
        HTPX_FUZZ_CHECK(m.name.string_equals(name));
        // By name: this member or a later one of the same name (the last one wins).
        const htpx::json_value found = v[std::string_view(name)];
        HTPX_FUZZ_CHECK(found.valid() && found.raw().data() >= m.value.raw().data());
        walk(text, m.value, string_buffer);
        ++count;
      }
      HTPX_FUZZ_CHECK(count == v.size());
      break;
    }
    case htpx::json_type::string: {
      const std::string s = decode(v, string_buffer);
      HTPX_FUZZ_CHECK(well_formed_utf8(s));
      HTPX_FUZZ_CHECK(v.string_equals(s));
      HTPX_FUZZ_CHECK(!v.string_equals(s + "x"));
      if (!s.empty()) HTPX_FUZZ_CHECK(!v.string_equals(std::string_view(s).substr(0, s.size() - 1)));
      break;
    }
    case htpx::json_type::number: check_number(v); break;
    case htpx::json_type::boolean: {
      const htpx::result<bool> b = v.as_bool();
      HTPX_FUZZ_CHECK(b.ok() && b.value() == (v.raw() == "true"));
      HTPX_FUZZ_CHECK(v.raw() == "true" || v.raw() == "false");
      break;
    }
    case htpx::json_type::null: HTPX_FUZZ_CHECK(v.raw() == "null"); break;
    case htpx::json_type::invalid: HTPX_FUZZ_CHECK(false && "a parsed value is invalid"); break;
  }
}

// A missing value: every accessor fails with "JSON value missing", lookups stay missing.
inline void check_missing() {
  const htpx::json_value none;
  HTPX_FUZZ_CHECK(!none.valid() && none.type() == htpx::json_type::invalid && none.raw().empty());
  HTPX_FUZZ_CHECK(!none["a"].valid() && !none[std::size_t{0}].valid() && none.size() == 0);
  HTPX_FUZZ_CHECK(same_detail(none.as_int64().err(), "JSON value missing"));
  HTPX_FUZZ_CHECK(same_detail(none.as_double().err(), "JSON value missing"));
  HTPX_FUZZ_CHECK(same_detail(none.as_bool().err(), "JSON value missing"));
}

inline int fuzz_json_one(const std::uint8_t* data, std::size_t size) {
  static constexpr std::size_t small_tokens[16] = {0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32, 64, 128, 1024};
  static constexpr std::size_t string_buffers[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 64, 256, 4096};
  input_reader in(data, size);
  const std::uint8_t options = in.byte();
  const std::string_view text(in.rest(), in.rest_size());

  // Every token starts at a distinct byte, so one per byte (and one for "") never runs out.
  guarded_tokens unbounded(text.size() + 1);
  const htpx::result<htpx::json_value> whole = htpx::parse_json(text, unbounded.view());
  HTPX_FUZZ_CHECK(unbounded.guards_intact());
  std::size_t used = 0;
  if (whole) {
    const htpx::json_token* tokens = unbounded.data();
    used = tokens[0].skip;
    HTPX_FUZZ_CHECK(used >= 1 && used <= text.size());
    HTPX_FUZZ_CHECK(whole.value().raw().data() == text.data() + tokens[0].start);
    check_tokens(text, tokens, 0, 0, text.size());
    walk(text, whole.value(), string_buffers[options >> 4u]);
  } else {
    HTPX_FUZZ_CHECK(whole.err().code == htpx::errc::decoding_error);
    HTPX_FUZZ_CHECK(!same_detail(whole.err(), "too many JSON tokens"));
  }
  check_missing();

  // Smaller arrays: the same result when large enough, else out of tokens (or the same error
  // met before running out).
  const std::size_t sizes[3] = {used, used == 0 ? 0 : used - 1, small_tokens[options & 15u]};
  for (const std::size_t n : sizes) {
    guarded_tokens tokens(n);
    const htpx::result<htpx::json_value> r = htpx::parse_json(text, tokens.view());
    HTPX_FUZZ_CHECK(tokens.guards_intact());
    if (whole && n >= used) {
      HTPX_FUZZ_CHECK(r.ok());
      for (std::size_t i = 0; i != used; ++i) HTPX_FUZZ_CHECK(same_token(tokens.data()[i], unbounded.data()[i]));
    } else {
      HTPX_FUZZ_CHECK(!r);
      HTPX_FUZZ_CHECK(same_detail(r.err(), "too many JSON tokens") ||
                      (!whole && same_detail(r.err(), whole.err().detail)));
    }
  }
  return 0;
}

}  // namespace htpx_fuzz::json
