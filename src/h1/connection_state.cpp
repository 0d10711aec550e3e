#include "htpx/h1/connection_state.hpp"

namespace htpx::h1 {

namespace {

// `x` marks an input that is not allowed in that state (h11's "LocalProtocolError" cells).
constexpr conn_state x = static_cast<conn_state>(0xf);

using s = conn_state;

// Rows: current state (conn_state order). Columns: input (conn_input order):
//   start_request  head_sent  request_complete  final_head  end_keep  end_close  recycle  protocol_failure
//   transport_closed
// A final head may arrive while the request is still going out (an early response, RFC 9112
// §9.5); the connection then stops sending and is not reused.
constexpr conn_state table[conn_state_count][conn_input_count] = {
    /* idle           */ {s::sending_head, x, x, x, x, x, x, s::failed, s::closed},
    /* sending_head   */ {x, s::sending_body, s::awaiting_head, s::receiving_body, x, x, x, s::failed, s::closed},
    /* sending_body   */ {x, x, s::awaiting_head, s::receiving_body, x, x, x, s::failed, s::closed},
    /* awaiting_head  */ {x, x, x, s::receiving_body, x, x, x, s::failed, s::closed},
    /* receiving_body */ {x, x, x, x, s::done, s::must_close, x, s::failed, s::closed},
    /* done           */ {x, x, x, x, x, x, s::idle, s::failed, s::closed},
    /* must_close     */ {x, x, x, x, x, x, x, s::failed, s::closed},
    /* closed         */ {x, x, x, x, x, x, x, x, s::closed},
    /* failed         */ {x, x, x, x, x, x, x, s::failed, s::closed},
};

// The table as the image holds it: one 4-bit cell per (state, input), built from the table
// above at compile time (41 bytes rather than 81).
struct packed_table {
  std::uint8_t cells[(conn_state_count * conn_input_count + 1) / 2];
  constexpr packed_table() : cells() {
    for (int i = 0; i != conn_state_count * conn_input_count; ++i) {
      const auto cell = static_cast<unsigned>(table[i / conn_input_count][i % conn_input_count]);
      cells[i / 2] = static_cast<std::uint8_t>(cells[i / 2] | cell << (i % 2 * 4));
    }
  }
};
static_assert(conn_state_count <= static_cast<int>(x), "a state must fit a cell without being x");
constexpr packed_table packed{};

}  // namespace

// The one reader of the table; the two functions after it are views of its answer.
transition step(conn_state from, conn_input input) noexcept {
  const unsigned i = static_cast<unsigned>(from) * conn_input_count + static_cast<unsigned>(input);
  const auto to = static_cast<conn_state>(packed.cells[i / 2] >> (i % 2 * 4) & 0xf);
  return to == x ? transition{conn_state::failed, false} : transition{to, true};
}

bool transition_defined(conn_state from, conn_input input) noexcept { return step(from, input).defined; }

conn_state next_state(conn_state from, conn_input input) noexcept { return step(from, input).to; }

}  // namespace htpx::h1
