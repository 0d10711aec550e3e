// The client: a pool of connections, a request queue and timeouts over caller-owned storage,
// driven by poll(now) from the application's main loop, with blocking calls on top.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/bytes.hpp"
#include "htpx/config.hpp"
#include "htpx/error.hpp"
#include "htpx/h1/connection.hpp"
#include "htpx/header_appender.hpp"
#include "htpx/headers.hpp"
#include "htpx/limits.hpp"
#include "htpx/port/transport.hpp"
#include "htpx/request.hpp"
#include "htpx/response.hpp"
#include "htpx/result.hpp"
#include "htpx/span.hpp"
#include "htpx/timeout.hpp"
#include "htpx/url.hpp"
#include "htpx/url_offsets.hpp"

namespace htpx {
class auth;
class cookie_jar;
}  // namespace htpx

namespace htpx {

/// httpx's event_hooks: called inside poll() for every request and response.
class event_hooks {
 public:
  /// Before the head is written; may add headers. An error ends the request with it.
  [[nodiscard]] virtual error on_request(const request& req, header_appender& headers) noexcept {
    (void)req;
    (void)headers;
    return {};
  }
  /// When the final head arrives, before the handler sees it (views live during the call).
  virtual void on_response(const request& req, const response& head) noexcept {
    (void)req;
    (void)head;
  }

 protected:
  event_hooks() = default;
  event_hooks(const event_hooks&) = default;
  event_hooks& operator=(const event_hooks&) = default;
  ~event_hooks() = default;
};

/// httpx.Client's arguments. Views must outlive the client. An option of a feature that the
/// configuration left out (default_client_config's flags) makes start() fail, never ignored.
struct client_options {
  std::string_view base_url;         ///< Relative request URLs resolve against it (RFC 3986 §5).
  span<const header> headers;        ///< Sent with every request, before the request's own.
  htpx::timeout timeout;             ///< Default timeouts (5 s each, as httpx).
  htpx::limits limits;               ///< Pool limits (capped by the storage).
  h1::parser_limits parser_limits;   ///< What a response may make the parser accept.
  event_hooks* hooks = nullptr;      ///< on_request / on_response, or none (needs Cfg::hooks).
  bool follow_redirects = false;     ///< Off by default, as httpx.
  std::uint8_t max_redirects = 20;   ///< Then TooManyRedirects.
  bool allow_https_to_http = false;  ///< Follow a redirect from https to http.
  /// An http:// proxy for every request (httpx `proxy=`), e.g. "http://user:pass@10.0.0.1:3128";
  /// http:// URLs go to it in absolute-form, with Proxy-Authorization: Basic from its userinfo.
  std::string_view proxy;
  /// Without `proxy`, read HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY (either case) from
  /// the environment when the client is built (httpx's default). Needs Cfg::proxies: a
  /// configuration without proxies sets it false.
  bool trust_env = true;
  /// Reach http:// origins through the proxy with a CONNECT tunnel (RFC 9110 §9.3.6) instead of
  /// absolute-form requests (curl's --proxytunnel); https:// origins always tunnel (TLS port).
  bool proxy_tunnel = false;
  /// Credentials for every request (basic_auth, bearer_auth, digest_auth or your own auth),
  /// outliving the client; a request's own `auth` replaces it. Never sent after a redirect to
  /// another origin.
  htpx::auth* auth = nullptr;
  /// A cookie jar (e.g. static_cookie_jar<16, 2048>) kept across requests: every response's
  /// Set-Cookie is stored, every request gets the Cookie field the jar gives for its URL.
  cookie_jar* cookies = nullptr;
  /// Retries after a connect failure (ConnectError, ConnectTimeout), as httpx's transport
  /// `retries`: exponential backoff from `retry_backoff_ms` (doubling, capped at
  /// `retry_backoff_max_ms`) with jitter, waited in poll(), never in a sleep.
  std::uint8_t retries = 0;
  std::uint32_t retry_backoff_ms = 500;
  std::uint32_t retry_backoff_max_ms = 8000;
  /// Also retry (up to `retries` times) on 429 and 503, after the server's Retry-After
  /// (delta-seconds, or an HTTP-date against platform::unix_time_s(); without a calendar clock
  /// or a readable value, the backoff) when it is at most `retry_after_max_ms`.
  bool retry_on_status = false;
  std::uint32_t retry_after_max_ms = 60000;
  /// How long a request sent with Expect: 100-continue waits for the 100 before sending its
  /// body anyway (RFC 9110 §10.1.1).
  std::uint32_t expect_continue_ms = 1000;
  std::string_view user_agent = "htpx/0.1";  ///< Sent unless the caller sets User-Agent; empty: none.
};

/// Identifies a started request. Stale handles (completed or cancelled) are detected.
struct request_handle {
  std::uint16_t index = 0xFFFF;
  std::uint16_t generation = 0;
  /// Returns true when the handle came from a successful start().
  [[nodiscard]] bool valid() const noexcept { return index != 0xFFFF; }
};

/// What poll() tells the main loop: how long it may sleep, and on what.
struct poll_result {
  std::uint32_t wait_ms = 0;          ///< Call poll() again within this many ms.
  port::wait_entry* waits = nullptr;  ///< Sockets to wait on (valid until the next poll); pass to wait().
  std::size_t wait_count = 0;
  std::size_t in_flight = 0;  ///< Requests started and not yet completed.
};

namespace detail {

struct feature_state;

/// No slot: the end of the queue of requests and of the stack of idle connections.
inline constexpr std::uint16_t no_index = 0xFFFF;

/// One pooled connection: a transport, its HTTP/1.1 engine and what it is connected to.
/// (An HTTP/2 session slots in beside `conn` later, serving several requests at once.)
struct pool_slot {
  enum class state : std::uint8_t { closed, connecting, busy, idle };
  pool_slot() noexcept;

