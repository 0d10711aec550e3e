// TLS over any other transport, with mbedTLS (DESIGN.md §4: "TLS is a transport that wraps
// another transport"). port/README.md states the contract; port/mbedtls/README.md says how this
// port meets it, its error codes and its memory.
#pragma once

#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/ip_address.hpp"
#include "htpx/port/transport.hpp"
#include "tls_config.hpp"

namespace htpx::port {

/// TLS over another transport (TCP, a proxy tunnel, even another TLS transport), through
/// mbedTLS's BIO callbacks. Every call returns at once: the inner transport's would_block and
/// mbedTLS's MBEDTLS_ERR_SSL_WANT_READ/WANT_WRITE are would_block.
///
/// Before start_tls() it passes every call through (plain TCP: a proxy's CONNECT exchange goes
/// in the clear). start_tls(name) sets the server name (SNI and the verified name) and offers the
/// last session to that name; connect() then drives the handshake: would_block while it runs, ok
/// once it is done and the certificate verified, error with the reason in sys_error
/// (describe_error() says it in words). send() and recv() then carry records; close() sends
/// close_notify, keeps the session for the next connection to the same name and releases the
/// mbedTLS context (port/mbedtls/README.md gives the RAM figures).
///
/// Not copyable or movable (mbedTLS holds a pointer to it); one thread at a time. Inline size is
/// sizeof(mbedtls_ssl_context) + sizeof(mbedtls_ssl_session) + two names; mbedTLS allocates the
/// record buffers on start_tls() and frees them on close().
class tls_transport final : public transport {
 public:
  /// Longest server name accepted (RFC 1035 §2.3.4), without a trailing dot.
  static constexpr std::size_t max_server_name = 253;

  /// An unattached transport (for arrays): attach() before the first connect().
  tls_transport() noexcept;
  /// TLS over `inner` with the settings of `config`; both must outlive this transport.
  tls_transport(transport& inner, const tls_config& config) noexcept;
  tls_transport(const tls_transport&) = delete;
  tls_transport& operator=(const tls_transport&) = delete;
  /// Closes the connection (close()) and frees the saved session.
  ~tls_transport();

  /// Sets the inner transport and the settings, closing an open connection first. Forgets a
  /// saved session when the config changes.
  void attach(transport& inner, const tls_config& config) noexcept;
  /// As attach(inner, config) with default_tls_config() (system CA bundle, verification on).
  void attach(transport& inner) noexcept;

  /// Plain (before start_tls()): the inner transport's connect(). After start_tls(): finishes
  /// the inner connect first if it was not done, then drives the handshake (C-01, C-02):
  /// would_block while it runs (call again with the same arguments), ok when done and verified.
  /// error with sys_error: a tls_error code (certificate, hostname, client certificate, closed
  /// during the handshake), an mbedTLS code (MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, ...) or the inner
  /// transport's own error (ECONNRESET); the same error again until close().
  io_result connect(std::string_view host, std::uint16_t port) noexcept override;
  /// Plain: the inner send(). Secure: encrypts a prefix of `data` into one record (at most the
  /// record size: 16 KB, or the max fragment length) and sends it: ok with 0 < bytes <= size,
  /// would_block (repeat with the same data, S-03), closed once the server sent close_notify or
  /// stopped taking data, error (the inner error, or an mbedTLS code). Error ENOTCONN during the
  /// handshake, EINVAL for no bytes.
  io_result send(bytes_view data) noexcept override;
  /// Plain: the inner recv(). Secure: decrypted bytes (ok), would_block (also for a partial
  /// record), closed after the server's close_notify (again on every later call), error
  /// tls_error::truncated when the connection ended without close_notify, an mbedTLS code
  /// (a fatal alert, a bad record) or the inner error. Errors repeat until close().
  io_result recv(mutable_bytes buffer) noexcept override;
  /// recv(), sleeping up to `timeout_ms` in the inner transport's recv_wait() for the first
  /// bytes of a record when none are buffered: a blocking https request is one send and
  /// one receive too. recv_wait_unsupported when the inner transport cannot sleep in a receive
  /// (then nothing was read) or before the handshake is done.
  io_result recv_wait(mutable_bytes buffer, std::uint32_t timeout_ms) noexcept override;
  /// Sends close_notify when the handshake completed and the connection is sound (one attempt:
  /// never waits), keeps the session for the next start_tls() with the same server name unless
  /// a TLS failure ended it, frees the mbedTLS context and closes the inner transport. Any state;
  /// a second call does nothing (X-01..X-03).
  void close() noexcept override;
  /// Returns the inner transport's handle (-1 when unattached).
  [[nodiscard]] std::intptr_t native_handle() const noexcept override;
  /// Returns true when decrypted bytes or a whole record wait inside mbedTLS
  /// (mbedtls_ssl_get_bytes_avail(), mbedtls_ssl_check_pending()): recv() before sleeping (H-02).
  /// Plain: the inner transport's answer.
  [[nodiscard]] bool has_buffered_input() const noexcept override;

