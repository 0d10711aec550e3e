// HTTP Digest access authentication, RFC 7616: reading WWW-Authenticate challenges (grammar of
// RFC 9110 §11.2 and §11.6.1), choosing one, and computing the Authorization response (§3.4).
#include <cstring>

#include "auth/base64.hpp"
#include "auth/md5.hpp"
#include "auth/sha256.hpp"
#include "htpx/auth.hpp"

namespace htpx {

namespace detail {

/// One Digest challenge: raw parameter values as they appear in the field (a token, or a whole
/// quoted-string with its quotes and escapes; empty when absent), plus what offer() derived.
struct digest_challenge {
  std::string_view realm;
  std::string_view nonce;
  std::string_view opaque;
  std::string_view algorithm;
  std::string_view qop;
  std::string_view stale;
  std::string_view userhash;
  bool sha256 = false;
  bool sess = false;
  bool is_stale = false;
  bool is_userhash = false;
  digest_qop choice = digest_qop::none;
};

}  // namespace detail

namespace {

using detail::digest_challenge;
using detail::digest_qop;

// A run of retries answered with stale=true ends here, whatever the client allows.
constexpr std::uint8_t max_rounds = 3;

bool is_alnum(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) noexcept {
  if (is_alnum(c)) return true;
  for (const char t : std::string_view{"!#$%&'*+-.^_`|~"}) {
    if (c == t) return true;
  }
  return false;
}

// RFC 9110 §11.2 token68 characters (before the '=' padding).
bool is_token68(char c) noexcept {
  return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

// Bytes a quoted-string cannot carry, escaped or not (RFC 9110 §5.6.4: HTAB is allowed).
bool is_control(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || u == 0x7F;
}

bool has_control(std::string_view s) noexcept {
  for (const char c : s) {
    if (is_control(c)) return true;
  }
  return false;
}

// Calls f(c) for each character of a raw parameter value with quoted-pair escapes removed, and
// returns how many there were. A raw quoted-string comes from cursor::quoted(): it ends in '"'
// and every '\' inside is followed by the escaped character before that closing quote.
template <class F>
std::size_t for_each_unquoted(std::string_view raw, F&& f) noexcept {
  if (raw.empty() || raw[0] != '"') {
    for (const char c : raw) f(c);
    return raw.size();
  }
  std::size_t n = 0;
  for (std::size_t i = 1; i + 1 < raw.size(); ++i, ++n) {
    if (raw[i] == '\\') ++i;
    f(raw[i]);
  }
  return n;
}

std::size_t unquoted_size(std::string_view raw) noexcept {
  return for_each_unquoted(raw, [](char) {});
}

// Writes the unquoted value to `out`, which has room for unquoted_size(raw) bytes.
std::size_t unquote(std::string_view raw, char* out) noexcept {
  return for_each_unquoted(raw, [&out](char c) { *out++ = c; });
}

// Returns the unquoted value in `buf`, or a null view when it is longer than N.
template <std::size_t N>
std::string_view unquote_small(std::string_view raw, char (&buf)[N]) noexcept {
  if (unquoted_size(raw) > N) return {};
  return {buf, unquote(raw, buf)};
}

bool unquoted_equals(std::string_view raw, std::string_view text) noexcept {
  if (unquoted_size(raw) != text.size()) return false;
  std::size_t i = 0;
  bool same = true;
  for_each_unquoted(raw, [&](char c) { same = same && c == text[i++]; });
  return same;
}

// A position in one WWW-Authenticate field value. Every read is bounds-checked; every loop over
// it advances or stops, so no input makes the parser run away or read past the value.
class cursor {
 public:
  explicit cursor(std::string_view text) noexcept : text_(text) {}

  [[nodiscard]] bool done() const noexcept { return at_ == text_.size(); }
  [[nodiscard]] char peek() const noexcept { return text_[at_]; }  // only when !done()
  [[nodiscard]] bool at_separator() const noexcept { return done() || peek() == ','; }
  [[nodiscard]] std::size_t position() const noexcept { return at_; }
  void seek(std::size_t at) noexcept { at_ = at; }
  void advance() noexcept { ++at_; }

  void skip_ows() noexcept {
    while (!done() && (peek() == ' ' || peek() == '\t')) ++at_;
  }
  // RFC 9110 §5.6.1: a list may hold empty elements, so skip every "," and OWS.
  void skip_separators() noexcept {
    while (!done() && (peek() == ' ' || peek() == '\t' || peek() == ',')) ++at_;
  }
  [[nodiscard]] std::string_view token() noexcept {
    const std::size_t start = at_;
    while (!done() && is_tchar(peek())) ++at_;
    return view_from(start);
  }
  // At '"': reads to the closing quote. Returns false when there is none (the cursor is then at
  // the end) or when the string holds a control byte (the cursor is past the string).
  [[nodiscard]] bool quoted(std::string_view& raw) noexcept {
    const std::size_t start = at_++;
    bool clean = true;
    while (!done()) {
      char c = text_[at_++];
      if (c == '"') {
        raw = view_from(start);
        return clean;
      }
      if (c == '\\') {  // quoted-pair: the next byte, whatever it is
        if (done()) break;
        c = text_[at_++];
      }
      if (is_control(c)) clean = false;
    }
    return false;
  }
  // After an auth-scheme and its spaces: true, past it, when a token68 follows (§11.2).
  [[nodiscard]] bool token68() noexcept {
    const std::size_t start = at_;
    while (!done() && is_token68(peek())) ++at_;
    if (at_ != start) {
      while (!done() && peek() == '=') ++at_;
      skip_ows();
      if (at_separator()) return true;
    }
    at_ = start;
    return false;
  }
  // Moves to the next ',' outside a quoted-string (or the end): resynchronises after junk.
  void skip_element() noexcept {
    while (!done() && peek() != ',') {
      std::string_view ignored;
      if (peek() == '"') {
        (void)quoted(ignored);
      } else {
        ++at_;
      }
    }
  }

 private:
  [[nodiscard]] std::string_view view_from(std::size_t start) const noexcept {
    return {text_.data() + start, at_ - start};
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

// The slot a parameter fills; null for parameters Digest clients may ignore (domain, charset).
std::string_view* slot_for(digest_challenge& c, std::string_view name) noexcept {
  if (iequals(name, "realm")) return &c.realm;
  if (iequals(name, "nonce")) return &c.nonce;
  if (iequals(name, "opaque")) return &c.opaque;
  if (iequals(name, "algorithm")) return &c.algorithm;
  if (iequals(name, "qop")) return &c.qop;
  if (iequals(name, "stale")) return &c.stale;
  if (iequals(name, "userhash")) return &c.userhash;
  return nullptr;
}

// auth-param = token BWS "=" BWS ( token / quoted-string ), then OWS and the end of the element.
// Returns false for anything else, and for a parameter given twice (RFC 9110 §11.2).
bool parse_param(cursor& in, digest_challenge& c) noexcept {
  const std::string_view name = in.token();
  if (name.empty()) return false;
  in.skip_ows();
  if (in.done() || in.peek() != '=') return false;
  in.advance();
  in.skip_ows();
  std::string_view value;
  if (!in.done() && in.peek() == '"') {
    if (!in.quoted(value)) return false;
  } else {
    value = in.token();
    if (value.empty()) return false;
  }
  in.skip_ows();
  if (!in.at_separator()) return false;
  std::string_view* slot = slot_for(c, name);
  if (slot == nullptr) return true;
  if (!slot->empty()) return false;
  *slot = value;
  return true;
}

// After a list separator: does a new challenge start here (a token not followed by '=')?
bool starts_challenge(cursor& in) noexcept {
  const std::size_t start = in.position();
  const bool named = !in.token().empty();
  in.skip_ows();
  const bool param = !in.done() && in.peek() == '=';
  in.seek(start);
  return named && !param;
}

// Picks the best usable challenge among those offered.
class chooser {
 public:
  explicit chooser(bool body_known) noexcept : body_known_(body_known) {}

  void offer(digest_challenge c) noexcept {
    if (!usable(c)) return;
    if (found_ && (best_.sha256 || !c.sha256)) return;  // SHA-256 beats MD5; among equals, the first
    best_ = c;
    found_ = true;
  }
  [[nodiscard]] bool found() const noexcept { return found_; }
  [[nodiscard]] const digest_challenge& best() const noexcept { return best_; }

 private:
  bool usable(digest_challenge& c) const noexcept {
    // §3.3: realm and nonce are required; the buffers bound what can be kept.
    if (c.realm.empty() || c.nonce.empty()) return false;
    if (unquoted_size(c.realm) > HTPX_DIGEST_REALM_BYTES || unquoted_size(c.nonce) > HTPX_DIGEST_NONCE_BYTES ||
        unquoted_size(c.opaque) > HTPX_DIGEST_OPAQUE_BYTES) {
      return false;
    }
    char buf[64];
    // §3.3: no algorithm means MD5. Unknown ones (SHA-512-256, ...) cannot be answered.
    const std::string_view algorithm = c.algorithm.empty() ? std::string_view{"MD5"} : unquote_small(c.algorithm, buf);
    c.sha256 = iequals(algorithm, "SHA-256") || iequals(algorithm, "SHA-256-sess");
    c.sess = iequals(algorithm, "MD5-sess") || iequals(algorithm, "SHA-256-sess");
    if (!c.sha256 && !c.sess && !iequals(algorithm, "MD5")) return false;
    if (!choose_qop(c)) return false;
    c.is_stale = iequals(unquote_small(c.stale, buf), "true");
    c.is_userhash = iequals(unquote_small(c.userhash, buf), "true");
    return true;
  }

  // qop is a comma-separated list (§3.3). auth is preferred: it needs no body. auth-int alone is
  // taken only when the body is in memory. No qop at all is RFC 2069, which has no cnonce, so
  // its -sess variants cannot be computed.
  bool choose_qop(digest_challenge& c) const noexcept {
    if (c.qop.empty()) {
      c.choice = digest_qop::none;
      return !c.sess;
    }
    char buf[64];
    cursor list(unquote_small(c.qop, buf));
    bool auth = false;
    bool auth_int = false;
    for (list.skip_separators(); !list.done(); list.skip_separators()) {
      const std::string_view option = list.token();
      auth = auth || iequals(option, "auth");
      auth_int = auth_int || iequals(option, "auth-int");
      list.skip_element();
    }
    c.choice = auth ? digest_qop::auth : digest_qop::auth_int;
    return auth || (auth_int && body_known_);
  }

  bool body_known_;
  bool found_ = false;
  digest_challenge best_{};
};

// Reads every challenge in one WWW-Authenticate field value (RFC 9110 §11.6.1:
//   challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
// in a comma-separated list, so a token not followed by '=' starts the next challenge), and
// offers the well-formed Digest ones. A malformed challenge is dropped; parsing resumes at the
// next element.
void parse_field(std::string_view value, chooser& choose) noexcept {
  cursor in(value);
  for (in.skip_separators(); !in.done(); in.skip_separators()) {
    const std::string_view scheme = in.token();
    if (scheme.empty() || !(in.at_separator() || in.peek() == ' ' || in.peek() == '\t')) {
      in.skip_element();
      continue;
    }
    digest_challenge c;
    bool malformed = false;
    in.skip_ows();
    if (!in.at_separator() && !in.token68()) {
      for (;;) {
        if (!parse_param(in, c)) {
          malformed = true;
          in.skip_element();
        }
        in.skip_separators();
        if (in.done() || starts_challenge(in)) break;
      }
    }
    if (!malformed && iequals(scheme, "Digest")) choose.offer(c);
  }
}

// H() of §3.4 for the chosen algorithm, fed piece by piece, read out as lowercase hex.
class digest_hash {
 public:
  explicit digest_hash(bool sha256) noexcept : sha256_(sha256) {}

  digest_hash& add(std::string_view s) noexcept {
    if (sha256_) {
      sha_.update(s);
    } else {
      md5_.update(s);
    }
    return *this;
  }
  digest_hash& add(std::string_view a, std::string_view b) noexcept { return add(a).add(":").add(b); }
  // Writes 64 (SHA-256) or 32 (MD5) hex digits to `out`, returns them, and starts over.
  [[nodiscard]] std::string_view hex(char (&out)[64]) noexcept {
    unsigned char digest[detail::sha256::digest_size];
    std::size_t size = detail::md5::digest_size;
    if (sha256_) {
      sha_.finish(digest);
      size = detail::sha256::digest_size;
    } else {
      md5_.finish(digest);
    }
    md5_.reset();
    sha_.reset();
    detail::hex_encode(digest, size, out);
    return {out, 2 * size};
  }

 private:
  bool sha256_;
  detail::md5 md5_;
  detail::sha256 sha_;
};

// Builds the Authorization value in a fixed buffer; overflow is sticky and checked once.
class value_writer {
 public:
  value_writer(char* out, std::size_t capacity) noexcept : out_(out), capacity_(capacity) {}

  value_writer& raw(std::string_view s) noexcept {
    if (s.size() > capacity_ - size_) {
      overflow_ = true;
      return *this;
    }
    if (!s.empty()) std::memcpy(out_ + size_, s.data(), s.size());
    size_ += s.size();
    return *this;
  }
  // RFC 9110 §5.6.4 quoted-string; '"' and '\' become quoted-pairs (RFC 7616 §3.4).
  value_writer& quoted(std::string_view s) noexcept {
    raw("\"");
    for (std::size_t i = 0; i != s.size(); ++i) {
      if (s[i] == '"' || s[i] == '\\') raw("\\");
      raw({s.data() + i, 1});
    }
    return raw("\"");
  }
  [[nodiscard]] bool overflow() const noexcept { return overflow_; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

 private:
  char* out_;
  std::size_t capacity_;
  std::size_t size_ = 0;
  bool overflow_ = false;
};

// The key of a request's origin (RFC 6454 §4: scheme, host, port): SHA-256 of the three, so
// 64 hex digits stand for a host of any length, and two origins share a key only by a SHA-256
// collision. Hosts are compared as written (case kept): "Example.test" is another key, which
// costs one unanswered 401, never credentials sent elsewhere.
void origin_key(const url* origin, char (&out)[64]) noexcept {
  digest_hash h(true);
  if (origin != nullptr) {
    char port[5];
    std::size_t digits = 0;
    for (unsigned p = origin->port; digits == 0 || p != 0; p /= 10)
      port[sizeof port - ++digits] = static_cast<char>('0' + p % 10);
    h.add(origin->scheme == url_scheme::https ? "https" : "http", origin->host)
        .add(":")
        .add({port + sizeof port - digits, digits});
  }
  (void)h.hex(out);
}

std::string_view algorithm_name(bool sha256, bool sess) noexcept {
  if (sha256) return sess ? "SHA-256-sess" : "SHA-256";
  return sess ? "MD5-sess" : "MD5";
}

}  // namespace

digest_auth::digest_auth(std::string_view user, std::string_view password) noexcept
    : user_(user), password_(password) {}

void digest_auth::set_random(std::uint32_t (*random)(void* ctx), void* ctx) noexcept {
  random_ = random;
  random_ctx_ = ctx;
}

error digest_auth::set_cnonce(std::string_view cnonce) noexcept {
  if (cnonce.size() > cnonce_capacity || has_control(cnonce)) {
    return {errc::local_protocol_error, "digest cnonce longer than 64 bytes or holding a control character"};
  }
  if (!cnonce.empty()) std::memcpy(cnonce_, cnonce.data(), cnonce.size());
  cnonce_size_ = cnonce.size();
  fixed_cnonce_ = !cnonce.empty();
  return {};
}

void digest_auth::reset() noexcept {
  challenged_ = false;
  retry_pending_ = false;
  attempt_is_retry_ = false;
  rounds_ = 0;
  nc_ = 0;
}

std::uint32_t digest_auth::next_random() noexcept {
  if (random_ != nullptr) return random_(random_ctx_);
  // xorshift32 (Marsaglia 2003) over a state that also takes in this object's address, a call
  // counter and each server nonce (adopt()). Distinct cnonces, not unpredictable ones.
  std::uint32_t x =
      rng_ ^ (static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(this)) + 0x9E3779B9U * ++counter_);
  if (x == 0) x = 0x6D2B79F5U;  // xorshift never leaves 0
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rng_ = x;
  return x;
}

void digest_auth::adopt(const detail::digest_challenge& c, const url* origin) noexcept {
  origin_key(origin, origin_);
  // nc counts requests per nonce (§3.4): it starts again only with a new nonce.
  if (!challenged_ || !unquoted_equals(c.nonce, {nonce_, nonce_size_})) nc_ = 0;
  realm_size_ = unquote(c.realm, realm_);
  nonce_size_ = unquote(c.nonce, nonce_);
  has_opaque_ = !c.opaque.empty();
  opaque_size_ = unquote(c.opaque, opaque_);
  sha256_ = c.sha256;
  sess_ = c.sess;
  qop_ = c.choice;
  userhash_ = c.is_userhash;
  algorithm_named_ = !c.algorithm.empty();
  challenged_ = true;
  for (std::size_t i = 0; i != nonce_size_; ++i) {  // FNV-1a: fold the nonce into the default source
    rng_ = (rng_ ^ static_cast<unsigned char>(nonce_[i])) * 16777619U;
  }
}

error digest_auth::on_request(const auth_request& req, header_appender& headers) noexcept {
  attempt_is_retry_ = retry_pending_;
  retry_pending_ = false;
  if (!attempt_is_retry_) rounds_ = 0;
  if (!challenged_) return {};  // the first attempt goes without credentials, as httpx
  // Another origin's challenge is not answered (RFC 9110 §11.5): its server asks anew.
  char key[sizeof origin_];
  origin_key(req.origin, key);
  if (std::memcmp(key, origin_, sizeof key) != 0) return {};
  if (const error failure = write_value(req)) return failure;
  return headers.add("Authorization", {value_, value_size_});
}

error digest_auth::write_value(const auth_request& req) noexcept {
  if (qop_ == digest_qop::auth_int && !req.body_known) {
    return {errc::local_protocol_error, "digest qop=auth-int needs the request body in memory"};
  }
  if (has_control(user_) || has_control(req.target)) {
    return {errc::local_protocol_error, "digest username or target holds a control character"};
  }
  const std::string_view realm{realm_, realm_size_};
  const std::string_view nonce{nonce_, nonce_size_};
  ++nc_;
  char nc[8];
  for (std::size_t i = 0; i != sizeof nc; ++i) nc[i] = "0123456789abcdef"[(nc_ >> (28 - 4 * i)) & 15];
  if (!fixed_cnonce_) {
    unsigned char random[16];
    std::uint32_t r = 0;
    for (std::size_t i = 0; i != sizeof random; ++i, r >>= 8) {
      if (i % 4 == 0) r = next_random();
      random[i] = static_cast<unsigned char>(r);
    }
    detail::hex_encode(random, sizeof random, cnonce_);
    cnonce_size_ = 2 * sizeof random;
  }
  const std::string_view cnonce{cnonce_, cnonce_size_};
  const std::string_view qop = qop_ == digest_qop::auth_int ? "auth-int" : "auth";

  // One hasher and two hex buffers for everything (stack matters on small targets): each hex()
  // is written only after the value it overwrites has been fed to the hasher.
  digest_hash h(sha256_);
  char a_buf[64];
  char b_buf[64];
  // §3.4.2: A1 = user ":" realm ":" password, and for -sess H(that) ":" nonce ":" cnonce.
  std::string_view ha1 = h.add(user_, realm).add(":").add(password_).hex(a_buf);
  if (sess_) ha1 = h.add(ha1, nonce).add(":").add(cnonce).hex(a_buf);
  // §3.4.3: A2 = method ":" uri, and for auth-int ":" H(body).
  std::string_view ha2;
  if (qop_ == digest_qop::auth_int) ha2 = h.add(req.body.str()).hex(b_buf);
  h.add(req.method, req.target);
  if (qop_ == digest_qop::auth_int) h.add(":").add(ha2);
  ha2 = h.hex(b_buf);
  // §3.4.1: response = KD(H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2)); without qop
  // (RFC 2069 §2.1.2) KD(H(A1), nonce ":" H(A2)).
  h.add(ha1, nonce).add(":");
  if (qop_ != digest_qop::none) h.add({nc, sizeof nc}, cnonce).add(":").add(qop).add(":");
  const std::string_view answer = h.add(ha2).hex(b_buf);
  // §3.4.4: with userhash, the username sent is H(user ":" realm) (A1 keeps the name itself).
  const std::string_view username = userhash_ ? h.add(user_, realm).hex(a_buf) : user_;

  value_writer out(value_, sizeof value_);
  out.raw("Digest username=").quoted(username).raw(", realm=").quoted(realm);
  out.raw(", nonce=").quoted(nonce).raw(", uri=").quoted(req.target);
  if (algorithm_named_) out.raw(", algorithm=").raw(algorithm_name(sha256_, sess_));
  out.raw(", response=\"").raw(answer).raw("\"");
  if (qop_ != digest_qop::none) {
    out.raw(", qop=").raw(qop).raw(", nc=").raw({nc, sizeof nc}).raw(", cnonce=").quoted(cnonce);
  }
  if (has_opaque_) out.raw(", opaque=").quoted({opaque_, opaque_size_});
  if (userhash_) out.raw(", userhash=true");
  if (out.overflow()) {
    return {errc::local_protocol_error, "digest Authorization too long for HTPX_DIGEST_VALUE_BYTES"};
  }
  value_size_ = out.size();
  return {};
}

bool digest_auth::on_response(const auth_request& req, const response& head) noexcept {
  if (head.status_code != 401) return false;
  chooser choose(req.body_known);
  for (const header& field : head.headers) {
    if (iequals(field.name, "WWW-Authenticate")) parse_field(field.value, choose);
  }
  if (!choose.found()) {
    challenged_ = false;  // nothing to answer: later requests go without credentials
    return false;
  }
  adopt(choose.best(), req.origin);
  // A retry that still gets a 401 means wrong credentials, unless the nonce merely went stale
  // (§3.3 stale: retry with the new nonce, same credentials).
  if (attempt_is_retry_ && !choose.best().is_stale) return false;
  if (rounds_ >= max_rounds) return false;
  ++rounds_;
  retry_pending_ = true;
  return true;
}

}  // namespace htpx
