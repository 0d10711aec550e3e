// Resumable, zero-copy HTTP/1.1 response parser: status line, fields, framing, body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/bytes.hpp"
#include "htpx/error.hpp"
#include "htpx/h1/chunked_decoder.hpp"
#include "htpx/h1/field_parser.hpp"
#include "htpx/h1/parser_limits.hpp"
#include "htpx/headers.hpp"

namespace htpx::h1 {

/// How the body of a response is delimited (RFC 9112 §6.3).
enum class body_kind : std::uint8_t {
  none,            ///< No body: HEAD, 1xx, 204, 304, a 2xx to CONNECT, or Content-Length: 0.
  content_length,  ///< Exactly `content_length` bytes.
  chunked,         ///< Transfer-Encoding: chunked.
  until_close,     ///< Everything until the server closes (never reusable).
};

/// A parsed status line and header section. Views point into the receive buffer.
struct response_head {
  std::uint16_t status_code = 0;
  std::uint8_t version_minor = 1;  ///< HTTP/1.0 gives 0; HTTP/1.1 (or a later 1.x) gives 1.
  bool keep_alive = false;         ///< The server allows another request on this connection.
  body_kind body = body_kind::none;
  /// A 2xx to CONNECT (RFC 9112 §6.3 rule 2): the connection is a tunnel from the byte after
  /// the head. body is none and keep_alive false; Content-Length and Transfer-Encoding were
  /// ignored (they stay in `headers`).
  bool tunnel = false;
  std::uint64_t content_length = 0;  ///< Meaningful when body == content_length.
  std::string_view reason;
  headers_view headers;
};

/// What the parser (or the connection above it) reports.
enum class event_type : std::uint8_t {
  need_more,      ///< Nothing to report until more bytes (or EOF) arrive.
  informational,  ///< A 1xx interim response was skipped; `head` describes it.
  head,           ///< The final response head: `head` is set.
  body,           ///< Body bytes: `body` is a view into the receive buffer.
  trailers,       ///< The trailer section of a chunked body: `trailers` is set.
  end,            ///< The response is complete.
  failed,         ///< The response is invalid: `failure` says why; the connection is unusable.
};

/// One parser event. Views are valid until the bytes they point into are overwritten.
struct event {
  event_type type = event_type::need_more;
  response_head head;
  bytes_view body;
  headers_view trailers;
  error failure{};
};

/// The result of a parse() call: `consumed` bytes are used up; the rest of the input must be
/// passed again at the start of the next call, followed by newly received bytes. After
/// `need_more`, the next call is useful only once more bytes have arrived.
struct parse_step {
  std::size_t consumed = 0;
  event ev;
};

/// Parses one response at a time (RFC 9112 §4-§7), incrementally: bytes already examined are
/// never examined again, however the input is split. The head is reported only when complete,
/// so it stays contiguous in the caller's buffer; body bytes are reported as they arrive.
class response_parser {
 public:
  /// A parser under `limits` (kept by reference: it must outlive the parser).
  explicit response_parser(const parser_limits& limits) noexcept;

  /// Prepares for the response to a new request. `head_request`: the request was HEAD, so the
  /// response has no body whatever its fields say (RFC 9112 §6.3 rule 1). `connect_request`:
  /// the request was CONNECT, so a 2xx response ends with its head, its Content-Length and
  /// Transfer-Encoding fields are ignored, and `head.tunnel` is set (rule 2); any other status
  /// is framed as usual.
  void reset(bool head_request = false, bool connect_request = false) noexcept;

  /// Parses `input[0, size)`. Returns at most one event. Head and trailer views point into
  /// `input`; `input` is modified in place only to replace obs-fold with SP.
  [[nodiscard]] parse_step parse(char* input, std::size_t size) noexcept {
    parse_step step;
    step.consumed = parse(input, size, step.ev);
    return step;
  }
  /// The same as parse(input, size), with the event written to `ev` (a default-constructed
  /// event: only what the step reports is written) and the consumed count returned: the
  /// connection's path, which fills its own event in place (no copy of an event per call).
  [[nodiscard]] std::size_t parse(char* input, std::size_t size, event& ev) noexcept;

