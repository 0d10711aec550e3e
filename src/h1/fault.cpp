#include "htpx/h1/fault.hpp"

#include "fault_texts.hpp"

namespace htpx::h1 {

// (Without texts the fault table is referenced by nothing: the image leaves it out.)
const char* text_of(fault f) noexcept { return HTPX_ERROR_TEXTS ? detail::text_at(f) : ""; }

}  // namespace htpx::h1