  // Members ordered so that the slot takes 48 bytes beside its connection on a 32-bit target.
  port::transport* transport = nullptr;
  char* host = nullptr;  // the host name connected to, for keep-alive reuse (client_storage::hosts)
  h1::connection conn;
  bytes_view pending_body;               // body bytes a paused handler has not taken yet
  union {                                // one or the other, never both
    std::uint32_t since_ms = 0;          // connecting: start; idle: since when
    std::uint32_t continue_deadline_ms;  // busy, the body held back for a 100: when it goes anyway
  };
  std::uint32_t last_read_ms = 0;   // last response byte (or start of waiting)
  std::uint32_t last_write_ms = 0;  // last request byte taken (or start of sending)
  std::uint32_t serial = 0;         // connection number, for logs and the tool's `conn`
  union {                           // one or the other, never both: no RAM for the idle stack
    std::uint16_t request = 0;      // connecting or busy: the request it serves
    std::uint16_t next_idle;        // idle: the next less recently used idle slot, or no_index
  };
  std::uint16_t port = 0;
  url_scheme scheme = url_scheme::http;
  state st = state::closed;
  std::uint8_t host_size = 0;      // 0 with a long host: not kept for reuse
  std::uint8_t host_capacity = 0;  // bytes at `host` (client_storage::host_bytes_per_slot)
  bool reused = false;             // served a response before this request
  bool paused = false;             // the handler took fewer bytes than offered
  bool send_failed = false;        // the transport stopped taking bytes (early response?)
  bool awaiting_continue = false;  // Expect: 100-continue sent, body held back
  bool idle_this_poll = false;     // went idle during the current poll() (its response just ended)
  bool recv_blocked = false;  // not to be read in this poll(): wait() found it unreadable, or a read said would_block
  bool drained = false;       // busy: the last next_event() said need_more, nothing came since
  // The flags of request bodies, proxies and TLS, a bit each (cleared by the constructor: a
  // bit-field has no initializer in C++17): one byte, where a bool each would take 8 more.
  bool source_waiting : 1;  // the body source had nothing to give (would_block)
  bool tunneled : 1;        // a CONNECT tunnel through the proxy to `host`
  bool tunnel_open : 1;     // the proxy answered the CONNECT with a 2xx
  bool tunnel_pending : 1;  // the CONNECT is sent, its 2xx not yet received
  bool tls_started : 1;     // start_tls() was called: connect() drives the handshake
};

/// One started request, queued or in flight.
struct request_slot {
  enum class state : std::uint8_t { free, queued, connecting, active };
  request_slot() noexcept
      : auth_rounds(0),
        retried(false),
        own_timeout(false),
        relative(false),
        cross_origin(false),
        proxied(false),
        tunnel(false),
        redirecting(false),
        replaying(false),
        delayed(false),
        has_options(false) {}

  // What every configuration reads of the request; its options for request bodies, auth,
  // cookies and redirects are kept apart (request_features, in the feature_state).
  std::string_view method;
  std::string_view url;
  span<const header> headers;
  span<const query_param> params;
  htpx::timeout timeouts;  // the request's own (own_timeout), or the client's
  url_offsets origin;      // scheme, host, port (and, when absolute, path and query)
  response_handler* handler = nullptr;
  std::size_t body_sent = 0;     // bytes of a body::bytes already queued
  std::uint32_t started_ms = 0;  // for the total deadline
  std::uint32_t queued_ms = 0;   // for the pool timeout (reset when re-queued)
  std::uint32_t sequence = 0;    // FIFO order in the queue
  std::uint32_t serial = 0;      // the connection it got (pool_slot::serial), 0 before
  union {                        // one or the other, never both: no RAM for the queue
    std::uint16_t slot = 0;      // connecting or active: its pool slot
    std::uint16_t next_queued;   // queued: the next younger queued request, or no_index
  };
  std::uint16_t generation = 0;
  std::uint16_t index = 0;  // its own index in client_storage::requests (start() sets it)
  state st = state::free;
  std::uint8_t redirects = 0;  // redirects followed so far
  std::uint8_t attempts = 0;   // retries used (connect failures, 429/503)
  bool has_content = false;    // the request has content (request_features::content)
  // The rest in bits (cleared by the constructor: a bit-field has no initializer in C++17): two
  // bytes, where a byte each would take 10.
  std::uint8_t auth_rounds : 2;     // extra attempts an auth scheme asked for (client::max_auth_rounds)
  bool retried : 1;                 // already retried once on a fresh connection
  bool own_timeout : 1;             // the request set its timeouts
  bool relative : 1;                // url resolves against base_url
  bool cross_origin : 1;            // a redirect left the original origin (credentials dropped)
  bool proxied : 1;                 // sent through the http proxy
  bool tunnel : 1;                  // ... inside a CONNECT tunnel (else in absolute-form)
  bool redirecting : 1;             // the current response is a redirect being followed
  bool replaying : 1;               // the current response is dropped and the request sent again
  bool delayed : 1;                 // re-queued: waits until not_before_ms (poll()'s clock)
  bool has_options : 1;             // its request_features hold its options (else they are the defaults)
  std::uint32_t not_before_ms = 0;  // a queued retry waits until then
  std::uint32_t replay_delay_ms = 0;
};

/// A request's options that only request bodies, auth, cookies and redirects read, one per
/// request slot in the feature_state.
struct request_features {
  request_body content;
  std::optional<bool> follow_redirects;
  bool expect_continue = false;
  htpx::auth* auth = nullptr;
  span<const query_param> cookies;
};

/// The options of a request that set none of them (request_slot::has_options false).
extern const request_features no_request_features;

/// Where requests to one scheme's origins go through a proxy (client_proxy.cpp).
struct proxy_route {
  url at{};
  error failure{};  // the proxy URL was unusable: requests that would use it fail with this
  bool enabled = false;
};

/// A client's proxies (HTTP_PROXY, HTTPS_PROXY, NO_PROXY or `proxy`): only with proxies built in.
struct proxy_routes {
  proxy_route http;
  proxy_route https;
  std::string_view no_proxy;
};

}  // namespace detail

/// The sizes of a static_client and the features it compiles in. Derive from it and override
/// what you need.
struct default_client_config {
  static constexpr std::size_t max_connections = 4;  ///< Pool slots (sockets).
  static constexpr std::size_t max_requests = 16;    ///< Requests queued plus in flight.
  static constexpr std::size_t rx_bytes = 4096;      ///< Per connection; bounds the response head.
  static constexpr std::size_t tx_bytes = 1024;      ///< Per connection; bounds the request head.
  /// Request fields (the client's, the request's and the library's), assembled in the slot's
  /// receive buffer while the head is written (in at most half of it: 16 B a field on a 32-bit
  /// target, 32 on a 64-bit one; more fields than fit are refused as too many).
  static constexpr std::size_t max_request_headers = 24;
  /// Longest resolved URL (relative URLs, redirects, cookies); held only with base_url,
  /// redirects or cookies built in. The request target is composed in the receive buffer.
  static constexpr std::size_t scratch_bytes = 1024;
  static constexpr std::size_t head_store_bytes = 2048;   ///< Blocking calls: response head.
  static constexpr std::size_t body_store_bytes = 16384;  ///< Blocking calls: response body.
  static constexpr std::size_t redirect_url_bytes = 256;  ///< Per request: longest redirect URL.
  static constexpr std::size_t history_bytes = 512;       ///< Blocking calls: redirect history.
  /// Per connection: longest host name remembered for keep-alive reuse (at most 255; longer
  /// names still connect, but their connections are closed after one response).
  static constexpr std::size_t max_host_bytes = HTPX_MAX_HOST_BYTES;

