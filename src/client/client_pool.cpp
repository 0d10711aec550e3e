// The pool: which connection a queued request gets, keep-alive reuse per origin, expiry.
#include <cstring>

#include "htpx/client.hpp"

namespace htpx {

namespace {

std::uint32_t elapsed(std::uint32_t now, std::uint32_t since) noexcept { return now - since; }

}  // namespace

std::size_t client::count_slots(slot_state st) const noexcept {
  std::size_t n = 0;
  for (const detail::pool_slot& slot : storage_.slots) n += slot.st == st ? 1 : 0;
  return n;
}

bool client::ready(const detail::request_slot& req) const noexcept {
  // A new request may go at once: its start time comes from the platform's clock, which may
  // already be a millisecond ahead of the poll() whose handler started it (compared with
  // poll()'s time it would wait beside an idle connection for the next poll, a millisecond on).
  return !req.delayed || static_cast<std::int32_t>(now_ - req.not_before_ms) >= 0;
}

// ---- the queue: queued requests linked oldest first (by sequence) through next_queued, so the
// oldest is found without a scan of every request slot. A new request is the youngest and goes
// last; a retried or redirected one keeps its sequence, so its place. (The queue holds at most
// max_requests: walking it to insert costs less than keeping its tail.)

void client::enqueue(detail::request_slot& req) noexcept {
  std::uint16_t* link = &queue_head_;
  while (*link != detail::no_index && static_cast<std::int32_t>(storage_.requests[*link].sequence - req.sequence) < 0) {
    link = &storage_.requests[*link].next_queued;
  }
  req.next_queued = *link;
  *link = req.index;
}

void client::dequeue(const detail::request_slot& req) noexcept {
  std::uint16_t* link = &queue_head_;
  while (*link != detail::no_index && *link != req.index) link = &storage_.requests[*link].next_queued;
  if (*link == req.index) *link = req.next_queued;  // (else not queued)
}

void client::assign_queued() noexcept {
  for (;;) {
    // The oldest queued request that may go (a retry waits out its backoff) goes first (FIFO).
    std::uint16_t at = queue_head_;
    while (at != detail::no_index && !ready(storage_.requests[at])) at = storage_.requests[at].next_queued;
    if (at == detail::no_index) return;
    detail::request_slot& req = storage_.requests[at];
    // Out of the queue before assign(), which may end it (and a handler start others); back in
    // its place when no connection can take it.
    dequeue(req);
    if (!assign(req)) {
      enqueue(req);
      return;
    }
  }
}

bool client::assign(detail::request_slot& req) noexcept {
  const std::uint16_t index = req.index;
  // Keep-alive reuse: an idle connection to the same origin, checked for a close first. A
  // retry after a stale connection failed always gets a new one (RFC 9112 §9.3.1).
  while (detail::pool_slot* idle = req.retried ? nullptr : find_idle(pool_key(req), req.tunnel)) {
    if (!idle_is_alive(*idle, req)) continue;  // closed by idle_is_alive; look for another
    remove_idle(*idle);
    idle->request = index;
    req.serial = idle->serial;
    req.slot = static_cast<std::uint16_t>(idle - storage_.slots.data());
    begin_exchange(*idle);
    return true;
  }
  const std::size_t limit =
      options_.limits.max_connections < storage_.slots.size() ? options_.limits.max_connections : storage_.slots.size();
  const std::size_t open = storage_.slots.size() - count_slots(slot_state::closed);
  detail::pool_slot* chosen = nullptr;
  if (open < limit) {
    for (detail::pool_slot& slot : storage_.slots) {
      if (slot.st == slot_state::closed) {
        chosen = &slot;
        break;
      }
    }
  } else {
    // Every allowed connection is open: give up the longest-idle one to another origin.
    for (detail::pool_slot& slot : storage_.slots) {
      if (slot.st == slot_state::idle &&
          (chosen == nullptr || elapsed(now_, slot.since_ms) > elapsed(now_, chosen->since_ms))) {
        chosen = &slot;
      }
    }
    if (chosen != nullptr) close_slot(*chosen);
  }
  if (chosen == nullptr) return false;
  connect_slot(*chosen, req);
  return true;
}

// ---- idle connections: a stack linked through next_idle, the most recently used on top, so
// the warmest connection to an origin is found without a scan of every slot.

detail::pool_slot* client::find_idle(const detail::endpoint& key, bool tunneled) noexcept {
  // The most recently used match: warm connections are least likely to have been closed. A
  // tunnel to an origin and a direct connection to it are different connections (S-09).
  for (std::uint16_t at = idle_top_; at != detail::no_index; at = storage_.slots[at].next_idle) {
    detail::pool_slot& slot = storage_.slots[at];
    if (slot.scheme != key.scheme || slot.port != key.port || slot.tunneled != tunneled) continue;
    // Hosts are most often spelled the same way: compare the bytes before ignoring case.
    const std::string_view host{slot.host, slot.host_size};
    if (host.size() != key.host.size()) continue;
    if (std::memcmp(host.data(), key.host.data(), host.size()) == 0 || iequals(host, key.host)) return &slot;
  }
  return nullptr;
}

void client::remove_idle(const detail::pool_slot& slot) noexcept {
  const auto index = static_cast<std::uint16_t>(&slot - storage_.slots.data());
  std::uint16_t* link = &idle_top_;
  while (*link != detail::no_index && *link != index) link = &storage_.slots[*link].next_idle;
  if (*link == index) *link = slot.next_idle;
}

bool client::idle_is_alive(detail::pool_slot& slot, const detail::request_slot& req) noexcept {
  // RFC 9112 §9.3.1 / catalogue S-10, S-12: the server may have closed an idle connection (EOF)
  // or sent something (a 408, junk) that poisons it. One probe read tells without blocking.
  // It costs a system call per reuse, and it only narrows a race it cannot close (the server
  // may close right after the probe, which is why a failed idempotent request is retried once
  // on a new connection). A connection whose response ended during this very poll() was just
  // read from, and idle timeouts and 408s take seconds: for a request that retry covers, the
  // probe is skipped. POST, PATCH and streamed bodies are always probed.
  if (!slot.idle_this_poll || !replayable(req)) {
    char probe = 0;
    const port::io_result r = slot.transport->recv({&probe, 1});
    if (r.status != port::io_status::would_block) {
      close_slot(slot);
      return false;
    }
  }
  if (!slot.conn.recycle()) return true;
  close_slot(slot);
  return false;
}

void client::connect_slot(detail::pool_slot& slot, detail::request_slot& req) noexcept {
  slot.st = slot_state::connecting;
  slot.request = req.index;
  slot.since_ms = now_;
  const detail::endpoint target = pool_key(req);  // the origin, the proxy, or the origin tunneled to
  slot.tunneled = req.tunnel;
  slot.tunnel_open = slot.tunnel_pending = slot.tls_started = false;
  slot.port = target.port;
  slot.scheme = target.scheme;
  // A host too long to remember still connects; its connection is just not kept (host_size 0).
  const std::size_t host_size = target.host.size() <= slot.host_capacity ? target.host.size() : 0;
  if (host_size != 0) std::memcpy(slot.host, target.host.data(), host_size);
  slot.host_size = static_cast<std::uint8_t>(host_size);
  slot.reused = false;
  slot.serial = ++serial_;
  slot.conn.reset();
  req.slot = static_cast<std::uint16_t>(&slot - storage_.slots.data());
  req.serial = slot.serial;
  req.st = req_state::connecting;
  platform_->forget(*slot.transport);  // W-04: its new socket may get the old one's number
  drive_connect(slot);
}

void client::release(detail::pool_slot& slot, bool keep) noexcept {
  // The idle slots are counted only when the limit can bind: fewer than all the other slots
  // (this one is not idle), else every release would scan the pool.
  const std::size_t max_kept = options_.limits.max_keepalive_connections;
  const bool room = max_kept >= storage_.slots.size() || count_slots(slot_state::idle) < max_kept;
  if (keep && slot.host_size != 0 && room && options_.limits.keepalive_expiry_ms != 0) {
    slot.st = slot_state::idle;
    slot.next_idle = idle_top_;
    idle_top_ = static_cast<std::uint16_t>(&slot - storage_.slots.data());
    slot.idle_this_poll = true;
    slot.since_ms = now_;
    slot.reused = true;
    slot.paused = false;
    slot.pending_body = {};
    return;
  }
  close_slot(slot);
}

void client::close_slot(detail::pool_slot& slot) noexcept {
  if (slot.st == slot_state::idle) remove_idle(slot);
  slot.transport->close();
  slot.conn.close();
  slot.st = slot_state::closed;
  slot.paused = false;
  slot.send_failed = false;
  slot.source_waiting = false;
  slot.pending_body = {};
}

}  // namespace htpx
