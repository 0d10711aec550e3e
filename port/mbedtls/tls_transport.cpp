// TLS over another transport through mbedTLS's BIO callbacks (port/mbedtls/README.md). The
// inner transport's statuses travel through mbedTLS as WANT_READ/WANT_WRITE (would_block), 0
// (EOF) or a failure whose real cause is kept aside in inner_status_/inner_error_.
#include "tls_transport.hpp"

#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>

#include "tls_certificate.hpp"

namespace htpx::port {
namespace {

constexpr io_result would_block() noexcept { return {io_status::would_block, 0, 0}; }

// RFC 8446 §6.2 alert descriptions that concern the client's certificate.
constexpr int alert_handshake_failure = 40;
constexpr int alert_no_certificate = 41;  // SSL 3.0, still sent by some servers
constexpr int alert_bad_certificate = 42;
constexpr int alert_unsupported_certificate = 43;
constexpr int alert_certificate_revoked = 44;
constexpr int alert_certificate_expired = 45;
constexpr int alert_certificate_unknown = 46;
constexpr int alert_unknown_ca = 48;
constexpr int alert_access_denied = 49;
constexpr int alert_decrypt_error = 51;     // a CertificateVerify signature the server rejected
constexpr int alert_protocol_version = 70;  // RFC 8446 §6.2: no version in common (T-09)
constexpr int alert_certificate_required = 116;

// mbedTLS 3 hides the context's fields behind MBEDTLS_PRIVATE(); 2.28 has them public.
int ssl_state(const mbedtls_ssl_context& ssl) noexcept {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return ssl.MBEDTLS_PRIVATE(state);
#else
  return ssl.state;
#endif
}

// The received alert's description byte: valid right after MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE.
int alert_description(const mbedtls_ssl_context& ssl) noexcept {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  const unsigned char* message = ssl.MBEDTLS_PRIVATE(in_msg);
#else
  const unsigned char* message = ssl.in_msg;
#endif
  return message != nullptr ? message[1] : -1;
}

// RFC 5746: with MBEDTLS_SSL_LEGACY_BREAK_HANDSHAKE mbedTLS ends the ServerHello step with a
// handshake_failure (2.28: MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO, 3.x:
// MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE) when the server did not confirm secure renegotiation, and
// the context still says "legacy". (A ServerHello malformed in another way fails with the same
// code; that it also lacked the confirmation makes this reading the likely one.)
bool legacy_server(const mbedtls_ssl_context& ssl, int step, int ret) noexcept {
  if (step != MBEDTLS_SSL_SERVER_HELLO) return false;  // the step that failed (the state moved on)
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return ret == MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE &&
         ssl.MBEDTLS_PRIVATE(secure_renegotiation) == MBEDTLS_SSL_LEGACY_RENEGOTIATION;
#else
  return ret == MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO && ssl.secure_renegotiation == MBEDTLS_SSL_LEGACY_RENEGOTIATION;
#endif
}

// Catalogue T-06, RFC 7301 §3.2: a server that selects a protocol the client did not offer ends
// the handshake (mbedTLS refuses the ServerHello without saying why). The ServerHello is still
// in mbedTLS's input buffer: read its ALPN extension to tell this case from the others.
// `message` is the whole handshake message (RFC 5246 §7.4.1.3), bounds-checked throughout.
bool alpn_not_offered(const unsigned char* message, std::size_t size, const char* const* offered) noexcept {
  constexpr unsigned char server_hello = 2;
  constexpr unsigned alpn_type = 16;
  if (message == nullptr || size < 4 || message[0] != server_hello) return false;
  std::size_t at = 4 + 2 + 32;  // message header, version, random
  if (at >= size) return false;
  at += 1 + message[at] + 2 + 1;  // session ID, cipher suite, compression
  if (at + 2 > size) return false;
  const std::size_t end = std::min(size, at + 2 + (static_cast<std::size_t>(message[at]) << 8 | message[at + 1]));
  for (at += 2; at + 4 <= end;) {
    const unsigned type = static_cast<unsigned>(message[at]) << 8 | message[at + 1];
    const std::size_t length = static_cast<std::size_t>(message[at + 2]) << 8 | message[at + 3];
    at += 4;
    if (at + length > end) return false;
    // ProtocolNameList of exactly one name: list length (2), name length (1), name.
    if (type == alpn_type && length >= 3 && message[at + 2] == length - 3) {
      const std::string_view chosen(reinterpret_cast<const char*>(message + at + 3), length - 3);
      for (const char* const* name = offered; *name != nullptr; ++name) {
        if (chosen == *name) return false;
      }
      return true;
    }
    at += length;
  }
  return false;
}

// mbedTLS's own "no version in common": the server chose a version below our minimum.
bool bad_version(int ret) noexcept {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return ret == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION;
#else
  return ret == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION;
#endif
}

bool handshake_over(mbedtls_ssl_context& ssl) noexcept {
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
  return mbedtls_ssl_is_handshake_over(&ssl) != 0;
#else
  // 2.28 numbers states after HANDSHAKE_OVER that belong to the handshake (new session ticket).
  return ssl_state(ssl) == MBEDTLS_SSL_HANDSHAKE_OVER;
#endif
}

// TLS 1.2: our whole flight went out and we wait for the server's NewSessionTicket.
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
constexpr int state_new_session_ticket = MBEDTLS_SSL_NEW_SESSION_TICKET;
#else
constexpr int state_new_session_ticket = MBEDTLS_SSL_SERVER_NEW_SESSION_TICKET;
#endif

bool in_progress(int ret) noexcept {
  if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) return true;
  if (ret == MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS) return true;
#if defined(MBEDTLS_ERR_SSL_CRYPTO_IN_PROGRESS)
  if (ret == MBEDTLS_ERR_SSL_CRYPTO_IN_PROGRESS) return true;
#endif
  return false;
}

// mbedTLS 3 with TLS 1.3: a NewSessionTicket reported on the way; the call is simply repeated.
bool new_ticket(int ret) noexcept {
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
  return ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET;
#else
  (void)ret;
  return false;
#endif
}

bool is_certificate_failure(int ret) noexcept {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || ret == MBEDTLS_ERR_SSL_BAD_CERTIFICATE;
#else
  return ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || ret == MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE;
#endif
}

// SHA-256 over `parts` (mbedTLS's; 2.28 names the calls *_ret). The route and session keys of
// catalogue T-13 are digests: 32 bytes each instead of copies of hosts and CONNECT requests.
struct bytes_part {
  const void* data;
  std::size_t size;
};

void sha256(std::initializer_list<bytes_part> parts, unsigned char* out) noexcept {
  mbedtls_sha256_context context;
  mbedtls_sha256_init(&context);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  (void)mbedtls_sha256_starts(&context, 0);
  for (const bytes_part& part : parts) {
    // Each part's length first: ("ab", "c") and ("a", "bc") differ.
    const std::uint64_t size = part.size;
    (void)mbedtls_sha256_update(&context, reinterpret_cast<const unsigned char*>(&size), sizeof(size));
    (void)mbedtls_sha256_update(&context, static_cast<const unsigned char*>(part.data), part.size);
  }
  (void)mbedtls_sha256_finish(&context, out);
#else
  (void)mbedtls_sha256_starts_ret(&context, 0);
  for (const bytes_part& part : parts) {
    const std::uint64_t size = part.size;
    (void)mbedtls_sha256_update_ret(&context, reinterpret_cast<const unsigned char*>(&size), sizeof(size));
    (void)mbedtls_sha256_update_ret(&context, static_cast<const unsigned char*>(part.data), part.size);
  }
  (void)mbedtls_sha256_finish_ret(&context, out);
#endif
  mbedtls_sha256_free(&context);
}

}  // namespace

