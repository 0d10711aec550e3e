// Response test vectors: one text file per vector (format: tests/vectors/README.md).
// Test-only code: std::string and std::vector are fine here, exceptions are not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "htpx/h1/parser_limits.hpp"
#include "htpx/h1/response_parser.hpp"

namespace htpx_test {

/// One header or trailer field as a vector spells it.
struct vector_field {
  std::string name;
  std::string value;
};

/// The kinds of transcript lines; need_more never appears in a transcript.
enum class vector_event_type : std::uint8_t { informational, head, body, trailers, end, failed };

/// One event of a transcript. Consecutive body events are merged into one (fragmentation
/// changes how body bytes are cut, never which bytes they are).
struct vector_event {
  vector_event_type type = vector_event_type::end;
  std::uint16_t status = 0;                              // informational, head
  std::uint8_t version_minor = 1;                        // head
  bool keep_alive = false;                               // head
  bool tunnel = false;                                   // head: a 2xx to CONNECT
  htpx::h1::body_kind body = htpx::h1::body_kind::none;  // head
  std::uint64_t content_length = 0;                      // head, body == content_length
  std::string reason;                                    // head
  std::vector<vector_field> fields;                      // informational, head, trailers
  std::string bytes;                                     // body
  std::string error_name;                                // failed: to_string(errc)
  std::string detail;                                    // failed
};

/// How a transcript ends when no `end` or `failed` event closes it.
enum class vector_outcome : std::uint8_t { end, failed, pending };

/// A loaded vector file.
struct response_vector {
  std::string path;
  std::string name;         ///< File name without directory and ".vec".
  std::string description;  ///< The `#` comment lines, joined by '\n'.
  bool head_request = false;
  bool connect_request = false;  ///< `request CONNECT`: a 2xx opens a tunnel (RFC 9112 §6.3).
  bool eof = false;              ///< The server closes the connection after the bytes.
  htpx::h1::parser_limits limits{};
  std::string input;                   ///< The raw server bytes.
  std::vector<vector_event> expected;  ///< The transcript, ending in end or failed unless pending.
  bool pending = false;                ///< The transcript ends with the parser waiting for bytes.
  std::string leftover;                ///< Bytes the parser must leave unconsumed after `end`.
};

/// Why loading failed; `line` is 1-based (0: not about a line).
struct load_error {
  bool failed = false;
  std::size_t line = 0;
  std::string message;
};

/// Parses the text of a vector file into `out`. Returns a load_error with failed == false on
/// success.
[[nodiscard]] load_error parse_vector_text(std::string_view text, response_vector& out);

/// Reads and parses the file at `path` into `out`.
[[nodiscard]] load_error load_vector_file(const std::string& path, response_vector& out);

/// Returns the sorted paths of the `*.vec` files directly in `directory` (empty when the
/// directory cannot be read).
[[nodiscard]] std::vector<std::string> list_vector_files(const std::string& directory);

/// Decodes the escapes of a vector text (\r \n \t \0 \\ \xNN) into `out`. Returns false (with
/// a message) on an unknown or truncated escape or on a raw control or non-ASCII byte.
[[nodiscard]] bool unescape(std::string_view text, std::string& out, std::string& message);

/// Returns `bytes` with the same escapes, so that control bytes are visible. Longer inputs
/// than `limit` are shortened in the middle (0: no limit).
[[nodiscard]] std::string escape(std::string_view bytes, std::size_t limit = 0);

/// Returns the transcript in the vector file syntax, one event per line, for failure messages.
[[nodiscard]] std::string format_transcript(const std::vector<vector_event>& events, bool pending,
                                            const std::string& leftover);

/// Returns true when two events are equal in every field their type uses.
[[nodiscard]] bool same_event(const vector_event& a, const vector_event& b);

/// Appends `ev` to `transcript`, merging body bytes into a preceding body event.
void append_event(std::vector<vector_event>& transcript, vector_event ev);

}  // namespace htpx_test
