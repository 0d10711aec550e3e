// Catalogue gaps in the HTTP/1.1 engine (reliability-catalogue.md H1-25): the parser's cost
// when a server trickles its head one byte at a time. See tests/CATALOGUE.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "htpx/h1/response_parser.hpp"

namespace {

using htpx::h1::event_type;

// Feeds a head with one `n`-byte field value to a fresh parser one byte at a time, the way
// parse() asks (unconsumed bytes are passed again, followed by the new byte), until the head is
// reported. Returns the best of five runs in nanoseconds; fails the test when no head came.
double one_byte_at_a_time_ns(std::size_t n) {
  const std::string text = "HTTP/1.1 200 OK\r\nX-Long: " + std::string(n, 'a') + "\r\nContent-Length: 0\r\n\r\n";
  htpx::h1::parser_limits limits;
  limits.max_head_bytes = 1u << 22;
  double best = 1e300;
  for (int run = 0; run != 5; ++run) {
    std::string buffer;
    buffer.reserve(text.size());
    htpx::h1::response_parser parser(limits);
    parser.reset();
    std::size_t used = 0;
    bool head = false;
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i != text.size() && !head; ++i) {
      buffer.push_back(text[i]);
      for (;;) {
        const htpx::h1::parse_step step = parser.parse(buffer.data() + used, buffer.size() - used);
        used += step.consumed;
        if (step.ev.type == event_type::head) head = true;
        if (step.ev.type == event_type::failed) {
          ADD_FAILURE() << step.ev.failure.detail;
          return 0;
        }
        if (step.ev.type == event_type::need_more || head) break;
      }
    }
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(head) << n;
    best = std::min(best, static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count()));
  }
  return best;
}

// Slowloris (catalogue H1-25: "The incremental parser must be O(n) in total however the input is
// split: never re-scan from the start"; picohttpparser's last_len test): a head that arrives one
// byte per read costs time linear in its length. Doubling the field from 32 KiB to 64 KiB
// doubles the work of a parser that resumes where it stopped, and quadruples that of one that
// re-scans the pending line on every call (about 2^31 byte visits at 64 KiB, seconds, not
// milliseconds). A ratio below 3 (best of five runs each) tells the two apart with room for a
// busy machine.
TEST(CatalogueH1_25, OneByteAtATimeHeadCostsLinearTime) {
  const double small = one_byte_at_a_time_ns(32 * 1024);
  const double large = one_byte_at_a_time_ns(64 * 1024);
  ASSERT_GT(small, 0.0);
  EXPECT_LT(large / small, 3.0) << "32 KiB: " << small / 1e6 << " ms, 64 KiB: " << large / 1e6 << " ms";
}

}  // namespace