tls_transport::tls_transport() noexcept {
  mbedtls_ssl_init(&ssl_);
  mbedtls_ssl_session_init(&session_);
}

tls_transport::tls_transport(transport& inner, const tls_config& config) noexcept : tls_transport() {
  inner_ = &inner;
  config_ = &config;
}

tls_transport::~tls_transport() {
  close();
  mbedtls_ssl_free(&ssl_);
  mbedtls_ssl_session_free(&session_);
}

void tls_transport::attach(transport& inner, const tls_config& config) noexcept {
  if (ssl_ready_ || inner_up_) close();  // the context points into the old config
  if (config_ != &config) forget_session();
  inner_ = &inner;
  config_ = &config;
}

void tls_transport::attach(transport& inner) noexcept {
  if (ssl_ready_ || inner_up_) close();
  if (config_ != nullptr) forget_session();
  inner_ = &inner;
  config_ = nullptr;
}

const tls_config& tls_transport::config() const noexcept {
  return config_ != nullptr ? *config_ : default_tls_config();
}

std::intptr_t tls_transport::native_handle() const noexcept { return inner_ != nullptr ? inner_->native_handle() : -1; }

bool tls_transport::has_buffered_input() const noexcept {
  const bool inner_buffered = inner_ != nullptr && inner_->has_buffered_input();
  if (state_ != state::secure) return inner_buffered;
  // A partly read record keeps decrypted bytes; a whole record may wait undecrypted.
  return inner_buffered || mbedtls_ssl_get_bytes_avail(&ssl_) != 0 || mbedtls_ssl_check_pending(&ssl_) != 0;
}