  // Features. One set to false is neither linked nor given memory; an option or a request that
  // needs it then makes start() fail with UnsupportedProtocol naming the flag, never ignored.
  static constexpr bool https = true;      ///< https:// URLs (TLS: a transport such as port/mbedtls).
  static constexpr bool proxies = true;    ///< `proxy`, `proxy_tunnel`, `trust_env`: CONNECT tunnels.
  static constexpr bool base_url = true;   ///< `base_url`: relative request URLs (RFC 3986 §5).
  static constexpr bool redirects = true;  ///< `follow_redirects` (client or request).
  static constexpr bool auth = true;       ///< `auth` (client or request), URL userinfo as Basic.
  static constexpr bool cookies = true;    ///< `cookies` (a jar, or a request's own).
  static constexpr bool retries = true;    ///< `retries`, `retry_on_status`.
  static constexpr bool hooks = true;      ///< `hooks` (event_hooks).
  /// Requests with `content` (body::bytes, body::source, forms, multipart, JSON); without it, a
  /// client sends requests without a body only (GET, HEAD, DELETE, ...).
  static constexpr bool request_bodies = true;
};

namespace detail {
/// Whether a configuration has a feature that keeps options or storage in a feature_state.
template <class Cfg>
inline constexpr bool needs_feature_state =
    Cfg::base_url || Cfg::redirects || Cfg::auth || Cfg::cookies || Cfg::retries || Cfg::proxies || Cfg::request_bodies;
}  // namespace detail

/// The caller-owned memory of an htpx::client. static_client<Cfg> provides it inline.
struct client_storage {
  span<detail::pool_slot> slots;
  /// One per slot, each reused across connections; empty when the slots already hold theirs
  /// (pool_slot::transport, as a static_client sets them).
  span<port::transport* const> transports;
  span<detail::request_slot> requests;  ///< Bounds requests queued plus in flight.
  span<port::wait_entry> waits;         ///< One per slot.
  /// Request fields a request may carry, all counted. They are assembled in the receive buffer
  /// of the request's slot while its head is written (it is idle then), beside the target; at
  /// most as many as fill half of it.
  std::size_t max_request_headers = 24;
  mutable_bytes rx;  ///< slots.size() receive buffers of rx_per_slot bytes, back to back.
  mutable_bytes tx;  ///< slots.size() transmit buffers of tx_per_slot bytes.
  std::size_t rx_per_slot = 0;
  std::size_t tx_per_slot = 0;
  /// slots.size() host names of host_bytes_per_slot bytes (at most 255 each), remembered for
  /// keep-alive reuse: without them (empty) no connection is reused.
  mutable_bytes hosts;
  std::size_t host_bytes_per_slot = 0;
  /// Resolved URLs: a relative request URL (base_url), a redirect's target, the URL whose
  /// cookies are stored. The request target and the values of the fields a request gets
  /// (credentials, Cookie) are composed in the receive buffer of its slot instead.
  mutable_bytes scratch;
  mutable_bytes head_store;  ///< Blocking calls: a copy of the response head.
  mutable_bytes body_store;  ///< Blocking calls: the buffered response body.
  mutable_bytes url_store;   ///< requests.size() areas of url_bytes_per_request: redirect targets.
  std::size_t url_bytes_per_request = 0;
  mutable_bytes history_store;  ///< Blocking calls: the redirect history.
  /// Proxies: without them (null), `proxy`, `proxy_tunnel` and `trust_env` are refused.
  detail::proxy_routes* proxies = nullptr;
  /// Where the client keeps the options and storage of base_url, redirects, auth, cookies,
  /// retries, proxies and request bodies, with `request_features`: without them (null, or
  /// fewer than `requests`), options and requests needing them are refused
  /// (UnsupportedProtocol), and scratch, url_store, history_store and proxies are not used.
  detail::feature_state* features = nullptr;
  span<detail::request_features> request_features;  ///< One per request slot, with `features`.
};

namespace detail {
/// What a client keeps of its client_storage: the constructor gives each pool slot its
/// transport and its rx/tx buffers, so those spans are not kept (32 bytes on a 32-bit target),
/// and what only optional features read is in their feature_state.
struct client_memory {
  explicit client_memory(const client_storage& s) noexcept
      : slots(s.slots),
        requests(s.requests),
        waits(s.waits),
        head_store(s.head_store),
        body_store(s.body_store),
        max_request_headers(s.max_request_headers) {}

  span<pool_slot> slots;
  span<request_slot> requests;
  span<port::wait_entry> waits;
  mutable_bytes head_store;
  mutable_bytes body_store;
  std::size_t max_request_headers;
};

/// What a client reads of its client_options in every configuration (60 of their 116 bytes on a
/// 32-bit target); the options of the optional features are in their feature_state.
struct core_options {
  explicit core_options(const client_options& o) noexcept
      : headers(o.headers),
        timeout(o.timeout),
        limits(o.limits),
        parser_limits(o.parser_limits),
        hooks(o.hooks),
        user_agent(o.user_agent) {}

