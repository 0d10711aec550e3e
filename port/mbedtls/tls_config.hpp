// TLS settings shared by the TLS transports of a client: trust anchors, verification, client
// certificate, ALPN and max fragment length, over mbedTLS (port/mbedtls/README.md).
#pragma once

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include <cstddef>
#include <cstdint>

#ifndef HTPX_TLS_SYSTEM_CA_FILE
/// The CA bundle a tls_config loads when verification is on and no CA was loaded (Debian,
/// Ubuntu, Alpine, Arch path). Override with -DHTPX_TLS_SYSTEM_CA_FILE="..." for other systems.
#define HTPX_TLS_SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#endif

#ifndef HTPX_TLS_TIME_FLOOR
/// A Unix time (seconds) known to have passed when this code runs: 2026-11-01T00:00:00Z, the
/// date of this release. Certificate dates are checked only against a clock at or after it; a
/// clock before it (a device at 1970 before SNTP) counts as not set (catalogue T-04, port/mbedtls
/// README "Time"). Set it to your build date with -DHTPX_TLS_TIME_FLOOR=$(date +%s).
#define HTPX_TLS_TIME_FLOOR 1793491200
#endif

namespace htpx::port {

/// The port's own error codes (sys_error values and load results). mbedTLS's codes are
/// -0x0001..-0x7FFF and errno values are positive, so these (below -0x10000) never collide.
/// describe_tls_error() gives each one's text.
namespace tls_error {
inline constexpr std::int32_t cert_expired = -0x10001;          ///< "certificate has expired"
inline constexpr std::int32_t cert_not_yet_valid = -0x10002;    ///< "certificate is not yet valid"
inline constexpr std::int32_t hostname_mismatch = -0x10003;     ///< "hostname mismatch"
inline constexpr std::int32_t unknown_ca = -0x10004;            ///< "unknown CA" (self-signed too)
inline constexpr std::int32_t cert_revoked = -0x10005;          ///< "certificate revoked"
inline constexpr std::int32_t cert_bad_usage = -0x10006;        ///< key usage / extended key usage
inline constexpr std::int32_t cert_weak = -0x10007;             ///< forbidden hash, key type or size
inline constexpr std::int32_t cert_invalid = -0x10008;          ///< any other verification failure
inline constexpr std::int32_t client_cert_required = -0x10009;  ///< "client certificate required"
inline constexpr std::int32_t client_cert_refused = -0x1000A;   ///< "client certificate refused"
inline constexpr std::int32_t truncated = -0x1000B;             ///< EOF without close_notify
inline constexpr std::int32_t handshake_closed = -0x1000C;      ///< EOF during the handshake
inline constexpr std::int32_t no_ca = -0x1000D;                 ///< verifying, but no CA loaded
inline constexpr std::int32_t bad_server_name = -0x1000E;       ///< empty, too long or NUL inside
inline constexpr std::int32_t pem_not_terminated = -0x1000F;    ///< PEM without its NUL byte
inline constexpr std::int32_t key_mismatch = -0x10010;          ///< client certificate vs key
inline constexpr std::int32_t already_loaded = -0x10011;        ///< a second client certificate
inline constexpr std::int32_t not_attached = -0x10012;          ///< tls_transport without inner
inline constexpr std::int32_t chain_too_long = -0x10013;        ///< over MBEDTLS_X509_MAX_INTERMEDIATE_CA
inline constexpr std::int32_t handshake_too_large = -0x10014;   ///< a handshake message over MBEDTLS_SSL_IN_CONTENT_LEN
inline constexpr std::int32_t protocol_version = -0x10015;      ///< no TLS version in common
inline constexpr std::int32_t clock_not_set = -0x10016;         ///< no time to check dates against
inline constexpr std::int32_t insecure_renegotiation = -0x10017;  ///< server without RFC 5746
inline constexpr std::int32_t alpn_not_offered = -0x10018;        ///< the server chose another protocol
/// The last (lowest) of the codes above.
inline constexpr std::int32_t last_code = alpn_not_offered;
}  // namespace tls_error

/// Returns a static text for a TLS error code: one of tls_error (such as "certificate has
/// expired", "hostname mismatch", "TLS connection truncated (no close_notify)") or an mbedTLS
/// code ("TLS alert from the server", "cannot read the file", "TLS protocol error", ...).
/// Returns nullptr for codes that are not TLS codes: 0, errno values (positive) and the small
/// negative resolver codes of other ports (-1..-127), which the inner transport describes.
[[nodiscard]] const char* describe_tls_error(std::int32_t code) noexcept;
/// As describe_tls_error(code), for a code a handshake failed with: mbedTLS codes without a
/// more precise text read "handshake failed" rather than "TLS protocol error".
[[nodiscard]] const char* describe_tls_error(std::int32_t code, bool in_handshake) noexcept;

/// Settings shared by the TLS transports of a client, built once before the first connection;
/// it must outlive every tls_transport that uses it. Holds the mbedTLS configuration, the random
/// generator (CTR_DRBG seeded from mbedTLS's entropy sources), the trusted CAs and CRLs and the
/// client certificate inline; mbedTLS allocates the parsed certificates on its heap.
///
/// Defaults: verification on (MBEDTLS_SSL_VERIFY_REQUIRED, hostname checked, dates against the
/// system clock, see set_clock()), TLS 1.2 and up, ALPN `http/1.1`, no max fragment length,
/// session tickets on, renegotiation off, servers without secure renegotiation (RFC 5746)
/// refused. When verification is on and no CA was loaded, the first start_tls() loads
/// HTPX_TLS_SYSTEM_CA_FILE (a one-time file read and parse: call load_system_ca() at start-up to
/// take that cost and see its error early).
///
/// Not thread-safe: change it only before connections start; during connections use it from
/// one thread (the client's). The load functions append: several CA files make one trust set.
class tls_config {
 public:
  /// The system CA bundle loaded by load_system_ca() and, lazily, by the first handshake.
  static constexpr const char* system_ca_file = HTPX_TLS_SYSTEM_CA_FILE;
  /// Most ALPN protocols set_alpn() keeps.
  static constexpr std::size_t max_alpn_protocols = 4;