std::string_view tls_transport::saved_session_name() const noexcept {
  return has_session_ ? std::string_view(session_name_) : std::string_view();
}

void tls_transport::forget_session() noexcept {
  mbedtls_ssl_session_free(&session_);
  mbedtls_ssl_session_init(&session_);
  has_session_ = false;
  session_name_[0] = '\0';
}

// ---- start_tls and the handshake -------------------------------------------------------------

io_result tls_transport::start_tls(std::string_view server_name) noexcept {
  if (inner_ == nullptr) return {io_status::error, 0, tls_error::not_attached};
  if (state_ != state::plain) return {io_status::error, 0, MBEDTLS_ERR_SSL_BAD_INPUT_DATA};
  tls_error_in_handshake_ = false;
  resumed_ = false;
  clock_unknown_ = false;
  verify_flags_ = 0;
  alert_ = -1;
  if (const std::int32_t rc = set_server_name(server_name); rc != 0) return fail(rc, false);
  const tls_config& cfg = config();
  if (const std::int32_t rc = cfg.prepare(); rc != 0) return fail(rc, false);
  if (const std::int32_t rc = setup_context(cfg); rc != 0) return fail(rc, false);
  state_ = state::handshake;
  return {};
}

// The name as SNI and for verification: brackets around an IPv6 literal and a trailing dot go.
std::int32_t tls_transport::set_server_name(std::string_view name) noexcept {
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']')
    name = std::string_view(name.data() + 1, name.size() - 2);
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > max_server_name || name.find('\0') != std::string_view::npos) {
    return tls_error::bad_server_name;
  }
  std::memcpy(name_, name.data(), name.size());
  name_[name.size()] = '\0';
  (void)parse_ip_address(name, ip_);  // a DNS name leaves ip_ empty
  return 0;
}

std::int32_t tls_transport::setup_context(const tls_config& cfg) noexcept {
  ssl_ready_ = true;  // even a failed setup leaves allocations for mbedtls_ssl_free() (C-04)
  int rc = mbedtls_ssl_setup(&ssl_, &cfg.conf_);
  if (rc != 0) return rc;
  // An address is never sent as SNI (RFC 6066 §3) and mbedTLS cannot match it: verify_peer()
  // does. The explicit null also tells mbedTLS 3.6 that skipping its name check is intended.
  rc = mbedtls_ssl_set_hostname(&ssl_, ip_.size == 0 ? name_ : nullptr);
  if (rc != 0) return rc;
  mbedtls_ssl_set_verify(&ssl_, verify_peer, this);
  mbedtls_ssl_set_bio(&ssl_, this, bio_send, bio_recv, nullptr);
  full_handshake_ = false;
  asked_for_certificate_ = false;
  bytes_sent_ = 0;
  offered_session_ = false;
  session_decided_ = false;  // offer_session(), once the route is known (the inner connect is up)
  reframing_ = true;         // every version: see reframe_read()
  raw_record_ = false;
  record_header_size_ = record_left_ = message_header_size_ = message_left_ = pending_size_ = pending_at_ = 0;
  reframe_error_ = 0;
  return 0;
}

