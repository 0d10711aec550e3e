// The JSON writer (RFC 8259 output, windowed), the Grisu2 double formatter, json_body and the
// JSON body factory.
#include <cstring>

#include "htpx/json.hpp"

namespace htpx {

namespace {

constexpr error misuse(const char* detail) noexcept { return {errc::local_protocol_error, detail}; }

// ---- integers -----------------------------------------------------------------------------

// Writes `v` in decimal so that it ends at `end`; returns where it starts.
char* format_decimal(std::uint64_t v, char* end) noexcept {
  do {
    *--end = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  return end;
}

// ---- doubles: Grisu2 (F. Loitsch, "Printing Floating-Point Numbers Quickly and Accurately
// with Integers", PLDI 2010) ------------------------------------------------------------------
// The double v and its rounding interval [m-, m+] are scaled by a cached power of ten into a
// range where 64-bit integers hold them; digits of the scaled m+ are produced until the number
// they form lies inside the (conservatively shrunk) interval, so it reads back as v. Integer
// arithmetic only (no double maths on an FPU-less Cortex-M).

struct diy_fp {  // f * 2^e
  std::uint64_t f;
  int e;
};

diy_fp multiply(diy_fp x, diy_fp y) noexcept {  // the upper 64 bits of the product, rounded
  constexpr std::uint64_t low = 0xFFFFFFFFu;
  const std::uint64_t a = x.f >> 32, b = x.f & low, c = y.f >> 32, d = y.f & low;
  const std::uint64_t ac = a * c, bc = b * c, ad = a * d, bd = b * d;
  const std::uint64_t mid = (bd >> 32) + (ad & low) + (bc & low) + (std::uint64_t{1} << 31);
  return {ac + (ad >> 32) + (bc >> 32) + (mid >> 32), x.e + y.e + 64};
}

diy_fp normalize(diy_fp x) noexcept {
  while ((x.f >> 63) == 0) {
    x.f <<= 1;
    x.e -= 1;
  }
  return x;
}

// 10^k for k = -348 + 8 i, as 64-bit significands rounded to nearest (computed exactly offline).
constexpr int cached_first_k = -348;
constexpr int cached_count = 87;
constexpr std::uint64_t cached_f[cached_count] = {
    0xFA8FD5A0081C0288, 0xBAAEE17FA23EBF76, 0x8B16FB203055AC76, 0xCF42894A5DCE35EA, 0x9A6BB0AA55653B2D,
    0xE61ACF033D1A45DF, 0xAB70FE17C79AC6CA, 0xFF77B1FCBEBCDC4F, 0xBE5691EF416BD60C, 0x8DD01FAD907FFC3C,
    0xD3515C2831559A83, 0x9D71AC8FADA6C9B5, 0xEA9C227723EE8BCB, 0xAECC49914078536D, 0x823C12795DB6CE57,
    0xC21094364DFB5637, 0x9096EA6F3848984F, 0xD77485CB25823AC7, 0xA086CFCD97BF97F4, 0xEF340A98172AACE5,
    0xB23867FB2A35B28E, 0x84C8D4DFD2C63F3B, 0xC5DD44271AD3CDBA, 0x936B9FCEBB25C996, 0xDBAC6C247D62A584,
    0xA3AB66580D5FDAF6, 0xF3E2F893DEC3F126, 0xB5B5ADA8AAFF80B8, 0x87625F056C7C4A8B, 0xC9BCFF6034C13053,
    0x964E858C91BA2655, 0xDFF9772470297EBD, 0xA6DFBD9FB8E5B88F, 0xF8A95FCF88747D94, 0xB94470938FA89BCF,
    0x8A08F0F8BF0F156B, 0xCDB02555653131B6, 0x993FE2C6D07B7FAC, 0xE45C10C42A2B3B06, 0xAA242499697392D3,
    0xFD87B5F28300CA0E, 0xBCE5086492111AEB, 0x8CBCCC096F5088CC, 0xD1B71758E219652C, 0x9C40000000000000,
    0xE8D4A51000000000, 0xAD78EBC5AC620000, 0x813F3978F8940984, 0xC097CE7BC90715B3, 0x8F7E32CE7BEA5C70,
    0xD5D238A4ABE98068, 0x9F4F2726179A2245, 0xED63A231D4C4FB27, 0xB0DE65388CC8ADA8, 0x83C7088E1AAB65DB,
    0xC45D1DF942711D9A, 0x924D692CA61BE758, 0xDA01EE641A708DEA, 0xA26DA3999AEF774A, 0xF209787BB47D6B85,
    0xB454E4A179DD1877, 0x865B86925B9BC5C2, 0xC83553C5C8965D3D, 0x952AB45CFA97A0B3, 0xDE469FBD99A05FE3,
    0xA59BC234DB398C25, 0xF6C69A72A3989F5C, 0xB7DCBF5354E9BECE, 0x88FCF317F22241E2, 0xCC20CE9BD35C78A5,
    0x98165AF37B2153DF, 0xE2A0B5DC971F303A, 0xA8D9D1535CE3B396, 0xFB9B7CD9A4A7443C, 0xBB764C4CA7A44410,
    0x8BAB8EEFB6409C1A, 0xD01FEF10A657842C, 0x9B10A4E5E9913129, 0xE7109BFBA19C0C9D, 0xAC2820D9623BF429,
    0x80444B5E7AA7CF85, 0xBF21E44003ACDD2D, 0x8E679C2F5E44FF8F, 0xD433179D9C8CB841, 0x9E19DB92B4E31BA9,
    0xEB96BF6EBADF77D9, 0xAF87023B9BF0EE6B,
};

// The binary exponent of cached entry i: floor(k log2 10) - 63; 1741647 / 2^19 approximates
// log2 10 closely enough to be exact for every k in the table (checked offline).
int cached_e(int i) noexcept {
  const std::int32_t scaled = (cached_first_k + 8 * i) * 1741647;
  const std::int32_t floor = scaled >= 0 ? scaled / 524288 : -((-scaled + 524287) / 524288);
  return floor - 63;
}

// Moves the last digit down while that brings the number closer to the scaled v (dist away
// from m+) and keeps it inside the interval (Grisu's "round_weed").
void round_digits(char* digits, int len, std::uint64_t dist, std::uint64_t delta, std::uint64_t rest,
                  std::uint64_t ten_k) noexcept {
  while (rest < dist && delta - rest >= ten_k && (rest + ten_k < dist || dist - rest > rest + ten_k - dist) &&
         digits[len - 1] > '0') {
    digits[len - 1] = static_cast<char>(digits[len - 1] - 1);
    rest += ten_k;
  }
}

// Writes the digits of the positive finite double with these `bits` (at most 18) into `digits`;
// the double is about digits * 10^exp10.
int grisu2(std::uint64_t bits, char* digits, int& exp10) noexcept {
  const std::uint64_t fraction = bits & ((std::uint64_t{1} << 52) - 1);
  const int biased = static_cast<int>((bits >> 52) & 0x7FF);
  const diy_fp value =
      biased == 0 ? diy_fp{fraction, -1074} : diy_fp{fraction | (std::uint64_t{1} << 52), biased - 1075};
  // The interval's ends are halfway to the neighbours; the lower gap halves at a power of two.
  const diy_fp upper = normalize({(value.f << 1) + 1, value.e - 1});
  const bool closer = fraction == 0 && biased > 1;
  diy_fp lower = closer ? diy_fp{(value.f << 2) - 1, value.e - 2} : diy_fp{(value.f << 1) - 1, value.e - 1};
  lower.f <<= lower.e - upper.e;
  lower.e = upper.e;
  const diy_fp w = normalize(value);  // same exponent as upper

  // A cached power c with -60 <= e(w * c) <= -32: the integral part then fits 32 bits.
  int i = cached_count / 2;
  while (i > 0 && cached_e(i) + upper.e + 64 > -32) --i;
  while (i < cached_count - 1 && cached_e(i) + upper.e + 64 < -60) ++i;
  const diy_fp c{cached_f[i], cached_e(i)};
  const diy_fp scaled_w = multiply(w, c);
  diy_fp high = multiply(upper, c);
  diy_fp low = multiply(lower, c);
  low.f += 1;  // shrink the interval by the products' possible error
  high.f -= 1;
  exp10 = -(cached_first_k + 8 * i);

  const int shift = -high.e;
  const std::uint64_t one = std::uint64_t{1} << shift;
  std::uint64_t delta = high.f - low.f;
  std::uint64_t dist = high.f - scaled_w.f;
  auto integral = static_cast<std::uint32_t>(high.f >> shift);
  std::uint64_t fractional = high.f & (one - 1);

  std::uint32_t divisor = 1000000000;
  int kappa = 10;
  while (divisor > integral && kappa > 1) {
    divisor /= 10;
    kappa -= 1;
  }
  int len = 0;
  while (kappa > 0) {
    digits[len++] = static_cast<char>('0' + integral / divisor);
    integral %= divisor;
    kappa -= 1;
    const std::uint64_t rest = (std::uint64_t{integral} << shift) + fractional;
    if (rest <= delta) {
      exp10 += kappa;
      round_digits(digits, len, dist, delta, rest, std::uint64_t{divisor} << shift);
      return len;
    }
    divisor /= 10;
  }
  while (len < 18) {
    fractional *= 10;
    delta *= 10;
    dist *= 10;
    digits[len++] = static_cast<char>('0' + (fractional >> shift));
    fractional &= one - 1;
    kappa -= 1;
    if (fractional <= delta) break;
  }
  exp10 += kappa;
  round_digits(digits, len, dist, delta, fractional, one);
  return len;
}

// Lays out digits * 10^exp10 as Python's repr() does: exponent form when the decimal point
// would be more than 16 places right of the first digit or 4+ places left of it.
// `bits` is a finite double's representation.
std::size_t format_double(std::uint64_t bits, char* out) noexcept {
  std::size_t n = 0;
  if ((bits >> 63) != 0) out[n++] = '-';
  bits &= ~(std::uint64_t{1} << 63);
  if (bits == 0) {
    std::memcpy(out + n, "0.0", 3);
    return n + 3;
  }
  char digits[20];
  int exp10 = 0;
  int len = grisu2(bits, digits, exp10);
  while (len > 1 && digits[len - 1] == '0') {
    len -= 1;
    exp10 += 1;
  }
  const int point = len + exp10;  // v = 0.digits * 10^point
  if (point > 16 || point < -3) {
    out[n++] = digits[0];
    if (len > 1) {
      out[n++] = '.';
      for (int i = 1; i < len; ++i) out[n++] = digits[i];
    }
    out[n++] = 'e';
    int e = point - 1;
    out[n++] = e < 0 ? '-' : '+';
    if (e < 0) e = -e;
    if (e < 10) out[n++] = '0';
    char buf[4];
    char* start = format_decimal(static_cast<std::uint64_t>(e), buf + 4);
    while (start != buf + 4) out[n++] = *start++;
  } else if (point <= 0) {
    out[n++] = '0';
    out[n++] = '.';
    for (int i = point; i < 0; ++i) out[n++] = '0';
    for (int i = 0; i < len; ++i) out[n++] = digits[i];
  } else {
    for (int i = 0; i < len || i < point; ++i) {
      if (i == point) out[n++] = '.';
      out[n++] = i < len ? digits[i] : '0';
    }
    if (point >= len) {
      out[n++] = '.';
      out[n++] = '0';
    }
  }
  return n;
}

}  // namespace

// RFC 3629 §4: the lead byte fixes the length; the second byte's range excludes overlong forms
// (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
std::size_t utf8_sequence_length(std::string_view text) noexcept {
  if (text.empty()) return 0;
  const auto lead = static_cast<unsigned char>(text[0]);
  if (lead < 0x80) return 1;
  if (lead < 0xC2 || lead > 0xF4) return 0;
  const std::size_t len = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  if (text.size() < len) return 0;
  const unsigned char low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
  const unsigned char high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
  const auto second = static_cast<unsigned char>(text[1]);
  if (second < low || second > high) return 0;
  for (std::size_t i = 2; i < len; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) return 0;
  }
  return len;
}

// ---- json_writer --------------------------------------------------------------------------

json_writer::json_writer(mutable_bytes window, std::uint64_t offset) noexcept
    : out_(window.data), cap_(window.data != nullptr ? window.size : 0), offset_(offset) {}

std::size_t json_writer::written() const noexcept {
  if (pos_ <= offset_) return 0;
  const std::uint64_t n = pos_ - offset_;
  return n < cap_ ? static_cast<std::size_t>(n) : cap_;
}

// Keeps the part of the document's bytes [pos_, pos_ + n) that falls in the window.
void json_writer::put(const char* data, std::size_t n) noexcept {
  const std::uint64_t begin = pos_;
  pos_ += n;
  if (cap_ == 0 || pos_ <= offset_) return;
  const std::uint64_t from = begin > offset_ ? begin : offset_;
  if (from - offset_ >= cap_) return;
  const std::uint64_t room = cap_ - (from - offset_);
  const std::uint64_t count = pos_ - from < room ? pos_ - from : room;
  std::memcpy(out_ + (from - offset_), data + (from - begin), static_cast<std::size_t>(count));
}

void json_writer::fail(const char* detail) noexcept {
  if (!error_) error_ = misuse(detail);
}

// Checks that a value may come here and writes the comma before it. Returns false on misuse.
bool json_writer::begin_value() noexcept {
  if (error_) return false;
  if (depth_ == 0) {
    if (done_) fail("more than one JSON value");
    return !error_;
  }
  if ((objects_ >> (depth_ - 1)) & 1) {
    if (!after_key_) fail("JSON value where a key is needed");
    after_key_ = false;
    return !error_;
  }
  if (has_items_) put(',');
  has_items_ = true;
  return true;
}

void json_writer::end_value() noexcept {
  if (depth_ == 0) done_ = true;
}

void json_writer::open(bool object) noexcept {
  if (!begin_value()) return;
  if (depth_ == HTPX_JSON_MAX_DEPTH) return fail("JSON nested too deeply");
  const std::uint64_t bit = std::uint64_t{1} << depth_;
  objects_ = object ? objects_ | bit : objects_ & ~bit;
  depth_ = static_cast<std::uint8_t>(depth_ + 1);
  has_items_ = false;
  put(object ? '{' : '[');
}

void json_writer::close(bool object) noexcept {
  if (error_) return;
  if (depth_ == 0 || (((objects_ >> (depth_ - 1)) & 1) != 0) != object || after_key_) {
    return fail("unbalanced JSON end");
  }
  put(object ? '}' : ']');
  depth_ = static_cast<std::uint8_t>(depth_ - 1);
  has_items_ = true;
  end_value();
}

json_writer& json_writer::begin_object() noexcept {
  open(true);
  return *this;
}
json_writer& json_writer::end_object() noexcept {
  close(true);
  return *this;
}
json_writer& json_writer::begin_array() noexcept {
  open(false);
  return *this;
}
json_writer& json_writer::end_array() noexcept {
  close(false);
  return *this;
}

json_writer& json_writer::key(std::string_view name) noexcept {
  if (error_) return *this;
  if (depth_ == 0 || ((objects_ >> (depth_ - 1)) & 1) == 0) {
    fail("JSON key outside an object");
  } else if (after_key_) {
    fail("JSON key where a value is needed");
  } else {
    if (has_items_) put(',');
    has_items_ = true;
    quoted(name);
    put(':');
    after_key_ = true;
  }
  return *this;
}

// Writes `text` as a JSON string (RFC 8259 §7), runs of plain bytes at once.
void json_writer::quoted(std::string_view text) noexcept {
  static constexpr char hex[] = "0123456789abcdef";
  put('"');
  std::size_t plain = 0;  // start of the pending run of bytes written as they are
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence_length({text.data() + i, text.size() - i});
      if (len == 0) return fail("invalid UTF-8 in JSON string");
      i += len;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      i += 1;
      continue;
    }
    put(text.data() + plain, i - plain);
    char escape[6] = {'\\', static_cast<char>(c), '0', '0', '0', '0'};
    std::size_t len = 2;
    switch (c) {
      case '"':
      case '\\': break;
      case '\b': escape[1] = 'b'; break;
      case '\f': escape[1] = 'f'; break;
      case '\n': escape[1] = 'n'; break;
      case '\r': escape[1] = 'r'; break;
      case '\t': escape[1] = 't'; break;
      default:
        escape[1] = 'u';
        escape[4] = hex[c >> 4];
        escape[5] = hex[c & 0xF];
        len = 6;
    }
    put(escape, len);
    i += 1;
    plain = i;
  }
  put(text.data() + plain, i - plain);
  put('"');
}

