// The strict JSON reader (RFC 8259) into caller tokens, the value accessors, the decimal to
// double conversion, and response::json().
#include <cstring>

#include "htpx/json.hpp"
#include "htpx/response.hpp"

namespace htpx {

namespace {

constexpr error malformed{errc::decoding_error, "malformed JSON"};
constexpr error missing{errc::decoding_error, "JSON value missing"};
constexpr error wrong_type{errc::decoding_error, "JSON value has another type"};
constexpr error not_integer{errc::decoding_error, "JSON number is not an integer"};
constexpr error out_of_range{errc::decoding_error, "JSON number out of range"};

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads the 4 hex digits of a \u escape at s[at..]; returns the code unit or -1.
long hex4(std::string_view s, std::size_t at) noexcept {
  if (s.size() - at < 4) return -1;
  long v = 0;
  for (std::size_t i = at; i != at + 4; ++i) {
    const int h = hex_value(s[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// ---- the grammar (RFC 8259 §2-§7) ---------------------------------------------------------

// Scans the string whose opening quote is at s[i]; leaves i after the closing quote. §7: no
// byte below 0x20, the eight single escapes and \uXXXX, a high surrogate only before a low one
// (a lone surrogate has no UTF-8 form), and well-formed UTF-8 (§8.1).
bool scan_string(std::string_view s, std::size_t& i, bool& escaped) noexcept {
  for (++i; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') {
      ++i;
      return true;
    }
    if (c < 0x20) return false;
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence_length({s.data() + i, s.size() - i});
      if (len == 0) return false;
      i += len;
      continue;
    }
    if (c != '\\') {
      ++i;
      continue;
    }
    escaped = true;
    if (++i == s.size()) return false;
    switch (s[i]) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't': ++i; continue;
      case 'u': break;
      default: return false;
    }
    const long unit = hex4(s, i + 1);
    i += 5;
    if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF)) return false;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      if (s.size() - i < 2 || s[i] != '\\' || s[i + 1] != 'u') return false;
      const long low = hex4(s, i + 2);
      if (low < 0xDC00 || low > 0xDFFF) return false;
      i += 6;
    }
  }
  return false;
}

// Scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? (§6); what follows is the caller's.
bool scan_number(std::string_view s, std::size_t& i) noexcept {
  auto digits = [&] {
    const std::size_t from = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i != from;
  };
  if (s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return true;
}

bool scan_literal(std::string_view s, std::size_t& i, std::string_view word) noexcept {
  if (s.size() - i < word.size() || std::memcmp(s.data() + i, word.data(), word.size()) != 0) return false;
  i += word.size();
  return true;
}

// ---- strings ------------------------------------------------------------------------------

// Decodes the character at raw[i] (a validated string's inside) into out; returns its bytes.
std::size_t decode_char(std::string_view raw, std::size_t& i, char out[4]) noexcept {
  if (raw[i] != '\\') {
    out[0] = raw[i++];
    return 1;
  }
  const char e = raw[i + 1];
  i += 2;
  switch (e) {
    case 'b': out[0] = '\b'; return 1;
    case 'f': out[0] = '\f'; return 1;
    case 'n': out[0] = '\n'; return 1;
    case 'r': out[0] = '\r'; return 1;
    case 't': out[0] = '\t'; return 1;
    case 'u': break;
    default: out[0] = e; return 1;
  }
  auto cp = static_cast<unsigned long>(hex4(raw, i));
  i += 4;
  if (cp >= 0xD800 && cp <= 0xDBFF) {  // the scanner checked that a low surrogate follows
    cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<unsigned long>(hex4(raw, i + 2)) - 0xDC00);
    i += 6;
  }
  auto byte = [](unsigned long v) { return static_cast<char>(static_cast<unsigned char>(v)); };
  if (cp < 0x80) {
    out[0] = byte(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = byte(0xC0 | (cp >> 6));
    out[1] = byte(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = byte(0xE0 | (cp >> 12));
    out[1] = byte(0x80 | ((cp >> 6) & 0x3F));
    out[2] = byte(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = byte(0xF0 | (cp >> 18));
  out[1] = byte(0x80 | ((cp >> 12) & 0x3F));
  out[2] = byte(0x80 | ((cp >> 6) & 0x3F));
  out[3] = byte(0x80 | (cp & 0x3F));
  return 4;
}

// ---- numbers: decimal to double ------------------------------------------------------------
// Exact, allocation-free and table-free: the number's digits are held as a decimal (up to 800
// significant digits, more than the 767 a double's exact halfway point can need; beyond them
// only "something non-zero was dropped" is kept) and scaled by powers of two until it lies in
// [1/2, 1), then 53 bits are taken, rounded to nearest, ties to even. This is the classic
// "simple decimal conversion" (as in Go's strconv and Wuffs). Integer arithmetic only, so no
// soft-float routines are linked; the work grows with the exponent (a handful of shifts over a
// few digits for everyday numbers, some tens over up to 800 digits near 1e±300).

class decimal {
 public:
  static constexpr int max_digits = 800;

  // Loads a number the scanner accepted.
  void load(std::string_view s) noexcept;
  // Returns the bits of the nearest double, or false when it is beyond the largest double.
  bool to_double(std::uint64_t& bits) noexcept;

 private:
  void trim() noexcept;
  void shift_right(int k) noexcept;  // divide by 2^k, k <= 60
  void shift_left(int k) noexcept;   // multiply by 2^k, k <= 60
  std::uint64_t rounded_integer() const noexcept;

  std::uint8_t d_[max_digits + 20];  // digit values; the slack serves shift_left()
  int nd_ = 0;                       // digits in d_
  std::int64_t dp_ = 0;              // value = 0.d_ * 10^dp_
  bool negative_ = false;
  bool truncated_ = false;  // non-zero digits beyond max_digits were dropped
};

void decimal::load(std::string_view s) noexcept {
  std::size_t i = 0;
  if (s[i] == '-') {
    negative_ = true;
    ++i;
  }
  bool fraction = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.') {
      fraction = true;
      continue;
    }
    if (!is_digit(c)) break;
    if (c == '0' && nd_ == 0) {  // leading zeros only move the point
      if (fraction) dp_ -= 1;
      continue;
    }
    if (nd_ < max_digits) {
      d_[nd_++] = static_cast<std::uint8_t>(c - '0');
    } else if (c != '0') {
      truncated_ = true;
    }
    if (!fraction) dp_ += 1;
  }
  if (i < s.size()) {  // 'e' or 'E'
    ++i;
    const bool minus = s[i] == '-';
    if (s[i] == '-' || s[i] == '+') ++i;
    std::int64_t e = 0;
    for (; i < s.size(); ++i) {
      if (e < 1000000000000000) e = e * 10 + (s[i] - '0');  // saturates far beyond any double
    }
    dp_ += minus ? -e : e;
  }
  trim();
}

void decimal::trim() noexcept {
  while (nd_ > 0 && d_[nd_ - 1] == 0) --nd_;
  if (nd_ == 0) dp_ = 0;
}

void decimal::shift_right(int k) noexcept {
  int r = 0;
  std::uint64_t n = 0;
  while ((n >> k) == 0) {  // take enough leading digits for the first quotient digit
    if (r >= nd_) {
      if (n == 0) {
        nd_ = 0;
        return;
      }
      while ((n >> k) == 0) {
        n *= 10;
        ++r;
      }
      break;
    }
    n = n * 10 + d_[r++];
  }
  dp_ -= r - 1;
  const std::uint64_t mask = (std::uint64_t{1} << k) - 1;
  int w = 0;
  for (; r < nd_; ++r) {
    const std::uint8_t next = d_[r];
    d_[w++] = static_cast<std::uint8_t>(n >> k);
    n = (n & mask) * 10 + next;
  }
  while (n > 0) {
    const auto digit = static_cast<std::uint8_t>(n >> k);
    if (w < max_digits) {
      d_[w++] = digit;
    } else if (digit > 0) {
      truncated_ = true;
    }
    n = (n & mask) * 10;
  }
  nd_ = w;
  trim();
}

void decimal::shift_left(int k) noexcept {
  // Multiply from the last digit up, writing 19 places to the right (2^60 adds at most 19
  // digits), then move the result down.
  const int top = nd_ + 19;
  int w = top;
  std::uint64_t n = 0;
  for (int r = nd_ - 1; r >= 0; --r) {
    n += std::uint64_t{d_[r]} << k;
    const std::uint64_t q = n / 10;
    d_[--w] = static_cast<std::uint8_t>(n - q * 10);
    n = q;
  }
  while (n > 0) {
    const std::uint64_t q = n / 10;
    d_[--w] = static_cast<std::uint8_t>(n - q * 10);
    n = q;
  }
  int count = top - w;
  dp_ += count - nd_;
  std::memmove(d_, d_ + w, static_cast<std::size_t>(count));
  if (count > max_digits) {
    for (int i = max_digits; i < count; ++i) truncated_ = truncated_ || d_[i] != 0;
    count = max_digits;
  }
  nd_ = count;
  trim();
}

// The integer part, rounded half to even (a dropped tail counts as above half).
std::uint64_t decimal::rounded_integer() const noexcept {
  std::uint64_t n = 0;
  int i = 0;
  for (; i < dp_ && i < nd_; ++i) n = n * 10 + d_[i];
  for (; i < dp_; ++i) n *= 10;
  bool up = false;
  const int at = static_cast<int>(dp_);
  if (at >= 0 && at < nd_) {
    if (d_[at] == 5 && at + 1 == nd_) {
      up = truncated_ || (at > 0 && d_[at - 1] % 2 == 1);
    } else {
      up = d_[at] >= 5;
    }
  }
  return up ? n + 1 : n;
}

bool decimal::to_double(std::uint64_t& bits) noexcept {
  const std::uint64_t sign = negative_ ? std::uint64_t{1} << 63 : 0;
  bits = sign;
  if (nd_ == 0 || dp_ < -330) return true;  // zero, or below half the smallest subnormal
  if (dp_ > 310) return false;
  // Powers of two that keep 0.d * 10^dp on the right side of 1/2 while scaling: 2^n with
  // n <= floor(log2 10^dp).
  static constexpr std::uint8_t step[] = {1, 3, 6, 9, 13, 16, 19, 23, 26};
  int exp2 = 0;
  while (dp_ > 0) {
    const int n = dp_ >= 9 ? 27 : step[dp_];
    shift_right(n);
    exp2 += n;
  }
  while (nd_ > 0 && (dp_ < 0 || (dp_ == 0 && d_[0] < 5))) {
    const int n = -dp_ >= 9 ? 27 : step[-dp_];
    shift_left(n);
    exp2 -= n;
  }
  exp2 -= 1;           // the value is in [1/2, 1): as 1.f * 2^exp2 the exponent is one less
  if (exp2 < -1022) {  // subnormal: scale to the smallest exponent, lose the bits below it
    for (int n = -1022 - exp2; n > 0; n -= 60) shift_right(n < 60 ? n : 60);
    exp2 = -1022;
  }
  if (exp2 > 1023) return false;
  shift_left(53);
  std::uint64_t mantissa = rounded_integer();
  if (mantissa == std::uint64_t{1} << 53) {  // rounding carried into a new bit
    mantissa >>= 1;
    exp2 += 1;
    if (exp2 > 1023) return false;
  }
  const std::uint64_t biased = (mantissa >> 52) != 0 ? static_cast<std::uint64_t>(exp2 + 1023) : 0;
  bits = sign | (biased << 52) | (mantissa & ((std::uint64_t{1} << 52) - 1));
  return true;
}

// Reads an integer number's magnitude; `negative` tells its sign. Every byte is looked at
// before overflow is reported, so "1e3" with a long mantissa is still "not an integer".
result<std::uint64_t> integer_magnitude(std::string_view s, bool& negative) noexcept {
  negative = s[0] == '-';
  std::uint64_t v = 0;
  bool overflow = false;
  for (std::size_t i = negative ? 1 : 0; i < s.size(); ++i) {
    if (!is_digit(s[i])) return not_integer;
    const auto digit = static_cast<std::uint64_t>(s[i] - '0');
    constexpr std::uint64_t limit = ~std::uint64_t{0} / 10;  // 1844674407370955161, then digit <= 5
    overflow = overflow || v > limit || (v == limit && digit > 5);
    if (!overflow) v = v * 10 + digit;
  }
  if (overflow) return out_of_range;
  return v;
}

}  // namespace

// ---- parse_json ---------------------------------------------------------------------------

result<json_value> parse_json(std::string_view text, span<json_token> tokens) noexcept {
  if (text.size() > 0xFFFFFFFFu) return error{errc::decoding_error, "JSON text too long"};
  enum class expect : std::uint8_t { value, name, after_value };
  std::uint32_t open[HTPX_JSON_MAX_DEPTH];  // token index of each open container
  std::size_t depth = 0;
  std::size_t count = 0;
  std::size_t i = 0;
  expect next = expect::value;
  auto new_token = [&](json_type type) -> json_token* {
    if (count == tokens.size()) return nullptr;
    json_token& t = tokens[count++];
    t = json_token{};
    t.type = type;
    t.start = static_cast<std::uint32_t>(i);
    return &t;
  };
  for (;;) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i == text.size() && (next != expect::after_value || depth != 0)) return malformed;
    switch (next) {
      case expect::value: {
        const char c = text[i];
        json_type type = json_type::number;
        if (c == '{' || c == '[') {
          type = c == '{' ? json_type::object : json_type::array;
        } else if (c == '"') {
          type = json_type::string;
        } else if (c == 't' || c == 'f') {
          type = json_type::boolean;
        } else if (c == 'n') {
          type = json_type::null;
        } else if (c != '-' && !is_digit(c)) {
          return malformed;
        }
        if (depth != 0 && tokens[open[depth - 1]].type == json_type::array) tokens[open[depth - 1]].size += 1;
        json_token* t = new_token(type);
        if (t == nullptr) return error{errc::decoding_error, "too many JSON tokens"};
        if (type == json_type::object || type == json_type::array) {
          if (depth == HTPX_JSON_MAX_DEPTH) return error{errc::decoding_error, "JSON nested too deeply"};
          open[depth++] = static_cast<std::uint32_t>(count - 1);
          ++i;
          while (i < text.size() && is_space(text[i])) ++i;
          if (i < text.size() && text[i] == (c == '{' ? '}' : ']')) {
            next = expect::after_value;
            continue;  // after_value closes it
          }
          next = type == json_type::object ? expect::name : expect::value;
          continue;
        }
        bool ok = false;
        switch (type) {
          case json_type::string: ok = scan_string(text, i, t->escaped); break;
          case json_type::boolean: ok = scan_literal(text, i, c == 't' ? "true" : "false"); break;
          case json_type::null: ok = scan_literal(text, i, "null"); break;
          default: ok = scan_number(text, i); break;
        }
        if (!ok) return malformed;
        if (type == json_type::string) t->start += 1;
        t->end = static_cast<std::uint32_t>(type == json_type::string ? i - 1 : i);
        next = expect::after_value;
        continue;
      }
      case expect::name: {
        if (text[i] != '"') return malformed;
        tokens[open[depth - 1]].size += 1;
        json_token* t = new_token(json_type::string);
        if (t == nullptr) return error{errc::decoding_error, "too many JSON tokens"};
        if (!scan_string(text, i, t->escaped)) return malformed;
        t->start += 1;
        t->end = static_cast<std::uint32_t>(i - 1);
        while (i < text.size() && is_space(text[i])) ++i;
        if (i == text.size() || text[i] != ':') return malformed;
        ++i;
        next = expect::value;
        continue;
      }
      case expect::after_value: {
        if (depth == 0) {
          if (i != text.size()) return malformed;
          return json_value(text.data(), tokens.data());
        }
        json_token& parent = tokens[open[depth - 1]];
        const bool object = parent.type == json_type::object;
        if (text[i] == ',') {
          ++i;
          next = object ? expect::name : expect::value;
          continue;
        }
        if (text[i] != (object ? '}' : ']')) return malformed;
        ++i;
        parent.end = static_cast<std::uint32_t>(i);
        parent.skip = static_cast<std::uint32_t>(count - open[depth - 1]);
        depth -= 1;
        continue;
      }
    }
  }
}