// Catalogue T-13 (curl CVE-2021-22890, CVE-2016-5419): a session is resumed only by the
// connection it belongs to. The key: the server name (SNI and the verified name), the route
// (route_: where the inner transport connected, what went in the clear before TLS, such as the
// CONNECT request naming the origin's host and port through a proxy), whether the server is
// verified, whether a client certificate is loaded, and the ALPN list offered.
void tls_transport::session_key(const tls_config& cfg, unsigned char* key) const noexcept {
  const unsigned char flags[2] = {static_cast<unsigned char>(cfg.verifies()),
                                  static_cast<unsigned char>(cfg.has_client_cert())};
  sha256({{name_, std::strlen(name_)}, {route_, sizeof(route_)}, {flags, sizeof(flags)}}, key);
  for (const char* const* protocol = cfg.alpn_; *protocol != nullptr; ++protocol) {
    sha256({{key, sizeof(session_key_)}, {*protocol, std::strlen(*protocol)}}, key);
  }
}

void tls_transport::offer_session() noexcept {
  session_decided_ = true;
  if (!has_session_) return;
  unsigned char key[sizeof(session_key_)];
  session_key(config(), key);
  // A session from an unverified handshake is never offered where verification is on (the
  // verification flag is in the key).
  if (std::memcmp(key, session_key_, sizeof(key)) == 0)
    offered_session_ = mbedtls_ssl_set_session(&ssl_, &session_) == 0;
  if (!offered_session_) forget_session();  // one session per transport: this connection's replaces it
}

void tls_transport::inner_connected(std::string_view host, std::uint16_t port) noexcept {
  inner_up_ = true;
  const unsigned char port_bytes[2] = {static_cast<unsigned char>(port >> 8), static_cast<unsigned char>(port)};
  sha256({{host.data(), host.size()}, {port_bytes, sizeof(port_bytes)}}, route_);
}

void tls_transport::mix_route(const void* data, std::size_t size) noexcept {
  sha256({{route_, sizeof(route_)}, {data, size}}, route_);
}

io_result tls_transport::connect(std::string_view host, std::uint16_t port) noexcept {
  switch (state_) {
    case state::plain: {
      if (inner_ == nullptr) return {io_status::error, 0, tls_error::not_attached};
      const io_result r = inner_->connect(host, port);
      if (r.status == io_status::ok && !inner_up_) inner_connected(host, port);
      want_ = interest::write;  // a TCP connect completes on writability
      return r;
    }
    case state::handshake:
      if (!inner_up_) {  // start_tls() came before the TCP connection was up
        const io_result r = inner_->connect(host, port);
        want_ = interest::write;
        if (r.status == io_status::would_block) return r;
        if (r.status != io_status::ok) return fail_inner(r);
        inner_connected(host, port);
      }
      return drive_handshake();
    case state::secure: return {};
    case state::failed: return failure_;
  }
  return {io_status::error, 0, MBEDTLS_ERR_SSL_BAD_INPUT_DATA};
}

io_result tls_transport::drive_handshake() noexcept {
  clear_inner_result();
  if (!session_decided_) offer_session();
  // Stepping (not mbedtls_ssl_handshake()) shows whether the server sent its certificate: a
  // resumed session skips that state.
  while (!handshake_over(ssl_)) {
    const int step = ssl_state(ssl_);
    step_ = step;
    if (step == MBEDTLS_SSL_SERVER_CERTIFICATE) full_handshake_ = true;
    const std::size_t sent = bytes_sent_;
    const int ret = mbedtls_ssl_handshake_step(&ssl_);
    // mbedTLS writes a Certificate message (empty without one of ours) only when the server sent
    // a CertificateRequest: bytes leaving in this step say it asked (TLS 1.2 and 1.3 alike).
    if (step == MBEDTLS_SSL_CLIENT_CERTIFICATE && bytes_sent_ != sent) asked_for_certificate_ = true;
    if (ret == 0 || new_ticket(ret)) continue;
    if (in_progress(ret)) return would_block_on(ret);
    return handshake_failed(ret);
  }
  state_ = state::secure;
  reframing_ = false;  // the server's ChangeCipherSpec ended it already (TLS 1.2)
  resumable_ = true;
  resumed_ = offered_session_ && !full_handshake_;
  const std::uint32_t flags = mbedtls_ssl_get_verify_result(&ssl_);
  verify_flags_ = flags == 0xFFFFFFFFu ? 0 : flags & ~static_cast<std::uint32_t>(MBEDTLS_X509_BADCERT_SKIP_VERIFY);
#if defined(MBEDTLS_SSL_ALPN)
  const char* protocol = mbedtls_ssl_get_alpn_protocol(&ssl_);
  alpn_ = protocol != nullptr ? std::string_view(protocol) : std::string_view();
#endif
  return {};
}

