// TLS settings over mbedTLS 2.28 and 3.6 (both tested): port/mbedtls/README.md.
#include "tls_config.hpp"

#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform_time.h>
#include <mbedtls/version.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

#include <cstring>
#include <new>

namespace htpx::port {
namespace {

// PEM must reach mbedTLS with its NUL counted in the length; without it mbedTLS would take the
// text for DER and report a confusing parse error, so it is caught here with its own code.
bool looks_like_pem(const unsigned char* data, std::size_t size) noexcept {
  std::size_t i = 0;
  while (i != size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')) ++i;
  constexpr char begin[] = "-----BEGIN";
  return size - i >= sizeof(begin) - 1 && std::memcmp(data + i, begin, sizeof(begin) - 1) == 0;
}

int check_pem(const unsigned char* data, std::size_t size) noexcept {
  if (data == nullptr || size == 0) return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
  if (looks_like_pem(data, size) && data[size - 1] != '\0') return tls_error::pem_not_terminated;
  return 0;
}

// DER certificates back to back (mbedtls_x509_crt_parse() takes one DER certificate only).
int parse_der_chain(mbedtls_x509_crt* chain, const unsigned char* data, std::size_t size) noexcept {
  const unsigned char* const end = data + size;
  while (data != end) {
    // mbedtls_asn1_get_tag() only reads through its non-const pointer.
    unsigned char* cursor = const_cast<unsigned char*>(data);
    std::size_t body = 0;
    const int rc = mbedtls_asn1_get_tag(&cursor, end, &body, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    if (rc != 0) return MBEDTLS_ERR_X509_INVALID_FORMAT + rc;
    const std::size_t whole = static_cast<std::size_t>(cursor - data) + body;
    const int parsed = mbedtls_x509_crt_parse_der(chain, data, whole);
    if (parsed != 0) return parsed;
    data += whole;
  }
  return 0;
}

int parse_certificates(mbedtls_x509_crt* chain, const unsigned char* data, std::size_t size) noexcept {
  if (const int rc = check_pem(data, size); rc != 0) return rc;
  if (looks_like_pem(data, size)) return mbedtls_x509_crt_parse(chain, data, size);
  return parse_der_chain(chain, data, size);
}

std::size_t count(const mbedtls_x509_crt& chain) noexcept {
  std::size_t n = 0;
  for (const mbedtls_x509_crt* c = &chain; c != nullptr; c = c->next) {
    if (c->raw.len != 0) ++n;
  }
  return n;
}

const unsigned char* password_bytes(const char* password) noexcept {
  return reinterpret_cast<const unsigned char*>(password);
}

std::size_t password_size(const char* password) noexcept { return password == nullptr ? 0 : std::strlen(password); }

#if defined(MBEDTLS_SSL_ALPN)
// mbedtls_ssl_conf_alpn_protocols() cannot take "no list": the field is set directly.
void clear_alpn(mbedtls_ssl_config& conf) noexcept {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  conf.MBEDTLS_PRIVATE(alpn_list) = nullptr;
#else
  conf.alpn_list = nullptr;
#endif
}
#endif

constexpr bool is_own_code(std::int32_t code) noexcept {
  return code <= tls_error::cert_expired && code >= tls_error::last_code;
}

const char* own_text(std::int32_t code) noexcept {
  switch (code) {
    case tls_error::cert_expired: return "certificate has expired";
    case tls_error::cert_not_yet_valid: return "certificate is not yet valid";
    case tls_error::hostname_mismatch: return "hostname mismatch";
    case tls_error::unknown_ca: return "unknown CA";
    case tls_error::cert_revoked: return "certificate revoked";
    case tls_error::cert_bad_usage: return "certificate not valid for TLS server authentication (key usage)";
    case tls_error::cert_weak: return "certificate uses a weak or unsupported algorithm or key";
    case tls_error::cert_invalid: return "certificate verification failed";
    case tls_error::client_cert_required: return "client certificate required";
    case tls_error::client_cert_refused: return "client certificate refused";
    case tls_error::truncated: return "TLS connection truncated (no close_notify)";
    case tls_error::handshake_closed: return "handshake failed (connection closed by the server)";
    case tls_error::no_ca: return "no CA certificates to verify the server with";
    case tls_error::bad_server_name: return "invalid TLS server name";
    case tls_error::pem_not_terminated: return "PEM data must end with a NUL byte counted in its length";
    case tls_error::key_mismatch: return "client certificate and key do not match";
    case tls_error::already_loaded: return "a client certificate is already loaded";
    case tls_error::not_attached: return "TLS transport has no inner transport (attach())";
    case tls_error::chain_too_long: return "certificate chain too long";
    case tls_error::protocol_version: return "handshake failed (no TLS version in common)";
    case tls_error::clock_not_set: return "the clock is not set: certificate dates cannot be checked";
    case tls_error::handshake_too_large:
      return "handshake failed (a handshake message is larger than the TLS record buffer, "
             "MBEDTLS_SSL_IN_CONTENT_LEN)";
    case tls_error::alpn_not_offered:
      return "handshake failed (the server chose an ALPN protocol that was not offered)";
    case tls_error::insecure_renegotiation:
      return "handshake failed (the server does not support secure renegotiation, RFC 5746)";
    default: return nullptr;
  }
}

const char* mbedtls_text(std::int32_t code, bool in_handshake) noexcept {
  switch (code) {
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE: return "TLS alert from the server";
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY: return "the server closed the TLS connection";
    case MBEDTLS_ERR_SSL_CONN_EOF: return "connection closed by the server";
    case MBEDTLS_ERR_SSL_INVALID_MAC: return "TLS record authentication failed (bad MAC)";
    case MBEDTLS_ERR_SSL_INVALID_RECORD:
      return in_handshake ? "handshake failed (the server did not answer in TLS)" : "invalid TLS record";
    case MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED: return "no CA certificates to verify the server with";
    case MBEDTLS_ERR_SSL_BAD_INPUT_DATA: return "invalid TLS call";
    case MBEDTLS_ERR_SSL_ALLOC_FAILED:
    case MBEDTLS_ERR_X509_ALLOC_FAILED:
    case MBEDTLS_ERR_PK_ALLOC_FAILED:
    case MBEDTLS_ERR_MPI_ALLOC_FAILED:
    case MBEDTLS_ERR_PEM_ALLOC_FAILED: return "out of memory (mbedTLS heap)";
    case MBEDTLS_ERR_X509_FILE_IO_ERROR:
    case MBEDTLS_ERR_PK_FILE_IO_ERROR: return "cannot read the file";
    case MBEDTLS_ERR_PK_PASSWORD_REQUIRED: return "the private key is encrypted: a password is required";
    case MBEDTLS_ERR_PK_PASSWORD_MISMATCH: return "wrong password for the private key";
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED: return "certificate verification failed";
    case MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT: return "no certificate in the data";
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    case MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION: return "handshake failed (no TLS version in common)";
    case MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE: return "handshake failed";
#else
    case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION: return "handshake failed (no TLS version in common)";
    case MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN: return "handshake failed (no cipher suite in common)";
    case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE: return "handshake failed (no usable cipher suite)";
#endif
    default: break;
  }
  const std::int32_t high = (-code) & 0x7F80;  // mbedTLS: high-level module bits 7..14
  if (high >= 0x1080 && high <= 0x1480) return "invalid PEM data";
  if (high >= 0x2080 && high <= 0x3000) return "not a valid certificate or CRL";
  if (high >= 0x3880 && high <= 0x3F80) return "not a valid private key";
  return in_handshake ? "handshake failed" : "TLS protocol error";
}

}  // namespace

const char* describe_tls_error(std::int32_t code, bool in_handshake) noexcept {
  if (is_own_code(code)) return own_text(code);
  // 0, errno values (> 0), resolver codes (-1..-127, which are also mbedTLS's low-level codes:
  // a transport that produced one says so itself) and unknown codes: not ours to describe.
  if (code > -0x80 || code < -0x7FFF) return nullptr;
  return mbedtls_text(code, in_handshake);
}

const char* describe_tls_error(std::int32_t code) noexcept { return describe_tls_error(code, false); }

tls_config::tls_config() noexcept {
  mbedtls_ssl_config_init(&conf_);
  mbedtls_x509_crt_init(&ca_);
  mbedtls_x509_crl_init(&crl_);
  mbedtls_x509_crt_init(&own_cert_);
  mbedtls_pk_init(&own_key_);
  mbedtls_entropy_init(&entropy_);
  mbedtls_ctr_drbg_init(&drbg_);
  alpn_[0] = "http/1.1";
  status_ = setup();
}

tls_config::~tls_config() {
  mbedtls_ssl_config_free(&conf_);
  mbedtls_x509_crt_free(&ca_);
  mbedtls_x509_crl_free(&crl_);
  mbedtls_x509_crt_free(&own_cert_);
  mbedtls_pk_free(&own_key_);
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_entropy_free(&entropy_);
}

int tls_config::setup() noexcept {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
  // mbedTLS 3: TLS 1.3 and the PSA-backed code need the PSA core (idempotent).
  if (psa_crypto_init() != PSA_SUCCESS) return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
#endif
  static constexpr unsigned char personalization[] = "htpx tls_config";
  int rc = mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, personalization, sizeof(personalization) - 1);
  if (rc != 0) return rc;
  rc = mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                   MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) return rc;
  mbedtls_ssl_conf_rng(&conf_, mbedtls_ctr_drbg_random, &drbg_);
  mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_REQUIRED);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
  mbedtls_ssl_conf_min_tls_version(&conf_, MBEDTLS_SSL_VERSION_TLS1_2);
  // TLS 1.2 only, as with 2.28 (tested): resumption, max fragment length and client-certificate
  // errors in connect() behave the same. TLS 1.3 is opt-in (port/mbedtls/README.md).
  mbedtls_ssl_conf_max_tls_version(&conf_, MBEDTLS_SSL_VERSION_TLS1_2);
#else
  // TLS 1.0 and 1.1 are deprecated (RFC 8996).
  mbedtls_ssl_conf_min_version(&conf_, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
  mbedtls_ssl_conf_session_tickets(&conf_, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#endif
#if defined(MBEDTLS_SSL_RENEGOTIATION)
  // Catalogue T-10: never renegotiate (CVE-2009-3555, the triple handshake; forbidden for h2 by
  // RFC 9113 §9.2.1). This is mbedTLS's default, stated here so that it cannot drift: a server's
  // HelloRequest is answered with a no_renegotiation warning (RFC 5246 §7.2.2) and the
  // connection goes on.
  mbedtls_ssl_conf_renegotiation(&conf_, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
  // RFC 5746 §4.1: a server that does not confirm secure renegotiation is refused (as OpenSSL 3
  // does), rather than merely never renegotiated with (mbedTLS's default).
  mbedtls_ssl_conf_legacy_renegotiation(&conf_, MBEDTLS_SSL_LEGACY_BREAK_HANDSHAKE);
#if defined(MBEDTLS_SSL_ALPN)
  rc = mbedtls_ssl_conf_alpn_protocols(&conf_, alpn_);
#endif
  return rc;
}

std::size_t tls_config::ca_count() const noexcept { return count(ca_); }

int tls_config::add_ca(int parse_result, std::size_t before) noexcept {
  // A bundle may hold certificates mbedTLS cannot parse (a positive count): the others count.
  if (count(ca_) > before) apply_ca();
  if (parse_result < 0) return parse_result;
  return count(ca_) > before ? 0 : MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT;
}

void tls_config::apply_ca() const noexcept {
  if (count(ca_) != 0) mbedtls_ssl_conf_ca_chain(&conf_, &ca_, crl_loaded_ ? &crl_ : nullptr);
}

// Reading a file needs mbedTLS's MBEDTLS_FS_IO, which a bare-metal build leaves out (its
// x509_crt.c would include <dirent.h>): there, each loader that takes a path says so.
int tls_config::load_ca_file(const char* path) noexcept {
  if (path == nullptr) return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
#if defined(MBEDTLS_FS_IO)
  const std::size_t before = count(ca_);
  return add_ca(mbedtls_x509_crt_parse_file(&ca_, path), before);
#else
  return MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE;
#endif
}

int tls_config::load_system_ca() noexcept { return load_ca_file(system_ca_file); }

int tls_config::load_ca_chain(const unsigned char* pem_or_der, std::size_t len) noexcept {
  const std::size_t before = count(ca_);
  return add_ca(parse_certificates(&ca_, pem_or_der, len), before);
}

int tls_config::load_crl_file(const char* path) noexcept {
  if (path == nullptr) return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
#if defined(MBEDTLS_FS_IO)
  const int rc = mbedtls_x509_crl_parse_file(&crl_, path);
  if (rc != 0) return rc;
  crl_loaded_ = true;
  apply_ca();
  return 0;
#else
  return MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE;
#endif
}

int tls_config::load_crl(const unsigned char* pem_or_der, std::size_t len) noexcept {
  if (const int rc = check_pem(pem_or_der, len); rc != 0) return rc;
  const int rc = mbedtls_x509_crl_parse(&crl_, pem_or_der, len);
  if (rc != 0) return rc;
  crl_loaded_ = true;
  apply_ca();
  return 0;
}

int tls_config::load_client_cert_files(const char* cert, const char* key, const char* key_password) noexcept {
  if (own_loaded_) return tls_error::already_loaded;
  if (cert == nullptr || key == nullptr) return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
#if defined(MBEDTLS_FS_IO)
  int rc = mbedtls_x509_crt_parse_file(&own_cert_, cert);
  if (rc == 0) {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    rc = mbedtls_pk_parse_keyfile(&own_key_, key, key_password, mbedtls_ctr_drbg_random, &drbg_);
#else
    rc = mbedtls_pk_parse_keyfile(&own_key_, key, key_password);
#endif
  } else if (rc > 0) {
    rc = MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT;  // some certificate of the chain did not parse
  }
  return finish_client_cert(rc);
#else
  (void)key_password;
  return MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE;
#endif
}

int tls_config::load_client_cert(const unsigned char* cert, std::size_t cert_len, const unsigned char* key,
                                 std::size_t key_len, const char* key_password) noexcept {
  if (own_loaded_) return tls_error::already_loaded;
  int rc = parse_certificates(&own_cert_, cert, cert_len);
  if (rc > 0) rc = MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT;
  if (rc == 0) rc = check_pem(key, key_len);
  if (rc == 0) {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    rc = mbedtls_pk_parse_key(&own_key_, key, key_len, password_bytes(key_password), password_size(key_password),
                              mbedtls_ctr_drbg_random, &drbg_);
#else
    rc = mbedtls_pk_parse_key(&own_key_, key, key_len, password_bytes(key_password), password_size(key_password));
#endif
  }
  return finish_client_cert(rc);
}

int tls_config::finish_client_cert(int result) noexcept {
  if (result == 0) {
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    const int pair = mbedtls_pk_check_pair(&own_cert_.pk, &own_key_, mbedtls_ctr_drbg_random, &drbg_);
#else
    const int pair = mbedtls_pk_check_pair(&own_cert_.pk, &own_key_);
#endif
    result = pair != 0 ? tls_error::key_mismatch : mbedtls_ssl_conf_own_cert(&conf_, &own_cert_, &own_key_);
  }
  if (result != 0) {  // nothing half-loaded stays behind
    mbedtls_x509_crt_free(&own_cert_);
    mbedtls_x509_crt_init(&own_cert_);
    mbedtls_pk_free(&own_key_);
    mbedtls_pk_init(&own_key_);
    return result;
  }
  own_loaded_ = true;
  return 0;
}

void tls_config::insecure_skip_verify(bool skip) noexcept {
  verify_ = !skip;
  mbedtls_ssl_conf_authmode(&conf_, skip ? MBEDTLS_SSL_VERIFY_NONE : MBEDTLS_SSL_VERIFY_REQUIRED);
}

void tls_config::set_alpn(const char* const* protocols) noexcept {
  std::size_t n = 0;
  for (const char* const* p = protocols; p != nullptr && *p != nullptr && n != max_alpn_protocols; ++p) {
    const std::size_t length = std::strlen(*p);
    if (length >= 1 && length <= 255) alpn_[n++] = *p;  // RFC 7301 §3.1: 1..255 bytes
  }
  alpn_[n] = nullptr;
#if defined(MBEDTLS_SSL_ALPN)
  if (n == 0) {
    clear_alpn(conf_);
  } else {
    (void)mbedtls_ssl_conf_alpn_protocols(&conf_, alpn_);  // the names were checked above
  }
#endif
}

void tls_config::set_max_fragment_length(unsigned bytes) noexcept {
  unsigned char code = MBEDTLS_SSL_MAX_FRAG_LEN_NONE;
  switch (bytes) {
    case 512: code = MBEDTLS_SSL_MAX_FRAG_LEN_512; break;
    case 1024: code = MBEDTLS_SSL_MAX_FRAG_LEN_1024; break;
    case 2048: code = MBEDTLS_SSL_MAX_FRAG_LEN_2048; break;
    case 4096: code = MBEDTLS_SSL_MAX_FRAG_LEN_4096; break;
    default: break;
  }
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
  max_fragment_ = mbedtls_ssl_conf_max_frag_len(&conf_, code) == 0 && code != MBEDTLS_SSL_MAX_FRAG_LEN_NONE ? bytes : 0;
#else
  (void)code;
  max_fragment_ = 0;  // this mbedTLS build has no max_fragment_length extension
#endif
}

void tls_config::set_clock(clock_function clock, void* context) noexcept {
  clock_ = clock;
  clock_context_ = context;
}

void tls_config::set_time_floor(std::int64_t unix_seconds) noexcept {
  if (unix_seconds > time_floor_) time_floor_ = unix_seconds;
}

std::int64_t tls_config::now() const noexcept {
  std::int64_t seconds = -1;
  if (clock_ != nullptr) {
    seconds = clock_(clock_context_);
  } else {
#if defined(MBEDTLS_HAVE_TIME)
    seconds = static_cast<std::int64_t>(mbedtls_time(nullptr));
#endif
  }
  return seconds >= time_floor_ ? seconds : -1;  // before the floor: a clock not set yet (1970)
}

int tls_config::prepare() const noexcept {
  if (status_ != 0) return status_;
  if (!verify_) return 0;
  if (count(ca_) == 0 && !system_ca_tried_) {
    system_ca_tried_ = true;  // once: a missing bundle is not re-read on every connection
#if defined(MBEDTLS_FS_IO)
    (void)mbedtls_x509_crt_parse_file(&ca_, system_ca_file);
    apply_ca();
#endif
  }
  return count(ca_) == 0 ? tls_error::no_ca : 0;
}

tls_config& default_tls_config() noexcept {
  // Never destroyed: transports in static storage may close through it after main() returns.
  alignas(tls_config) static unsigned char storage[sizeof(tls_config)];
  static tls_config* const config = new (storage) tls_config();
  return *config;
}

}  // namespace htpx::port
