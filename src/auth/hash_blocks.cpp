#include "auth/hash_blocks.hpp"

#include <cstring>

namespace htpx::detail {

void hash_blocks::feed(bytes_view data, compress_fn compress, void* self) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data);
  std::size_t n = data.size;
  if (n == 0) return;  // also keeps memcpy away from a null view
  const auto used = static_cast<std::size_t>(length % 64);
  length += n;
  if (used != 0) {
    const std::size_t take = n < 64 - used ? n : 64 - used;
    std::memcpy(buffer + used, p, take);
    p += take;
    n -= take;
    if (used + take < 64) return;
    compress(self, buffer);
  }
  for (; n >= 64; p += 64, n -= 64) compress(self, p);
  if (n != 0) std::memcpy(buffer, p, n);
}

void hash_blocks::pad(bool big_endian, compress_fn compress, void* self) noexcept {
  const std::uint64_t bits = length * 8;
  unsigned char padding[72] = {0x80};
  const auto used = static_cast<std::size_t>(length % 64);
  const std::size_t size = (used < 56 ? 56 : 120) - used;
  for (std::size_t i = 0; i != 8; ++i) {
    padding[size + i] = static_cast<unsigned char>(bits >> (big_endian ? 56 - 8 * i : 8 * i));
  }
  feed({reinterpret_cast<const char*>(padding), size + 8}, compress, self);
}

}  // namespace htpx::detail
