// SHA-256 (FIPS 180-4 §6.2), incremental. Private: used by HTTP Digest authentication (RFC 7616).
#pragma once

#include <cstddef>
#include <cstdint>

#include "auth/hash_blocks.hpp"
#include "htpx/bytes.hpp"

namespace htpx::detail {

/// One SHA-256 computation: update() any number of times, then finish() once.
class sha256 {
 public:
  static constexpr std::size_t digest_size = 32;

  sha256() noexcept { reset(); }
  /// Starts a new computation.
  void reset() noexcept;
  /// Hashes `data` (any size, any number of calls).
  void update(bytes_view data) noexcept;
  /// Writes the 32-byte digest to `out`; call reset() before hashing again.
  void finish(unsigned char out[digest_size]) noexcept;

 private:
  void block(const unsigned char* p) noexcept;
  static void compress(void* self, const unsigned char* p) noexcept { static_cast<sha256*>(self)->block(p); }

  std::uint32_t state_[8]{};
  hash_blocks blocks_;
};

}  // namespace htpx::detail
