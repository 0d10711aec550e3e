// Which optional features this client was built with (default_client_config's flags), and the
// refusal of options and requests that need one it was built without: UnsupportedProtocol
// naming the flag, never a silently ignored option.
#include "htpx/client.hpp"

namespace htpx {

bool client::has_proxies() const noexcept { return features_->load_proxies != nullptr && storage_.proxies != nullptr; }

error client::check_features(const htpx::request& req) const noexcept {
  const request_options& opts = req.options;
  // trust_env too: HTTP_PROXY in the environment would otherwise be ignored without a word.
  if (!has_proxies() && (!options_.proxy.empty() || options_.proxy_tunnel || options_.trust_env)) {
    return {errc::unsupported_protocol,
            "proxy, proxy_tunnel, trust_env: need Cfg::proxies (or client_storage::proxies)"};
  }
  if (features_->resolve_url == nullptr && !options_.base_url.empty()) {
    return {errc::unsupported_protocol, "base_url: needs Cfg::base_url"};
  }
  if (features_->plan_redirect == nullptr && opts.follow_redirects.value_or(options_.follow_redirects)) {
    return {errc::unsupported_protocol, "follow_redirects: needs Cfg::redirects"};
  }
  if (features_->add_credentials == nullptr && (options_.auth != nullptr || opts.auth != nullptr)) {
    return {errc::unsupported_protocol, "auth: needs Cfg::auth"};
  }
  if (features_->add_cookies == nullptr && (options_.cookies != nullptr || !opts.cookies.empty())) {
    return {errc::unsupported_protocol, "cookies: need Cfg::cookies"};
  }
  if (features_->retry_connect_failure == nullptr && (options_.retries != 0 || options_.retry_on_status)) {
    return {errc::unsupported_protocol, "retries, retry_on_status: need Cfg::retries"};
  }
  if (features_->fill_body == nullptr && opts.content.type != request_body::kind::none) {
    return {errc::unsupported_protocol, "content: needs Cfg::request_bodies"};
  }
  return {};
}

const client::proxy_route* client::route_for(const url& origin) const noexcept {
  return has_proxies() ? features_->proxy_for(*this, origin) : nullptr;
}

result<std::size_t> client::resolve_relative(std::string_view reference, mutable_bytes out) const noexcept {
  // Relative requests exist only when base_url is accepted, which check_features() ensures.
  return features_->resolve_url(options_.base_url, reference, out);
}

result<url> client::relative_origin(std::string_view reference, error as_absolute) noexcept {
  // With a scheme it is an absolute URL (RFC 3986 §4.1), and what parse_url() said stands.
  if (has_scheme(reference)) return as_absolute;
  if (options_.base_url.empty()) return error{errc::invalid_url, "relative URL without a base_url"};
  // Resolved once now so a bad reference fails in start(), not later inside poll().
  const result<std::size_t> resolved = resolve_relative(reference, storage_.scratch);
  if (!resolved) return resolved.err();
  // The origin is the base's: parsed again for each request rather than kept parsed in the
  // client (76 bytes of RAM); its views point into the caller's base_url.
  return parse_url(options_.base_url);
}

}  // namespace htpx
