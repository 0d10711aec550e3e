// MD5, RFC 1321 §3. Compact on purpose (Cortex-M4): one loop over the 64 steps, the 64 sine
// constants of §3.4 and the 16 rotation amounts as the only tables.
#include "auth/md5.hpp"


namespace htpx::detail {

namespace {

constexpr std::uint32_t sine[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};
// Rotation amounts: four per round (§3.4, S11..S44).
constexpr unsigned char shift[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

std::uint32_t rotl(std::uint32_t x, unsigned n) noexcept { return (x << n) | (x >> (32U - n)); }

// MD5 words are little-endian (§2).
std::uint32_t load_le(const unsigned char* p) noexcept {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

void store_le(std::uint32_t v, unsigned char* p) noexcept {
  for (std::size_t i = 0; i != 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

}  // namespace

void md5::reset() noexcept {
  // §3.3: the initial buffer A, B, C, D.
  state_[0] = 0x67452301;
  state_[1] = 0xefcdab89;
  state_[2] = 0x98badcfe;
  state_[3] = 0x10325476;
  blocks_ = hash_blocks{};
}

void md5::block(const unsigned char* p) noexcept {
  std::uint32_t x[16];
  for (std::size_t i = 0; i != 16; ++i) x[i] = load_le(p + 4 * i);
  std::uint32_t a = state_[0];
  std::uint32_t b = state_[1];
  std::uint32_t c = state_[2];
  std::uint32_t d = state_[3];
  for (unsigned i = 0; i != 64; ++i) {
    std::uint32_t f = 0;
    unsigned g = 0;
    switch (i / 16) {  // §3.4: the auxiliary functions F, G, H, I and each round's word order
      case 0: f = (b & c) | (~b & d), g = i; break;
      case 1: f = (d & b) | (~d & c), g = (5 * i + 1) % 16; break;
      case 2: f = b ^ c ^ d, g = (3 * i + 5) % 16; break;
      default: f = c ^ (b | ~d), g = (7 * i) % 16; break;
    }
    const std::uint32_t next = b + rotl(a + f + sine[i] + x[g], shift[(i / 16) * 4 + i % 4]);
    a = d;
    d = c;
    c = b;
    b = next;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
}

void md5::update(bytes_view data) noexcept { blocks_.feed(data, &md5::compress, this); }

void md5::finish(unsigned char out[digest_size]) noexcept {
  // §3.1-3.2: a 1 bit, zeros to 56 mod 64 bytes, then the bit length, little-endian.
  blocks_.pad(false, &md5::compress, this);
  for (std::size_t i = 0; i != 4; ++i) store_le(state_[i], out + 4 * i);
}

}  // namespace htpx::detail