  /// Reports that the server closed the connection. Returns `end` for a close-delimited body
  /// or a complete response, otherwise `failed` (RemoteProtocolError: incomplete message,
  /// RFC 9112 §8). A close before any byte says so in its detail.
  [[nodiscard]] event finish() noexcept {
    event ev;
    finish(ev);
    return ev;
  }
  /// The same as finish(), written to `ev` (a default-constructed event).
  void finish(event& ev) noexcept;

  /// Returns true once the final response, body included, is complete.
  [[nodiscard]] bool done() const noexcept { return state_ == state::done; }
  /// Returns true after a failure, until reset().
  [[nodiscard]] bool failed() const noexcept { return state_ == state::failed; }
  /// Returns the limits the parser was built with.
  [[nodiscard]] const parser_limits& limits() const noexcept { return *limits_; }
  /// Returns true when nothing but blank lines of the response has been parsed yet.
  [[nodiscard]] bool at_start() const noexcept { return !started_; }
  /// Returns true when the response is a 2xx to CONNECT, from its status line on until reset():
  /// once its head is reported, the bytes after it belong to the tunnel and are never parsed.
  [[nodiscard]] bool tunnel() const noexcept { return connect_request_ && status_code_ - 200u < 100u; }

 private:
  enum class state : std::uint8_t { status_line, fields, body_length, body_chunked, body_until_close, done, failed };
  void start_head() noexcept;
  void fail(event& ev, fault why) noexcept;
  std::size_t refuse(fault why) noexcept {
    failure_ = why;
    return 0;
  }
  std::uint32_t head_budget() const noexcept;
  std::size_t parse_status_line(event& ev, char* input, std::size_t size) noexcept;
  std::size_t parse_fields(event& ev, char* input, std::size_t size) noexcept;
  std::size_t finish_head(event& ev, char* input) noexcept;
  static fault on_field(void* context, const char* name, std::size_t name_size, const char* value,
                        std::size_t value_size, bool folded) noexcept;

  // While the head is parsed: the field parser, the status-line scan and the declared length
  // (then the body bytes left). During a chunked body: the chunked decoder. Never both, so they
  // share storage (state_ says which is live), keeping the connection within 128 bytes. Each is
  // constructed in place (placement new) when it takes the storage over: reset() builds the
  // head's, finish_head() the decoder. Assigning to the members of the one not alive would not
  // start its life (C++17 [class.union] p5 does so only for trivially constructible members),
  // and using it would be undefined behaviour.
  struct head_state {
    std::uint64_t remaining = 0;
    std::uint32_t scan = 0;  // status line: bytes examined so far
    field_parser fields{};
  };
  union head_or_chunked {
    head_or_chunked() noexcept {}  // neither is alive until reset() constructs the head's
    head_state head;
    chunked_decoder chunked;
  };

  // Members ordered widest first: no padding (the parser lives inside every connection).
  // The constructor calls reset(), which sets every member below limits_ (one place).
  head_or_chunked u_;
  const parser_limits* limits_;
  fault failure_;            // why the response failed; fault::none until then
  std::uint32_t head_used_;  // head bytes of earlier 1xx responses (they share the limit)
  std::uint16_t status_line_size_;
  std::uint16_t status_code_;
  std::uint8_t version_minor_;
  std::uint8_t informational_;
  std::uint8_t framing_;  // bit set of what the fields said (see response_parser.cpp)
  bool no_body_;          // the final response has no body: a HEAD request, or a 2xx to CONNECT
  bool connect_request_;
  bool started_;  // a byte other than a blank line was seen
  state state_;
};

}  // namespace htpx::h1
