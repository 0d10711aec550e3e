#include "htpx/h1/response_parser.hpp"

#include <cstring>
#include <new>

#include "char_class.hpp"
#include "fault_texts.hpp"

namespace htpx::h1 {

using detail::is_ctl;
using detail::is_ows;
using detail::name_is;

namespace {

// What the header fields said about framing and persistence (response_parser::framing_).
enum framing_bit : std::uint8_t {
  has_length = 1 << 0,       // a valid Content-Length was seen (value in u_.head.remaining)
  te_chunked = 1 << 1,       // Transfer-Encoding lists chunked
  te_other = 1 << 2,         // Transfer-Encoding lists a coding we cannot decode
  conn_close = 1 << 3,       // Connection: close
  conn_keep_alive = 1 << 4,  // Connection: keep-alive
  te_present = 1 << 5,       // a Transfer-Encoding field was seen, even an empty one
  tunnel_response = 1 << 6,  // a 2xx to CONNECT, from its status line (with conn_close)
};

// The fields note_field() acts on.
enum class framing_field : std::uint8_t { content_length, transfer_encoding, connection };

// The lengths of the names on_field() acts on: Connection, Content-Length, Transfer-Encoding.
constexpr std::uint32_t framing_name_lengths = (1u << 10) | (1u << 14) | (1u << 17);

// "HTTP/1.1 200" is the shortest status line without CRLF.
constexpr std::size_t min_status_line = 12;

// Content-Length = 1*DIGIT (RFC 9110 §8.6), checked for overflow before it can happen.
bool parse_decimal(const char* p, const char* end, std::uint64_t& out) noexcept {
  if (p == end) return false;
  // Compared with constants: no run-time 64-bit division (libgcc's on 32-bit targets).
  constexpr std::uint64_t max = ~std::uint64_t{0};
  std::uint64_t value = 0;
  for (; p != end; ++p) {
    const unsigned d = static_cast<unsigned char>(*p) - static_cast<unsigned>('0');
    if (d > 9) return false;
    if (value > max / 10 || (value == max / 10 && d > max % 10)) return false;
    value = value * 10 + d;
  }
  out = value;
  return true;
}

static_assert(static_cast<int>(chunk_status::need_more) == static_cast<int>(event_type::need_more) &&
                  static_cast<int>(chunk_status::data) == static_cast<int>(event_type::body) &&
                  static_cast<int>(chunk_status::trailers) == static_cast<int>(event_type::trailers) &&
                  static_cast<int>(chunk_status::end) == static_cast<int>(event_type::end) &&
                  static_cast<int>(chunk_status::failed) == static_cast<int>(event_type::failed),
              "a chunk status is reported as the event type of the same value");

}  // namespace

response_parser::response_parser(const parser_limits& limits) noexcept : limits_(&limits) { reset(); }

// Member by member (a fresh parser would be built and copied in); the constructor uses it too.
// The head's state is built anew, as the decoder may have had the storage (see head_or_chunked);
// after a 1xx head finish_head() resets it for the next one, and the decoder is built when its
// body starts.
void response_parser::reset(bool head_request, bool connect_request) noexcept {
  start_head();
  failure_ = fault::none;
  head_used_ = 0;
  status_line_size_ = 0;
  status_code_ = 0;
  version_minor_ = 1;
  informational_ = 0;
  no_body_ = head_request;
  connect_request_ = connect_request;
  started_ = false;
}

// A head starts: after reset(), and again after each 1xx head (its status line, fields and
// framing are forgotten; what the response as a whole has seen stays).
void response_parser::start_head() noexcept {
  ::new (&u_.head) head_state();
  framing_ = 0;
  state_ = state::status_line;
}

// Turns `ev` into the failure event. Nothing else of it was written: every check of the head
// comes before its first write to the event (finish_head()), and the chunked decoder writes the
// body view only with payload.
void response_parser::fail(event& ev, fault why) noexcept {
  state_ = state::failed;
  failure_ = why;
  ev.type = event_type::failed;
  ev.failure = {errc::remote_protocol_error, text_of(why)};
}

std::uint32_t response_parser::head_budget() const noexcept {
  return limits_->max_head_bytes > head_used_ ? limits_->max_head_bytes - head_used_ : 0;
}

// Each part fills the event of the call and returns the bytes it consumed; a failure sets
// failure_ (refuse()), which turns the call into the failure event.
std::size_t response_parser::parse(char* input, std::size_t size, event& ev) noexcept {
  std::size_t consumed = 0;
  std::size_t n = size;
  switch (state_) {
    case state::body_chunked: {
      // One event per call: the decoder fills the body view and the count in place, and its
      // status is the event's type.
      const chunk_status status = u_.chunked.decode(input, size, consumed, ev.body);
      ev.type = static_cast<event_type>(status);
      if (status == chunk_status::trailers) {
        ev.trailers = u_.chunked.trailers(ev.body);
        ev.body = {};
      } else if (status == chunk_status::end) {
        state_ = state::done;
      } else if (status == chunk_status::failed) {
        failure_ = u_.chunked.refusal();
      }
      break;
    }
    case state::status_line: consumed = parse_status_line(ev, input, size); break;
    case state::fields: consumed = parse_fields(ev, input, size); break;
    case state::body_length:
      if (u_.head.remaining == 0) {
        state_ = state::done;
        ev.type = event_type::end;
        break;
      }
      if (u_.head.remaining < n) n = static_cast<std::size_t>(u_.head.remaining);
      u_.head.remaining -= n;
      [[fallthrough]];
    case state::body_until_close:
      if (n != 0) {
        consumed = n;
        ev.type = event_type::body;
        ev.body = {input, n};
      }
      break;
    case state::done:
    case state::failed: break;  // failure_ is set: reported again below
  }
  if (failure_ == fault::none) return consumed;
  fail(ev, failure_);
  return 0;
}

// status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF   (RFC 9112 §4)
std::size_t response_parser::parse_status_line(event& ev, char* input, std::size_t size) noexcept {
  // Blank lines before a status line are tolerated (RFC 9112 §9.2 allows CRLF between
  // messages); they count against the head limit.
  std::size_t skipped = 0;
  while (u_.head.scan == 0 && size >= 2 && input[0] == '\r' && input[1] == '\n') {
    head_used_ += 2;
    if (head_used_ > limits_->max_head_bytes) return refuse(fault::head_over_limit);
    // Go on with the status line in this call, so need_more always means "no more to do".
    input += 2;
    size -= 2;
    skipped += 2;
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
      if (at == 0 && input[0] == '\r' && size == 1) return skipped;
      return refuse(fault::not_http);
    }
  }
  const char* lf = nullptr;
  if (u_.head.scan < limit)
    lf = static_cast<const char*>(std::memchr(input + u_.head.scan, '\n', limit - u_.head.scan));
  if (lf == nullptr) {
    u_.head.scan = static_cast<std::uint32_t>(limit);
    return size >= budget ? refuse(fault::head_over_limit) : skipped;
  }
  // lf > input: the first byte was checked to be 'H'.
  if (lf[-1] != '\r') return refuse(fault::bare_lf_in_status);
  const std::size_t line_size = static_cast<std::size_t>(lf - input) + 1;
  const std::size_t text = line_size - 2;  // without CRLF
  if (text < min_status_line || input[6] != '.' || input[8] != ' ') return refuse(fault::malformed_status_line);
  const unsigned major = static_cast<unsigned char>(input[5]) - static_cast<unsigned>('0');
  const unsigned minor = static_cast<unsigned char>(input[7]) - static_cast<unsigned>('0');
  if (major > 9 || minor > 9) return refuse(fault::bad_version);
  if (major != 1) return refuse(fault::not_http);
  unsigned code = 0;
  for (std::size_t i = 9; i != 12; ++i) {
    const unsigned d = static_cast<unsigned char>(input[i]) - static_cast<unsigned>('0');
    if (d > 9) return refuse(fault::bad_status_code);
    code = code * 10 + d;
  }
  if (text > 12 && input[12] != ' ') return refuse(fault::bad_status_code);
  // RFC 9110 §15: a code outside 100..599 is invalid, and a client SHOULD process the response
  // as if it were a 5xx: so it is a final response, reported with the code as received.
  for (std::size_t i = 13; i < text; ++i) {
    if (input[i] != '\t' && is_ctl(input[i])) return refuse(fault::ctl_in_reason);
  }
  status_code_ = static_cast<std::uint16_t>(code);
  // RFC 9112 §6.3 rule 2: a 2xx to CONNECT makes the connection a tunnel after the head: no
  // body, and never another response (so: close). framing_ is 0 at every status line.
  if (connect_request_ && code - 200u < 100u) {
    framing_ = tunnel_response | conn_close;
    no_body_ = true;
  }
  version_minor_ = minor == 0 ? 0 : 1;  // RFC 9110 §2.5: a later 1.x minor is handled as 1.1
  status_line_size_ = static_cast<std::uint16_t>(line_size);
  state_ = state::fields;
  return skipped + parse_fields(ev, input, size);
}