// ---- json_value ---------------------------------------------------------------------------

std::string_view json_value::raw() const noexcept {
  if (token_ == nullptr) return {};
  return {text_ + token_->start, token_->end - token_->start};
}

std::size_t json_value::size() const noexcept {
  const json_type t = type();
  return t == json_type::object || t == json_type::array ? token_->size : 0;
}

json_range<json_value> json_value::elements() const noexcept {
  if (type() != json_type::array) return {text_, nullptr, nullptr};
  return {text_, token_ + 1, token_ + token_->skip};
}

json_range<json_member> json_value::members() const noexcept {
  if (type() != json_type::object) return {text_, nullptr, nullptr};
  return {text_, token_ + 1, token_ + token_->skip};
}

json_value json_value::operator[](std::string_view name) const noexcept {
  json_value found;
  for (const json_member m : members()) {
    if (m.name.string_equals(name)) found = m.value;
  }
  return found;
}

json_value json_value::operator[](std::size_t index) const noexcept {
  if (index >= size() || type() != json_type::array) return {};
  auto it = elements().begin();
  for (; index != 0; --index) ++it;
  return *it;
}

bool json_value::string_equals(std::string_view text) const noexcept {
  if (type() != json_type::string) return false;
  const std::string_view s = raw();
  if (!token_->escaped) return s == text;
  std::size_t at = 0;
  for (std::size_t i = 0; i < s.size();) {
    char c[4];
    const std::size_t n = decode_char(s, i, c);
    if (text.size() - at < n || std::memcmp(text.data() + at, c, n) != 0) return false;
    at += n;
  }
  return at == text.size();
}