json_writer& json_writer::string(std::string_view text) noexcept {
  if (begin_value()) {
    quoted(text);
    end_value();
  }
  return *this;
}

json_writer& json_writer::int64(std::int64_t value) noexcept {
  if (begin_value()) {
    char buf[21];
    // Negate in unsigned arithmetic: -INT64_MIN does not fit an int64_t.
    const std::uint64_t magnitude =
        value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
    char* start = format_decimal(magnitude, buf + sizeof buf);
    if (value < 0) *--start = '-';
    put(start, static_cast<std::size_t>(buf + sizeof buf - start));
    end_value();
  }
  return *this;
}

json_writer& json_writer::uint64(std::uint64_t value) noexcept {
  if (begin_value()) {
    char buf[20];
    const char* start = format_decimal(value, buf + sizeof buf);
    put(start, static_cast<std::size_t>(buf + sizeof buf - start));
    end_value();
  }
  return *this;
}

json_writer& json_writer::float64(double value) noexcept {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  if (((bits >> 52) & 0x7FF) == 0x7FF) {  // every exponent bit set: an infinity or a NaN
    fail("JSON has no NaN or Infinity");
    return *this;
  }
  if (begin_value()) {
    char buf[32];
    put(buf, format_double(bits, buf));
    end_value();
  }
  return *this;
}

