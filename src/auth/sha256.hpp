// SHA-256 (FIPS 180-4 §6.2), incremental. Private: used by HTTP Digest authentication (RFC 7616).
#pragma once

#include <cstddef>
#include <cstdint>

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

  std::uint32_t state_[8]{};
  std::uint64_t length_ = 0;  // bytes hashed so far
  unsigned char buffer_[64]{};
};

}  // namespace htpx::detail