std::size_t response_parser::parse_fields(event& ev, char* input, std::size_t size) noexcept {
  char* const block = input + status_line_size_;
  const std::size_t available = size - status_line_size_;
  // RFC 9112 §6.3 rule 2: a client MUST ignore Content-Length and Transfer-Encoding in a 2xx
  // to CONNECT, so no field reaches on_field() (an invalid value is no error either; nor does
  // Connection matter: conn_close is set already).
  const std::uint32_t names = (framing_ & tunnel_response) != 0 ? 0 : framing_name_lengths;
  switch (u_.head.fields.parse(block, available, head_budget() - status_line_size_, limits_->max_headers,
                               &response_parser::on_field, this, names)) {
    case field_status::need_more: return 0;
    case field_status::failed: return refuse(u_.head.fields.refusal());
    case field_status::end_of_block: break;
  }
  return finish_head(ev, input);
}

// Records what the framing and persistence fields say (RFC 9112 §6, §9.3). Most fields are
// none of these, so the name's length is tested before its bytes. Each is a comma-separated
// list whose empty elements are ignored (RFC 9110 §5.6.1).
fault response_parser::on_field(void* context, const char* name, std::size_t name_size, const char* value,
                                std::size_t value_size, bool folded) noexcept {
  auto& self = *static_cast<response_parser*>(context);
  std::uint8_t& framing = self.framing_;
  framing_field kind;
  switch (name_size) {
    case 14:
      if (!name_is(name, name_size, detail::content_length_name)) return fault::none;
      // RFC 9112 §5.2 lets obs-fold hide framing from other parsers (Node CVE-2024-27982).
      if (folded) return fault::folded_content_length;
      kind = framing_field::content_length;
      break;
    case 17:
      if (!name_is(name, name_size, detail::transfer_encoding_name)) return fault::none;
      if (folded) return fault::folded_transfer_encoding;
      framing |= te_present;
      kind = framing_field::transfer_encoding;
      break;
    case 10:
      if (!name_is(name, name_size, "connection")) return fault::none;
      kind = framing_field::connection;
      break;
    default: return fault::none;
  }
  // The usual values, one element that the field parser has already trimmed, without the walk.
  if (kind == framing_field::transfer_encoding && name_is(value, value_size, detail::chunked_coding) &&
      (framing & te_chunked) == 0) {
    framing |= te_chunked;
    return fault::none;
  }
  if (kind == framing_field::connection && name_is(value, value_size, "keep-alive")) {
    framing |= conn_keep_alive;
    return fault::none;
  }
  const char* p = value;
  const char* const end = p + value_size;
  for (;;) {
    const char* comma = p;
    while (comma != end && *comma != ',') ++comma;
    const char* last = comma;
    while (p != last && is_ows(*p)) ++p;
    while (last != p && is_ows(last[-1])) --last;
    const auto size = static_cast<std::size_t>(last - p);
    if (size != 0) {
      if (kind == framing_field::content_length) {
        std::uint64_t length = 0;
        if (!parse_decimal(p, last, length)) return fault::invalid_content_length;
        // RFC 9110 §8.6: identical duplicates may be collapsed; differing ones are an error.
        if ((framing & has_length) != 0 && length != self.u_.head.remaining) return fault::differing_content_lengths;
        framing |= has_length;
        self.u_.head.remaining = length;
      } else if (kind == framing_field::transfer_encoding) {
        if (!name_is(p, size, detail::chunked_coding)) {
          framing |= te_other;
        } else if ((framing & te_chunked) != 0) {
          return fault::chunked_twice;  // RFC 9112 §7: at most once
        } else {
          framing |= te_chunked;
        }
      } else if (name_is(p, size, "close")) {
        framing |= conn_close;
      } else if (name_is(p, size, "keep-alive")) {
        framing |= conn_keep_alive;
      }
    }
    if (comma == end) break;
    p = comma + 1;
  }
  if (kind == framing_field::content_length && (framing & has_length) == 0) return fault::invalid_content_length;
  return fault::none;
}