  span<const header> headers;
  htpx::timeout timeout;
  htpx::limits limits;
  h1::parser_limits parser_limits;  // the pool slots' connections refer to it
  event_hooks* hooks;               // (only with Cfg::hooks)
  std::string_view user_agent;
};

/// The options and storage only base_url, redirects, auth, cookies, retries, proxies and request
/// bodies read: a static_client holds it when its configuration has one of them
/// (client_storage::features).
struct feature_state {
  client_options options;  // the whole copy, as client::settings() returns it
  mutable_bytes scratch;
  mutable_bytes url_store;
  std::size_t url_bytes_per_request = 0;
  mutable_bytes history_store;
  proxy_routes* proxies = nullptr;
  span<request_features> requests;     // one per request slot
  std::uint32_t random = 0x9E3779B9u;  // xorshift32 state for retry jitter
};
}  // namespace detail

/// A response being read by the caller (httpx `client.stream()`): the head first, then the
/// body pulled with read() or read_line(). Move-only in spirit: use one object per request.
class response_stream;

/// A pooled HTTP client over caller storage (httpx.Client and AsyncClient in one).
///
/// Non-blocking: start() requests, call poll(now) from the main loop, sleep on the returned
/// wait list; handlers get the head, body fragments and completion. Blocking: get(), post()...
/// run poll() and the platform's wait() until their request completes.
class client {
 public:
  /// A client over `storage` (outliving it), sleeping and reading the clock through `platform`,
  /// with every feature (proxies only when `storage.proxies` holds their routes; base_url,
  /// redirects, auth, cookies, retries, proxies and request bodies only when `storage.features`
  /// and `storage.request_features` hold their state).
  client(const client_storage& storage, port::platform& platform, const client_options& options) noexcept;
  client(const client&) = delete;
  client& operator=(const client&) = delete;
  /// Closes every connection.
  ~client();

  // ---- non-blocking ------------------------------------------------------------------------

  /// Queues `req`; `handler` (outliving the request) gets its events from poll(). Returns
  /// InvalidURL, UnsupportedProtocol (https before the TLS port, other schemes, or an option or
  /// request that needs a feature the configuration left out: the detail names its Cfg flag),
  /// or PoolTimeout "request queue full" when every request slot is taken. Nothing is sent
  /// until poll().
  [[nodiscard]] result<request_handle> start(const htpx::request& req, response_handler& handler) noexcept;
  /// Advances every connection without blocking: connects, sends, receives, calls handlers,
  /// fires timeouts. `now_ms` is the platform clock (wrap-safe). Never fails: errors go to the
  /// handlers.
  poll_result poll(std::uint32_t now_ms) noexcept;
  /// Ends a request at once without calling its handler; its connection is closed unless the
  /// request had not reached one. Stale handles are ignored.
  void cancel(request_handle handle) noexcept;
  /// Returns true while `handle` is queued or in flight.
  [[nodiscard]] bool active(request_handle handle) const noexcept;
  /// Pull mode: copies body bytes the handler left untaken (a paused response) into `out`.
  /// Returns the bytes copied (0 when none are waiting: poll() again).
  [[nodiscard]] std::size_t read_body(request_handle handle, mutable_bytes out) noexcept;
  /// Returns the serial number of the connection that carries (or carried) `handle`: equal
  /// numbers mean a reused connection; 0 before it has one. Still valid in on_complete() and
  /// after, until the next start() takes its request slot.
  [[nodiscard]] std::uint32_t connection_serial(request_handle handle) const noexcept;

  // ---- blocking ----------------------------------------------------------------------------

  /// Sends a request and waits for the whole response, buffered in the client's response store
  /// (views valid until the next blocking call). Errors: every errc a request can end with;
  /// DecodingError when the body does not fit the store.
  [[nodiscard]] result<response> send(const htpx::request& req) noexcept;
  [[nodiscard]] result<response> request(std::string_view method, std::string_view url,
                                         const request_options& opts = {}) noexcept;
  [[nodiscard]] result<response> get(std::string_view url, const request_options& opts = {}) noexcept;
  [[nodiscard]] result<response> head(std::string_view url, const request_options& opts = {}) noexcept;
  [[nodiscard]] result<response> options(std::string_view url, const request_options& opts = {}) noexcept;
  [[nodiscard]] result<response> post(std::string_view url, const request_options& opts = {}) noexcept;
  [[nodiscard]] result<response> put(std::string_view url, const request_options& opts = {}) noexcept;
  [[nodiscard]] result<response> patch(std::string_view url, const request_options& opts = {}) noexcept;
  /// DELETE (`delete` is a C++ keyword).
  [[nodiscard]] result<response> delete_(std::string_view url, const request_options& opts = {}) noexcept;

  /// Polls and sleeps (sleep()) until `handle` completes (other requests move on meanwhile).
  void wait_for(request_handle handle) noexcept;
  /// Sleeps until poll() has something to do, for at most `step.wait_ms`: in the platform's
  /// wait() on `step`'s list or, when that list is one connection waiting for its response, in
  /// a receive that sleeps (transport::recv_wait(): one system call where wait() and a read
  /// would be two). A main loop with nothing else to wait on calls it instead of wait().
  void sleep(const poll_result& step) noexcept;

  /// Returns the platform the client sleeps on.
  [[nodiscard]] port::platform& platform() noexcept { return *platform_; }
  /// Returns the options the client was built with. A configuration without base_url,
  /// redirects, auth, cookies, retries and proxies keeps only the options it reads: the others
  /// (which start() refuses) read as their defaults, the proxy options as trust_env.
  [[nodiscard]] client_options settings() const noexcept;