io_result tls_transport::would_block_on(int ret) noexcept {
  want_ = ret == MBEDTLS_ERR_SSL_WANT_READ    ? interest::read
          : ret == MBEDTLS_ERR_SSL_WANT_WRITE ? interest::write
                                              : interest::read_write;
  return would_block();
}

io_result tls_transport::handshake_failed(int ret) noexcept {
  tls_error_in_handshake_ = true;
  if (reframe_error_ != 0) return fail(reframe_error_, true);
  // A server that refuses us mid-flight closes while we still send: its alert waits unread.
  if (inner_status_ != io_status::ok && inner_failed_sending_ && read_plain_alert()) return fail(alert_error(), true);
  const bool inner_failed = inner_status_ == io_status::error;
  const bool eof = inner_status_ == io_status::closed || ret == MBEDTLS_ERR_SSL_CONN_EOF;
  if ((inner_failed || eof) && client_certificate_missing()) return fail(tls_error::client_cert_required, true);
  if (inner_failed) return fail_inner({io_status::error, 0, inner_error_});
  if (eof) return fail(tls_error::handshake_closed, true);
  if (bad_version(ret)) return fail(tls_error::protocol_version, true);
  if (legacy_server(ssl_, step_, ret)) return fail(tls_error::insecure_renegotiation, true);
  if (step_ == MBEDTLS_SSL_SERVER_HELLO && server_chose_another_protocol())
    return fail(tls_error::alpn_not_offered, true);
  const std::uint32_t flags = mbedtls_ssl_get_verify_result(&ssl_);
  if (flags != 0xFFFFFFFFu) verify_flags_ = flags;
  if (is_certificate_failure(ret) && flags != 0 && flags != 0xFFFFFFFFu) {
    return fail(detail::verification_error(flags, clock_unknown_), true);
  }
  // mbedtls_x509_crt_verify() stops with MBEDTLS_ERR_X509_FATAL_ERROR and all flags set when the
  // path to a trusted CA would exceed MBEDTLS_X509_MAX_INTERMEDIATE_CA (x509_crt_verify_chain():
  // "chain too long"); the port's verify callback never fails, so that is the only cause here.
  if (ret == MBEDTLS_ERR_X509_FATAL_ERROR && flags == 0xFFFFFFFFu) return fail(tls_error::chain_too_long, true);
  if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
    alert_ = alert_description(ssl_);
    return fail(alert_error(), true);
  }
  return fail(ret, true);
}

bool tls_transport::server_chose_another_protocol() const noexcept {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  return alpn_not_offered(ssl_.MBEDTLS_PRIVATE(in_msg), ssl_.MBEDTLS_PRIVATE(in_hslen), config().alpn_);
#else
  return alpn_not_offered(ssl_.in_msg, ssl_.in_hslen, config().alpn_);
#endif
}

// A fatal alert about our certificate: the server asked for one and we had none (required), or
// it did not accept the one we sent (refused). Any other alert stays an alert.
std::int32_t tls_transport::alert_error() const noexcept {
  if (alert_ == alert_certificate_required) return tls_error::client_cert_required;  // RFC 8446 §4.4.2.4
  // A server that speaks only versions we do not offer (a TLS 1.3-only server, catalogue T-09).
  if (alert_ == alert_protocol_version) return tls_error::protocol_version;
  if (!server_asked_for_certificate()) return MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE;
  const bool have_certificate = config().has_client_cert();
  switch (alert_) {
    case alert_handshake_failure:
    case alert_no_certificate:
      return have_certificate ? MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE : tls_error::client_cert_required;
    case alert_bad_certificate:
    case alert_certificate_unknown:
    case alert_access_denied:
      return have_certificate ? tls_error::client_cert_refused : tls_error::client_cert_required;
    case alert_unsupported_certificate:
    case alert_certificate_revoked:
    case alert_certificate_expired:
    case alert_unknown_ca:
    case alert_decrypt_error:
      return have_certificate ? tls_error::client_cert_refused : MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE;
    default: return MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE;
  }
}

