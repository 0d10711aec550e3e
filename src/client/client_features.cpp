// Which optional features this client was built with (default_client_config's flags), and the
// refusal of options and requests that need one it was built without: UnsupportedProtocol
// naming the flag, never a silently ignored option.
#include "htpx/client.hpp"

namespace htpx {

std::uint8_t client::wanted_by(const client_options& options) noexcept {
  unsigned wanted = 0;
  // trust_env too: HTTP_PROXY in the environment would otherwise be ignored without a word.
  if (!options.proxy.empty() || options.proxy_tunnel || options.trust_env) wanted |= wants_proxies;
  if (!options.base_url.empty()) wanted |= wants_base_url;
  if (options.follow_redirects) wanted |= wants_redirects;
  if (options.auth != nullptr) wanted |= wants_auth;
  if (options.cookies != nullptr) wanted |= wants_cookies;
  if (options.retries != 0 || options.retry_on_status) wanted |= wants_retries;
  if (options.hooks != nullptr) wanted |= wants_hooks;
  return static_cast<std::uint8_t>(wanted);
}

client_options client::settings() const noexcept {
  if (extras_ != nullptr) return extras_->options;
  client_options o;
  o.headers = options_.headers;
  o.timeout = options_.timeout;
  o.limits = options_.limits;
  o.parser_limits = options_.parser_limits;
  o.hooks = options_.hooks;
  o.follow_redirects = (wanted_ & wants_redirects) != 0;
  o.trust_env = (wanted_ & wants_proxies) != 0;
  o.user_agent = options_.user_agent;
  return o;
}

error client::check_features(const htpx::request& req) const noexcept {
  // The client's options, with the request's own: its follow_redirects replaces the client's.
  const request_options& opts = req.options;
  unsigned asked = wanted_;
  if (opts.follow_redirects)
    asked = *opts.follow_redirects ? asked | wants_redirects : asked & ~unsigned{wants_redirects};
  if (opts.auth != nullptr) asked |= wants_auth;
  if (!opts.cookies.empty()) asked |= wants_cookies;
  if (opts.content.type != request_body::kind::none) asked |= wants_bodies;
  const unsigned refused = asked & missing_;
  if (refused == 0) return {};
  // The first refused, in bit order.
  static constexpr const char* needs[] = {
      "proxy, proxy_tunnel, trust_env: need Cfg::proxies (or client_storage::proxies)",
      "base_url: needs Cfg::base_url",
      "follow_redirects: needs Cfg::redirects",
      "auth: needs Cfg::auth",
      "cookies: need Cfg::cookies",
      "retries, retry_on_status: need Cfg::retries",
      "hooks: need Cfg::hooks",
      "content: needs Cfg::request_bodies",
  };
  unsigned bit = 0;
  while ((refused >> bit & 1u) == 0) ++bit;
  return {errc::unsupported_protocol, needs[bit]};
}

const client::proxy_route* client::route_for(const url& origin) const noexcept {
  return has_proxies() ? features_->proxy_for(*this, origin) : nullptr;
}

result<std::size_t> client::resolve_relative(std::string_view reference, mutable_bytes out) const noexcept {
  // Relative requests exist only when base_url is accepted, which check_features() ensures.
  return features_->resolve_url(extras_->options.base_url, reference, out);
}

void client::relative_origin(std::string_view reference, result<url>& origin) noexcept {
  // With a scheme it is an absolute URL (RFC 3986 §4.1), and what parse_url() said stands.
  if (has_scheme(reference)) return;
  if (extras_->options.base_url.empty()) {
    origin = error{errc::invalid_url, "relative URL without a base_url"};
    return;
  }
  // Resolved once now so a bad reference fails in start(), not later inside poll().
  const result<std::size_t> resolved = resolve_relative(reference, extras_->scratch);
  // The origin is the base's: parsed again for each request rather than kept parsed in the
  // client (76 bytes of RAM); its views point into the caller's base_url.
  origin = resolved ? parse_url(extras_->options.base_url) : result<url>{resolved.err()};
}

}  // namespace htpx
