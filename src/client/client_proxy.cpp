// Proxies (httpx `proxy=`, and HTTP_PROXY/HTTPS_PROXY/ALL_PROXY/NO_PROXY with trust_env) and
// the request target each request is written with: origin-form to a server, absolute-form to a
// proxy (RFC 9112 §3.2.1-§3.2.2).
#include <cstdlib>
#include <cstring>

#include "auth/base64.hpp"
#include "htpx/client.hpp"
#include "htpx/ip_address.hpp"

namespace htpx {

namespace {

// The environment variable, upper case first, then lower case (curl and httpx read both).
std::string_view env(const char* upper, const char* lower) noexcept {
  const char* value = std::getenv(upper);
  if (value == nullptr || *value == '\0') value = std::getenv(lower);
  return value == nullptr ? std::string_view{} : std::string_view{value};
}

// NO_PROXY: comma-separated host names (a leading dot or "*." optional: the name and every
// subdomain match), IP addresses, or "*" for everything. Ports in entries are ignored.
// An address host matches only an entry that is the same address, compared as bytes with
// IPv4-mapped IPv6 addresses read as IPv4 (catalogue H1-32: "[::ffff:127.0.0.1]" is 127.0.0.1),
// never a name's tail ("0.1" is no domain of 127.0.0.1).
bool bypasses(std::string_view list, std::string_view host) noexcept {
  ip_address host_address;
  const bool host_is_address = parse_ip_address(host, host_address);
  while (!list.empty()) {
    // (No string_view::substr here: its bounds check would pull in exception symbols.)
    const std::size_t comma = list.find(',');
    const std::size_t end = comma == std::string_view::npos ? list.size() : comma;
    std::string_view entry{list.data(), end};
    list = end == list.size() ? std::string_view{} : std::string_view{list.data() + end + 1, list.size() - end - 1};
    while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) entry.remove_prefix(1);
    while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
    if (entry == "*") return true;
    if (entry.size() > 1 && entry[0] == '*' && entry[1] == '.') entry.remove_prefix(1);
    if (!entry.empty() && entry.front() == '.') entry.remove_prefix(1);
    const std::size_t colon = entry.rfind(':');
    if (!entry.empty() && entry.front() == '[') {  // [IPv6] or [IPv6]:port
      const std::size_t close = entry.find(']');
      entry = close == std::string_view::npos ? std::string_view{} : std::string_view{entry.data() + 1, close - 1};
    } else if (colon != std::string_view::npos && entry.find(':') == colon) {
      entry = {entry.data(), colon};  // host:port
    }
    if (host_is_address) {
      ip_address entry_address;
      if (parse_ip_address(entry, entry_address) && same_address(host_address, entry_address)) return true;
      continue;
    }
    if (entry.empty() || entry.size() > host.size()) continue;
    const std::string_view tail{host.data() + host.size() - entry.size(), entry.size()};
    if (iequals(tail, entry) && (tail.size() == host.size() || host[host.size() - entry.size() - 1] == '.')) {
      return true;
    }
  }
  return false;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void client::load_proxies() noexcept {
  const client_options& options = extras_->options;
  std::string_view http = options.proxy;
  std::string_view https = options.proxy;
  if (options.proxy.empty() && options.trust_env) {
    const std::string_view all = env("ALL_PROXY", "all_proxy");
    http = env("HTTP_PROXY", "http_proxy");
    https = env("HTTPS_PROXY", "https_proxy");
    if (http.empty()) http = all;
    if (https.empty()) https = all;
    extras_->proxies->no_proxy = env("NO_PROXY", "no_proxy");
  }
  detail::proxy_routes& routes = *extras_->proxies;
  for (proxy_route* route : {&routes.http, &routes.https}) {
    const std::string_view text = route == &routes.http ? http : https;
    if (text.empty()) continue;
    const result<url> parsed = parse_url(text);
    // Only http:// proxies are spoken to (a TLS connection to the proxy is not supported).
    if (!parsed || parsed.value().scheme != url_scheme::http) {
      route->failure = {errc::proxy_error, "proxy URL is not a valid http:// URL"};
      continue;
    }
    route->at = parsed.value();
    route->enabled = true;
  }
}

const client::proxy_route* client::proxy_for(const url& origin) const noexcept {
  const detail::proxy_routes& routes = *extras_->proxies;
  const proxy_route& route = origin.scheme == url_scheme::https ? routes.https : routes.http;
  if ((!route.enabled && !route.failure) || bypasses(routes.no_proxy, origin.host)) return nullptr;
  return &route;
}

error client::route_request(detail::request_slot& req, const url& origin) const noexcept {
  const proxy_route* proxy = proxy_for(origin);
  if (proxy != nullptr && proxy->failure) return proxy->failure;
  req.proxied = proxy != nullptr;
  req.tunnel = req.proxied && (extras_->options.proxy_tunnel || origin.scheme == url_scheme::https);
  return {};
}

const url& client::proxy_of(const detail::request_slot& req) const noexcept {
  // The origin's own route: HTTPS_PROXY for https:// (it may differ from HTTP_PROXY, or be the
  // only one set), as proxy_for() chose when the request was started or redirected.
  const detail::proxy_routes& routes = *extras_->proxies;  // proxied: proxies are built in
  return (req.origin.scheme() == url_scheme::https ? routes.https : routes.http).at;
}

detail::endpoint client::connect_target(const detail::request_slot& req) const noexcept {
  return req.proxied ? detail::endpoint_of(proxy_of(req)) : req.origin.where();
}

detail::endpoint client::pool_key(const detail::request_slot& req) const noexcept {
  // Requests forwarded in absolute-form share the proxy connection; a tunnel belongs to its origin.
  return req.proxied && !req.tunnel ? connect_target(req) : req.origin.where();
}

error client::write_connect_head(detail::pool_slot& slot, const detail::request_slot& req) noexcept {
  // CONNECT host:port (authority-form, RFC 9112 §3.2.3), Host the same (RFC 9110 §9.3.6),
  // composed in the receive buffer of the new connection, as write_head() does.
  mutable_bytes scratch = slot.conn.receive_buffer();
  const url origin = req.origin.get();
  std::size_t size = origin.authority_host.size();
  if (size + 6 > scratch.size) return {errc::invalid_url, "URL too long for the buffer"};
  std::memcpy(scratch.data, origin.authority_host.data(), size);
  if (!origin.has_port) {  // the scheme's default port, written out
    char digits[5];
    std::size_t n = 0;
    for (std::uint16_t port = origin.port; port != 0; port = static_cast<std::uint16_t>(port / 10)) {
      digits[n++] = static_cast<char>('0' + port % 10);
    }
    scratch.data[size++] = ':';
    while (n != 0) scratch.data[size++] = digits[--n];
  }
  const std::string_view authority{scratch.data, size};
  scratch = {scratch.data + size, scratch.size - size};
  header fields[2];
  std::size_t count = 0;
  if (!options_.user_agent.empty()) fields[count++] = {"User-Agent", options_.user_agent};
  const url& proxy = proxy_of(req);
  if (proxy.has_userinfo) {
    const result<std::string_view> value = basic_credentials(proxy.userinfo, scratch);
    if (!value) return value.err();
    fields[count++] = {"Proxy-Authorization", value.value()};
  }
  h1::request_head head;
  head.method = "CONNECT";
  head.target = authority;
  head.host = authority;
  head.headers = fields;
  head.header_count = count;
  return slot.conn.send_request(head);
}

bool client::open_tunnel(detail::pool_slot& slot, const h1::event& ev) noexcept {
  // httpx raises ProxyError when the proxy refuses the tunnel.
  const std::uint16_t status = ev.head.status_code;
  if (status / 100 != 2) {
    finish(slot,
           {errc::proxy_error, status == 407 ? "proxy authentication required (407)" : "proxy refused the tunnel"},
           false);
    return false;
  }
  // The client speaks first in the tunnel: bytes already here are not ours to read.
  if (!slot.conn.unparsed().empty()) {
    finish(slot, {errc::proxy_error, "proxy sent data before the request"}, false);
    return false;
  }
  slot.conn.reset();  // the tunnel carries a new HTTP/1.1 connection to the origin
  slot.tunnel_open = true;
  slot.tunnel_pending = false;
  if (storage_.requests[slot.request].origin.scheme() == url_scheme::https) {
    features_->start_tls(*this, slot);  // TLS inside the tunnel; the request follows the handshake
    return false;
  }
  begin_exchange(slot);
  return slot.st == slot_state::busy;
}

error client::add_proxy_credentials(const detail::request_slot& req, header_appender& fields,
                                    mutable_bytes& scratch) noexcept {
  // Absolute-form through the proxy: its userinfo as Basic, unless the caller set the field.
  const url& proxy = extras_->proxies->http.at;
  if (req.tunnel || !proxy.has_userinfo || fields.contains("Proxy-Authorization")) return {};
  const result<std::string_view> value = basic_credentials(proxy.userinfo, scratch);
  if (!value) return value.err();
  return fields.add("Proxy-Authorization", value.value());
}

result<std::string_view> client::compose_target(const detail::request_slot& req, url& target_url,
                                                mutable_bytes& scratch) const noexcept {
  // target_url is the origin; a relative request's resolved URL replaces it.
  if (req.relative) {
    const result<std::size_t> resolved = resolve_relative(req.url, scratch);
    if (!resolved) return resolved.err();
    const result<url> parsed = parse_url({scratch.data, resolved.value()});
    if (!parsed) return parsed.err();
    target_url = parsed.value();
    scratch = {scratch.data + resolved.value(), scratch.size - resolved.value()};
  }
  // To a proxy, the absolute-form: scheme "://" authority, then the origin-form (RFC 9112
  // §3.2.2). The userinfo never goes on the wire (RFC 9110 §4.2.4).
  std::size_t prefix = 0;
  if (req.proxied && !req.tunnel) {
    const std::string_view authority = target_url.authority_host;
    prefix = 7 + authority.size();
    if (prefix > scratch.size) return error{errc::invalid_url, "URL too long for the buffer"};
    std::memcpy(scratch.data, "http://", 7);
    std::memcpy(scratch.data + 7, authority.data(), authority.size());
  }
  const result<std::size_t> written = write_request_target(target_url, req.params.data(), req.params.size(),
                                                           {scratch.data + prefix, scratch.size - prefix});
  if (!written) return written.err();
  const std::string_view target{scratch.data, prefix + written.value()};
  scratch = {scratch.data + target.size(), scratch.size - target.size()};
  return target;
}

result<std::string_view> client::basic_credentials(std::string_view userinfo, mutable_bytes& scratch) noexcept {
  // "Basic " + base64(user ":" password), the userinfo percent-decoded first (RFC 7617 §2,
  // RFC 3986 §3.2.1). Decoded bytes go behind the encoding's room, then are encoded in front.
  const std::size_t room = 6 + detail::base64_size(userinfo.size());
  if (room + userinfo.size() > scratch.size)
    return error{errc::local_protocol_error, "credentials too long for the scratch buffer"};
  char* decoded = scratch.data + room;
  std::size_t n = 0;
  for (std::size_t i = 0; i < userinfo.size(); ++i) {
    if (userinfo[i] == '%' && i + 2 < userinfo.size() && hex_value(userinfo[i + 1]) >= 0 &&
        hex_value(userinfo[i + 2]) >= 0) {
      decoded[n++] = static_cast<char>(hex_value(userinfo[i + 1]) * 16 + hex_value(userinfo[i + 2]));
      i += 2;
    } else {
      decoded[n++] = userinfo[i];
    }
  }
  std::memcpy(scratch.data, "Basic ", 6);
  const std::size_t encoded = detail::base64_encode({decoded, n}, scratch.data + 6, room - 6);
  const std::string_view value{scratch.data, 6 + encoded};
  scratch = {scratch.data + value.size(), scratch.size - value.size()};
  return value;
}

}  // namespace htpx