// RFC 5246 §6.2.1, §7.2: an alert the server sent before its ChangeCipherSpec is a plaintext
// record of 7 bytes (type 21, version, length 2, level, description).
bool tls_transport::read_plain_alert() noexcept {
  unsigned char record[7];
  std::size_t have = 0;
  for (int call = 0; call != 4 && have != sizeof(record); ++call) {
    const io_result r = inner_->recv({reinterpret_cast<char*>(record) + have, sizeof(record) - have});
    if (r.status != io_status::ok || r.bytes == 0 || r.bytes > sizeof(record) - have) break;
    have += r.bytes;
  }
  if (have != sizeof(record) || record[0] != MBEDTLS_SSL_MSG_ALERT || record[1] != 3 || record[3] != 0 ||
      record[4] != 2 || record[5] != MBEDTLS_SSL_ALERT_LEVEL_FATAL) {
    return false;
  }
  alert_ = record[6];
  return true;
}

// The server asked for a certificate, we had none and it hung up after our (empty) Certificate
// without saying why: what servers that skip the alert mean (an mbedTLS server does so).
bool tls_transport::client_certificate_missing() const noexcept {
  if (!server_asked_for_certificate() || config().has_client_cert()) return false;
  switch (ssl_state(ssl_)) {
    case MBEDTLS_SSL_CLIENT_KEY_EXCHANGE:
    case MBEDTLS_SSL_CERTIFICATE_VERIFY:
    case MBEDTLS_SSL_CLIENT_CHANGE_CIPHER_SPEC:
    case MBEDTLS_SSL_CLIENT_FINISHED:
    case state_new_session_ticket:
    case MBEDTLS_SSL_SERVER_CHANGE_CIPHER_SPEC:
    case MBEDTLS_SSL_SERVER_FINISHED: return true;
    default: return false;
  }
}

bool tls_transport::server_asked_for_certificate() const noexcept { return asked_for_certificate_; }

int tls_transport::verify_peer(void* self, mbedtls_x509_crt* crt, int depth, std::uint32_t* flags) {
  auto& t = *static_cast<tls_transport*>(self);
  const tls_config& config = t.config();
  if (!detail::check_dates(config, *crt, flags) && !config.allow_unknown_time_) {
    t.clock_unknown_ = true;
    *flags |= MBEDTLS_X509_BADCERT_OTHER;  // fail closed: verification_error() says why
  }
  if (depth != 0) return 0;
  t.full_handshake_ = true;
  // mbedTLS checked DNS names (mbedtls_ssl_set_hostname()); addresses are checked here.
  if (t.ip_.size != 0 && !detail::certificate_has_ip(*crt, t.ip_)) *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  return 0;
}

// ---- records -----------------------------------------------------------------------------------

io_result tls_transport::send(bytes_view data) noexcept {
  switch (state_) {
    case state::plain: {
      want_ = interest::write;
      if (inner_ == nullptr) return {io_status::error, 0, tls_error::not_attached};
      const io_result r = inner_->send(data);
      // What goes in the clear before TLS (a proxy's CONNECT request) is part of the route.
      if (r.status == io_status::ok && r.bytes <= data.size) mix_route(data.data, r.bytes);
      return r;
    }
    case state::handshake: return {io_status::error, 0, ENOTCONN};
    case state::failed: return failure_;
    case state::secure: break;
  }
  if (send_failure_.status != io_status::ok) return send_failure_;
  if (peer_closed_) return {io_status::closed, 0, 0};
  if (data.size == 0) return {io_status::error, 0, EINVAL};
  clear_inner_result();
  const int ret = mbedtls_ssl_write(&ssl_, reinterpret_cast<const unsigned char*>(data.data), data.size);
  if (ret > 0) return {io_status::ok, static_cast<std::size_t>(ret), 0};
  if (ret == 0 || in_progress(ret)) return would_block_on(ret);  // S-03: the caller repeats the call
  return io_failed(ret, true);
}

