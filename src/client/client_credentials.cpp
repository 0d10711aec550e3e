// What a request carries besides the caller's fields: credentials (an auth scheme, the URL's
// userinfo; the proxy's are in client_proxy.cpp) and cookies (the jar's and the request's), and
// what a response teaches them (Set-Cookie, auth challenges).
#include <cstring>

#include "htpx/auth.hpp"
#include "htpx/client.hpp"
#include "htpx/cookies.hpp"

namespace htpx {

namespace {

// Seconds since the Unix epoch for the cookie jar; 0 when the device does not know the date
// (then Expires dates all lie in the future, and Max-Age counts from 0 consistently).
std::int64_t wall_clock(port::platform& platform) noexcept {
  const std::int64_t now = platform.unix_time_s();
  return now < 0 ? 0 : now;
}

}  // namespace

auth* client::auth_of(const detail::request_slot& req) const noexcept {
  // Credentials are for the origin the caller named (RFC 9110 §15.4): none after leaving it.
  if (req.cross_origin) return nullptr;
  htpx::auth* own = options_of(req).auth;
  return own != nullptr ? own : extras_->options.auth;
}

error client::add_credentials(const detail::request_slot& req, const url& target_url, std::string_view target,
                              header_appender& fields, mutable_bytes& scratch) noexcept {
  if (auth* scheme = auth_of(req)) {
    const request_body& content = options_of(req).content;
    auth_request attempt;
    attempt.method = req.method;
    // Digest's uri is the origin-form target, also through a proxy (which rewrites the request
    // line before the origin checks it; curl and httpx hash the path the same way).
    if (req.proxied && !req.tunnel) {
      const std::size_t path = target.find('/', 7);  // after "http://" and the authority
      attempt.target = {target.data() + path, target.size() - path};
    } else {
      attempt.target = target;
    }
    attempt.body_known = content.type != request_body::kind::source;
    attempt.body = content.type == request_body::kind::bytes ? content.data : bytes_view{};
    attempt.origin = &target_url;
    if (const error failure = scheme->on_request(attempt, fields)) return failure;
  } else if (target_url.has_userinfo && !req.cross_origin && !fields.contains("Authorization")) {
    // httpx: credentials in the URL are Basic auth.
    const result<std::string_view> value = basic_credentials(target_url.userinfo, scratch);
    if (!value) return value.err();
    if (const error full = fields.add("Authorization", value.value())) return full;
  }
  return {};
}

error client::add_cookies(const detail::request_slot& req, const url& target_url, header_appender& fields,
                          mutable_bytes& scratch) noexcept {
  // A Cookie field set by the caller wins; otherwise the jar's cookies for this URL (RFC 6265
  // §5.4) and the request's own (dropped, like the caller's field, after leaving the origin).
  if (fields.contains("Cookie")) return {};
  std::size_t size = 0;
  if (extras_->options.cookies != nullptr) {
    const result<std::size_t> written =
        extras_->options.cookies->header_for(target_url, wall_clock(*platform_), scratch);
    if (!written) return written.err();
    size = written.value();
  }
  if (!req.cross_origin) {
    for (const query_param& extra : options_of(req).cookies) {
      const std::size_t need = (size != 0 ? 2 : 0) + extra.name.size() + 1 + extra.value.size();
      if (size + need > scratch.size) return {errc::local_protocol_error, "Cookie header larger than the buffer"};
      char* at = scratch.data + size;
      if (size != 0) {
        std::memcpy(at, "; ", 2);
        at += 2;
      }
      std::memcpy(at, extra.name.data(), extra.name.size());
      at[extra.name.size()] = '=';
      std::memcpy(at + extra.name.size() + 1, extra.value.data(), extra.value.size());
      size += need;
    }
  }
  if (size == 0) return {};
  const std::string_view value{scratch.data, size};
  scratch = {scratch.data + size, scratch.size - size};
  return fields.add("Cookie", value);
}

void client::store_cookies(const detail::request_slot& req, const response& head) noexcept {
  // Set-Cookie fields of every final head count, redirects and challenges included, for the
  // URL that answered (before a redirect moves the request on).
  if (extras_->options.cookies == nullptr || !head.headers.contains("Set-Cookie")) return;
  std::string_view at;
  if (current_url(req, extras_->scratch, at)) return;
  const result<url> parsed = parse_url(at);
  if (parsed) extras_->options.cookies->store_all(parsed.value(), head.headers, wall_clock(*platform_));
}

bool client::answer_challenge(detail::request_slot& req, const response& head) noexcept {
  // An auth scheme may answer (a 401 challenge) with one more attempt, a few times at most.
  auth* scheme = auth_of(req);
  if (scheme == nullptr || req.auth_rounds >= max_auth_rounds) return false;
  const request_body& content = options_of(req).content;
  auth_request attempt;
  attempt.method = req.method;
  attempt.body_known = content.type != request_body::kind::source;
  attempt.body = content.type == request_body::kind::bytes ? content.data : bytes_view{};
  const url origin = req.origin.get();  // the challenge's protection space (RFC 9110 §11.5)
  attempt.origin = &origin;
  if (!scheme->on_response(attempt, head)) return false;
  // The next attempt needs the body again from its first byte (a fresh stream).
  if (content.type == request_body::kind::source && !content.source->rewind()) return false;
  ++req.auth_rounds;
  req.replaying = true;
  req.replay_delay_ms = 0;
  return true;
}

}  // namespace htpx