json_writer& json_writer::boolean(bool value) noexcept {
  if (begin_value()) {
    put(value ? "true" : "false", value ? 4 : 5);
    end_value();
  }
  return *this;
}

json_writer& json_writer::null() noexcept {
  if (begin_value()) {
    put("null", 4);
    end_value();
  }
  return *this;
}

error json_writer::finish() const noexcept {
  if (error_) return error_;
  if (!done_) return misuse("incomplete JSON document");
  return {};
}

result<std::size_t> write_json(json_build_fn build, void* ctx, mutable_bytes out) noexcept {
  if (build == nullptr) return misuse("no JSON generator");
  json_writer w(out, 0);
  build(w, ctx);
  if (const error failure = w.finish()) return failure;
  if (w.size() > out.size) return misuse("JSON document larger than the buffer");
  return w.written();
}

// ---- json_body ----------------------------------------------------------------------------

result<std::uint64_t> json_body::measure() noexcept {
  sent_ = 0;
  measured_ = false;
  error_ = {};
  if (build_ == nullptr) {
    error_ = misuse("no JSON generator");
    return error_;
  }
  json_writer w;
  build_(w, ctx_);
  if (const error failure = w.finish()) {
    error_ = failure;
    return failure;
  }
  length_ = w.size();
  measured_ = true;
  return length_;
}

port::io_result json_body::read(mutable_bytes out) noexcept {
  constexpr port::io_result failed{port::io_status::error, 0, 0};
  if (!measured_ && !error_ && !measure()) return failed;
  if (error_) return failed;
  if (sent_ == length_) return {port::io_status::closed, 0, 0};
  if (out.data == nullptr || out.size == 0) return {port::io_status::would_block, 0, 0};
  json_writer w(out, sent_);
  build_(w, ctx_);
  error_ = w.finish();
  if (!error_ && w.size() != length_) error_ = misuse("JSON generator is not deterministic");
  if (error_) return failed;
  const std::size_t n = w.written();  // > 0: sent_ < length_ and out is not empty
  sent_ += n;
  return {port::io_status::ok, n, 0};
}

bool json_body::rewind() noexcept {
  sent_ = 0;
  return !error_;
}

namespace body {
result<request_body> json(json_body& doc) noexcept {
  const result<std::uint64_t> length = doc.measure();
  if (!length) return length.err();
  return source(doc, length.value(), "application/json");
}
}  // namespace body

}  // namespace htpx