result<std::string_view> json_value::as_string(mutable_bytes out) const noexcept {
  if (token_ == nullptr) return missing;
  if (token_->type != json_type::string) return wrong_type;
  constexpr error too_small{errc::decoding_error, "JSON string larger than the buffer"};
  const std::string_view s = raw();
  if (!token_->escaped) {
    if (s.size() > out.size) return too_small;
    if (!s.empty()) std::memcpy(out.data, s.data(), s.size());
    return std::string_view{out.data, s.size()};
  }
  std::size_t at = 0;
  for (std::size_t i = 0; i < s.size();) {
    char c[4];
    const std::size_t n = decode_char(s, i, c);
    if (out.size - at < n) return too_small;
    std::memcpy(out.data + at, c, n);
    at += n;
  }
  return std::string_view{out.data, at};
}

result<std::int64_t> json_value::as_int64() const noexcept {
  if (token_ == nullptr) return missing;
  if (token_->type != json_type::number) return wrong_type;
  bool negative = false;
  const result<std::uint64_t> v = integer_magnitude(raw(), negative);
  if (!v) return v.err();
  constexpr std::uint64_t max = 0x7FFFFFFFFFFFFFFF;
  if (v.value() > max + (negative ? 1 : 0)) return out_of_range;
  // Negate in unsigned arithmetic: 2^63 has no positive int64_t.
  if (negative)
    return v.value() == max + 1 ? -static_cast<std::int64_t>(max) - 1 : -static_cast<std::int64_t>(v.value());
  return static_cast<std::int64_t>(v.value());
}

result<std::uint64_t> json_value::as_uint64() const noexcept {
  if (token_ == nullptr) return missing;
  if (token_->type != json_type::number) return wrong_type;
  bool negative = false;
  const result<std::uint64_t> v = integer_magnitude(raw(), negative);
  if (v && negative && v.value() != 0) return out_of_range;
  return v;
}

result<double> json_value::as_double() const noexcept {
  if (token_ == nullptr) return missing;
  if (token_->type != json_type::number) return wrong_type;
  decimal d;
  d.load(raw());
  std::uint64_t bits = 0;
  if (!d.to_double(bits)) return out_of_range;
  double v = 0;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

result<bool> json_value::as_bool() const noexcept {
  if (token_ == nullptr) return missing;
  if (token_->type != json_type::boolean) return wrong_type;
  return text_[token_->start] == 't';
}

// ---- response::json -----------------------------------------------------------------------

result<json_value> response::json(span<json_token> tokens) const noexcept { return parse_json(body.str(), tokens); }

}  // namespace htpx
