// Retries: after a connect failure (httpx's transport `retries`) and, when asked, after a 429
// or 503 (RFC 6585 §4, RFC 9110 §15.6.4) honouring Retry-After (RFC 9110 §10.2.3). Waits happen
// in poll() (the request stays queued until not_before_ms), never in a sleep.
#include "htpx/client.hpp"
#include "htpx/cookies.hpp"  // parse_cookie_date() reads HTTP-dates too

namespace htpx {

namespace {

// Parses Retry-After (RFC 9110 §10.2.3: HTTP-date / delay-seconds) into the wait it asks for.
// A date is measured against `now_s`, the platform's Unix time (negative: unknown); one already
// past asks for no wait. False for junk, or for a date when the time is unknown (the backoff
// applies then).
bool retry_after_ms(std::string_view value, std::int64_t now_s, std::uint32_t& ms) noexcept {
  if (value.empty()) return false;
  std::uint64_t seconds = 0;
  if (value[0] >= '0' && value[0] <= '9') {
    if (value.size() > 9) return false;  // at most 999,999,999 s: no overflow
    for (const char c : value) {
      if (c < '0' || c > '9') return false;
      seconds = seconds * 10 + static_cast<std::uint64_t>(c - '0');
    }
  } else {
    // The three HTTP-date forms (IMF-fixdate, RFC 850, asctime; §5.6.7) are all cookie-dates,
    // whose parser is as lenient as a recipient should be.
    std::int64_t at = 0;
    if (now_s < 0 || !parse_cookie_date(value, at)) return false;
    seconds = at > now_s ? static_cast<std::uint64_t>(at - now_s) : 0;
  }
  const std::uint64_t total = seconds * 1000;
  ms = total > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<std::uint32_t>(total);
  return true;
}

}  // namespace

std::uint32_t client::backoff_ms(std::uint8_t attempt) noexcept {
  // Exponential: base * 2^(attempt - 1), capped; then "equal jitter" (half fixed, half random)
  // so clients that failed together do not retry together.
  std::uint64_t delay = extras_->options.retry_backoff_ms;
  for (std::uint8_t i = 1; i < attempt && delay < extras_->options.retry_backoff_max_ms; ++i) delay *= 2;
  if (delay > extras_->options.retry_backoff_max_ms) delay = extras_->options.retry_backoff_max_ms;
  extras_->random ^= extras_->random << 13;
  extras_->random ^= extras_->random >> 17;
  extras_->random ^= extras_->random << 5;
  const auto half = static_cast<std::uint32_t>(delay / 2);
  return half + (half == 0 ? 0 : extras_->random % (half + 1));
}

bool client::retry_connect_failure(detail::request_slot& req, error failure) noexcept {
  const bool connect_failed = failure.code == errc::connect_error || failure.code == errc::connect_timeout;
  if (!connect_failed || req.attempts >= extras_->options.retries) return false;
  // Nothing was sent, so any method may be retried; a streamed body was never read.
  ++req.attempts;
  requeue(req, backoff_ms(req.attempts));
  return true;
}

bool client::plan_status_retry(detail::request_slot& req, const response& head) noexcept {
  const bool busy = head.status_code == 429 || head.status_code == 503;
  if (!extras_->options.retry_on_status || !busy || req.attempts >= extras_->options.retries) return false;
  if (body_source* source = body_source_of(req); source != nullptr && !source->rewind()) return false;
  std::uint32_t delay = 0;
  if (!retry_after_ms(head.headers.get("Retry-After"), platform_->unix_time_s(), delay))
    delay = backoff_ms(static_cast<std::uint8_t>(req.attempts + 1));
  if (delay > extras_->options.retry_after_max_ms) return false;  // too long: the response is the answer
  ++req.attempts;
  req.replaying = true;
  req.replay_delay_ms = delay;
  return true;
}

}  // namespace htpx