// Decides the body length (RFC 9112 §6.3) and persistence (§9.3) once the head is complete.
// Every check comes first: a failure leaves the event untouched (see fail()).
std::size_t response_parser::finish_head(event& ev, char* input) noexcept {
  const bool te = (framing_ & te_present) != 0;
  const bool length = (framing_ & has_length) != 0;
  // RFC 9112 §6.3 rule 3: both is a smuggling signal; never reuse such a connection.
  if (te && length) return refuse(fault::both_framings);
  const bool interim = status_code_ - 100u < 100u;
  // Rule 1: HEAD, 1xx, 204 and 304 have no body, whatever the fields say; nor has a 2xx to
  // CONNECT (rule 2: no_body_ is set from its status line, and its framing fields were never
  // recorded, so the checks above and below pass it by).
  const bool no_body = interim || no_body_ || status_code_ == 204 || status_code_ == 304;
  if (interim) {
    // 101 is valid only after our Upgrade, which we never send.
    if (status_code_ == 101) return refuse(fault::unrequested_101);
    if (++informational_ > limits_->max_informational) return refuse(fault::too_many_1xx);
  } else if (te && !no_body) {
    // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
    if (version_minor_ == 0) return refuse(fault::te_in_http10);
    // Rule 4 would make codings without chunked last close-delimited, but a coding we cannot
    // decode cannot be delivered as the body (catalogue H1-02): refuse it.
    if ((framing_ & (te_other | te_chunked)) != te_chunked) return refuse(fault::te_not_chunked);
  }

  const std::size_t head_size = status_line_size_ + u_.head.fields.block_size();
  response_head& head = ev.head;
  head.status_code = status_code_;
  head.version_minor = version_minor_;
  const std::size_t status_text = status_line_size_ - 2u;  // "HTTP/1.1 200 reason" without CRLF
  if (status_text > 13) head.reason = {input + 13, status_text - 13};
  head.headers = headers_view({input + status_line_size_, u_.head.fields.fields_size()}, u_.head.fields.field_count());

  if (interim) {
    head_used_ += static_cast<std::uint32_t>(head_size);
    start_head();
    ev.type = event_type::informational;
    return head_size;
  }

  ev.type = event_type::head;
  state_ = state::body_length;
  if (no_body) {
    u_.head.remaining = 0;  // head.body stays none
    head.tunnel = (framing_ & tunnel_response) != 0;
  } else if (te) {
    head.body = body_kind::chunked;
    // The head's storage is free from here on: the decoder is built in it (see head_or_chunked).
    ::new (&u_.chunked) chunked_decoder(*limits_);
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
  return head_size;
}

// EOF ends a close-delimited or complete response; anywhere else the response is incomplete
// (RFC 9112 §8).
void response_parser::finish(event& ev) noexcept {
  switch (state_) {
    case state::status_line:
      if (at_start()) {
        refuse(fault::eof_before_response);
        break;
      }
      [[fallthrough]];
    case state::fields: refuse(fault::eof_in_head); break;
    case state::body_length:
      if (u_.head.remaining == 0) break;
      [[fallthrough]];
    case state::body_chunked: refuse(fault::eof_in_body); break;
    case state::body_until_close:
    case state::done:
    case state::failed: break;  // failure_ is set: reported again below
  }
  if (failure_ != fault::none) {
    fail(ev, failure_);
  } else {
    state_ = state::done;
    ev.type = event_type::end;
  }
}

}  // namespace htpx::h1
