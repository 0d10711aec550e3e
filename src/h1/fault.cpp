#include "htpx/h1/fault.hpp"

#include "fault_texts.hpp"

namespace htpx::h1 {

const char* text_of(fault f) noexcept { return detail::text_at(f); }

}  // namespace htpx::h1
