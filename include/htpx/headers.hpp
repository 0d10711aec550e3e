// Header fields: a caller's list for requests, and a zero-copy view over a parsed field block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace htpx {

/// One header field. Views only: the owner of the bytes states their lifetime.
struct header {
  std::string_view name;
  std::string_view value;
};

/// Returns true when `a` and `b` are equal ignoring ASCII case (field names, RFC 9110 §5.1).
[[nodiscard]] bool iequals(std::string_view a, std::string_view b) noexcept;

/// A read-only view over a validated field block as the h1 parser leaves it in the receive
/// buffer: lines of `name ":" OWS value OWS CRLF`, obs-fold already replaced by SP.
/// Valid as long as the bytes it views (the event that produced it states how long).
class headers_view {
 public:
  /// Iterates the fields in order of arrival; values have OWS trimmed.
  class iterator {
   public:
    iterator(const char* at, const char* end) noexcept : at_(at), end_(end) { load(); }
    const header& operator*() const noexcept { return current_; }
    const header* operator->() const noexcept { return &current_; }
    iterator& operator++() noexcept;
    bool operator==(const iterator& other) const noexcept { return at_ == other.at_; }
    bool operator!=(const iterator& other) const noexcept { return at_ != other.at_; }

   private:
    void load() noexcept;
    const char* at_;
    const char* end_;
    const char* next_ = nullptr;
    header current_{};
  };

  constexpr headers_view() noexcept = default;
  /// Views `block` (field lines only, without the final empty line) holding `count` fields.
  constexpr headers_view(std::string_view block, std::uint16_t count) noexcept : block_(block), count_(count) {}

  /// Returns the number of fields.
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  /// Returns true when there are no fields.
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  [[nodiscard]] iterator begin() const noexcept { return {block_.data(), block_.data() + block_.size()}; }
  [[nodiscard]] iterator end() const noexcept { return {block_.data() + block_.size(), block_.data() + block_.size()}; }

  /// Returns the value of the first field named `name` (case-insensitive), or `fallback`.
  [[nodiscard]] std::string_view get(std::string_view name, std::string_view fallback = {}) const noexcept;
  /// Returns true when a field named `name` is present.
  [[nodiscard]] bool contains(std::string_view name) const noexcept;
  /// Returns the raw field block (as received, after obs-fold replacement).
  [[nodiscard]] std::string_view raw() const noexcept { return block_; }

 private:
  std::string_view block_;
  std::uint16_t count_ = 0;
};

}  // namespace htpx