 protected:
  /// The calls into optional features (default_client_config's flags), null for each feature a
  /// configuration leaves out: code named only here is dropped by the linker when unused.
  struct features {
    // base_url, redirects, auth, cookies, retries or proxies (client.cpp): their feature_state
    void (*keep_feature_state)(client&, const client_storage&, const client_options&) noexcept = nullptr;
    void (*keep_request_features)(client&, detail::request_slot&, const request_options&) noexcept = nullptr;
    void (*add_request_features)(const client&, const detail::request_slot&, request_options&) noexcept = nullptr;
    // https and request bodies (client_exchange.cpp)
    void (*start_tls)(client&, detail::pool_slot&) noexcept = nullptr;
    error (*fill_body)(client&, detail::pool_slot&, detail::request_slot&) noexcept = nullptr;
    error (*frame_body)(client&, detail::pool_slot&, const detail::request_slot&, header_appender&,
                        const header_appender&, h1::request_head&) noexcept = nullptr;
    // proxies (client_proxy.cpp)
    void (*load_proxies)(client&) noexcept = nullptr;
    const detail::proxy_route* (*proxy_for)(const client&, const url&) noexcept = nullptr;
    error (*route_request)(const client&, detail::request_slot&, const url&) noexcept = nullptr;
    error (*write_connect_head)(client&, detail::pool_slot&, const detail::request_slot&) noexcept = nullptr;
    bool (*open_tunnel)(client&, detail::pool_slot&, const h1::event&) noexcept = nullptr;
    // base_url (url.cpp, client_features.cpp)
    result<std::size_t> (*resolve_url)(std::string_view, std::string_view, mutable_bytes) noexcept = nullptr;
    void (*relative_origin)(client&, std::string_view, result<url>&) noexcept = nullptr;
    // base_url or proxies (client_proxy.cpp): a target other than the origin-form of the origin
    result<std::string_view> (*compose_target)(const client&, const detail::request_slot&, url&,
                                               mutable_bytes&) noexcept = nullptr;
    // redirects (client_redirect.cpp)
    error (*plan_redirect)(client&, detail::request_slot&, const response&) noexcept = nullptr;
    // auth (client_credentials.cpp)
    error (*add_credentials)(client&, const detail::request_slot&, const url&, std::string_view, header_appender&,
                             mutable_bytes&) noexcept = nullptr;
    // cookies (client_credentials.cpp)
    error (*add_cookies)(client&, const detail::request_slot&, const url&, header_appender&,
                         mutable_bytes&) noexcept = nullptr;
    // retries (client_retry.cpp)
    bool (*retry_connect_failure)(client&, detail::request_slot&, error) noexcept = nullptr;
    // hooks (client.cpp): called when client_options::hooks is set
    error (*hook_request)(client&, const detail::request_slot&, header_appender&) noexcept = nullptr;
    void (*hook_response)(client&, const detail::request_slot&, const response&) noexcept = nullptr;
    // the steps the exchange takes for several features at once (add_request_fields<Cfg>,
    // screen_response<Cfg>): one test in the exchange when none of theirs is built in, one call
    // when some are. They call credentials, cookies and redirects directly: those entries above
    // tell start() and check_target() that the feature is built in.
    error (*add_request_fields)(client&, const detail::request_slot&, const url&, std::string_view, header_appender&,
                                mutable_bytes&) noexcept = nullptr;
    error (*screen_response)(client&, detail::request_slot&, const response&) noexcept = nullptr;
    // ... and what sends a request screen_response() took (redirecting or replaying) once more
    void (*requeue)(client&, detail::request_slot&, std::uint32_t) noexcept = nullptr;
    // redirects (client_redirect.cpp)
    bool (*dropped_after_redirect)(const detail::request_slot&, std::string_view) noexcept = nullptr;
    // The features (client::wanted bits) left out, known when the table is built: start()
    // refuses options and requests that ask for one without a test of the entries above.
    std::uint8_t left_out = 0;
  };
  /// Returns the features `Cfg` turns on.
  template <class Cfg>
  static constexpr features features_of() noexcept;
  /// As the public constructor, with only the `compiled` features (static for the client's life).
  client(const client_storage& storage, port::platform& platform, const client_options& options,
         const features& compiled) noexcept;

 private:
  friend class response_stream;
  using slot_state = detail::pool_slot::state;
  using req_state = detail::request_slot::state;

  using proxy_route = detail::proxy_route;
  static const features every_feature;  // the public constructor's, with client_storage::features
  static const features core_features;  // ... and without: no feature that needs a feature_state
  // The optional features that options or a request may ask for, a bit each, in the order
  // check_features() names them.
  enum wanted : std::uint8_t {
    wants_proxies = 1,
    wants_base_url = 2,
    wants_redirects = 4,
    wants_auth = 8,
    wants_cookies = 16,
    wants_retries = 32,
    wants_hooks = 64,
    wants_bodies = 128,
  };
  /// The features the client_options ask for.
  [[nodiscard]] static std::uint8_t wanted_by(const client_options& options) noexcept;
  void keep_feature_state(const client_storage& storage, const client_options& options) noexcept;
  /// The options of `req` that only request bodies, auth, cookies and redirects read (only
  /// with one of them built in: the client has a feature_state then).
  [[nodiscard]] detail::request_features& extras_of(const detail::request_slot& req) const noexcept {
    return extras_->requests[req.index];
  }
  /// The same to read: the defaults when the request set none of them (not copied then).
  [[nodiscard]] const detail::request_features& options_of(const detail::request_slot& req) const noexcept {
    return req.has_options ? extras_of(req) : detail::no_request_features;
  }
  /// Keeps the options of `opts` that only request bodies, auth, cookies and redirects read,
  /// when it sets one (req.has_options).
  void keep_request_features(detail::request_slot& req, const request_options& opts) noexcept;
  /// Puts them back into `opts` (request_of()).
  void add_request_features(const detail::request_slot& req, request_options& opts) const noexcept;
  /// `req` as a request (after a redirect, with its new method and URL), for the event hooks.
  [[nodiscard]] htpx::request request_of(const detail::request_slot& req) const noexcept;
  /// The hooks' on_request() and on_response() (client_options::hooks is set).
  [[nodiscard]] error hook_request(const detail::request_slot& req, header_appender& fields) noexcept;
  void hook_response(const detail::request_slot& req, const response& head) noexcept;

