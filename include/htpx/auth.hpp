// Authentication (httpx BasicAuth, DigestAuth and Auth.auth_flow): a scheme adds fields before
// each attempt of a request and may answer a final response head (a 401) with one more attempt.
// Every scheme keeps what it sends in fixed buffers inside the object: no heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "htpx/bytes.hpp"
#include "htpx/config.hpp"
#include "htpx/error.hpp"
#include "htpx/header_appender.hpp"
#include "htpx/response.hpp"
#include "htpx/url.hpp"

/// Largest Authorization value basic_auth and bearer_auth keep: "Basic " + base64(user ":"
/// password) (so user + password up to 137 bytes by default) or "Bearer " + token.
#ifndef HTPX_AUTH_VALUE_BYTES
#define HTPX_AUTH_VALUE_BYTES 192
#endif

/// Longest Digest realm digest_auth keeps (after quoted-pair escapes are removed); a challenge
/// with a longer one is skipped.
#ifndef HTPX_DIGEST_REALM_BYTES
#define HTPX_DIGEST_REALM_BYTES 96
#endif

/// Longest Digest nonce digest_auth keeps; a challenge with a longer one is skipped.
#ifndef HTPX_DIGEST_NONCE_BYTES
#define HTPX_DIGEST_NONCE_BYTES 128
#endif

/// Longest Digest opaque digest_auth keeps; a challenge with a longer one is skipped.
#ifndef HTPX_DIGEST_OPAQUE_BYTES
#define HTPX_DIGEST_OPAQUE_BYTES 96
#endif

/// Largest Digest Authorization value digest_auth writes: every parameter, escaped, including
/// the request-target as uri (a longer one makes on_request() fail with LocalProtocolError).
#ifndef HTPX_DIGEST_VALUE_BYTES
#define HTPX_DIGEST_VALUE_BYTES 768
#endif

static_assert(HTPX_AUTH_VALUE_BYTES >= 16, "HTPX_AUTH_VALUE_BYTES must hold at least a short Basic value");

namespace htpx {

/// What an auth scheme sees of a request about to be sent (one attempt).
struct auth_request {
  std::string_view method;
  std::string_view target;  ///< the origin-form request-target, path and query (Digest's uri)
  bytes_view body;          ///< the whole body when it is in memory (for qop=auth-int)
  bool body_known = false;  ///< body holds the complete body (false for streamed sources)
  /// Where the request goes: its scheme, host and port are its origin, the protection space of
  /// a challenge with its realm (RFC 9110 §11.5). Null when unknown (one unnamed origin).
  const url* origin = nullptr;
};

/// httpx's Auth.auth_flow without generators: add headers before each attempt, and look at each
/// final response head. Calls come from inside client::poll(), one request at a time per object.
class auth {
 public:
  /// Before each attempt; may add fields (their bytes must stay valid until the next call on
  /// this object). An error ends the request with it.
  [[nodiscard]] virtual error on_request(const auth_request& req, header_appender& headers) noexcept = 0;
  /// The final head of an attempt (views live during the call); return true to send the request
  /// once more (the client then calls on_request again with a fresh body stream). The client
  /// allows at most a few such rounds per request.
  [[nodiscard]] virtual bool on_response(const auth_request& req, const response& head) noexcept {
    (void)req;
    (void)head;
    return false;
  }

 protected:
  auth() = default;
  auth(const auth&) = default;
  auth& operator=(const auth&) = default;
  ~auth() = default;  // protected and non-virtual: schemes are never deleted through auth*
};

namespace detail {

/// A finished Authorization value kept inline (basic_auth, bearer_auth), or why there is none.
struct auth_value {
  char bytes[HTPX_AUTH_VALUE_BYTES]{};
  std::size_t size = 0;
  error failure{};  ///< Set when the credentials were refused; on_request() returns it.

