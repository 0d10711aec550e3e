// MD5 (RFC 1321), incremental. Private: only HTTP Digest authentication (RFC 7616) uses it, where
// the algorithm is the server's choice; it is not a secure hash.
#pragma once

#include <cstddef>
#include <cstdint>

#include "auth/hash_blocks.hpp"
#include "htpx/bytes.hpp"

namespace htpx::detail {

/// One MD5 computation: update() any number of times, then finish() once.
class md5 {
 public:
  static constexpr std::size_t digest_size = 16;

  md5() noexcept { reset(); }
  /// Starts a new computation.
  void reset() noexcept;
  /// Hashes `data` (any size, any number of calls).
  void update(bytes_view data) noexcept;
  /// Writes the 16-byte digest to `out`; call reset() before hashing again.
  void finish(unsigned char out[digest_size]) noexcept;

 private:
  void block(const unsigned char* p) noexcept;
  static void compress(void* self, const unsigned char* p) noexcept { static_cast<md5*>(self)->block(p); }

  std::uint32_t state_[4]{};
  hash_blocks blocks_;
};

}  // namespace htpx::detail
