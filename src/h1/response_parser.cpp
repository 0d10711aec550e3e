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
  te_other = 1 << 2,         // Transfer-Encoding lists a coding we cannot decode, or chunked not last
  conn_close = 1 << 3,       // Connection: close
  conn_keep_alive = 1 << 4,  // Connection: keep-alive
  te_present = 1 << 5,       // a Transfer-Encoding field was seen, even an empty one
};

// "HTTP/1.1 200" is the shortest status line without CRLF.
constexpr std::size_t min_status_line = 12;

// Compares `name` with a lowercase literal, 4 bytes at a time with ASCII letters folded by
// `| 0x20`. Applied to a token or a field value (no CTLs), no byte other than an uppercase
// letter turns into one of the literals' bytes (lowercase letters and '-').
bool name_is(std::string_view name, std::string_view lower) noexcept {
  const std::size_t n = lower.size();  // every literal here has at least 4 bytes
  if (name.size() != n) return false;
  constexpr std::uint32_t fold = 0x20202020u;
  for (std::size_t i = 0;; i += 4) {
    if (i > n - 4) i = n - 4;  // the last word overlaps the one before: no byte loop
    std::uint32_t a;
    std::uint32_t b;
    std::memcpy(&a, name.data() + i, 4);
    std::memcpy(&b, lower.data() + i, 4);
    if ((a | fold) != b) return false;
    if (i == n - 4) return true;
  }
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

// Calls `element` for each OWS-trimmed, non-empty element of a comma-separated list
// (RFC 9110 §5.6.1: empty elements are ignored). Stops at the first failure it returns.
const char* response_parser::for_each_element(std::string_view list, element_handler element) noexcept {
  const char* p = list.data();
  const char* const end = p + list.size();
  const auto* comma = static_cast<const char*>(std::memchr(p, ',', list.size()));
  // The usual case: one element, already OWS-trimmed by the field parser.
  if (comma == nullptr && !list.empty()) return (this->*element)(list);
  while (p <= end) {
    comma = static_cast<const char*>(std::memchr(p, ',', static_cast<std::size_t>(end - p)));
    const char* e = comma != nullptr ? comma : end;
    const char* b = p;
    while (b != e && is_ows(*b)) ++b;
    while (e != b && is_ows(e[-1])) --e;
    if (b != e) {
      if (const char* failure = (this->*element)(std::string_view(b, static_cast<std::size_t>(e - b)))) return failure;
    }
    if (comma == nullptr) break;
    p = comma + 1;
  }
  return nullptr;
}

response_parser::response_parser(const parser_limits& limits) noexcept : limits_(&limits) {}

void response_parser::reset(bool head_request) noexcept {
  const parser_limits& limits = *limits_;
  *this = response_parser{limits};
  head_request_ = head_request;
}

parse_step response_parser::fail(std::size_t consumed, const char* detail) noexcept {
  state_ = state::failed;
  failure_ = detail;
  parse_step step;
  step.consumed = consumed;
  step.ev.type = event_type::failed;
  step.ev.failure = {errc::remote_protocol_error, detail};
  return step;
}

std::uint32_t response_parser::head_budget() const noexcept {
  return limits_->max_head_bytes > head_used_ ? limits_->max_head_bytes - head_used_ : 0;
}

parse_step response_parser::parse(char* input, std::size_t size) noexcept {
  switch (state_) {
    case state::status_line: return parse_status_line(input, size);
    case state::fields: return parse_fields(input, size);
    case state::body_length:
    case state::body_chunked:
    case state::body_until_close: return parse_body(input, size);
    case state::done: return {};
    case state::failed: return fail(0, failure_);
  }
  return {};
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF   (RFC 9112 §4)
parse_step response_parser::parse_status_line(char* input, std::size_t size) noexcept {
  const std::uint32_t budget = head_budget();
  std::size_t skipped = 0;
  // Blank lines before a status line are tolerated (RFC 9112 §9.2 allows CRLF between
  // messages); they count against the head limit.
  while (u_.head.scan == 0 && size - skipped >= 2 && input[skipped] == '\r' && input[skipped + 1] == '\n') {
    skipped += 2;
    if (head_used_ + skipped > limits_->max_head_bytes) return fail(skipped, "response head larger than the limit");
  }
  if (skipped != 0) {
    // Go on with the status line in this call, so need_more always means "no more to do".
    head_used_ += static_cast<std::uint32_t>(skipped);
    parse_step step = parse_status_line(input + skipped, size - skipped);
    step.consumed += skipped;
    return step;
  }
  // A lone CR may still become a blank line; anything else starts the response.
  if (size > 1 || (size == 1 && input[0] != '\r')) started_ = true;
  // Bytes beyond the head limit are never interpreted: whatever they are, the limit is what
  // failed, so the error cannot depend on how many of them one call happens to see.
  const std::size_t limit = size < budget ? size : budget;
  // Refuse HTTP/0.9 and non-HTTP services as soon as their first bytes arrive (catalogue H1-17).
  static constexpr char prefix[] = "HTTP/";
  for (std::size_t i = u_.head.scan; i < 5 && i < limit; ++i) {
    if (input[i] != prefix[i]) {
      if (i == 0 && input[0] == '\r' && size == 1) return {};
      return fail(0, "not an HTTP/1.x response (no HTTP/ status line)");
    }
  }
  const auto* lf = static_cast<const char*>(
      u_.head.scan < limit ? std::memchr(input + u_.head.scan, '\n', limit - u_.head.scan) : nullptr);
  if (lf == nullptr) {
    u_.head.scan = static_cast<std::uint32_t>(limit);
    if (size >= budget) return fail(0, "response head larger than the limit");
    return {};
  }
  const std::size_t line_size = static_cast<std::size_t>(lf - input) + 1;
  if (line_size < 2 || lf[-1] != '\r') return fail(0, "status line not ended by CRLF");
  const std::size_t text = line_size - 2;  // without CRLF
  if (text < min_status_line || input[6] != '.' || input[8] != ' ') return fail(0, "malformed status line");
  const unsigned major = static_cast<unsigned char>(input[5]) - static_cast<unsigned>('0');
  const unsigned minor = static_cast<unsigned char>(input[7]) - static_cast<unsigned>('0');
  if (major > 9 || minor > 9) return fail(0, "malformed HTTP version");
  if (major != 1) return fail(0, "unsupported HTTP version (only HTTP/1.x)");
  unsigned code = 0;
  for (std::size_t i = 9; i != 12; ++i) {
    const unsigned d = static_cast<unsigned char>(input[i]) - static_cast<unsigned>('0');
    if (d > 9) return fail(0, "status code is not three digits");
    code = code * 10 + d;
  }
  if (text > 12 && input[12] != ' ') return fail(0, "status code is not three digits");
  // RFC 9110 §15: a code outside 100..599 is invalid, and a client SHOULD process the response
  // as if it were a 5xx: so it is a final response, reported with the code as received.
  for (std::size_t i = 13; i < text; ++i) {
    if (input[i] != '\t' && is_ctl(input[i])) return fail(0, "control character in the reason phrase");
  }
  status_code_ = static_cast<std::uint16_t>(code);
  version_minor_ = minor == 0 ? 0 : 1;  // RFC 9110 §2.5: a later 1.x minor is handled as 1.1
  status_line_size_ = static_cast<std::uint16_t>(line_size);
  u_.head.fields.reset();
  state_ = state::fields;
  return parse_fields(input, size);
}

parse_step response_parser::parse_fields(char* input, std::size_t size) noexcept {
  char* const block = input + status_line_size_;
  const std::size_t available = size - status_line_size_;
  switch (u_.head.fields.parse(block, available, head_budget() - status_line_size_, limits_->max_headers,
                               &response_parser::on_field, this)) {
    case field_status::need_more: return {};
    case field_status::failed: return fail(0, u_.head.fields.failure().detail);
    case field_status::end_of_block: break;
  }
  return finish_head(input);
}

const char* response_parser::on_field(void* self, std::string_view name, std::string_view value, bool folded) noexcept {
  return static_cast<response_parser*>(self)->note_field(name, value, folded);
}

// Records what the framing and persistence fields say (RFC 9112 §6, §9.3). Most fields are
// none of these, so the name's length is tested before its bytes.
const char* response_parser::note_field(std::string_view name, std::string_view value, bool folded) noexcept {
  switch (name.size()) {
    case 14:
      if (!name_is(name, "content-length")) return nullptr;
      // RFC 9112 §5.2 lets obs-fold hide framing from other parsers (Node CVE-2024-27982).
      if (folded) return "obs-fold in Content-Length";
      if (const char* failure = for_each_element(value, &response_parser::note_length)) return failure;
      return (framing_ & has_length) == 0 ? "invalid Content-Length" : nullptr;
    case 17:
      if (!name_is(name, "transfer-encoding")) return nullptr;
      if (folded) return "obs-fold in Transfer-Encoding";
      framing_ |= te_present;
      return for_each_element(value, &response_parser::note_coding);
    case 10:
      if (!name_is(name, "connection")) return nullptr;
      return for_each_element(value, &response_parser::note_connection_option);
    default: return nullptr;
  }
}

const char* response_parser::note_length(std::string_view element) noexcept {
  std::uint64_t length = 0;
  if (!parse_decimal(element, length)) return "invalid Content-Length";
  // RFC 9110 §8.6: identical duplicates may be collapsed; differing ones are an error.
  if ((framing_ & has_length) != 0 && length != u_.head.remaining) return "differing Content-Length values";
  framing_ |= has_length;
  u_.head.remaining = length;
  return nullptr;
}

const char* response_parser::note_coding(std::string_view coding) noexcept {
  if (!name_is(coding, "chunked")) {
    framing_ |= te_other;
    return nullptr;
  }
  // RFC 9112 §7: chunked must not be applied more than once.
  if ((framing_ & te_chunked) != 0) return "chunked applied more than once";
  framing_ |= te_chunked;
  return nullptr;
}

const char* response_parser::note_connection_option(std::string_view option) noexcept {
  if (name_is(option, "close")) framing_ |= conn_close;
  if (name_is(option, "keep-alive")) framing_ |= conn_keep_alive;
  return nullptr;
}

// Decides the body length (RFC 9112 §6.3) and persistence (§9.3) once the head is complete.
parse_step response_parser::finish_head(char* input) noexcept {
  const std::size_t head_size = status_line_size_ + u_.head.fields.block_size();
  parse_step step;
  step.consumed = head_size;
  response_head& head = step.ev.head;
  head.status_code = status_code_;
  head.version_minor = version_minor_;
  const std::size_t status_text = status_line_size_ - 2u;  // "HTTP/1.1 200 reason" without CRLF
  if (status_text > 13) head.reason = {input + 13, status_text - 13};
  head.headers = headers_view({input + status_line_size_, u_.head.fields.fields_size()}, u_.head.fields.field_count());

  const bool te = (framing_ & te_present) != 0;
  const bool length = (framing_ & has_length) != 0;
  // RFC 9112 §6.3 rule 3: both is a smuggling signal; never reuse such a connection.
  if (te && length) return fail(0, "both Transfer-Encoding and Content-Length");

  if (status_code_ >= 100 && status_code_ < 200) {
    // Rule 1: a 1xx has no body. 101 is valid only after our Upgrade, which we never send.
    if (status_code_ == 101) return fail(0, "101 Switching Protocols without an Upgrade request");
    if (++informational_ > limits_->max_informational) return fail(0, "too many 1xx responses");
    head_used_ += static_cast<std::uint32_t>(head_size);
    u_.head.scan = 0;
    framing_ = 0;
    u_.head.remaining = 0;
    state_ = state::status_line;
    step.ev.type = event_type::informational;
    return step;
  }

  step.ev.type = event_type::head;
  const bool no_body = head_request_ || status_code_ == 204 || status_code_ == 304;
  if (no_body) {
    head.body = body_kind::none;
    u_.head.remaining = 0;
    state_ = state::body_length;
  } else if (te) {
    // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
    if (version_minor_ == 0) return fail(0, "Transfer-Encoding in an HTTP/1.0 response");
    // Rule 4 would make "gzip, chunked"-less codings close-delimited, but a coding we cannot
    // decode cannot be delivered as the body (catalogue H1-02): refuse it.
    if ((framing_ & te_other) != 0 || (framing_ & te_chunked) == 0) {
      return fail(0, "unsupported Transfer-Encoding (only chunked)");
    }
    head.body = body_kind::chunked;
    u_.chunked = chunked_decoder(*limits_);  // the head's storage is free from here on
    state_ = state::body_chunked;
  } else if (length) {
    head.body = u_.head.remaining == 0 ? body_kind::none : body_kind::content_length;
    head.content_length = u_.head.remaining;
    state_ = state::body_length;
  } else {
    // Rule 7: no framing, so the body runs until the server closes.
    head.body = body_kind::until_close;
    state_ = state::body_until_close;
  }
  const bool close = (framing_ & conn_close) != 0;
  const bool persistent = version_minor_ == 0 ? (framing_ & conn_keep_alive) != 0 && !close : !close;
  head.keep_alive = persistent && head.body != body_kind::until_close;
  return step;
}

parse_step response_parser::parse_body(char* input, std::size_t size) noexcept {
  parse_step step;
  if (state_ == state::body_length) {
    if (u_.head.remaining == 0) {
      state_ = state::done;
      step.ev.type = event_type::end;
      return step;
    }
    const std::size_t n = u_.head.remaining < size ? static_cast<std::size_t>(u_.head.remaining) : size;
    if (n == 0) return step;
    u_.head.remaining -= n;
    step.consumed = n;
    step.ev.type = event_type::body;
    step.ev.body = {input, n};
    return step;
  }
  if (state_ == state::body_until_close) {
    if (size == 0) return step;
    step.consumed = size;
    step.ev.type = event_type::body;
    step.ev.body = {input, size};
    return step;
  }
  const chunk_step chunk = u_.chunked.decode(input, size);
  step.consumed = chunk.consumed;
  switch (chunk.status) {
    case chunk_status::need_more: break;
    case chunk_status::data:
      step.ev.type = event_type::body;
      step.ev.body = chunk.data;
      break;
    case chunk_status::trailers:
      step.ev.type = event_type::trailers;
      step.ev.trailers = u_.chunked.trailers(chunk.data);
      break;
    case chunk_status::end:
      state_ = state::done;
      step.ev.type = event_type::end;
      break;
    case chunk_status::failed: return fail(chunk.consumed, u_.chunked.failure().detail);
  }
  return step;
}

event response_parser::finish() noexcept {
  event ev;
  ev.type = event_type::end;
  const char* failure = nullptr;
  switch (state_) {
    case state::status_line:
      failure = at_start() ? "server closed the connection without sending a response"
                           : "server closed the connection in the response head";
      break;
    case state::fields: failure = "server closed the connection in the response head"; break;
    case state::body_length:
      if (u_.head.remaining != 0) failure = "server closed the connection before the end of the Content-Length body";
      break;
    case state::body_chunked: failure = "server closed the connection before the last chunk"; break;
    case state::body_until_close:
    case state::done: break;
    case state::failed: failure = failure_; break;
  }
  if (failure != nullptr) return fail(0, failure).ev;
  state_ = state::done;
  return ev;
}

}  // namespace htpx::h1