  /// Starts TLS for `server_name` (a DNS name, or an IPv4/IPv6 address, brackets allowed; a
  /// trailing dot is dropped). The saved session is offered only when the server name, the
  /// inner connect()'s host and port, the plain bytes sent before start_tls() (a proxy's
  /// CONNECT request), the verification setting, the client certificate and the ALPN list all
  /// equal those of the connection that saved it (catalogue T-13). Names are sent as SNI and verified against the
  /// certificate's subjectAltName DNS entries (or CN without any); addresses are not sent (RFC 6066 §3) and are
  /// verified against its iPAddress entries. Returns ok (connect() then drives the handshake), or
  /// error: tls_error::bad_server_name, tls_error::no_ca (verifying without any CA), the config's
  /// status(), MBEDTLS_ERR_SSL_ALLOC_FAILED, tls_error::not_attached, MBEDTLS_ERR_SSL_BAD_INPUT_DATA
  /// when TLS was already started. `server_name` need only live for the call.
  io_result start_tls(std::string_view server_name) noexcept override;
  /// Returns the text of a sys_error this transport returned ("certificate has expired",
  /// "hostname mismatch", "handshake failed", "TLS alert from the server", ...), the inner
  /// transport's text for its own codes, or nullptr (errno values: the caller describes them).
  [[nodiscard]] const char* describe_error(std::int32_t sys_error) const noexcept override;
  /// Returns the protocol ALPN agreed on ("http/1.1"), empty without ALPN or before the
  /// handshake completed. Valid until close().
  [[nodiscard]] std::string_view negotiated_protocol() const noexcept override { return alpn_; }

  /// Returns true once the handshake completed (until close()).
  [[nodiscard]] bool secure() const noexcept { return state_ == state::secure; }
  /// Returns true when the last handshake resumed the saved session (no certificate was sent).
  [[nodiscard]] bool session_resumed() const noexcept { return resumed_; }
  /// Returns true when a session is kept for the next start_tls() (see saved_session_name()).
  [[nodiscard]] bool has_saved_session() const noexcept { return has_session_; }
  /// Returns the server name the saved session belongs to (empty without one). The session is
  /// offered only to a connection with the same name over the same route: see start_tls().
  [[nodiscard]] std::string_view saved_session_name() const noexcept;
  /// Drops the saved session: the next handshake is a full one.
  void forget_session() noexcept;
  /// Returns the MBEDTLS_X509_BADCERT_* flags of the last certificate verification (0 when it
  /// passed or none ran).
  [[nodiscard]] std::uint32_t verify_flags() const noexcept { return verify_flags_; }
  /// Returns the description of the last fatal alert the server sent (RFC 8446 §6: 40
  /// handshake_failure, 48 unknown_ca, 116 certificate_required, ...), or -1.
  [[nodiscard]] int last_alert() const noexcept { return alert_; }
  /// Returns what the last would_block waits for: read or write (mbedTLS's WANT_READ or
  /// WANT_WRITE: a handshake mostly waits to read, and waiting for writability then spins), write
  /// while the inner connect is in progress. read_write before any would_block.
  [[nodiscard]] interest wants() const noexcept override { return want_; }
  /// The inner transport's, while the TCP connection is being made (it may race addresses, C-05);
  /// no_step during the handshake, which waits on readiness alone.
  [[nodiscard]] std::uint32_t connect_step_ms() const noexcept override {
    return inner_ != nullptr && !inner_up_ ? inner_->connect_step_ms() : no_step;
  }
  /// Returns the mbedTLS context (cipher suite, version, peer certificate), valid until close();
  /// nullptr before start_tls().
  [[nodiscard]] const mbedtls_ssl_context* context() const noexcept { return ssl_ready_ ? &ssl_ : nullptr; }

