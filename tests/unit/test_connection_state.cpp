// The connection's transition table: complete, every state reachable, none a dead end.
#include "htpx/h1/connection_state.hpp"

#include <gtest/gtest.h>

namespace {

using htpx::h1::conn_input;
using htpx::h1::conn_state;

constexpr int states = htpx::h1::conn_state_count;
constexpr int inputs = htpx::h1::conn_input_count;

conn_state state_at(int i) { return static_cast<conn_state>(i); }
conn_input input_at(int i) { return static_cast<conn_input>(i); }

TEST(ConnectionState, EnumsMatchTheTableSize) {
  EXPECT_EQ(static_cast<int>(conn_state::failed) + 1, states);
  EXPECT_EQ(static_cast<int>(conn_input::transport_closed) + 1, inputs);
}

// Completeness: every (state, input) cell names a real state, and undefined cells are exactly
// those listed here, so adding a state or input without deciding each cell fails this test.
TEST(ConnectionState, TableIsCompleteAndMatchesTheDesign) {
  const char* const expected[states] = {
      // start head_sent complete final_head end_keep end_close recycle failure closed
      "S......FC",  // idle
      ".BAR...FC",  // sending_head
      "..AR...FC",  // sending_body
      "...R...FC",  // awaiting_head
      "....DM.FC",  // receiving_body
      "......IFC",  // done
      ".......FC",  // must_close
      "........C",  // closed
      ".......FC",  // failed
  };
  const char letter[states] = {'I', 'S', 'B', 'A', 'R', 'D', 'M', 'C', 'F'};
  for (int s = 0; s != states; ++s) {
    for (int i = 0; i != inputs; ++i) {
      const bool defined = htpx::h1::transition_defined(state_at(s), input_at(i));
      const conn_state next = htpx::h1::next_state(state_at(s), input_at(i));
      ASSERT_LT(static_cast<int>(next), states);
      const char want = expected[s][i];
      if (want == '.') {
        EXPECT_FALSE(defined) << "state " << s << " input " << i;
        EXPECT_EQ(next, conn_state::failed);
      } else {
        EXPECT_TRUE(defined) << "state " << s << " input " << i;
        EXPECT_EQ(letter[static_cast<int>(next)], want) << "state " << s << " input " << i;
      }
    }
  }
}

TEST(ConnectionState, EveryStateIsReachableAndCanReachClosed) {
  bool reached[states] = {};
  reached[static_cast<int>(conn_state::idle)] = true;
  for (int round = 0; round != states; ++round) {
    for (int s = 0; s != states; ++s) {
      if (!reached[s]) continue;
      for (int i = 0; i != inputs; ++i) {
        if (htpx::h1::transition_defined(state_at(s), input_at(i))) {
          reached[static_cast<int>(htpx::h1::next_state(state_at(s), input_at(i)))] = true;
        }
      }
    }
  }
  for (int s = 0; s != states; ++s) {
    EXPECT_TRUE(reached[s]) << "unreachable state " << s;
    EXPECT_TRUE(htpx::h1::transition_defined(state_at(s), conn_input::transport_closed));
    EXPECT_EQ(htpx::h1::next_state(state_at(s), conn_input::transport_closed), conn_state::closed);
  }
}

}  // namespace
