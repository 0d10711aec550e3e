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

void client::assign_queued() noexcept {
  for (;;) {
    // The oldest queued request goes first (FIFO, a retried request keeps its place).
    detail::request_slot* oldest = nullptr;
    for (detail::request_slot& req : storage_.requests) {
      if (req.st != req_state::queued || !ready(req)) continue;  // a retry waits out its backoff
      if (oldest == nullptr || static_cast<std::int32_t>(req.sequence - oldest->sequence) < 0) oldest = &req;
    }
    if (oldest == nullptr || !assign(*oldest)) return;
  }
}

bool client::assign(detail::request_slot& req) noexcept {
  const auto index = static_cast<std::uint16_t>(&req - storage_.requests.data());
  // Keep-alive reuse: an idle connection to the same origin, checked for a close first. A
  // retry after a stale connection failed always gets a new one (RFC 9112 §9.3.1).
  while (detail::pool_slot* idle = req.retried ? nullptr : find_idle(pool_key(req), req.tunnel)) {
    if (!idle_is_alive(*idle, req)) continue;  // closed by idle_is_alive; look for another
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

detail::pool_slot* client::find_idle(const url& key, bool tunneled) noexcept {
  // The most recently used match: warm connections are least likely to have been closed. A
  // tunnel to an origin and a direct connection to it are different connections (S-09).
  // The host is compared last, and only for a slot more recent than the best so far: with many
  // idle connections to one origin, comparing every host cost more than the rest of a request.
  detail::pool_slot* best = nullptr;
  for (detail::pool_slot& slot : storage_.slots) {
    if (slot.st != slot_state::idle || slot.scheme != key.scheme || slot.port != key.port) continue;
    if (slot.tunneled != tunneled) continue;
    if (best != nullptr && elapsed(now_, slot.since_ms) >= elapsed(now_, best->since_ms)) continue;
    if (!iequals({slot.host, slot.host_size}, key.host)) continue;
    best = &slot;
    if (slot.since_ms == now_) break;  // idle since this very moment: none can be more recent
  }
  return best;
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
  slot.request = static_cast<std::uint16_t>(&req - storage_.requests.data());
  slot.since_ms = now_;
  const url& target = pool_key(req);  // the origin, the proxy, or the origin tunneled to
  slot.tunneled = req.tunnel;
  slot.tunnel_open = slot.tunnel_pending = slot.tls_started = false;
  slot.port = target.port;
  slot.scheme = target.scheme;
  // A host too long to remember still connects; its connection is just not kept (host_size 0).
  const std::size_t host_size = target.host.size() <= sizeof slot.host ? target.host.size() : 0;
  if (host_size != 0) std::memcpy(slot.host, target.host.data(), host_size);
  slot.host_size = static_cast<std::uint8_t>(host_size);
  slot.reused = false;
  slot.serial = ++serial_;
  slot.conn.reset();
  req.slot = static_cast<std::uint16_t>(&slot - storage_.slots.data());
  req.serial = slot.serial;
  req.st = req_state::connecting;
  drive_connect(slot);
}

void client::release(detail::pool_slot& slot, bool keep) noexcept {
  // The idle slots are counted only when the limit can bind: fewer than all the other slots
  // (this one is not idle), else every release would scan the pool.
  const std::size_t max_kept = options_.limits.max_keepalive_connections;
  const bool room = max_kept >= storage_.slots.size() || count_slots(slot_state::idle) < max_kept;
  if (keep && slot.host_size != 0 && room && options_.limits.keepalive_expiry_ms != 0) {
    slot.st = slot_state::idle;
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
  slot.transport->close();
  slot.conn.close();
  slot.st = slot_state::closed;
  slot.paused = false;
  slot.send_failed = false;
  slot.source_waiting = false;
  slot.pending_body = {};
}

void client::expire_idle() noexcept {
  for (detail::pool_slot& slot : storage_.slots) {
    slot.idle_this_poll = false;  // a new poll(): idle connections are probed before reuse again
    if (slot.st == slot_state::idle && elapsed(now_, slot.since_ms) >= options_.limits.keepalive_expiry_ms) {
      close_slot(slot);
    }
  }
}

}  // namespace htpx
