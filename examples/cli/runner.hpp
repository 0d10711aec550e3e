// The poll loop: starts up to -Z requests over one static_client, polls, sleeps in the
// platform's wait(), and hands output over in URL order.
#pragma once

#include "args.hpp"

namespace htpx_cli {

/// Fetches every URL of `a` and returns the exit status (the first failing URL's, or exit_ok).
int run(const args& a);

}  // namespace htpx_cli
