#include "htpx/h1/response_parser.hpp"

#include <cstring>

#include "char_class.hpp"

namespace htpx::h1 {

using detail::is_ctl;
using detail::is_ows;

namespace {

// What the header fields said about framing and persistence (response_parser::framing_).
enum framing_bit : std::uint8_t {
  has_length = 1 << 0,       // a valid Content-Length was seen (value in u_.head.remaining)
  te_chunked = 1 << 1,       // Transfer-Encoding lists chunked
  te_other = 1 << 2,         // Transfer-Encoding lists a coding we cannot decode
  conn_close = 1 << 3,       // Connection: close
  conn_keep_alive = 1 << 4,  // Connection: keep-alive
  te_present = 1 << 5,       // a Transfer-Encoding field was seen, even an empty one
};

// The fields note_field() acts on.
enum class framing_field : std::uint8_t { content_length, transfer_encoding, connection };

// The lengths of the names on_field() acts on: Connection, Content-Length, Transfer-Encoding.
constexpr std::uint32_t framing_name_lengths = (1u << 10) | (1u << 14) | (1u << 17);

// "HTTP/1.1 200" is the shortest status line without CRLF.
constexpr std::size_t min_status_line = 12;

constexpr char head_too_large[] = "head over limit";

// Compares `name` with the lowercase `lower[0, n)`, 4 bytes at a time with ASCII letters folded
// by `| 0x20`. Applied to a token or a field value (no CTLs), no byte other than an uppercase
// letter turns into one of the literals' bytes (lowercase letters and '-').
bool name_is(std::string_view name, const char* lower, std::size_t n) noexcept {
  if (name.size() != n) return false;  // every literal here has at least 4 bytes
  constexpr std::uint32_t fold = 0x20202020u;
  for (std::size_t i = 0;; i += 4) {
    if (i > n - 4) i = n - 4;  // the last word overlaps the one before: no byte loop
    std::uint32_t a;
    std::uint32_t b;
    std::memcpy(&a, name.data() + i, 4);
    std::memcpy(&b, lower + i, 4);
    if ((a | fold) != b) return false;
    if (i == n - 4) return true;
  }
}

// The same with a literal, whose length is known here (no strlen at run time).
template <std::size_t N>
bool name_is(std::string_view name, const char (&lower)[N]) noexcept {
  return name_is(name, lower, N - 1);
}

// Content-Length = 1*DIGIT (RFC 9110 §8.6), checked for overflow before it can happen.
bool parse_decimal(std::string_view digits, std::uint64_t& out) noexcept {
  if (digits.empty()) return false;
  // Compared with constants: no run-time 64-bit division (libgcc's on 32-bit targets).
  constexpr std::uint64_t max = ~std::uint64_t{0};
  std::uint64_t value = 0;
  for (const char c : digits) {
    const unsigned d = static_cast<unsigned char>(c) - static_cast<unsigned>('0');
    if (d > 9) return false;
    if (value > max / 10 || (value == max / 10 && d > max % 10)) return false;
    value = value * 10 + d;
  }
  out = value;
  return true;
}

}  // namespace

response_parser::response_parser(const parser_limits& limits) noexcept : limits_(&limits) {}

void response_parser::reset(bool head_request) noexcept {
  const parser_limits& limits = *limits_;
  *this = response_parser{limits};
  head_request_ = head_request;
}

// Turns `step` into the failure event. Out of line: the one place that builds it.
void response_parser::fail(parse_step& step, const char* detail) noexcept {
  state_ = state::failed;
  failure_ = detail;
  step = parse_step{};
  step.ev.type = event_type::failed;
  step.ev.failure = {errc::remote_protocol_error, detail};
}

std::uint32_t response_parser::head_budget() const noexcept {
  return limits_->max_head_bytes > head_used_ ? limits_->max_head_bytes - head_used_ : 0;
}

// Each part fills the one `step` of the call and returns nullptr, or a failure detail.
parse_step response_parser::parse(char* input, std::size_t size) noexcept {
  parse_step step;
  const char* failure = nullptr;
  std::size_t n = size;
  switch (state_) {
    case state::body_chunked: {
      // One event per call: the decoder fills the body view and the count in place.
      static constexpr event_type events[] = {event_type::need_more, event_type::body, event_type::trailers,
                                              event_type::end, event_type::failed};
      const chunk_status status = u_.chunked.decode(input, size, step.consumed, step.ev.body);
      step.ev.type = events[static_cast<int>(status)];
      if (status == chunk_status::trailers) {
        step.ev.trailers = u_.chunked.trailers(step.ev.body);
        step.ev.body = {};
      } else if (status == chunk_status::end) {
        state_ = state::done;
      } else if (status == chunk_status::failed) {
        failure = u_.chunked.failure().detail;
      }
      break;
    }
    case state::status_line: failure = parse_status_line(step, input, size); break;
    case state::fields: failure = parse_fields(step, input, size); break;
    case state::body_length:
      if (u_.head.remaining == 0) {
        state_ = state::done;
        step.ev.type = event_type::end;
        break;
      }
      if (u_.head.remaining < n) n = static_cast<std::size_t>(u_.head.remaining);
      u_.head.remaining -= n;
      [[fallthrough]];
    case state::body_until_close:
      if (n != 0) {
        step.consumed = n;
        step.ev.type = event_type::body;
        step.ev.body = {input, n};
      }
      break;
    case state::done: break;
    case state::failed: failure = failure_; break;
  }
  if (failure != nullptr) fail(step, failure);
  return step;
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF   (RFC 9112 §4)
const char* response_parser::parse_status_line(parse_step& step, char* input, std::size_t size) noexcept {
  // Blank lines before a status line are tolerated (RFC 9112 §9.2 allows CRLF between
  // messages); they count against the head limit.
  std::size_t skipped = 0;
  while (u_.head.scan == 0 && size - skipped >= 2 && input[skipped] == '\r' && input[skipped + 1] == '\n') {
    skipped += 2;
    if (head_used_ + skipped > limits_->max_head_bytes) return head_too_large;
  }
  if (skipped != 0) {
    // Go on with the status line in this call, so need_more always means "no more to do".
    head_used_ += static_cast<std::uint32_t>(skipped);
    const char* failure = parse_status_line(step, input + skipped, size - skipped);
    step.consumed += skipped;
    return failure;
  }
  const std::uint32_t budget = head_budget();
  // A lone CR may still become a blank line; anything else starts the response.
  if (size > 1 || (size == 1 && input[0] != '\r')) started_ = true;
  // Bytes beyond the head limit are never interpreted: whatever they are, the limit is what
  // failed, so the error cannot depend on how many of them one call happens to see.
  const std::size_t limit = size < budget ? size : budget;
  // Refuse HTTP/0.9 and non-HTTP services as soon as their first bytes arrive (catalogue H1-17).
  static constexpr char prefix[] = "HTTP/";
  std::size_t at = u_.head.scan;
  if (at == 0 && limit >= 5 && std::memcmp(input, prefix, 5) == 0) at = 5;  // the usual case at once
  for (; at < 5 && at < limit; ++at) {
    if (input[at] != prefix[at]) {
      if (at == 0 && input[0] == '\r' && size == 1) return nullptr;
      return "not HTTP/1.x";
    }
  }
  const char* lf = nullptr;
  if (u_.head.scan < limit)
    lf = static_cast<const char*>(std::memchr(input + u_.head.scan, '\n', limit - u_.head.scan));
  if (lf == nullptr) {
    u_.head.scan = static_cast<std::uint32_t>(limit);
    return size >= budget ? head_too_large : nullptr;
  }
  // lf > input: the first byte was checked to be 'H'.
  if (lf[-1] != '\r') return "bare LF in status line";
  const std::size_t line_size = static_cast<std::size_t>(lf - input) + 1;
  const std::size_t text = line_size - 2;  // without CRLF
  if (text < min_status_line || input[6] != '.' || input[8] != ' ') return "malformed status line";
  const unsigned major = static_cast<unsigned char>(input[5]) - static_cast<unsigned>('0');
  const unsigned minor = static_cast<unsigned char>(input[7]) - static_cast<unsigned>('0');
  if (major > 9 || minor > 9) return "bad HTTP version";
  if (major != 1) return "not HTTP/1.x";
  unsigned code = 0;
  for (std::size_t i = 9; i != 12; ++i) {
    const unsigned d = static_cast<unsigned char>(input[i]) - static_cast<unsigned>('0');
    if (d > 9) return "bad status code";
    code = code * 10 + d;
  }
  if (text > 12 && input[12] != ' ') return "bad status code";
  // RFC 9110 §15: a code outside 100..599 is invalid, and a client SHOULD process the response
  // as if it were a 5xx: so it is a final response, reported with the code as received.
  for (std::size_t i = 13; i < text; ++i) {
    if (input[i] != '\t' && is_ctl(input[i])) return "CTL in reason";
  }
  status_code_ = static_cast<std::uint16_t>(code);
  version_minor_ = minor == 0 ? 0 : 1;  // RFC 9110 §2.5: a later 1.x minor is handled as 1.1
  status_line_size_ = static_cast<std::uint16_t>(line_size);
  u_.head.fields.reset();
  state_ = state::fields;
  return parse_fields(step, input, size);
}

const char* response_parser::parse_fields(parse_step& step, char* input, std::size_t size) noexcept {
  char* const block = input + status_line_size_;
  const std::size_t available = size - status_line_size_;
  switch (u_.head.fields.parse(block, available, head_budget() - status_line_size_, limits_->max_headers,
                               &response_parser::on_field, this, framing_name_lengths)) {
    case field_status::need_more: return nullptr;
    case field_status::failed: return u_.head.fields.failure().detail;
    case field_status::end_of_block: break;
  }
  return finish_head(step, input);
}

// Records what the framing and persistence fields say (RFC 9112 §6, §9.3). Most fields are
// none of these, so the name's length is tested before its bytes. Each is a comma-separated
// list whose empty elements are ignored (RFC 9110 §5.6.1).
const char* response_parser::on_field(void* context, std::string_view name, std::string_view value,
                                      bool folded) noexcept {
  auto& self = *static_cast<response_parser*>(context);
  std::uint8_t& framing = self.framing_;
  framing_field kind;
  switch (name.size()) {
    case 14:
      if (!name_is(name, "content-length")) return nullptr;
      // RFC 9112 §5.2 lets obs-fold hide framing from other parsers (Node CVE-2024-27982).
      if (folded) return "folded Content-Length";
      kind = framing_field::content_length;
      break;
    case 17:
      if (!name_is(name, "transfer-encoding")) return nullptr;
      if (folded) return "folded Transfer-Encoding";
      framing |= te_present;
      kind = framing_field::transfer_encoding;
      break;
    case 10:
      if (!name_is(name, "connection")) return nullptr;
      kind = framing_field::connection;
      break;
    default: return nullptr;
  }
  // The usual values, one element that the field parser has already trimmed, without the walk.
  if (kind == framing_field::transfer_encoding && name_is(value, detail::chunked_coding) &&
      (framing & te_chunked) == 0) {
    framing |= te_chunked;
    return nullptr;
  }
  if (kind == framing_field::connection && name_is(value, "keep-alive")) {
    framing |= conn_keep_alive;
    return nullptr;
  }
  const char* p = value.data();
  const char* const end = p + value.size();
  for (;;) {
    const char* comma = p;
    while (comma != end && *comma != ',') ++comma;
    const char* last = comma;
    while (p != last && is_ows(*p)) ++p;
    while (last != p && is_ows(last[-1])) --last;
    const std::string_view element{p, static_cast<std::size_t>(last - p)};
    if (!element.empty()) {
      if (kind == framing_field::content_length) {
        std::uint64_t length = 0;
        if (!parse_decimal(element, length)) return "invalid Content-Length";
        // RFC 9110 §8.6: identical duplicates may be collapsed; differing ones are an error.
        if ((framing & has_length) != 0 && length != self.u_.head.remaining) return "differing Content-Lengths";
        framing |= has_length;
        self.u_.head.remaining = length;
      } else if (kind == framing_field::transfer_encoding) {
        if (!name_is(element, detail::chunked_coding)) {
          framing |= te_other;
        } else if ((framing & te_chunked) != 0) {
          return "chunked twice";  // RFC 9112 §7: at most once
        } else {
          framing |= te_chunked;
        }
      } else if (name_is(element, "close")) {
        framing |= conn_close;
      } else if (name_is(element, "keep-alive")) {
        framing |= conn_keep_alive;
      }
    }
    if (comma == end) break;
    p = comma + 1;
  }
  if (kind == framing_field::content_length && (framing & has_length) == 0) return "invalid Content-Length";
  return nullptr;
}

// Decides the body length (RFC 9112 §6.3) and persistence (§9.3) once the head is complete.
const char* response_parser::finish_head(parse_step& step, char* input) noexcept {
  const bool te = (framing_ & te_present) != 0;
  const bool length = (framing_ & has_length) != 0;
  // RFC 9112 §6.3 rule 3: both is a smuggling signal; never reuse such a connection.
  if (te && length) return "Transfer-Encoding and Content-Length";

  const std::size_t head_size = status_line_size_ + u_.head.fields.block_size();
  step.consumed = head_size;
  response_head& head = step.ev.head;
  head.status_code = status_code_;
  head.version_minor = version_minor_;
  const std::size_t status_text = status_line_size_ - 2u;  // "HTTP/1.1 200 reason" without CRLF
  if (status_text > 13) head.reason = {input + 13, status_text - 13};
  head.headers = headers_view({input + status_line_size_, u_.head.fields.fields_size()}, u_.head.fields.field_count());

  if (status_code_ >= 100 && status_code_ < 200) {
    // Rule 1: a 1xx has no body. 101 is valid only after our Upgrade, which we never send.
    if (status_code_ == 101) return "101 without Upgrade";
    if (++informational_ > limits_->max_informational) return "too many 1xx";
    head_used_ += static_cast<std::uint32_t>(head_size);
    u_.head.scan = 0;
    framing_ = 0;
    u_.head.remaining = 0;
    state_ = state::status_line;
    step.ev.type = event_type::informational;
    return nullptr;
  }

  step.ev.type = event_type::head;
  state_ = state::body_length;
  if (head_request_ || status_code_ == 204 || status_code_ == 304) {
    u_.head.remaining = 0;  // head.body stays none
  } else if (te) {
    // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
    if (version_minor_ == 0) return "Transfer-Encoding in HTTP/1.0";
    // Rule 4 would make codings without chunked last close-delimited, but a coding we cannot
    // decode cannot be delivered as the body (catalogue H1-02): refuse it.
    if ((framing_ & (te_other | te_chunked)) != te_chunked) return "Transfer-Encoding not chunked";
    head.body = body_kind::chunked;
    u_.chunked = chunked_decoder(*limits_);  // the head's storage is free from here on
    state_ = state::body_chunked;
  } else if (length) {
    if (u_.head.remaining != 0) head.body = body_kind::content_length;
    head.content_length = u_.head.remaining;
  } else {
    // Rule 7: no framing, so the body runs until the server closes.
    head.body = body_kind::until_close;
    state_ = state::body_until_close;
  }
  const bool close = (framing_ & conn_close) != 0;
  const bool persistent = version_minor_ == 0 ? (framing_ & conn_keep_alive) != 0 && !close : !close;
  head.keep_alive = persistent && head.body != body_kind::until_close;
  return nullptr;
}

// EOF ends a close-delimited or complete response; anywhere else the response is incomplete
// (RFC 9112 §8).
event response_parser::finish() noexcept {
  parse_step step;
  const char* failure = nullptr;
  switch (state_) {
    case state::status_line: failure = at_start() ? "EOF before response" : "EOF in head"; break;
    case state::fields: failure = "EOF in head"; break;
    case state::body_length:
      if (u_.head.remaining != 0) failure = "EOF in body";
      break;
    case state::body_chunked: failure = "EOF in body"; break;
    case state::body_until_close:
    case state::done: break;
    case state::failed: failure = failure_; break;
  }
  if (failure != nullptr) {
    fail(step, failure);
  } else {
    state_ = state::done;
    step.ev.type = event_type::end;
  }
  return step.ev;
}

}  // namespace htpx::h1