  [[nodiscard]] error check_target(const url& target) const noexcept;
  // the features built in (client_features.cpp)
  [[nodiscard]] error check_features(const htpx::request& req) const noexcept;
  /// Whether proxies are built in and have their routes (client_storage::proxies).
  [[nodiscard]] bool has_proxies() const noexcept { return (missing_ & wants_proxies) == 0; }
  [[nodiscard]] const proxy_route* route_for(const url& origin) const noexcept;
  [[nodiscard]] result<std::size_t> resolve_relative(std::string_view reference, mutable_bytes out) const noexcept;
  /// Replaces `origin`, the error parse_url() gave `reference`, with the origin of a request to
  /// it when it is relative (base_url's), or with the error resolving it gave; leaves it as it is
  /// when `reference` has a scheme. (Written in place: a url is too big to return cheaply.)
  void relative_origin(std::string_view reference, result<url>& origin) noexcept;
  /// Credentials, proxy credentials and cookies, those of `Cfg` (a request needing others was
  /// refused by start()).
  template <class Cfg>
  [[nodiscard]] error add_request_fields(const detail::request_slot& req, const url& target_url,
                                         std::string_view target, header_appender& fields,
                                         mutable_bytes& scratch) noexcept;
  /// Before the handler sees a final head: `Cfg`'s cookies are stored, then a redirect, a
  /// status retry, a 417's repeat (request bodies) or an auth challenge may take the response (req.redirecting or
  /// req.replaying set). Returns the error that ends the request, if any.
  template <class Cfg>
  [[nodiscard]] error screen_response(detail::request_slot& req, const response& head) noexcept;
  // proxies and targets (client_proxy.cpp)
  void load_proxies() noexcept;
  [[nodiscard]] const proxy_route* proxy_for(const url& origin) const noexcept;
  /// Sets whether a request to `origin` goes through a proxy (req.proxied), and in a tunnel
  /// (req.tunnel); returns the error of an unusable proxy URL for it.
  [[nodiscard]] error route_request(detail::request_slot& req, const url& origin) const noexcept;
  [[nodiscard]] const url& proxy_of(const detail::request_slot& req) const noexcept;
  [[nodiscard]] detail::endpoint connect_target(const detail::request_slot& req) const noexcept;
  [[nodiscard]] detail::endpoint pool_key(const detail::request_slot& req) const noexcept;
  [[nodiscard]] error write_connect_head(detail::pool_slot& slot, const detail::request_slot& req) noexcept;
  [[nodiscard]] bool open_tunnel(detail::pool_slot& slot, const h1::event& ev) noexcept;
  [[nodiscard]] error add_proxy_credentials(const detail::request_slot& req, header_appender& fields,
                                            mutable_bytes& scratch) noexcept;
  /// The target of a relative or proxied request; `target_url` comes in as its origin and
  /// leaves as the URL the target is for.
  [[nodiscard]] result<std::string_view> compose_target(const detail::request_slot& req, url& target_url,
                                                        mutable_bytes& scratch) const noexcept;
  [[nodiscard]] static result<std::string_view> basic_credentials(std::string_view userinfo,
                                                                  mutable_bytes& scratch) noexcept;
  detail::request_slot* lookup(request_handle handle) noexcept;
  const detail::request_slot* lookup(request_handle handle) const noexcept;
  // pool (client_pool.cpp)
  void assign_queued() noexcept;
  void enqueue(detail::request_slot& req) noexcept;
  void dequeue(const detail::request_slot& req) noexcept;
  [[nodiscard]] bool ready(const detail::request_slot& req) const noexcept;
  bool assign(detail::request_slot& req) noexcept;
  detail::pool_slot* find_idle(const detail::endpoint& key, bool tunneled) noexcept;
  void remove_idle(const detail::pool_slot& slot) noexcept;
  bool idle_is_alive(detail::pool_slot& slot, const detail::request_slot& req) noexcept;
  void connect_slot(detail::pool_slot& slot, detail::request_slot& req) noexcept;
  void release(detail::pool_slot& slot, bool keep) noexcept;
  void close_slot(detail::pool_slot& slot) noexcept;
  std::size_t count_slots(slot_state st) const noexcept;
  // exchange (client_exchange.cpp)
  void drive(detail::pool_slot& slot) noexcept;
  void drive_connect(detail::pool_slot& slot) noexcept;
  void begin_exchange(detail::pool_slot& slot) noexcept;
  void start_tls(detail::pool_slot& slot) noexcept;
  [[nodiscard]] const char* error_text(const detail::pool_slot& slot, std::int32_t sys_error) const noexcept;
  error write_head(detail::pool_slot& slot, detail::request_slot& req) noexcept;
  bool flush(detail::pool_slot& slot) noexcept;
  error fill_body(detail::pool_slot& slot, detail::request_slot& req) noexcept;
  /// The framing of a request with content, its Content-Type and Expect fields (request bodies).
  error frame_body(detail::pool_slot& slot, const detail::request_slot& req, header_appender& fields,
                   const header_appender& callers, h1::request_head& head) noexcept;
  /// A 417 to a request that expected 100-continue: sets req.replaying to send it once more
  /// without the expectation (RFC 9110 §10.1.1).
  [[nodiscard]] bool repeat_without_expectation(detail::request_slot& req, const response& head) noexcept;
  bool offer_pending(detail::pool_slot& slot) noexcept;
  bool process_events(detail::pool_slot& slot) noexcept;
  bool receive(detail::pool_slot& slot) noexcept;
  [[nodiscard]] bool receive_waiting(detail::pool_slot& slot, std::uint32_t wait_ms) noexcept;
  bool take_received(detail::pool_slot& slot, const port::io_result& r, std::size_t asked) noexcept;
  void check_timeouts(detail::pool_slot& slot) noexcept;
  void finish(detail::pool_slot& slot, error failure, bool retryable) noexcept;
  [[nodiscard]] bool replayable(const detail::request_slot& req) const noexcept;
  /// The body source of `req`, which must be rewound to send it again; null for a request
  /// without one (no content, or its bytes).
  [[nodiscard]] body_source* body_source_of(const detail::request_slot& req) const noexcept;
  void complete(detail::request_slot& req, error failure) noexcept;
  void free_request(detail::request_slot& req) noexcept;
  // redirects (client_redirect.cpp)
  [[nodiscard]] static bool dropped_after_redirect(const detail::request_slot& req, std::string_view name) noexcept;
  /// Sets req.redirecting when `head` is a redirect the request follows; the error when it cannot.
  [[nodiscard]] error plan_redirect(detail::request_slot& req, const response& head) noexcept;
  [[nodiscard]] error current_url(const detail::request_slot& req, mutable_bytes out,
                                  std::string_view& url) const noexcept;
  void requeue(detail::request_slot& req, std::uint32_t delay_ms) noexcept;
  // credentials and cookies (client_credentials.cpp)
  static constexpr std::uint8_t max_auth_rounds = 2;  // (request_slot::auth_rounds counts to 3)
  [[nodiscard]] htpx::auth* auth_of(const detail::request_slot& req) const noexcept;
  [[nodiscard]] error add_credentials(const detail::request_slot& req, const url& target_url, std::string_view target,
                                      header_appender& fields, mutable_bytes& scratch) noexcept;
  [[nodiscard]] error add_cookies(const detail::request_slot& req, const url& target_url, header_appender& fields,
                                  mutable_bytes& scratch) noexcept;
  void store_cookies(const detail::request_slot& req, const response& head) noexcept;
  [[nodiscard]] bool answer_challenge(detail::request_slot& req, const response& head) noexcept;
  // retries (client_retry.cpp)
  [[nodiscard]] bool retry_connect_failure(detail::request_slot& req, error failure) noexcept;
  [[nodiscard]] bool plan_status_retry(detail::request_slot& req, const response& head) noexcept;
  std::uint32_t backoff_ms(std::uint8_t attempt) noexcept;
  // poll bookkeeping (client.cpp)
  std::uint32_t next_wake() noexcept;
  std::size_t fill_waits() noexcept;
  /// Which connections the last wait() found readable; closes those idle for keepalive_expiry.
  void prepare_pool() noexcept;