 private:
  enum class state : std::uint8_t { plain, handshake, secure, failed };

  static int bio_send(void* self, const unsigned char* data, std::size_t size);
  static int bio_recv(void* self, unsigned char* buffer, std::size_t size);
  int inner_read(unsigned char* buffer, std::size_t size) noexcept;
  int reframe_read(unsigned char* buffer, std::size_t size) noexcept;  // tls_reframe.cpp
  // What a BIO callback returns when the inner transport failed; the cause is kept aside.
  static constexpr int bio_failed = MBEDTLS_ERR_SSL_INTERNAL_ERROR;
  static int verify_peer(void* self, mbedtls_x509_crt* crt, int depth, std::uint32_t* flags);

  [[nodiscard]] const tls_config& config() const noexcept;
  [[nodiscard]] std::int32_t set_server_name(std::string_view name) noexcept;
  [[nodiscard]] std::int32_t setup_context(const tls_config& cfg) noexcept;
  void inner_connected(std::string_view host, std::uint16_t port) noexcept;
  void mix_route(const void* data, std::size_t size) noexcept;
  void session_key(const tls_config& cfg, unsigned char* key) const noexcept;
  void offer_session() noexcept;
  io_result drive_handshake() noexcept;
  io_result handshake_failed(int ret) noexcept;
  io_result would_block_on(int ret) noexcept;
  [[nodiscard]] bool read_plain_alert() noexcept;
  [[nodiscard]] bool client_certificate_missing() const noexcept;
  [[nodiscard]] std::int32_t alert_error() const noexcept;
  [[nodiscard]] bool server_asked_for_certificate() const noexcept;
  [[nodiscard]] bool server_chose_another_protocol() const noexcept;
  io_result io_failed(int ret, bool sending) noexcept;
  io_result fail(std::int32_t sys_error, bool tls_level) noexcept;
  io_result fail_inner(io_result inner) noexcept;
  void save_session() noexcept;
  void clear_inner_result() noexcept;