  /// Seeds the random generator and sets the defaults above. A failure (no entropy source) is
  /// kept in status() and makes every start_tls() fail with it.
  tls_config() noexcept;
  /// Frees the certificates, keys and mbedTLS state. No transport may use it any more.
  ~tls_config();
  tls_config(const tls_config&) = delete;
  tls_config& operator=(const tls_config&) = delete;

  /// Adds the CA certificates of a PEM or DER file to the trusted set. Returns 0 when at least
  /// one certificate was loaded (certificates mbedTLS cannot parse in a bundle are skipped), else
  /// an mbedTLS code: MBEDTLS_ERR_PK_FILE_IO_ERROR ("cannot read the file": mbedTLS reads files
  /// with its pk module), a parse error. Every loader that takes a path returns
  /// MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE when mbedTLS is built without MBEDTLS_FS_IO (bare
  /// metal): load from memory there.
  [[nodiscard]] int load_ca_file(const char* path) noexcept;
  /// load_ca_file(system_ca_file).
  [[nodiscard]] int load_system_ca() noexcept;
  /// Adds CA certificates from memory (firmware): PEM text whose length counts its terminating
  /// NUL byte (`sizeof` of a char array, or `strlen + 1`; tls_error::pem_not_terminated
  /// otherwise), or DER certificates back to back. mbedTLS copies the data. Returns 0 or an error
  /// as load_ca_file().
  [[nodiscard]] int load_ca_chain(const unsigned char* pem_or_der, std::size_t len) noexcept;
  /// Adds a certificate revocation list (PEM or DER file): a revoked server certificate then
  /// fails with tls_error::cert_revoked. Returns 0 or an mbedTLS code.
  [[nodiscard]] int load_crl_file(const char* path) noexcept;
  /// Adds a CRL from memory (PEM with its NUL counted, or DER). Returns 0 or an error code.
  [[nodiscard]] int load_crl(const unsigned char* pem_or_der, std::size_t len) noexcept;
  /// Sets the client certificate (chain, leaf first) and its private key for mutual TLS, from
  /// PEM or DER files; `key_password` for an encrypted key. Returns 0, an mbedTLS code
  /// (MBEDTLS_ERR_PK_PASSWORD_REQUIRED, MBEDTLS_ERR_PK_PASSWORD_MISMATCH, file or parse
  /// errors), tls_error::key_mismatch, or tls_error::already_loaded on a second call.
  [[nodiscard]] int load_client_cert_files(const char* cert, const char* key,
                                           const char* key_password = nullptr) noexcept;
  /// As load_client_cert_files(), from memory (PEM with its NUL counted, or DER).
  [[nodiscard]] int load_client_cert(const unsigned char* cert, std::size_t cert_len, const unsigned char* key,
                                     std::size_t key_len, const char* key_password = nullptr) noexcept;
  /// INSECURE when true: the server's certificate and name are not checked at all, so anyone on
  /// the path can read and change the traffic. For tests and lab devices only. Default false.
  void insecure_skip_verify(bool skip) noexcept;
  /// Sets the ALPN protocols offered, most preferred first, from a null-terminated list such as
  /// `{"h2", "http/1.1", nullptr}`. The strings are not copied: they must outlive the config
  /// (string literals do). Names must be 1..255 bytes; others are skipped, and entries beyond
  /// max_alpn_protocols are dropped. nullptr or an empty list sends no ALPN extension.
  void set_alpn(const char* const* protocols) noexcept;
  /// Asks the server for records of at most `bytes` (RFC 6066 §4: 512, 1024, 2048 or 4096); 0
  /// or any other value asks for nothing (16 KB records). Saves RAM only where mbedTLS is built
  /// with MBEDTLS_SSL_IN_CONTENT_LEN to match (port/mbedtls/README.md, "Memory").
  void set_max_fragment_length(unsigned bytes) noexcept;

