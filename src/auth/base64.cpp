#include "auth/base64.hpp"

#include <cstdint>

namespace htpx::detail {

namespace {

// RFC 4648 §4, Table 1.
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::size_t base64_encode(bytes_view in, char* out, std::size_t cap) noexcept {
  // base64_size(n) <= cap exactly when n <= 3 * floor(cap / 4); this form cannot overflow.
  if (in.size > cap / 4 * 3) return 0;
  const std::size_t size = base64_size(in.size);
  const auto* p = reinterpret_cast<const unsigned char*>(in.data);
  char* o = out;
  for (std::size_t i = 0; i < in.size; i += 3) {
    // Three bytes make four sextets; a short final group is padded with '=' (§4).
    const std::size_t left = in.size - i;
    const std::uint32_t group = (std::uint32_t{p[i]} << 16) | (left > 1 ? std::uint32_t{p[i + 1]} << 8 : 0U) |
                                (left > 2 ? std::uint32_t{p[i + 2]} : 0U);
    *o++ = alphabet[(group >> 18) & 63];
    *o++ = alphabet[(group >> 12) & 63];
    *o++ = left > 1 ? alphabet[(group >> 6) & 63] : '=';
    *o++ = left > 2 ? alphabet[group & 63] : '=';
  }
  return size;
}

void hex_encode(const unsigned char* in, std::size_t n, char* out) noexcept {
  constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i != n; ++i) {
    *out++ = digits[in[i] >> 4];
    *out++ = digits[in[i] & 15];
  }
}

}  // namespace htpx::detail
