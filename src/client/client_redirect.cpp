// Following redirects (RFC 9110 §15.4): where to, with which method and body, and which
// credentials survive the trip.
#include <cstring>

#include "htpx/client.hpp"

namespace htpx {

// After a redirect the caller's Host names the old target; after one to another origin the
// caller's credentials would leak to it (RFC 9110 §15.4, CVE-2018-1000007 in curl), its proxy
// credentials included (requests CVE-2023-32681).
bool client::dropped_after_redirect(const detail::request_slot& req, std::string_view name) noexcept {
  using namespace std::string_view_literals;  // sizes known to the compiler: no strlen()
  if (req.redirects != 0 && iequals(name, "Host"sv)) return true;
  return req.cross_origin &&
         (iequals(name, "Authorization"sv) || iequals(name, "Cookie"sv) || iequals(name, "Proxy-Authorization"sv));
}

namespace {

// Finds the one Location of a redirect. A second with another value makes the target
// ambiguous, an error like differing Content-Lengths (RFC 9110 §5.3: Location is a singleton
// field): false then.
bool sole_location(const headers_view& fields, std::string_view& location) noexcept {
  using namespace std::string_view_literals;
  bool seen = false;
  for (const header& field : fields) {
    if (!iequals(field.name, "Location"sv)) continue;
    if (seen && field.value != location) return false;
    location = field.value;
    seen = true;
  }
  return true;
}

}  // namespace

error client::current_url(const detail::request_slot& req, mutable_bytes out, std::string_view& url) const noexcept {
  if (!req.relative) {
    url = req.url;
    return {};
  }
  const result<std::size_t> resolved = resolve_relative(req.url, out);
  if (!resolved) return resolved.err();
  url = {out.data, resolved.value()};
  return {};
}

error client::plan_redirect(detail::request_slot& req, const response& head) noexcept {
  // Not a redirect to follow: nothing is planned and req.redirecting stays false.
  const bool enabled = options_of(req).follow_redirects.value_or(extras_->options.follow_redirects);
  if (!enabled || !head.is_redirect()) return {};
  if (req.redirects >= extras_->options.max_redirects)
    return {errc::too_many_redirects, "more redirects than max_redirects"};

  // Where the request went, and where Location sends it: relative to the request's URL
  // (RFC 9110 §10.2.2, RFC 3986 §5). Both are composed in the scratch buffer.
  std::string_view from;
  if (const error failure = current_url(req, extras_->scratch, from)) return failure;
  const bool from_in_scratch = from.data() == extras_->scratch.data;
  mutable_bytes rest = extras_->scratch;
  if (from_in_scratch) rest = {rest.data + from.size(), rest.size - from.size()};
  std::string_view location;
  if (!sole_location(head.headers, location)) return {errc::remote_protocol_error, "differing Location fields"};
  const result<std::size_t> resolved = resolve_url(from, location, rest);
  if (!resolved) return resolved.err();
  std::size_t to_size = resolved.value();
  // A Location without a fragment inherits the request's (RFC 9110 §10.2.2).
  const std::size_t fragment = from.find('#');
  if (std::string_view(rest.data, to_size).find('#') == std::string_view::npos && fragment != std::string_view::npos) {
    const std::size_t extra = from.size() - fragment;
    if (to_size + extra > rest.size) return {errc::invalid_url, "URL too long for the buffer"};
    std::memcpy(rest.data + to_size, from.data() + fragment, extra);
    to_size += extra;
  }
  const std::string_view to{rest.data, to_size};
  const result<url> target = parse_url(to);
  if (!target) return target.err();
  // Userinfo the server put in Location is untrusted (RFC 9110 §4.2.4: likely there to obscure
  // the authority) and would become Basic credentials: refused. The caller's own, kept by a
  // relative Location, is the same text as before and stays.
  if (target.value().has_userinfo) {
    const result<url> before = parse_url(from);
    if (!before || !before.value().has_userinfo || before.value().userinfo != target.value().userinfo) {
      return {errc::invalid_url, "userinfo in a redirect's Location"};
    }
  }
  if (req.origin.scheme() == url_scheme::https && target.value().scheme == url_scheme::http &&
      !extras_->options.allow_https_to_http) {
    return {errc::unsupported_protocol, "redirect from https to http refused"};
  }
  if (const error refused = check_target(target.value())) return refused;
  const proxy_route* proxy = route_for(target.value());
  if (proxy != nullptr && proxy->failure) return proxy->failure;

  // RFC 9110 §15.4.4: 303 turns any method but HEAD into GET without content; §15.4.2-3: 301
  // and 302 do the same to POST, as every browser and httpx do. 307 and 308 keep both.
  const std::uint16_t status = head.status_code;
  const std::string_view method = req.method;
  const bool to_get = (status == 303 && method != "HEAD") || ((status == 301 || status == 302) && method == "POST");
  // A 307 or 308 repeats the body; a stream that cannot start again cannot: the 3xx is then the
  // final response, Location and all, for the caller to decide (RFC 9110 §15.4.8-9).
  if (body_source* source = body_source_of(req); !to_get && source != nullptr && !source->rewind()) return {};
  const std::size_t area = extras_->url_bytes_per_request;
  if (to.size() > area) return {errc::invalid_url, "redirect URL longer than redirect_url_bytes"};
  if (to.size() > detail::url_offsets::max_text) return {errc::invalid_url, "URL too long"};

  // Credentials set by the caller are for the origin they named (RFC 9110 §15.4; httpx, curl).
  // Compared now: after a first redirect the current origin points into the URL store.
  const bool leaves_origin = !same_origin(req.origin.get(), target.value());
  req.handler->on_redirect(status, from);  // before the URL store is overwritten
  char* store = extras_->url_store.data + std::size_t{req.index} * area;
  std::memmove(store, to.data(), to.size());
  req.url = {store, to.size()};
  req.relative = false;
  const url next = parse_url(req.url).value();  // parsed above: cannot fail
  if (leaves_origin) req.cross_origin = true;
  req.origin.keep(next, req.url);
  req.proxied = proxy != nullptr;
  req.tunnel = req.proxied && (extras_->options.proxy_tunnel || next.scheme == url_scheme::https);
  if (to_get) {
    req.method = "GET";
    if (req.has_content) extras_of(req).content = request_body{};
    req.has_content = false;
  }
  ++req.redirects;
  req.redirecting = true;
  return {};
}

void client::requeue(detail::request_slot& req, std::uint32_t delay_ms) noexcept {
  req.redirecting = req.replaying = false;
  req.retried = false;
  req.delayed = true;
  req.not_before_ms = now_ + delay_ms;
  req.queued_ms = req.not_before_ms;  // the pool timeout starts when it may have a connection
  req.st = req_state::queued;         // keeps its sequence: first in line
  enqueue(req);
}

}  // namespace htpx