io_result tls_transport::recv(mutable_bytes buffer) noexcept {
  switch (state_) {
    case state::plain:
      want_ = interest::read;
      return inner_ != nullptr ? inner_->recv(buffer) : io_result{io_status::error, 0, tls_error::not_attached};
    case state::handshake: return {io_status::error, 0, ENOTCONN};
    case state::failed: return failure_;
    case state::secure: break;
  }
  if (peer_closed_) return {io_status::closed, 0, 0};  // closed again on every call
  if (buffer.size == 0) return {io_status::error, 0, EINVAL};
  clear_inner_result();
  for (int ticket = 0; ticket != 4; ++ticket) {
    const int ret = mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char*>(buffer.data), buffer.size);
    if (ret > 0) return {io_status::ok, static_cast<std::size_t>(ret), 0};
    if (in_progress(ret)) return would_block_on(ret);
    if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      peer_closed_ = true;
      return {io_status::closed, 0, 0};
    }
    if (!new_ticket(ret)) return io_failed(ret, false);
  }
  return would_block();
}

io_result tls_transport::recv_wait(mutable_bytes buffer, std::uint32_t timeout_ms) noexcept {
  if (state_ == state::plain && inner_ != nullptr) return inner_->recv_wait(buffer, timeout_ms);
  if (state_ != state::secure) return {io_status::would_block, 0, recv_wait_unsupported};
  // Only the first inner read sleeps (bio_recv): the rest of a record follows at once, or is
  // waited for on the next call.
  inner_wait_ms_ = timeout_ms;
  inner_wait_unsupported_ = false;
  const io_result r = recv(buffer);
  inner_wait_ms_ = 0;
  if (r.status == io_status::would_block && inner_wait_unsupported_) {
    return {io_status::would_block, 0, recv_wait_unsupported};
  }
  return r;
}

// A failed mbedtls_ssl_write()/read(): the inner transport's failure when it had one, EOF as
// truncation (R-04: EOF without close_notify is never closed), else the TLS failure.
io_result tls_transport::io_failed(int ret, bool sending) noexcept {
  tls_error_in_handshake_ = false;
  if (sending && inner_status_ != io_status::ok) {
    // S-04: the server may have answered before it stopped reading; recv() goes on.
    send_failure_ = {inner_status_, 0, inner_status_ == io_status::error ? inner_error_ : 0};
    return send_failure_;
  }
  if (inner_status_ == io_status::error) return fail_inner({io_status::error, 0, inner_error_});
  if (!sending && (inner_status_ == io_status::closed || ret == 0 || ret == MBEDTLS_ERR_SSL_CONN_EOF)) {
    // RFC 8446 §6.1: an attacker can end the stream early; only close_notify is an orderly end.
    // Not a TLS failure: the session may be resumed (RFC 5246 §7.2.1).
    return fail(tls_error::truncated, false);
  }
  if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
    alert_ = alert_description(ssl_);
    return fail(alert_error(), true);
  }
  return fail(ret, true);
}

io_result tls_transport::fail(std::int32_t sys_error, bool tls_level) noexcept {
  state_ = state::failed;
  tls_error_ = sys_error;
  if (tls_level) {  // RFC 5246 §7.2.2: no resumption after a fatal error, of this session or the one offered
    resumable_ = false;
    tls_failed_ = true;
  }
  failure_ = {io_status::error, 0, sys_error};
  return failure_;
}

io_result tls_transport::fail_inner(io_result inner) noexcept {
  state_ = state::failed;
  if (inner.status != io_status::error)
    inner = {io_status::error, 0, inner.status == io_status::closed ? ECONNRESET : EPROTO};
  if (inner.sys_error == 0) inner.sys_error = EIO;
  failure_ = inner;
  return failure_;
}

void tls_transport::clear_inner_result() noexcept {
  inner_status_ = io_status::ok;
  inner_error_ = 0;
  inner_failed_sending_ = false;
}

// ---- BIO callbacks ------------------------------------------------------------------------------