  detail::client_memory storage_;
  port::platform* platform_;
  const features* features_;
  detail::feature_state* extras_;  // null when no feature that reads it is built in
  detail::core_options options_;
  std::uint32_t now_ = 0;
  std::uint32_t sequence_ = 0;
  std::uint32_t serial_ = 0;
  // Counts of request and pool slots, whose indexes are 16-bit already (request_handle, no_index).
  std::uint16_t in_flight_ = 0;
  std::uint16_t waits_filled_ = 0;               // entries the last poll() put on the wait list
  std::uint16_t queue_head_ = detail::no_index;  // the oldest queued request (the queue, client_pool.cpp)
  std::uint16_t idle_top_ = detail::no_index;    // the most recently used idle connection
  std::uint16_t last_freed_ = 0;                 // the request slot freed last: start() tries it first
  bool polling_ = false;  // inside poll(): now_ is the time (start() from a handler reads no clock)
  std::uint8_t wanted_;   // wanted_by(the options)
  std::uint8_t missing_;  // the features left out: features::left_out, and proxies without their routes
};

namespace detail {
/// A client member function `M` as a plain function taking the client first: a table entry of
/// one pointer, called as cheaply as any function pointer, and the call on to `M` is a single
/// branch when its arguments fit in registers (they are already where `M` wants them). A pointer
/// to member would cost twice the table and a virtual-call test at every call site.
template <auto M>
struct member_call;
template <class R, class... A, R (client::*M)(A...) noexcept>
struct member_call<M> {
  static R call(client& c, A... a) noexcept { return (c.*M)(a...); }
};
template <class R, class... A, R (client::*M)(A...) const noexcept>
struct member_call<M> {
  static R call(const client& c, A... a) noexcept { return (c.*M)(a...); }
};
}  // namespace detail

template <class Cfg>
constexpr client::features client::features_of() noexcept {
  features f{};
  f.left_out = static_cast<std::uint8_t>((Cfg::proxies ? 0 : wants_proxies) | (Cfg::base_url ? 0 : wants_base_url) |
                                         (Cfg::redirects ? 0 : wants_redirects) | (Cfg::auth ? 0 : wants_auth) |
                                         (Cfg::cookies ? 0 : wants_cookies) | (Cfg::retries ? 0 : wants_retries) |
                                         (Cfg::hooks ? 0 : wants_hooks) | (Cfg::request_bodies ? 0 : wants_bodies));
  if constexpr (detail::needs_feature_state<Cfg>) {
    f.keep_feature_state = &detail::member_call<&client::keep_feature_state>::call;
    f.keep_request_features = &detail::member_call<&client::keep_request_features>::call;
    f.add_request_features = &detail::member_call<&client::add_request_features>::call;
  }
  if constexpr (Cfg::https) f.start_tls = &detail::member_call<&client::start_tls>::call;
  if constexpr (Cfg::request_bodies) {
    f.fill_body = &detail::member_call<&client::fill_body>::call;
    f.frame_body = &detail::member_call<&client::frame_body>::call;
  }
  if constexpr (Cfg::proxies) {
    f.load_proxies = &detail::member_call<&client::load_proxies>::call;
    f.proxy_for = &detail::member_call<&client::proxy_for>::call;
    f.route_request = &detail::member_call<&client::route_request>::call;
    f.write_connect_head = &detail::member_call<&client::write_connect_head>::call;
    f.open_tunnel = &detail::member_call<&client::open_tunnel>::call;
  }
  if constexpr (Cfg::base_url) {
    f.resolve_url = &htpx::resolve_url;
    f.relative_origin = &detail::member_call<&client::relative_origin>::call;
  }
  if constexpr (Cfg::base_url || Cfg::proxies) f.compose_target = &detail::member_call<&client::compose_target>::call;
  if constexpr (Cfg::redirects) f.plan_redirect = &detail::member_call<&client::plan_redirect>::call;
  if constexpr (Cfg::auth) {
    f.add_credentials = &detail::member_call<&client::add_credentials>::call;
  }
  if constexpr (Cfg::cookies) {
    f.add_cookies = &detail::member_call<&client::add_cookies>::call;
  }
  if constexpr (Cfg::retries) {
    f.retry_connect_failure = &detail::member_call<&client::retry_connect_failure>::call;
  }
  if constexpr (Cfg::hooks) {
    f.hook_request = &detail::member_call<&client::hook_request>::call;
    f.hook_response = &detail::member_call<&client::hook_response>::call;
  }
  if constexpr (Cfg::auth || Cfg::proxies || Cfg::cookies)
    f.add_request_fields = &detail::member_call<&client::add_request_fields<Cfg>>::call;
  if constexpr (Cfg::cookies || Cfg::redirects || Cfg::retries || Cfg::auth || Cfg::request_bodies) {
    f.screen_response = &detail::member_call<&client::screen_response<Cfg>>::call;
    f.requeue = &detail::member_call<&client::requeue>::call;
  }
  if constexpr (Cfg::redirects) f.dropped_after_redirect = &client::dropped_after_redirect;
  return f;
}

template <class Cfg>
error client::add_request_fields(const detail::request_slot& req, const url& target_url, std::string_view target,
                                 header_appender& fields, mutable_bytes& scratch) noexcept {
  if constexpr (Cfg::auth) {
    if (const error failure = add_credentials(req, target_url, target, fields, scratch)) return failure;
  }
  if constexpr (Cfg::proxies) {
    if (req.proxied) {
      if (const error failure = add_proxy_credentials(req, fields, scratch)) return failure;
    }
  }
  if constexpr (Cfg::cookies) return add_cookies(req, target_url, fields, scratch);
  return {};
}

template <class Cfg>
error client::screen_response(detail::request_slot& req, const response& head) noexcept {
  // Set-Cookie of every final head counts, redirects and challenges included.
  if constexpr (Cfg::cookies) store_cookies(req, head);
  if constexpr (Cfg::redirects) {
    if (const error failure = plan_redirect(req, head)) return failure;
    if (req.redirecting) return {};
  }
  if constexpr (Cfg::retries) {
    if (plan_status_retry(req, head)) return {};
  }
  if constexpr (Cfg::request_bodies) {
    if (repeat_without_expectation(req, head)) return {};
  }
  if constexpr (Cfg::auth) (void)answer_challenge(req, head);
  return {};
}

namespace detail {
/// Proxy routes inside a static_client, when its configuration has proxies (an empty base otherwise).
template <bool Proxies>
struct proxy_storage {
  proxy_routes* routes() noexcept { return nullptr; }
};
template <>
struct proxy_storage<true> {
  proxy_routes proxy_routes_;
  proxy_routes* routes() noexcept { return &proxy_routes_; }
};

/// The options and storage of the optional features inside a static_client, when its
/// configuration has one that reads them (an empty base otherwise).
template <class Cfg, bool Features = needs_feature_state<Cfg>>
struct feature_storage {
  feature_state* feature_state_of() noexcept { return nullptr; }
  span<request_features> request_features_of() noexcept { return {}; }
};
template <class Cfg>
struct feature_storage<Cfg, true> {
  feature_state feature_state_;
  request_features request_features_[Cfg::max_requests];
  feature_state* feature_state_of() noexcept { return &feature_state_; }
  span<request_features> request_features_of() noexcept { return request_features_; }
};

/// The inline storage of a static_client, a base so it is built before the client.
template <class Cfg, class Transport>
struct static_client_storage : proxy_storage<Cfg::proxies>, feature_storage<Cfg> {
  static_assert(Cfg::max_connections > 0 && Cfg::max_connections < 0xFFFF, "max_connections");
  static_assert(Cfg::max_requests > 0 && Cfg::max_requests < 0xFFFF, "max_requests");
  static_assert(Cfg::max_host_bytes > 0 && Cfg::max_host_bytes <= 255, "max_host_bytes");
  // Widest alignment first: no padding between the arrays.
  pool_slot slots_[Cfg::max_connections];
  Transport transports_[Cfg::max_connections];
  request_slot requests_[Cfg::max_requests];
  port::wait_entry waits_[Cfg::max_connections];
  char rx_[Cfg::max_connections * Cfg::rx_bytes];
  char tx_[Cfg::max_connections * Cfg::tx_bytes];
  char hosts_[Cfg::max_connections * Cfg::max_host_bytes];
  // The scratch area only for the features that resolve URLs outside a request's head.
  static constexpr std::size_t scratch_bytes = Cfg::base_url || Cfg::redirects || Cfg::cookies ? Cfg::scratch_bytes : 0;
  char scratch_[scratch_bytes + 1];  // + 1: never zero-sized
  char head_store_[Cfg::head_store_bytes];
  char body_store_[Cfg::body_store_bytes];
  // Redirect targets and the redirect history only with redirects built in.
  static constexpr std::size_t url_bytes = Cfg::redirects ? Cfg::redirect_url_bytes : 0;
  static constexpr std::size_t history_bytes = Cfg::redirects ? Cfg::history_bytes : 0;
  char url_store_[Cfg::max_requests * url_bytes + 1];  // + 1: never zero-sized
  char history_store_[history_bytes + 1];

