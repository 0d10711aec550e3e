// Private: the 64-byte block buffering and length padding MD5 and SHA-256 share (both are
// Merkle-Damgård hashes: RFC 1321 §3.1-3.2, FIPS 180-4 §5.1.1), so each keeps only its
// compression function.
#pragma once

#include <cstddef>
#include <cstdint>

#include "htpx/bytes.hpp"

namespace htpx::detail {

/// The bytes of a hash computation not yet compressed, and how many were hashed in all.
struct hash_blocks {
  /// Compresses one 64-byte block into the hash `self`.
  using compress_fn = void (*)(void* self, const unsigned char* block);

  std::uint64_t length = 0;  // bytes hashed so far
  unsigned char buffer[64]{};

  /// Feeds `data`: every complete block goes to `compress`, the rest waits in `buffer`.
  void feed(bytes_view data, compress_fn compress, void* self) noexcept;
  /// Feeds the final padding: a 1 bit, zeros up to 56 mod 64 bytes, then the length in bits as
  /// 64 bits, big-endian (SHA-256) or little-endian (MD5).
  void pad(bool big_endian, compress_fn compress, void* self) noexcept;
};

}  // namespace htpx::detail
