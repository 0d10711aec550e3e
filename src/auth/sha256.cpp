// SHA-256, FIPS 180-4 §6.2. Compact on purpose (Cortex-M4): the message schedule is a rolling
// window of 16 words, and the 64 round constants of §4.2.2 are the only table.
#include "auth/sha256.hpp"

#include <cstring>

namespace htpx::detail {

namespace {

constexpr std::uint32_t round_constant[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

std::uint32_t rotr(std::uint32_t x, unsigned n) noexcept { return (x >> n) | (x << (32U - n)); }

// SHA-256 words are big-endian (§3.1).
std::uint32_t load_be(const unsigned char* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

}  // namespace

void sha256::reset() noexcept {
  // §5.3.3: the initial hash value.
  constexpr std::uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::memcpy(state_, initial, sizeof state_);
  blocks_ = hash_blocks{};
}

void sha256::block(const unsigned char* p) noexcept {
  std::uint32_t w[16];
  std::uint32_t v[8];  // a..h
  std::memcpy(v, state_, sizeof v);
  for (std::size_t t = 0; t != 64; ++t) {
    // §6.2.2 step 1, computed in place: W[t] overwrites W[t-16].
    std::uint32_t& wt = w[t % 16];
    if (t < 16) {
      wt = load_be(p + 4 * t);
    } else {
      const std::uint32_t w15 = w[(t - 15) % 16];
      const std::uint32_t w2 = w[(t - 2) % 16];
      const std::uint32_t s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3);
      const std::uint32_t s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10);
      wt += s0 + w[(t - 7) % 16] + s1;
    }
    // §6.2.2 step 3 with the functions of §4.1.2.
    const std::uint32_t e = v[4];
    const std::uint32_t a = v[0];
    const std::uint32_t t1 =
        v[7] + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & v[5]) ^ (~e & v[6])) + round_constant[t] + wt;
    const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
    std::memmove(v + 1, v, 7 * sizeof v[0]);
    v[4] += t1;
    v[0] = t1 + t2;
  }
  for (int i = 0; i != 8; ++i) state_[i] += v[i];
}

void sha256::update(bytes_view data) noexcept { blocks_.feed(data, &sha256::compress, this); }

void sha256::finish(unsigned char out[digest_size]) noexcept {
  // §5.1.1: a 1 bit, zeros to 56 mod 64 bytes, then the bit length, big-endian.
  blocks_.pad(true, &sha256::compress, this);
  for (std::size_t i = 0; i != 32; ++i) out[i] = static_cast<unsigned char>(state_[i / 4] >> (24 - 8 * (i % 4)));
}

}  // namespace htpx::detail