  client_storage describe() noexcept {
    // Each slot gets its transport here: no array of pointers kept only for the constructor.
    for (std::size_t i = 0; i != Cfg::max_connections; ++i) slots_[i].transport = &transports_[i];
    client_storage s;
    s.slots = slots_;
    s.requests = requests_;
    s.waits = waits_;
    s.max_request_headers = Cfg::max_request_headers;
    s.rx = rx_;
    s.tx = tx_;
    s.rx_per_slot = Cfg::rx_bytes;
    s.tx_per_slot = Cfg::tx_bytes;
    s.hosts = hosts_;
    s.host_bytes_per_slot = Cfg::max_host_bytes;
    s.scratch = {scratch_, scratch_bytes};
    s.head_store = head_store_;
    s.body_store = body_store_;
    s.url_store = {url_store_, Cfg::max_requests * url_bytes};
    s.url_bytes_per_request = url_bytes;
    s.history_store = {history_store_, history_bytes};
    s.proxies = this->routes();
    s.features = this->feature_state_of();
    s.request_features = this->request_features_of();
    return s;
  }
};
}  // namespace detail

/// A client that owns all its memory inline (no heap): `sizeof` is its whole RAM.
/// `Transport` is the port's connection type (e.g. port::posix_transport), default-constructible.
template <class Cfg, class Transport>
class static_client : private detail::static_client_storage<Cfg, Transport>, public client {
 public:
  explicit static_client(port::platform& platform, const client_options& options = {}) noexcept
      : client(this->describe(), platform, options, compiled_) {}
  /// Returns the transport of slot `i` (for port-specific settings).
  [[nodiscard]] Transport& transport_at(std::size_t i) noexcept { return this->transports_[i]; }

 private:
  static constexpr features compiled_ = features_of<Cfg>();
};

}  // namespace htpx