  /// The current time as Unix seconds, or a negative value while it is not known (no RTC, no
  /// SNTP answer yet). `context` is the pointer given to set_clock().
  using clock_function = std::int64_t (*)(void* context);
  /// Sets the clock certificate dates are checked against (catalogue T-04). nullptr (the
  /// default): mbedtls_time() where mbedTLS has MBEDTLS_HAVE_TIME, else no clock. The port
  /// checks every certificate's notBefore and notAfter itself (also where mbedTLS is built
  /// without MBEDTLS_HAVE_TIME_DATE and checks none): with a time at or after the floor
  /// (time_floor()), a certificate outside its dates fails (tls_error::cert_expired,
  /// tls_error::cert_not_yet_valid). Without one (unknown, or before the floor) verification
  /// fails closed with tls_error::clock_not_set, unless allow_unknown_time(true).
  void set_clock(clock_function clock, void* context = nullptr) noexcept;
  /// Raises the time floor above HTPX_TLS_TIME_FLOOR (never lowers it): a time the device knows
  /// has passed, such as the last time it saw, kept in flash.
  void set_time_floor(std::int64_t unix_seconds) noexcept;
  /// When true, a handshake without a known time checks only what the floor proves: a
  /// certificate whose notAfter is before the floor is expired; notBefore is not checked. For
  /// devices that must connect before their clock is set (to fetch the time). Default false.
  void allow_unknown_time(bool allow) noexcept { allow_unknown_time_ = allow; }
  /// Returns the time floor (Unix seconds).
  [[nodiscard]] std::int64_t time_floor() const noexcept { return time_floor_; }
  /// Returns the clock's time if it is known and at or after the floor, else -1.
  [[nodiscard]] std::int64_t now() const noexcept;

  /// Returns true unless insecure_skip_verify(true) was called.
  [[nodiscard]] bool verifies() const noexcept { return verify_; }
  /// Returns the number of trusted CA certificates loaded so far.
  [[nodiscard]] std::size_t ca_count() const noexcept;
  /// Returns true once a client certificate and key were loaded.
  [[nodiscard]] bool has_client_cert() const noexcept { return own_loaded_; }
  /// Returns the max fragment length asked for (512..4096), or 0.
  [[nodiscard]] unsigned max_fragment_length() const noexcept { return max_fragment_; }
  /// Returns 0, or the mbedTLS error that made the constructor fail (random generator seeding).
  [[nodiscard]] int status() const noexcept { return status_; }
  /// Returns the mbedTLS configuration, for settings this class does not wrap (cipher suites,
  /// curves: change them before connections start).
  [[nodiscard]] mbedtls_ssl_config& ssl_config() noexcept { return conf_; }

 private:
  friend class tls_transport;

  // Called by start_tls(): the seeding status, then the system CA bundle when verification is on
  // and no CA was loaded yet (tried once). Returns 0 or the code start_tls() fails with.
  [[nodiscard]] int prepare() const noexcept;
  [[nodiscard]] int setup() noexcept;
  [[nodiscard]] int add_ca(int parse_result, std::size_t before) noexcept;
  void apply_ca() const noexcept;
  [[nodiscard]] int finish_client_cert(int result) noexcept;

  // mutable: the lazily loaded system bundle (prepare() is called through a const reference)
  // and the CA chain and CRL handed to mbedTLS as non-const pointers.
  mutable mbedtls_ssl_config conf_;
  mutable mbedtls_x509_crt ca_;
  mutable mbedtls_x509_crl crl_;
  mbedtls_x509_crt own_cert_;
  mbedtls_pk_context own_key_;
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  const char* alpn_[max_alpn_protocols + 1] = {};
  clock_function clock_ = nullptr;
  void* clock_context_ = nullptr;
  std::int64_t time_floor_ = HTPX_TLS_TIME_FLOOR;
  bool allow_unknown_time_ = false;
  int status_ = 0;
  unsigned max_fragment_ = 0;
  bool verify_ = true;
  bool crl_loaded_ = false;
  bool own_loaded_ = false;
  mutable bool system_ca_tried_ = false;
};

/// Returns the process-wide configuration tls_over<> and an unconfigured tls_transport use:
/// defaults, with the system CA bundle loaded on the first handshake. Built on first use and
/// never destroyed (so transports in static storage may still close through it at exit).
[[nodiscard]] tls_config& default_tls_config() noexcept;

}  // namespace htpx::port