  transport* inner_ = nullptr;
  const tls_config* config_ = nullptr;  // nullptr: default_tls_config()
  mbedtls_ssl_context ssl_;
  mbedtls_ssl_session session_;  // the last session, for the server name in session_name_
  state state_ = state::plain;
  bool ssl_ready_ = false;              // mbedtls_ssl_setup() done: record buffers allocated
  bool inner_up_ = false;               // the inner connect() gave ok
  bool peer_closed_ = false;            // close_notify received
  bool send_closed_ = false;            // the inner send() gave closed or error: no more sending
  bool resumable_ = false;              // handshake done and no TLS failure since: keep the session
  bool tls_failed_ = false;             // a TLS-level failure (alert, verification): drop the session
  bool offered_session_ = false;        // the saved session was offered to this handshake
  bool session_decided_ = false;        // whether to offer it was decided (on the first handshake step)
  bool full_handshake_ = false;         // the server sent its certificate this handshake
  bool asked_for_certificate_ = false;  // we sent a Certificate message: the server asked for one
  bool resumed_ = false;
  bool has_session_ = false;
  bool tls_error_in_handshake_ = false;
  bool clock_unknown_ = false;  // a certificate's dates could not be checked (no time): fail closed
  // What the inner transport reported through the BIO when it was neither ok nor would_block.
  io_status inner_status_ = io_status::ok;
  std::size_t bytes_sent_ = 0;         // through the inner transport since start_tls()
  bool inner_failed_sending_ = false;  // the failure came from the inner send()
  interest want_ = interest::read_write;
  bool inner_wait_unsupported_ = false;  // the inner recv_wait() said it cannot sleep
  std::uint32_t inner_wait_ms_ = 0;      // recv_wait(): the next inner read may sleep this long
  std::int32_t inner_error_ = 0;
  // Catalogue T-08 (mbedTLS 2.28 cannot reassemble a handshake message split over records, 3.6
  // not when its header is split): until the server's ChangeCipherSpec, bio_recv() hands mbedTLS
  // each plaintext handshake message in a record of its own (reframe_read()). Only headers are
  // kept here.
  bool reframing_ = false;
  bool raw_record_ = false;               // the current record is not handshake: passed through
  unsigned char record_header_[5] = {};   // the current input record's header
  std::size_t record_header_size_ = 0;    // bytes of the next record header read so far
  std::size_t record_left_ = 0;           // payload bytes of the current input record still to read
  unsigned char message_header_[4] = {};  // the current handshake message's header
  std::size_t message_header_size_ = 0;   // bytes of it read so far
  std::size_t message_left_ = 0;          // body bytes of the current message still to hand over
  unsigned char pending_[9] = {};         // a record header (and message header) for mbedTLS
  std::size_t pending_size_ = 0;
  std::size_t pending_at_ = 0;
  std::int32_t reframe_error_ = 0;  // why reframe_read() failed: handshake_failed() says it
  io_result failure_{};             // repeated by every call once state_ is failed
  io_result send_failure_{};        // the inner send() gave closed or error: send() repeats it
  std::int32_t tls_error_ = 0;      // the last mbedTLS-level code this transport returned
  int alert_ = -1;
  int step_ = 0;  // the handshake state of the last mbedtls_ssl_handshake_step()
  std::uint32_t verify_flags_ = 0;
  ip_address ip_;  // the server name as an address, size 0 when it is a DNS name
  std::string_view alpn_;
  char name_[max_server_name + 1] = {};
  char session_name_[max_server_name + 1] = {};
  // SHA-256 of the route to the server: the inner connect()'s host and port, then every plain
  // byte sent before start_tls(). Reset by close().
  unsigned char route_[32] = {};
  unsigned char session_key_[32] = {};  // session_key() of the connection that saved the session
};

/// A TLS transport that owns its inner transport, default-constructible, for the transport
/// arrays of htpx::static_client<Cfg, T>: `tls_over<posix_transport>`. Uses
/// default_tls_config() until configure() names another config (before connections start:
/// `for (i...) client.transport_at(i).configure(cfg)`). Every call goes to the TLS transport.
template <class Inner>
class tls_over final : public transport {
 public:
  tls_over() noexcept { tls_.attach(inner_); }
  tls_over(const tls_over&) = delete;
  tls_over& operator=(const tls_over&) = delete;
  ~tls_over() = default;  // tls_ closes first, then inner_ goes

  /// Uses `config` (which must outlive this transport) from the next connection on.
  void configure(const tls_config& config) noexcept { tls_.attach(inner_, config); }
  /// Returns the owned inner transport.
  [[nodiscard]] Inner& inner() noexcept { return inner_; }
  /// Returns the TLS transport (session_resumed(), verify_flags(), ...).
  [[nodiscard]] tls_transport& tls() noexcept { return tls_; }
  /// Const overload of tls().
  [[nodiscard]] const tls_transport& tls() const noexcept { return tls_; }

  io_result connect(std::string_view host, std::uint16_t port) noexcept override { return tls_.connect(host, port); }
  io_result send(bytes_view data) noexcept override { return tls_.send(data); }
  io_result recv(mutable_bytes buffer) noexcept override { return tls_.recv(buffer); }
  io_result recv_wait(mutable_bytes buffer, std::uint32_t timeout_ms) noexcept override {
    return tls_.recv_wait(buffer, timeout_ms);
  }
  void close() noexcept override { tls_.close(); }
  [[nodiscard]] std::intptr_t native_handle() const noexcept override { return tls_.native_handle(); }
  [[nodiscard]] bool has_buffered_input() const noexcept override { return tls_.has_buffered_input(); }
  io_result start_tls(std::string_view server_name) noexcept override { return tls_.start_tls(server_name); }
  [[nodiscard]] const char* describe_error(std::int32_t sys_error) const noexcept override {
    return tls_.describe_error(sys_error);
  }
  [[nodiscard]] std::string_view negotiated_protocol() const noexcept override { return tls_.negotiated_protocol(); }
  [[nodiscard]] interest wants() const noexcept override { return tls_.wants(); }
  [[nodiscard]] std::uint32_t connect_step_ms() const noexcept override { return tls_.connect_step_ms(); }

 private:
  Inner inner_;  // before tls_: constructed first, destroyed last
  tls_transport tls_;
};

}  // namespace htpx::port
