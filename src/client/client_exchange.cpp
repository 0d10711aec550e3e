// One HTTP/1.1 exchange on a pool slot: connect, write the head and body, read the response,
// hand it to the handler, and decide reuse, retry or failure. (An HTTP/2 session would get a
// sibling of this file; the pool and the poll loop stay as they are.)
#include <cerrno>
#include <cstring>

#include "htpx/client.hpp"
#include "quiet_slot.hpp"

namespace htpx {

namespace {

// Literals as views whose sizes the compiler knows: a view built from a `const char*` costs a
// call and a strlen() at run time where the compiler does not inline its constructor (-Os).
using namespace std::string_view_literals;

// Bounded work per slot and poll(), so one fast connection cannot starve the others.
constexpr int max_rounds_per_poll = 16;

bool reached(std::uint32_t now, std::uint32_t deadline) noexcept {
  return static_cast<std::int32_t>(now - deadline) >= 0;
}

// RFC 9110 §9.2.2: requests that can be repeated without a different outcome. POST and PATCH
// never are, so they are never retried (RFC 9112 §9.3.1).
bool idempotent(std::string_view method) noexcept {
  // Told apart by their length first: no table of views, one comparison (two for GET and PUT).
  const auto is = [&](const char* listed) { return std::memcmp(method.data(), listed, method.size()) == 0; };
  switch (method.size()) {
    case 3: return is("GET") || is("PUT");
    case 4: return is("HEAD");
    case 5: return is("TRACE");
    case 6: return is("DELETE");
    case 7: return is("OPTIONS");
    default: return false;
  }
}

// RFC 9110 §8.6: a request whose method gives content a meaning says Content-Length: 0 even
// when it has none, so the server does not wait for a body.
bool expects_content(std::string_view method) noexcept {
  // GET, HEAD, DELETE ... are told apart by their first byte; the others are compared once,
  // with the listed method of the same length, if any could match.
  if (method.empty() || method[0] != 'P') return false;
  const std::string_view listed = method.size() == 4 ? "POST"sv : method.size() == 3 ? "PUT"sv : "PATCH"sv;
  return method == listed;
}

const char* connect_detail(std::int32_t sys_error) noexcept {
  switch (sys_error) {
    case ECONNREFUSED: return detail_text("connection refused");
    case ETIMEDOUT: return detail_text("connection timed out");
    case EHOSTUNREACH: return detail_text("host unreachable");
    case ENETUNREACH: return detail_text("network unreachable");
    default: return detail_text(sys_error < 0 ? "name not resolved" : "could not connect");
  }
}

// Adds each of the `n` fields that has a value and that the caller did not set: the library's
// defaults differ from one another, so only the caller's fields can already hold one.
error add_defaults(header_appender& fields, const header_appender& callers, const header* defaults,
                   std::size_t n) noexcept {
  for (const header* field = defaults; field != defaults + n; ++field) {
    if (field->value.empty() || callers.contains(field->name)) continue;
    if (const error full = fields.add(field->name, field->value)) return full;
  }
  return {};
}

// The origin-form of a request to the origin server itself (RFC 9112 §3.2.1), written at the
// front of `scratch`, which is then what is left behind it.
result<std::string_view> origin_form(const url& origin, span<const query_param> params,
                                     mutable_bytes& scratch) noexcept {
  const result<std::size_t> written = write_request_target(origin, params.data(), params.size(), scratch);
  if (!written) return written.err();
  const std::string_view target{scratch.data, written.value()};
  scratch = {scratch.data + target.size(), scratch.size - target.size()};
  return target;
}

// Where write_head() puts a head's parts together: room for up to `max_fields` request fields
// at the front of `area` (aligned for them; at most half of it), then the bytes of the target
// and of field values.
struct head_workspace {
  header* fields;
  std::size_t capacity;
  mutable_bytes scratch;
};

head_workspace head_workspace_in(mutable_bytes area, std::size_t max_fields) noexcept {
  const std::size_t misaligned = reinterpret_cast<std::uintptr_t>(area.data) % alignof(header);
  const std::size_t skip = misaligned == 0 ? 0 : alignof(header) - misaligned;
  const std::size_t room = area.size > skip ? (area.size - skip) / (2 * sizeof(header)) : 0;
  const std::size_t capacity = max_fields < room ? max_fields : room;
  const std::size_t used = skip + capacity * sizeof(header);
  return {reinterpret_cast<header*>(area.data + skip), capacity, {area.data + used, area.size - used}};
}

}  // namespace

bool detail::waits_quietly(const detail::pool_slot& slot) noexcept {
  const h1::conn_state st = slot.conn.state();
  return (st == h1::conn_state::awaiting_head || st == h1::conn_state::receiving_body) && slot.recv_blocked &&
         slot.drained && !slot.paused && !slot.awaiting_continue && !slot.send_failed &&
         slot.conn.pending_output().empty();
}

void client::drive(detail::pool_slot& slot) noexcept {
  if (slot.st == slot_state::connecting) {
    drive_connect(slot);
    if (slot.st == slot_state::connecting) check_timeouts(slot);
    return;
  }
  if (detail::waits_quietly(slot)) {  // most connections at most polls, with many of them
    check_timeouts(slot);
    return;
  }
  for (int round = 0; round != max_rounds_per_poll; ++round) {
    const bool was_sending =
        slot.conn.state() == h1::conn_state::sending_head || slot.conn.state() == h1::conn_state::sending_body;
    if (!flush(slot)) return;
    const bool just_sent = was_sending && slot.conn.state() == h1::conn_state::awaiting_head;
    if (slot.paused && !offer_pending(slot)) return;
    const bool held = slot.awaiting_continue;
    // A connection whose events were all taken has none until bytes arrive (or it fails).
    const bool news = !slot.drained || slot.conn.state() == h1::conn_state::failed;
    if (!slot.paused && news && !process_events(slot)) return;
    // A 100 just released the body: send it now, or the caller sleeps on a socket that has
    // nothing more to say until the server gets the body (RFC 9110 §10.1.1).
    if (held && !slot.awaiting_continue && !flush(slot)) return;
    if (slot.paused) break;
    // Bytes received now would wait unprocessed while the caller sleeps on a socket that may have
    // nothing more to say: leave them in the socket, whose readiness wakes the next poll().
    if (round + 1 == max_rounds_per_poll) break;
    // The request's last byte has just left: its response is at least a round trip away, so a
    // read now would only say would_block (a system call per request for nothing). The socket
    // is on the wait list for reading; its readiness wakes the next poll().
    // (Only for a request sent whole by this round's first flush: a body a 100 has just released
    // is read after, as before.)
    if (just_sent && slot.conn.state() == h1::conn_state::awaiting_head) break;
    // poll() drives every busy connection again after a request finishes (a queued one may have
    // taken a connection): one that had nothing to read in this poll() is not asked again
    // until the next, or N connections would cost N reads per finished request.
    if (slot.recv_blocked) break;
    const port::io_status got = receive(slot) ? port::io_status::ok : port::io_status::would_block;
    if (slot.st != slot_state::busy) return;  // receive() ended the request
    if (got != port::io_status::ok) break;
  }
  if (slot.send_failed && !slot.paused) {
    const h1::conn_state st = slot.conn.state();
    if (st == h1::conn_state::sending_head || st == h1::conn_state::sending_body) {
      // No early response arrived after the failed send: report the write failure.
      finish(slot, {errc::write_error, "connection closed while sending the request"}, !slot.conn.response_started());
      return;
    }
  }
  check_timeouts(slot);
}

void client::drive_connect(detail::pool_slot& slot) noexcept {
  const detail::request_slot& req = storage_.requests[slot.request];
  const detail::endpoint target = connect_target(req);
  // The same arguments every time (C-01): after start_tls() they drive the handshake.
  const port::io_result r = slot.transport->connect(target.host, target.port);
  switch (r.status) {
    case port::io_status::ok:
      // https: TLS to the origin now, unless a tunnel through the proxy must be opened first
      // (its CONNECT goes in the clear; open_tunnel() starts TLS inside it).
      // (https origins exist only with https built in.)
      if (req.origin.scheme() == url_scheme::https && !slot.tls_started && !slot.tunneled) {
        features_->start_tls(*this, slot);
        return;
      }
      begin_exchange(slot);
      return;
    case port::io_status::would_block: return;
    case port::io_status::closed:
    case port::io_status::error: finish(slot, {errc::connect_error, error_text(slot, r.sys_error)}, false); return;
  }
  finish(slot, {errc::connect_error, "transport broke the port contract"}, false);  // K-05
}

void client::start_tls(detail::pool_slot& slot) noexcept {
  const detail::request_slot& req = storage_.requests[slot.request];
  const port::io_result r = slot.transport->start_tls(req.origin.get().host);
  if (r.status != port::io_status::ok) {
    const bool unsupported = r.sys_error == port::transport::tls_unsupported;
    finish(slot,
           unsupported ? error{errc::unsupported_protocol, "https needs a TLS transport (port/mbedtls)"}
                       : error{errc::connect_error, error_text(slot, r.sys_error)},
           false);
    return;
  }
  // The handshake is part of connecting: connect() drives it, timeout.connect bounds it.
  slot.tls_started = true;
  slot.st = slot_state::connecting;
  slot.since_ms = now_;
  drive_connect(slot);
}

const char* client::error_text(const detail::pool_slot& slot, std::int32_t sys_error) const noexcept {
  const char* own = slot.transport->describe_error(sys_error);  // TLS: exactly what failed
  return own != nullptr ? own : connect_detail(sys_error);
}

void client::begin_exchange(detail::pool_slot& slot) noexcept {
  detail::request_slot& req = storage_.requests[slot.request];
  req.st = req_state::active;
  req.body_sent = 0;
  slot.st = slot_state::busy;
  slot.last_read_ms = slot.last_write_ms = now_;
  slot.paused = slot.send_failed = slot.source_waiting = slot.awaiting_continue = false;
  slot.pending_body = {};
  slot.drained = true;  // a new or recycled connection: nothing received yet
  // A new tunnel first asks the proxy for it; the request follows once it is open. (Tunnels
  // exist only with proxies built in.)
  slot.tunnel_pending = slot.tunneled && !slot.tunnel_open;
  const error failure = slot.tunnel_pending ? features_->write_connect_head(*this, slot, req) : write_head(slot, req);
  if (failure) finish(slot, failure, false);
}

error client::write_head(detail::pool_slot& slot, detail::request_slot& req) noexcept {
  // The head's parts (its fields, the target, a relative URL resolved, credentials) are put
  // together in the receive buffer, idle until the request is sent: a new, reset or recycled
  // connection has received nothing (send_request() insists), and send_request() copies every
  // part into the transmit buffer. So no RAM is set aside for them.
  const head_workspace work = head_workspace_in(slot.conn.receive_buffer(), storage_.max_request_headers);
  mutable_bytes scratch = work.scratch;
  // The origin (kept as offsets: rebuilt here), or a relative request's resolved URL.
  url composed = req.origin.get();
  const url* target_url = &composed;
  // (Relative and proxied requests exist only when built in.)
  const result<std::string_view> target = req.relative || req.proxied
                                              ? features_->compose_target(*this, req, composed, scratch)
                                              : origin_form(composed, req.params, scratch);
  if (!target) return target.err();

  // Fields: the client's defaults, the request's own, then what the library adds when the
  // caller did not (httpx sends Accept, Accept-Encoding and User-Agent by default), then
  // credentials and cookies, then the hooks' own.
  header_appender fields(work.fields, work.capacity, 0);
  for (const span<const header>& list : {options_.headers, req.headers}) {
    for (const header& field : list) {
      // (Only a redirect drops fields: with redirects built in.)
      if (req.redirects != 0 && features_->dropped_after_redirect(req, field.name)) continue;
      if (const error full = fields.add(field.name, field.value)) return full;
    }
  }
  const header_appender callers(work.fields, fields.used(), fields.used());
  const header defaults[] = {
      {"Accept"sv, "*/*"sv},
      // No content codings are decoded yet, so none are invited (RFC 9110 §12.5.3).
      {"Accept-Encoding"sv, "identity"sv},
      {"User-Agent"sv, options_.user_agent},
  };
  if (const error full = add_defaults(fields, callers, defaults, 3)) return full;
  h1::request_head head;
  if (req.has_content) {
    // (Content exists only with request bodies built in: start() refused it otherwise.)
    if (const error failure = features_->frame_body(*this, slot, req, fields, callers, head)) return failure;
  } else if (expects_content(req.method)) {
    head.framing = h1::body_framing::content_length;  // Content-Length: 0
  }
  // Credentials and cookies (only when built in: a request that needs them was refused by start()).
  if (features_->add_request_fields != nullptr) {
    if (const error failure = features_->add_request_fields(*this, req, *target_url, target.value(), fields, scratch))
      return failure;
  }
  if (options_.hooks != nullptr) {  // (hooks exist only when built in: start() refused them otherwise)
    if (const error failure = features_->hook_request(*this, req, fields)) return failure;
  }

  head.method = req.method;
  head.target = target.value();
  // The engine leaves its Host out when the caller set one (RFC 9110 §7.2: one Host field).
  head.host = target_url->authority_host;
  head.headers = work.fields;
  head.header_count = fields.used();
  return slot.conn.send_request(head);
}

error client::frame_body(detail::pool_slot& slot, const detail::request_slot& req, header_appender& fields,
                         const header_appender& callers, h1::request_head& head) noexcept {
  const detail::request_features& opts = options_of(req);
  const request_body& content = opts.content;
  // Expect: 100-continue holds the body back until the server's 100 (RFC 9110 §10.1.1), or
  // until expect_continue_ms have passed (fill_body()).
  const header fields_of_content[] = {
      {"Content-Type"sv, content.content_type},
      {"Expect"sv, opts.expect_continue ? "100-continue"sv : std::string_view()},
  };
  if (const error full = add_defaults(fields, callers, fields_of_content, 2)) return full;
  slot.awaiting_continue = opts.expect_continue;
  slot.continue_deadline_ms = now_ + extras_->options.expect_continue_ms;
  if (content.type == request_body::kind::source && content.length == request_body::unknown_length) {
    head.framing = h1::body_framing::chunked;
  } else {
    head.framing = h1::body_framing::content_length;
    head.content_length = content.type == request_body::kind::bytes ? content.data.size : content.length;
  }
  return {};
}

bool client::repeat_without_expectation(detail::request_slot& req, const response& head) noexcept {
  // RFC 9110 §10.1.1: a 417 to a request that expected 100-continue says that something on the
  // path does not do expectations; the client SHOULD repeat the request without one. Once (the
  // expectation is then gone), and only when the body can be sent again from its first byte.
  if (head.status_code != 417 || !options_of(req).expect_continue) return false;
  detail::request_features& opts = extras_of(req);
  if (opts.content.type == request_body::kind::source && !opts.content.source->rewind()) return false;
  opts.expect_continue = false;
  req.replaying = true;
  req.replay_delay_ms = 0;
  return true;
}

error client::fill_body(detail::pool_slot& slot, detail::request_slot& req) noexcept {
  if (slot.awaiting_continue) {
    // Only the head goes out; the body waits for the 100 (or the final response), or until
    // no 100 came in time: then it is sent anyway (RFC 9110 §10.1.1).
    if (!reached(now_, slot.continue_deadline_ms)) return {};
    slot.awaiting_continue = false;
  }
  const request_body& content = options_of(req).content;
  if (content.type == request_body::kind::bytes) {
    while (req.body_sent < content.data.size) {
      const std::size_t left = static_cast<std::size_t>(content.data.size - req.body_sent);
      const result<std::size_t> took = slot.conn.write_body({content.data.data + req.body_sent, left});
      if (!took) return took.err();
      if (took.value() == 0) break;
      req.body_sent += took.value();
    }
    return {};
  }
  if (content.type != request_body::kind::source) return {};
  slot.source_waiting = false;
  for (;;) {
    const mutable_bytes space = slot.conn.body_buffer();
    if (space.empty()) return {};
    const port::io_result r = content.source->read(space);
    switch (r.status) {
      case port::io_status::ok:
        if (r.bytes == 0 || r.bytes > space.size) return {errc::local_protocol_error, "body source broke its contract"};
        if (const error failure = slot.conn.commit_body(r.bytes)) return failure;
        break;
      case port::io_status::would_block: slot.source_waiting = true; return {};
      case port::io_status::closed: return slot.conn.finish_body();
      case port::io_status::error: return {errc::write_error, "the request body source failed"};
    }
  }
}

bool client::flush(detail::pool_slot& slot) noexcept {
  detail::request_slot& req = storage_.requests[slot.request];
  const h1::conn_state st = slot.conn.state();
  const bool sending = st == h1::conn_state::sending_head || st == h1::conn_state::sending_body;
  if (!sending || slot.send_failed) return true;
  slot.last_read_ms = now_;  // the read timeout counts from the end of the request
  for (;;) {
    // (Content exists only with request bodies built in: start() refused it otherwise.)
    if (req.has_content) {
      if (const error failure = features_->fill_body(*this, slot, req)) {
        finish(slot, failure, false);
        return false;
      }
    }
    const bytes_view out = slot.conn.pending_output();
    if (out.empty()) return true;
    const port::io_result r = slot.transport->send(out);
    switch (r.status) {
      case port::io_status::ok:
        if (r.bytes == 0 || r.bytes > out.size) {  // K-05: never loop on a broken port
          finish(slot, {errc::write_error, "transport broke the port contract"}, false);
          return false;
        }
        slot.conn.consume_output(r.bytes);
        slot.last_write_ms = slot.last_read_ms = now_;
        break;
      case port::io_status::would_block: return true;
      case port::io_status::closed:
      case port::io_status::error:
        // RFC 9112 §9.5 / catalogue S-04: the server may have answered early (413, 401) and
        // closed; read what it sent before calling this a write failure.
        slot.send_failed = true;
        return true;
    }
  }
}

bool client::offer_pending(detail::pool_slot& slot) noexcept {
  detail::request_slot& req = storage_.requests[slot.request];
  const body_ack ack = req.handler->on_body(slot.pending_body);
  if (slot.st != slot_state::busy) return false;  // the handler cancelled its request
  if (ack.stop) {
    finish(slot, ack.stop, false);
    return false;
  }
  const std::size_t taken = ack.taken < slot.pending_body.size ? ack.taken : slot.pending_body.size;
  slot.pending_body = {slot.pending_body.data + taken, slot.pending_body.size - taken};
  if (slot.pending_body.empty()) {
    slot.paused = false;
    slot.drained = false;      // the events after this body are still to be taken
    slot.last_read_ms = now_;  // time spent paused is the application's, not the server's
  }
  return true;
}

bool client::process_events(detail::pool_slot& slot) noexcept {
  detail::request_slot& req = storage_.requests[slot.request];
  for (;;) {
    const h1::event ev = slot.conn.next_event();
    switch (ev.type) {
      case h1::event_type::need_more: slot.drained = true; return true;
      case h1::event_type::informational:                                // 1xx are skipped (RFC 9110 §15.2) ...
        if (ev.head.status_code == 100) slot.awaiting_continue = false;  // ... 100 releases the body
        break;
      case h1::event_type::trailers: break;  // trailers are not exposed yet
      case h1::event_type::head: {
        if (slot.tunnel_pending) return features_->open_tunnel(*this, slot, ev);
        response head;
        head.status_code = ev.head.status_code;
        head.reason_phrase = ev.head.reason;
        head.http_version = ev.head.version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
        head.headers = ev.head.headers;
        if (options_.hooks != nullptr) features_->hook_response(*this, req, head);  // (as in write_head())
        // Cookies, redirects, status retries and auth challenges (each only when built in) may
        // take the response: its body is then read and dropped (keeping the connection
        // reusable) and the handler sees only the final response.
        if (features_->screen_response != nullptr) {
          if (const error failure = features_->screen_response(*this, req, head)) {
            finish(slot, failure, false);
            return false;
          }
          if (req.redirecting || req.replaying) break;
        }
        if (const error failure = req.handler->on_head(head)) {
          finish(slot, failure, false);
          return false;
        }
        if (slot.st != slot_state::busy) return false;  // the handler cancelled its request
        break;
      }
      case h1::event_type::body:
        if (req.redirecting || req.replaying) break;
        slot.pending_body = ev.body;
        if (!offer_pending(slot)) return false;
        slot.paused = !slot.pending_body.empty();
        if (slot.paused) return true;
        break;
      case h1::event_type::end: finish(slot, {}, false); return false;
      case h1::event_type::failed:
        // A reused connection the server closed before answering: RFC 9112 §9.3.1 allows one
        // automatic retry of an idempotent request on a new connection.
        finish(slot, ev.failure, slot.reused && !slot.conn.response_started());
        return false;
    }
  }
}

bool client::receive(detail::pool_slot& slot) noexcept {
  const mutable_bytes space = slot.conn.receive_buffer();
  if (space.empty()) return false;
  return take_received(slot, slot.transport->recv(space), space.size);
}

// sleep() on one connection: the receive itself waits. Returns false, having done nothing, when
// there is no room to receive into or the transport cannot wait in a receive.
bool client::receive_waiting(detail::pool_slot& slot, std::uint32_t wait_ms) noexcept {
  const mutable_bytes space = slot.conn.receive_buffer();
  if (space.empty()) return false;
  const port::io_result r = slot.transport->recv_wait(space, wait_ms);
  if (r.status == port::io_status::would_block && r.sys_error == port::transport::recv_wait_unsupported) return false;
  now_ = platform_->now_ms();  // it may have slept: the read timeout restarts from now
  (void)take_received(slot, r, space.size);
  return true;
}

// What a receive of up to `asked` bytes returned: bytes to the engine, EOF, or the end of the
// request. Returns true when the engine got something to process.
bool client::take_received(detail::pool_slot& slot, const port::io_result& r, std::size_t asked) noexcept {
  switch (r.status) {
    case port::io_status::ok:
      if (r.bytes == 0 || r.bytes > asked) {
        finish(slot, {errc::read_error, "transport broke the port contract"}, false);
        return false;
      }
      slot.conn.commit_received(r.bytes);
      slot.last_read_ms = now_;
      slot.drained = false;
      return true;
    case port::io_status::would_block: slot.recv_blocked = true; return false;
    case port::io_status::closed:
      slot.conn.receive_eof();
      slot.drained = false;
      return true;
    case port::io_status::error: break;
  }
  error failure{errc::write_error, "connection reset while sending the request"};
  if (!slot.send_failed) {
    const char* own = slot.transport->describe_error(r.sys_error);
    failure = {errc::read_error, own != nullptr              ? own
                                 : r.sys_error == ECONNRESET ? "connection reset by peer"
                                                             : "receive failed"};
  }
  finish(slot, failure, slot.reused && !slot.conn.response_started());
  return false;
}

void client::check_timeouts(detail::pool_slot& slot) noexcept {
  const detail::request_slot& req = storage_.requests[slot.request];
  const timeout& t = req.timeouts;
  // The phase a connection is in says which idle timeout runs and what its expiry is called:
  // connecting (timeout.connect), sending (timeout.write) or receiving (timeout.read, stopped
  // while a paused handler holds the body). The total deadline ends any phase, named as it.
  struct phase {
    errc code;
    const char* idle_detail;
  };
  static constexpr phase phases[] = {
      {errc::connect_timeout, "connection not established within timeout.connect"},
      {errc::write_timeout, "no request bytes taken within timeout.write"},
      {errc::read_timeout, "no response bytes within timeout.read"},
  };
  std::size_t at = 2;
  std::uint32_t since = slot.last_read_ms;
  std::uint32_t idle_ms = slot.paused ? 0 : t.read_ms;
  if (slot.st == slot_state::connecting) {
    at = 0;
    since = slot.since_ms;
    idle_ms = t.connect_ms;
  } else if (!slot.send_failed && !slot.conn.pending_output().empty()) {
    at = 1;
    since = slot.last_write_ms;
    idle_ms = t.write_ms;
  }
  const bool total = t.total_ms != 0 && reached(now_, req.started_ms + t.total_ms);
  if (total || (idle_ms != 0 && reached(now_, since + idle_ms))) {
    finish(slot, {phases[at].code, total ? "total deadline exceeded" : phases[at].idle_detail}, false);
  }
}

body_source* client::body_source_of(const detail::request_slot& req) const noexcept {
  // Content is kept with the request's other options: a request with content has them.
  if (!req.has_content) return nullptr;
  const request_body& content = extras_of(req).content;
  return content.type == request_body::kind::source ? content.source : nullptr;
}

bool client::replayable(const detail::request_slot& req) const noexcept {
  // Retried on a new connection without asking anything of a body source (finish()).
  return !req.retried && idempotent(req.method) && body_source_of(req) == nullptr;
}

void client::finish(detail::pool_slot& slot, error failure, bool retryable) noexcept {
  detail::request_slot& req = storage_.requests[slot.request];
  release(slot, !failure && slot.conn.state() == h1::conn_state::done);
  if (failure && retryable && !req.retried && idempotent(req.method)) {
    body_source* source = body_source_of(req);
    if (source == nullptr || source->rewind()) {
      req.retried = true;
      req.queued_ms = now_;
      req.st = req_state::queued;  // keeps its sequence: first in line for a new connection
      enqueue(req);
      return;
    }
  }
  if (!failure && (req.redirecting || req.replaying)) {
    // (Only screen_response() sets them: with it, its requeue is there too.)
    features_->requeue(*this, req, req.replaying ? req.replay_delay_ms : 0);
    return;
  }
  if (failure && features_->retry_connect_failure != nullptr && features_->retry_connect_failure(*this, req, failure))
    return;
  complete(req, failure);
}

}  // namespace htpx