int tls_transport::bio_send(void* self, const unsigned char* data, std::size_t size) {
  auto& t = *static_cast<tls_transport*>(self);
  const io_result r = t.inner_->send({reinterpret_cast<const char*>(data), size});
  switch (r.status) {
    case io_status::ok:
      if (r.bytes != 0 && r.bytes <= size) {
        t.bytes_sent_ += r.bytes;
        return static_cast<int>(r.bytes);
      }
      t.inner_status_ = io_status::error;  // K-05: a broken contract ends the connection
      t.inner_error_ = EPROTO;
      t.inner_failed_sending_ = true;
      return bio_failed;
    case io_status::would_block: return MBEDTLS_ERR_SSL_WANT_WRITE;
    case io_status::closed:
      t.inner_status_ = io_status::closed;
      t.inner_failed_sending_ = true;
      return bio_failed;
    case io_status::error: break;
  }
  t.inner_failed_sending_ = true;
  t.inner_status_ = io_status::error;
  t.inner_error_ = r.sys_error != 0 ? r.sys_error : EIO;
  return bio_failed;
}

int tls_transport::bio_recv(void* self, unsigned char* buffer, std::size_t size) {
  auto& t = *static_cast<tls_transport*>(self);
  if (t.reframing_ || t.pending_at_ != t.pending_size_) return t.reframe_read(buffer, size);
  return t.inner_read(buffer, size);
}

// One inner read, in mbedTLS's terms: bytes, WANT_READ, 0 for EOF, or bio_failed with the cause
// kept aside.
int tls_transport::inner_read(unsigned char* buffer, std::size_t size) noexcept {
  const mutable_bytes into{reinterpret_cast<char*>(buffer), size};
  io_result r;
  if (inner_wait_ms_ != 0) {  // recv_wait(): this read may sleep, once
    r = inner_->recv_wait(into, inner_wait_ms_);
    inner_wait_ms_ = 0;
    if (r.status == io_status::would_block && r.sys_error == recv_wait_unsupported) {
      inner_wait_unsupported_ = true;
      return MBEDTLS_ERR_SSL_WANT_READ;
    }
  } else {
    r = inner_->recv(into);
  }
  switch (r.status) {
    case io_status::ok:
      if (r.bytes != 0 && r.bytes <= size) return static_cast<int>(r.bytes);
      inner_status_ = io_status::error;
      inner_error_ = EPROTO;
      return bio_failed;
    case io_status::would_block: return MBEDTLS_ERR_SSL_WANT_READ;
    case io_status::closed: inner_status_ = io_status::closed; return 0;  // mbedTLS: EOF
    case io_status::error: break;
  }
  inner_status_ = io_status::error;
  inner_error_ = r.sys_error != 0 ? r.sys_error : EIO;
  return bio_failed;
}

// ---- close ----------------------------------------------------------------------------------------

void tls_transport::close() noexcept {
  if (ssl_ready_) {
    // One attempt at close_notify (RFC 8446 §6.1): close() never waits for the socket.
    if (state_ == state::secure && send_failure_.status == io_status::ok) {
      clear_inner_result();
      (void)mbedtls_ssl_close_notify(&ssl_);
    }
    if (resumable_) {
      save_session();
    } else if (tls_failed_) {
      forget_session();
    }
    mbedtls_ssl_free(&ssl_);  // the record buffers and the handshake state
    mbedtls_ssl_init(&ssl_);
    ssl_ready_ = false;
  }
  if (inner_ != nullptr) inner_->close();
  state_ = state::plain;
  inner_up_ = peer_closed_ = resumable_ = offered_session_ = full_handshake_ = tls_failed_ = false;
  send_failure_ = {};
  failure_ = {};
  clear_inner_result();
  alpn_ = {};
  ip_ = ip_address{};
  std::memset(route_, 0, sizeof(route_));  // the next connection has its own route
  want_ = interest::read_write;
}

void tls_transport::save_session() noexcept {
  forget_session();
  if (mbedtls_ssl_get_session(&ssl_, &session_) != 0) {
    forget_session();
    return;
  }
  std::memcpy(session_name_, name_, sizeof(name_));
  session_key(config(), session_key_);
  has_session_ = true;
}

const char* tls_transport::describe_error(std::int32_t sys_error) const noexcept {
  if (sys_error == 0) return nullptr;
  if (sys_error == tls_error_) {  // produced here: the handshake gives generic codes a better name
    const char* text = describe_tls_error(sys_error, tls_error_in_handshake_);
    return text != nullptr ? text : (tls_error_in_handshake_ ? "handshake failed" : "TLS error");
  }
  if (inner_ != nullptr) {
    if (const char* text = inner_->describe_error(sys_error)) return text;
  }
  return describe_tls_error(sys_error);
}

}  // namespace htpx::port
