// header_appender: how hooks and auth schemes add fields to a request being written.
#pragma once

#include <cstddef>
#include <string_view>

#include "htpx/error.hpp"
#include "htpx/headers.hpp"

namespace htpx {

/// Collects extra request headers for one request (the client's bounded header table).
class header_appender {
 public:
  header_appender(header* storage, std::size_t capacity, std::size_t used) noexcept
      : storage_(storage), capacity_(capacity), used_(used) {}
  /// Adds a field (views must outlive the request). Returns LocalProtocolError when the
  /// client's header table is full.
  [[nodiscard]] error add(std::string_view name, std::string_view value) noexcept;
  /// Returns true when a field named `name` (case-insensitive) is in the table.
  [[nodiscard]] bool contains(std::string_view name) const noexcept {
    for (std::size_t i = 0; i != used_; ++i) {
      if (iequals(storage_[i].name, name)) return true;
    }
    return false;
  }
  /// Returns the number of fields in the table, including the client's own.
  [[nodiscard]] std::size_t used() const noexcept { return used_; }

 private:
  header* storage_;
  std::size_t capacity_;
  std::size_t used_;
};

}  // namespace htpx