  /// Adds `Authorization: <bytes>`, or returns `failure`, or header_appender's error.
  [[nodiscard]] error add_to(header_appender& headers) const noexcept;
};

/// The quality of protection a Digest challenge was answered with (RFC 7616 §3.3).
enum class digest_qop : std::uint8_t { none, auth, auth_int };

struct digest_challenge;  // a parsed challenge; defined in src/auth/digest_auth.cpp

}  // namespace detail

/// httpx.BasicAuth, RFC 7617: `Authorization: Basic base64(user ":" password)` on every attempt
/// (UTF-8 is assumed: the bytes are sent as given).
class basic_auth final : public auth {  // NOLINT(cppcoreguidelines-virtual-class-destructor)
 public:
  /// Encodes the credentials now: the views need not outlive the call. A refusal is kept and
  /// returned by every on_request().
  basic_auth(std::string_view user, std::string_view password) noexcept;
  /// Adds the Authorization field. Returns LocalProtocolError when the user-id holds ':', either
  /// part holds a control character (RFC 7617 §2), or the value does not fit
  /// HTPX_AUTH_VALUE_BYTES ("credentials too long for HTPX_AUTH_VALUE_BYTES"); or the
  /// header_appender's error.
  [[nodiscard]] error on_request(const auth_request& req, header_appender& headers) noexcept override;
  /// Returns the Authorization value ("Basic ..."), empty when the credentials were refused.
  /// Valid as long as this object.
  [[nodiscard]] std::string_view value() const noexcept { return {value_.bytes, value_.size}; }

 private:
  detail::auth_value value_;
};

/// RFC 6750 §2.1: `Authorization: Bearer <token>` on every attempt.
class bearer_auth final : public auth {  // NOLINT(cppcoreguidelines-virtual-class-destructor)
 public:
  /// Copies the token now: the view need not outlive the call. A refusal is kept and returned
  /// by every on_request().
  explicit bearer_auth(std::string_view token) noexcept;
  /// Adds the Authorization field. Returns LocalProtocolError when the token is not a b64token
  /// (ALPHA DIGIT - . _ ~ + / then '=' padding) or does not fit HTPX_AUTH_VALUE_BYTES; or the
  /// header_appender's error.
  [[nodiscard]] error on_request(const auth_request& req, header_appender& headers) noexcept override;
  /// Returns the Authorization value ("Bearer ..."), empty when the token was refused. Valid as
  /// long as this object.
  [[nodiscard]] std::string_view value() const noexcept { return {value_.bytes, value_.size}; }

 private:
  detail::auth_value value_;
};

/// httpx.DigestAuth, RFC 7616 (RFC 2617 and RFC 2069 servers too). The first attempt goes
/// without credentials; a 401 carrying a usable `WWW-Authenticate: Digest` challenge is answered
/// with one more attempt, and later requests reuse the stored challenge (nc counts up).
///
/// Supported: algorithm MD5, MD5-sess, SHA-256, SHA-256-sess (SHA-256 is chosen when offered,
/// else MD5; among equals the first offered); qop=auth, preferred whenever offered, and
/// qop=auth-int only when it is the only qop offered and the body is in memory; no qop (RFC
/// 2069 form, MD5 or SHA-256 without -sess); userhash=true (§3.4.4). A challenge that is
/// malformed, unsupported or has a realm, nonce or opaque longer than the HTPX_DIGEST_*_BYTES
/// buffers is skipped. The algorithm parameter is echoed only when the server sent it.
///
/// The cnonce is 128 bits from the random source, as 32 hex digits, new for every request.
class digest_auth final : public auth {  // NOLINT(cppcoreguidelines-virtual-class-destructor)
 public:
  /// Keeps views of `user` and `password`: both must outlive this object (the password is
  /// needed for every new nonce, and is never copied).
  digest_auth(std::string_view user, std::string_view password) noexcept;

  /// Sets the cnonce source: `random(ctx)` returns 32 random bits (e.g. a hardware RNG or
  /// mbedtls_ctr_drbg_random() wrapped). Null restores the default, an xorshift32 generator
  /// seeded from this object's address, a call counter and every server nonce: cnonces then
  /// differ, but they are predictable, NOT cryptographic. Supply a real RNG where a malicious
  /// server choosing nonces is a concern (chosen plaintext attacks, RFC 7616 §5).
  void set_random(std::uint32_t (*random)(void* ctx), void* ctx) noexcept;
  /// For tests (e.g. the RFC 7616 §3.9.1 examples): use `cnonce` for every request instead of a
  /// generated one; empty goes back to generated ones. Returns LocalProtocolError when it is
  /// longer than 64 bytes or holds a control character.
  [[nodiscard]] error set_cnonce(std::string_view cnonce) noexcept;

