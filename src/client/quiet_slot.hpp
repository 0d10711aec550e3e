// When a busy pool slot has nothing to do until its socket speaks: the test poll() and drive()
// use to pass over such connections, most of them at most polls with many connections
// (defined in client_exchange.cpp). Private to src/client.
#pragma once

#include "htpx/client.hpp"

namespace htpx::detail {

// Whether a busy connection has nothing to do until its socket speaks: it waits for its
// response, the last wait() found it unreadable (W-03), every event is taken, nothing is left
// to send and no body is held back. Driving it would only check its timeouts: drive() does just
// that, and a later pass of the same poll() (same time, nothing changed) skips it.
bool waits_quietly(const detail::pool_slot& slot) noexcept;

}  // namespace htpx::detail
