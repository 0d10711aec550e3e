// The client's front: storage set-up, start(), poll(), cancel(), and what poll() reports.
#include "htpx/client.hpp"

#include "quiet_slot.hpp"

namespace htpx {

namespace {

const h1::parser_limits default_parser_limits{};

// Wrap-safe "has `deadline` passed at `now`" (port contract T-02).
bool reached(std::uint32_t now, std::uint32_t deadline) noexcept {
  return static_cast<std::int32_t>(now - deadline) >= 0;
}

// Keeps the earliest of the deadlines it is shown.
struct earliest {
  std::uint32_t now;
  std::uint32_t wait = 60000;  // sleep at most a minute even with every timeout off
  void at(std::uint32_t deadline) noexcept {
    const std::uint32_t left = reached(now, deadline) ? 0 : deadline - now;
    if (left < wait) wait = left;
  }
  void after(std::uint32_t since, std::uint32_t span_ms) noexcept {
    if (span_ms != 0) at(since + span_ms);
  }
};

}  // namespace

detail::pool_slot::pool_slot() noexcept
    : conn({}, {}, default_parser_limits),
      source_waiting(false),
      tunneled(false),
      tunnel_open(false),
      tunnel_pending(false),
      tls_started(false) {}

const detail::request_features detail::no_request_features{};

namespace {
// Whether `storage` has room for the options and state of every optional feature.
bool has_feature_state(const client_storage& storage) noexcept {
  return storage.features != nullptr && storage.request_features.size() >= storage.requests.size();
}

// The features a client over caller storage has without a feature_state to keep their options in.
struct core_config : default_client_config {
  static constexpr bool proxies = false;
  static constexpr bool base_url = false;
  static constexpr bool redirects = false;
  static constexpr bool auth = false;
  static constexpr bool cookies = false;
  static constexpr bool retries = false;
  static constexpr bool request_bodies = false;
};
static_assert(!detail::needs_feature_state<core_config>, "core_config needs no feature_state");
}  // namespace

client::client(const client_storage& storage, port::platform& platform, const client_options& options) noexcept
    : client(storage, platform, options, has_feature_state(storage) ? every_feature : core_features) {}

// (Named only by the constructor above: a static_client links just the features of its Cfg.)
constexpr client::features client::every_feature = client::features_of<default_client_config>();
constexpr client::features client::core_features = client::features_of<core_config>();

client::client(const client_storage& storage, port::platform& platform, const client_options& options,
               const features& compiled) noexcept
    : storage_(storage),
      platform_(&platform),
      features_(&compiled),
      extras_(has_feature_state(storage) ? storage.features : nullptr),
      options_(options),
      wanted_(wanted_by(options)) {
  if (features_->keep_feature_state != nullptr) features_->keep_feature_state(*this, storage, options);
  // Proxies also need their routes (client_storage::proxies), which the caller may not give.
  const bool routes = extras_ != nullptr && extras_->proxies != nullptr;
  missing_ = static_cast<std::uint8_t>(features_->left_out | (routes ? 0 : wants_proxies));
  for (std::size_t i = 0; i != storage_.slots.size(); ++i) {
    detail::pool_slot& slot = storage_.slots[i];
    if (!storage.transports.empty()) slot.transport = storage.transports[i];
    const std::size_t host_bytes = storage.host_bytes_per_slot < 255 ? storage.host_bytes_per_slot : 255;
    slot.host = storage.hosts.data + i * storage.host_bytes_per_slot;
    slot.host_capacity = static_cast<std::uint8_t>(storage.hosts.size != 0 ? host_bytes : 0);
    slot.conn =
        h1::connection({storage.rx.data + i * storage.rx_per_slot, storage.rx_per_slot},
                       {storage.tx.data + i * storage.tx_per_slot, storage.tx_per_slot}, options_.parser_limits);
  }
  if (has_proxies()) features_->load_proxies(*this);
}

void client::keep_feature_state(const client_storage& storage, const client_options& options) noexcept {
  extras_->options = options;
  extras_->scratch = storage.scratch;
  extras_->url_store = storage.url_store;
  extras_->url_bytes_per_request = storage.url_bytes_per_request;
  extras_->history_store = storage.history_store;
  extras_->proxies = storage.proxies;
  extras_->requests = storage.request_features;
}

htpx::request client::request_of(const detail::request_slot& req) const noexcept {
  htpx::request whole;
  whole.method = req.method;
  whole.url = req.url;
  whole.options.headers = req.headers;
  whole.options.params = req.params;
  if (req.own_timeout) whole.options.timeout = req.timeouts;
  if (req.has_options) features_->add_request_features(*this, req, whole.options);
  return whole;
}

error client::hook_request(const detail::request_slot& req, header_appender& fields) noexcept {
  return options_.hooks->on_request(request_of(req), fields);
}

void client::hook_response(const detail::request_slot& req, const response& head) noexcept {
  options_.hooks->on_response(request_of(req), head);
}

void client::keep_request_features(detail::request_slot& req, const request_options& opts) noexcept {
  // Most requests set none of them: those are not copied (options_of() gives the defaults).
  req.has_options =
      req.has_content || opts.follow_redirects || opts.expect_continue || opts.auth != nullptr || !opts.cookies.empty();
  if (req.has_options)
    extras_of(req) = {opts.content, opts.follow_redirects, opts.expect_continue, opts.auth, opts.cookies};
}

void client::add_request_features(const detail::request_slot& req, request_options& opts) const noexcept {
  const detail::request_features& more = extras_of(req);
  opts.content = more.content;
  opts.follow_redirects = more.follow_redirects;
  opts.expect_continue = more.expect_continue;
  opts.auth = more.auth;
  opts.cookies = more.cookies;
}

client::~client() {
  for (detail::pool_slot& slot : storage_.slots) {
    if (slot.st != slot_state::closed) close_slot(slot);
  }
}

detail::request_slot* client::lookup(request_handle handle) noexcept {
  if (handle.index >= storage_.requests.size()) return nullptr;
  detail::request_slot& req = storage_.requests[handle.index];
  if (req.st == req_state::free || req.generation != handle.generation) return nullptr;
  return &req;
}

const detail::request_slot* client::lookup(request_handle handle) const noexcept {
  return const_cast<client*>(this)->lookup(handle);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

error client::check_target(const url& target) const noexcept {
  // https needs a transport that can do TLS: start_tls() says so when the connection is up.
  if (target.scheme == url_scheme::other) return {errc::unsupported_protocol, "only http and https URLs"};
  if (target.scheme == url_scheme::https && features_->start_tls == nullptr) {
    return {errc::unsupported_protocol, "https: needs Cfg::https"};
  }
  // httpx sends a URL's userinfo as Basic credentials: never drop them silently.
  if (target.has_userinfo && features_->add_credentials == nullptr) {
    return {errc::unsupported_protocol, "userinfo in a URL: needs Cfg::auth"};
  }
  return {};
}

result<request_handle> client::start(const htpx::request& req, response_handler& handler) noexcept {
  if (const error missing = check_features(req)) return missing;
  // Most URLs are absolute: parsed first. One that is not may be a relative reference, which
  // needs base_url, which only a client built with Cfg::base_url accepts.
  result<url> parsed = parse_url(req.url);
  const bool relative = !parsed && features_->relative_origin != nullptr;
  if (relative) features_->relative_origin(*this, req.url, parsed);
  if (!parsed) return parsed.err();
  const url& origin = parsed.value();
  if (const error refused = check_target(origin)) return refused;
  // Put together apart and copied into a free slot once: the slot takes none of its last
  // request's state.
  detail::request_slot fresh;
  if (has_proxies()) {
    if (const error unusable = features_->route_request(*this, fresh, origin)) return unusable;
  }
  // The request slot keeps the origin as 16-bit offsets into the text it was parsed from.
  const std::string_view origin_text = relative ? extras_->options.base_url : req.url;
  if (origin_text.size() > detail::url_offsets::max_text) return error{errc::invalid_url, "URL too long"};
  fresh.origin.keep(origin, origin_text);
  fresh.relative = relative;
  const request_options& opts = req.options;
  fresh.method = req.method;
  fresh.url = req.url;
  fresh.headers = opts.headers;
  fresh.params = opts.params;
  fresh.own_timeout = opts.timeout.has_value();
  // Resolved now: the client's timeouts do not change, and every poll() reads them.
  fresh.timeouts = fresh.own_timeout ? *opts.timeout : options_.timeout;
  fresh.has_content = opts.content.type != request_body::kind::none;
  fresh.handler = &handler;

  // The slot freed last first: a handler that starts its next request from on_complete() gets
  // it at once, without a scan of the slots.
  const std::size_t count = storage_.requests.size();
  for (std::size_t n = 0; n != count; ++n) {
    const std::size_t i = n == 0 ? last_freed_ : n - (n <= last_freed_ ? 1 : 0);
    detail::request_slot& slot = storage_.requests[i];
    if (slot.st != req_state::free) continue;
    fresh.index = static_cast<std::uint16_t>(i);
    fresh.generation = static_cast<std::uint16_t>(slot.generation + 1);
    // Kept only when some feature reads them (the options that would need one left out were
    // refused by check_features()) and the request set one.
    if (features_->keep_request_features != nullptr) features_->keep_request_features(*this, fresh, opts);
    // A handler starting its next request runs inside poll(), whose time is now_.
    fresh.started_ms = fresh.queued_ms = polling_ ? now_ : platform_->now_ms();
    fresh.sequence = ++sequence_;
    fresh.st = req_state::queued;
    slot = fresh;
    enqueue(slot);
    ++in_flight_;
    return request_handle{fresh.index, fresh.generation};
  }
  return error{errc::pool_timeout, "request queue full"};
}

poll_result client::poll(std::uint32_t now_ms) noexcept {
  now_ = now_ms;
  prepare_pool();
  polling_ = true;
  // A request that finishes frees its connection for a queued one at once: keep going while
  // requests finish, at most once per request slot (bounded work per poll). A handler that
  // starts its next request from on_complete() leaves in_flight_ as it was, but start() moved
  // sequence_: that request is assigned and sent in this same call, not after another wait.
  for (std::size_t pass = 0; pass <= storage_.requests.size(); ++pass) {
    assign_queued();
    const std::size_t before = in_flight_;
    const std::uint32_t started = sequence_;
    for (detail::pool_slot& slot : storage_.slots) {
      if (slot.st == slot_state::connecting ||
          (slot.st == slot_state::busy && (pass == 0 || !detail::waits_quietly(slot)))) {
        drive(slot);
      }
    }
    if (in_flight_ == before && sequence_ == started) break;
  }
  for (detail::request_slot& req : storage_.requests) {
    if (req.st != req_state::queued) continue;
    const timeout& t = req.timeouts;
    if (t.total_ms != 0 && reached(now_, req.started_ms + t.total_ms)) {
      complete(req, {errc::pool_timeout, "total deadline exceeded"});
    } else if (t.pool_ms != 0 && reached(now_, req.queued_ms + t.pool_ms)) {
      complete(req, {errc::pool_timeout, "no connection slot became free within timeout.pool"});
    }
  }
  polling_ = false;
  poll_result out;
  out.wait_count = fill_waits();
  out.waits = storage_.waits.data();
  out.wait_ms = next_wake();
  out.in_flight = in_flight_;
  return out;
}

void client::cancel(request_handle handle) noexcept {
  detail::request_slot* req = lookup(handle);
  if (req == nullptr) return;
  if (req->st == req_state::connecting || req->st == req_state::active) {
    close_slot(storage_.slots[req->slot]);  // mid-exchange: the connection cannot be reused
  }
  free_request(*req);
}

bool client::active(request_handle handle) const noexcept { return lookup(handle) != nullptr; }

std::uint32_t client::connection_serial(request_handle handle) const noexcept {
  // Readable after completion too (in on_complete and later), until the request slot is reused.
  if (handle.index >= storage_.requests.size()) return 0;
  const detail::request_slot& req = storage_.requests[handle.index];
  return req.generation == handle.generation ? req.serial : 0;
}

std::size_t client::read_body(request_handle handle, mutable_bytes out) noexcept {
  const detail::request_slot* req = lookup(handle);
  if (req == nullptr || req->st != req_state::active) return 0;
  detail::pool_slot& slot = storage_.slots[req->slot];
  const std::size_t n = slot.pending_body.size < out.size ? slot.pending_body.size : out.size;
  for (std::size_t i = 0; i != n; ++i) out.data[i] = slot.pending_body.data[i];
  slot.pending_body = {slot.pending_body.data + n, slot.pending_body.size - n};
  if (slot.pending_body.empty() && slot.paused) {
    slot.paused = false;
    slot.drained = false;                     // the events after this body are still to be taken
    slot.last_read_ms = platform_->now_ms();  // the read timeout restarts when reading does
  }
  return n;
}

void client::complete(detail::request_slot& req, error failure) noexcept {
  response_handler* handler = req.handler;
  free_request(req);  // freed first: the callback may start another request
  handler->on_complete(failure);
}

void client::free_request(detail::request_slot& req) noexcept {
  if (req.st == req_state::queued) dequeue(req);
  req.st = req_state::free;
  last_freed_ = req.index;
  --in_flight_;
}

std::size_t client::fill_waits() noexcept {
  std::size_t n = 0;
  for (detail::pool_slot& slot : storage_.slots) {
    port::interest what = port::interest::none;
    if (slot.st == slot_state::connecting) {
      // A TCP connect completes on writability; a TLS handshake says what it waits for.
      what = slot.transport->wants();
      if (what == port::interest::none) what = port::interest::read_write;
    } else if (slot.st == slot_state::busy) {
      const bool reading = !slot.paused;
      const bool writing = !slot.send_failed && !slot.conn.pending_output().empty();
      what = reading ? (writing ? port::interest::read_write : port::interest::read)
                     : (writing ? port::interest::write : port::interest::none);
    }
    if (what != port::interest::none && n < storage_.waits.size()) storage_.waits[n++] = {slot.transport, what, what};
  }
  waits_filled_ = static_cast<std::uint16_t>(n);
  return n;
}

// W-03: a connection the last wait() found unreadable is not read in this poll(): the read
// would only say would_block, a system call per connection for nothing when one of many
// became ready. One without a report (`ready` as filled), not on the list, or holding bytes
// inside its transport may be read. The list is in slot order (fill_waits()).
// In the same pass over the pool, connections idle for keepalive_expiry are closed.
void client::prepare_pool() noexcept {
  std::size_t listed = 0;
  for (detail::pool_slot& slot : storage_.slots) {
    bool readable = true;
    if (listed != waits_filled_ && storage_.waits[listed].conn == slot.transport) {
      const auto ready = static_cast<unsigned>(storage_.waits[listed++].ready);
      readable = (ready & static_cast<unsigned>(port::interest::read)) != 0 || slot.transport->has_buffered_input();
    }
    slot.recv_blocked = !readable;
    slot.idle_this_poll = false;  // a new poll(): idle connections are probed before reuse again
    if (slot.st == slot_state::idle && now_ - slot.since_ms >= options_.limits.keepalive_expiry_ms) close_slot(slot);
  }
  waits_filled_ = 0;  // one report per wait(): a poll() without a wait() between tries them all
}

std::uint32_t client::next_wake() noexcept {
  earliest wake{now_};
  // A request queued while a connection could take it (a retry re-queued in poll()'s last
  // pass) must not sleep until its pool deadline: poll again at once.
  const std::size_t limit =
      options_.limits.max_connections < storage_.slots.size() ? options_.limits.max_connections : storage_.slots.size();
  const bool slot_free =
      queue_head_ != detail::no_index &&  // the slots are counted only then
      (storage_.slots.size() - count_slots(slot_state::closed) < limit || count_slots(slot_state::idle) != 0);
  for (const detail::request_slot& req : storage_.requests) {
    if (req.st == req_state::free) continue;
    const timeout& t = req.timeouts;
    wake.after(req.started_ms, t.total_ms);
    if (req.st == req_state::queued) wake.after(req.queued_ms, t.pool_ms);
    // A retry waiting out its backoff wakes at its time; otherwise a free connection means now.
    if (req.st == req_state::queued && slot_free) wake.at(ready(req) ? now_ : req.not_before_ms);
  }
  for (const detail::pool_slot& slot : storage_.slots) {
    switch (slot.st) {
      case slot_state::closed: break;
      case slot_state::idle: wake.after(slot.since_ms, options_.limits.keepalive_expiry_ms); break;
      case slot_state::connecting: {
        wake.after(slot.since_ms, storage_.requests[slot.request].timeouts.connect_ms);
        // A port still resolving a name has no handle to wait on yet: look again soon.
        if (slot.transport->native_handle() < 0) wake.at(now_ + 5);
        // A port racing addresses starts the next one at its time (C-05, RFC 8305 §5).
        const std::uint32_t step = slot.transport->connect_step_ms();
        if (step != port::transport::no_step) wake.at(now_ + step);
        break;
      }
      case slot_state::busy: {
        const timeout& t = storage_.requests[slot.request].timeouts;
        if (!slot.conn.pending_output().empty()) wake.after(slot.last_write_ms, t.write_ms);
        if (!slot.paused) wake.after(slot.last_read_ms, t.read_ms);
        if (slot.awaiting_continue) wake.at(slot.continue_deadline_ms);
        // A body source with nothing to give is asked again soon. A paused handler is offered
        // the rest on a later poll(): make it soon too, not at the next timeout (nothing on the
        // socket will wake a caller sleeping in wait()).
        if (slot.source_waiting || slot.paused) wake.at(now_ + 10);
        if (slot.transport->has_buffered_input()) wake.at(now_);
        break;
      }
    }
  }
  return wake.wait;
}

}  // namespace htpx