  /// Adds `Authorization: Digest ...` when a challenge from `req.origin` is stored: a challenge
  /// is answered only to the origin that sent it (scheme, host as written, port), never to
  /// another one the same client talks to (the value lives in this object
  /// until the next call). Returns LocalProtocolError when the username or the target holds a
  /// control character, when the value does not fit HTPX_DIGEST_VALUE_BYTES, or when the stored
  /// challenge asks for qop=auth-int and the body is not in memory; or the header_appender's
  /// error.
  [[nodiscard]] error on_request(const auth_request& req, header_appender& headers) noexcept override;
  /// Looks at a 401's WWW-Authenticate fields (all of them; several challenges per field) and
  /// stores the best usable Digest challenge (a 401 without one forgets the stored challenge;
  /// other statuses change nothing). Returns true (send again) when one was found and either the
  /// attempt was the request's first (one sent with a challenge stored by an earlier request
  /// included) or the server says stale=true (a new nonce for the same credentials); at most 3
  /// retries per request. Returns false otherwise, e.g. for a 401 answering the retry without
  /// stale (wrong credentials: that 401 is the final response). The attempt after a true is
  /// taken to be the retry.
  [[nodiscard]] bool on_response(const auth_request& req, const response& head) noexcept override;

  /// Returns true when a challenge is stored (the next request carries Authorization).
  [[nodiscard]] bool challenged() const noexcept { return challenged_; }
  /// Forgets the stored challenge: the next request goes without Authorization.
  void reset() noexcept;

 private:
  static constexpr std::size_t cnonce_capacity = 64;

  void adopt(const detail::digest_challenge& challenge, const url* origin) noexcept;
  [[nodiscard]] std::uint32_t next_random() noexcept;
  [[nodiscard]] error write_value(const auth_request& req) noexcept;

  std::string_view user_;
  std::string_view password_;
  std::uint32_t (*random_)(void* ctx) = nullptr;
  void* random_ctx_ = nullptr;
  std::uint32_t rng_ = 0;      // xorshift32 state (default source)
  std::uint32_t counter_ = 0;  // calls to the default source
  std::uint32_t nc_ = 0;       // requests sent with the current nonce (RFC 7616 §3.4 nc)
  std::size_t realm_size_ = 0;
  std::size_t nonce_size_ = 0;
  std::size_t opaque_size_ = 0;
  std::size_t cnonce_size_ = 0;
  std::size_t value_size_ = 0;
  detail::digest_qop qop_ = detail::digest_qop::none;
  std::uint8_t rounds_ = 0;        // retries answered for the current request
  bool challenged_ = false;        // a challenge is stored
  bool sha256_ = false;            // SHA-256 rather than MD5
  bool sess_ = false;              // the -sess variant
  bool algorithm_named_ = false;   // the server sent algorithm=, so it is echoed
  bool has_opaque_ = false;        // the server sent opaque=, so it is echoed
  bool userhash_ = false;          // userhash=true: username is H(user ":" realm)
  bool fixed_cnonce_ = false;      // set_cnonce() was given one
  bool retry_pending_ = false;     // on_response() returned true: the next attempt is a retry
  bool attempt_is_retry_ = false;  // the attempt in flight answers a challenge
  char origin_[64]{};              // SHA-256 (hex) of the challenge's origin: any host length
  char realm_[HTPX_DIGEST_REALM_BYTES]{};
  char nonce_[HTPX_DIGEST_NONCE_BYTES]{};
  char opaque_[HTPX_DIGEST_OPAQUE_BYTES]{};
  char cnonce_[cnonce_capacity]{};
  char value_[HTPX_DIGEST_VALUE_BYTES]{};
};

}  // namespace htpx
