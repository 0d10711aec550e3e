// Authentication: MD5 (RFC 1321 A.5), SHA-256 (FIPS 180-4 / NIST examples), base64 (RFC 4648
// §10), Basic (RFC 7617), Bearer (RFC 6750) and Digest (RFC 7616: the §3.9.1 examples, -sess and
// auth-int computed by hand, stale, nc, opaque, choosing among challenges, malformed challenges).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "auth/base64.hpp"
#include "auth/md5.hpp"
#include "auth/sha256.hpp"
#include "htpx/auth.hpp"

namespace htpx::test {
namespace {

// Hex written here, not with detail::hex_encode, so the Digest checks below take another path.
std::string to_hex(const unsigned char* p, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i != n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

std::string md5_hex(std::string_view s) {
  detail::md5 h;
  h.update(s);
  unsigned char digest[detail::md5::digest_size];
  h.finish(digest);
  return to_hex(digest, sizeof digest);
}

std::string sha256_hex(std::string_view s) {
  detail::sha256 h;
  h.update(s);
  unsigned char digest[detail::sha256::digest_size];
  h.finish(digest);
  return to_hex(digest, sizeof digest);
}

// ---- MD5 -------------------------------------------------------------------------------------

TEST(Md5Test, Rfc1321TestSuite) {
  // RFC 1321 appendix A.5.
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(md5_hex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Md5Test, EveryLengthAroundTheBlockFedInEveryTwoPieces) {
  // Padding edge cases (55, 56, 63, 64, 65 bytes) and every split point give the one-shot digest.
  const std::string text(130, 'x');
  for (std::size_t size = 0; size <= text.size(); ++size) {
    const std::string whole = md5_hex({text.data(), size});
    for (std::size_t cut = 0; cut <= size; cut += 7) {
      detail::md5 h;
      h.update({text.data(), cut});
      h.update({text.data() + cut, size - cut});
      unsigned char digest[16];
      h.finish(digest);
      ASSERT_EQ(to_hex(digest, 16), whole) << "size " << size << " cut " << cut;
    }
  }
  EXPECT_EQ(md5_hex(std::string(56, 'a')), "3b0c8ac703f828b04c6c197006d17218");
  EXPECT_EQ(md5_hex(std::string(64, 'a')), "014842d480b571495a4a0363793f7367");
}

// ---- SHA-256 ---------------------------------------------------------------------------------

TEST(Sha256Test, OneBlockMessageAbc) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, EmptyMessage) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, TwoBlockMessage448Bits) {
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, OneMillionAFedInOddPieces) {
  const std::string chunk(997, 'a');
  detail::sha256 h;
  std::size_t left = 1000000;
  for (std::size_t piece = 1; left != 0; piece = (piece + 2) % 997) {  // 1, 3, 5, ... odd sizes
    const std::size_t n = piece < left ? piece : left;
    h.update({chunk.data(), n});
    left -= n;
  }
  unsigned char digest[32];
  h.finish(digest);
  EXPECT_EQ(to_hex(digest, 32), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, ResetStartsOver) {
  detail::sha256 h;
  h.update(std::string_view("garbage"));
  h.reset();
  h.update(std::string_view("abc"));
  unsigned char digest[32];
  h.finish(digest);
  EXPECT_EQ(to_hex(digest, 32), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// ---- base64 and hex --------------------------------------------------------------------------

std::string base64(std::string_view in, std::size_t cap = 64) {
  char out[64];
  const std::size_t n = detail::base64_encode(in, out, cap);
  return {out, n};
}

TEST(Base64Test, Rfc4648Section10Vectors) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64("\xfb\xff\xbf"), "+/+/");
}

TEST(Base64Test, ReturnsZeroWhenTheOutputDoesNotFit) {
  EXPECT_EQ(base64("foob", 8), "Zm9vYg==");
  EXPECT_EQ(base64("foob", 7), "");
  EXPECT_EQ(base64("foobar", 8), "Zm9vYmFy");
  EXPECT_EQ(base64("foobar", 7), "");
  EXPECT_EQ(detail::base64_size(5), 8U);
}

TEST(Base64Test, HexEncodeIsLowercase) {
  const unsigned char bytes[] = {0x00, 0x9f, 0xab, 0xff};
  char out[8];
  detail::hex_encode(bytes, sizeof bytes, out);
  EXPECT_EQ(std::string_view(out, 8), "009fabff");
}

// ---- helpers for the schemes -----------------------------------------------------------------

// A header table the way the client hands it to a scheme, and what the scheme added.
struct request_fields {
  header table[4]{};
  header_appender appender{table, 4, 0};

  [[nodiscard]] std::size_t count() const { return appender.used(); }
  [[nodiscard]] std::string authorization() const {
    for (std::size_t i = 0; i != appender.used(); ++i) {
      if (table[i].name == "Authorization") return std::string(table[i].value);
    }
    return {};
  }
};

// A response head with the given fields ("Name: value" lines without CRLF).
struct head {
  std::string block;
  response resp;

  head(std::uint16_t status, const std::vector<std::string>& fields) {
    for (const std::string& line : fields) block += line + "\r\n";
    resp.status_code = status;
    resp.headers = headers_view(block, static_cast<std::uint16_t>(fields.size()));
  }
};

auth_request get(std::string_view target) {
  auth_request req;
  req.method = "GET";
  req.target = target;
  return req;
}

// Runs one attempt: on_request, and returns the Authorization value (empty when none).
std::string attempt(auth& scheme, const auth_request& req) {
  request_fields fields;
  const error failure = scheme.on_request(req, fields.appender);
  EXPECT_FALSE(failure) << failure.detail;
  return fields.authorization();
}

// ---- Basic and Bearer ------------------------------------------------------------------------

TEST(BasicAuthTest, Rfc7617Section2Example) {
  basic_auth auth("Aladdin", "open sesame");
  EXPECT_EQ(auth.value(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  request_fields fields;
  ASSERT_FALSE(auth.on_request(get("/"), fields.appender));
  ASSERT_EQ(fields.count(), 1U);
  EXPECT_EQ(fields.table[0].name, "Authorization");
  EXPECT_EQ(fields.table[0].value, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_FALSE(auth.on_response(get("/"), head(401, {"WWW-Authenticate: Basic realm=\"x\""}).resp));
}

TEST(BasicAuthTest, EmptyPasswordAndCopiedCredentials) {
  std::string user = "user";
  basic_auth auth(user, "");
  user = "xxxx";  // the scheme copied what it needs
  EXPECT_EQ(attempt(auth, get("/")), "Basic dXNlcjo=");
}

TEST(BasicAuthTest, UserWithColonIsLocalProtocolError) {
  basic_auth auth("Alad:din", "open sesame");
  request_fields fields;
  const error failure = auth.on_request(get("/"), fields.appender);
  EXPECT_EQ(failure.code, errc::local_protocol_error);
  EXPECT_EQ(fields.count(), 0U);
  basic_auth password_colon("Aladdin", "open:sesame");  // a colon in the password is fine
  EXPECT_EQ(attempt(password_colon, get("/")), "Basic QWxhZGRpbjpvcGVuOnNlc2FtZQ==");
}

TEST(BasicAuthTest, ControlCharacterIsLocalProtocolError) {
  basic_auth auth("user", std::string_view("pa\x00ss", 5));
  request_fields fields;
  EXPECT_EQ(auth.on_request(get("/"), fields.appender).code, errc::local_protocol_error);
  basic_auth crlf("user\r\nX-Evil: 1", "p");
  EXPECT_EQ(crlf.on_request(get("/"), fields.appender).code, errc::local_protocol_error);
  EXPECT_EQ(fields.count(), 0U);
}

TEST(BasicAuthTest, TooLongForTheBufferIsLocalProtocolError) {
  // "Basic " leaves 186 characters: 46 groups of 4, so 138 bytes of user ":" password.
  const std::string fits(136, 'p');
  basic_auth ok("u", fits);
  EXPECT_EQ(ok.value().size(), HTPX_AUTH_VALUE_BYTES - 2U);
  basic_auth auth("u", fits + "pp");
  request_fields fields;
  const error failure = auth.on_request(get("/"), fields.appender);
  EXPECT_EQ(failure.code, errc::local_protocol_error);
  EXPECT_STREQ(failure.detail, "credentials too long for HTPX_AUTH_VALUE_BYTES");
  EXPECT_TRUE(auth.value().empty());
}

TEST(BasicAuthTest, FullHeaderTableIsTheAppendersError) {
  basic_auth auth("Aladdin", "open sesame");
  header table[1];
  header_appender full(table, 1, 1);
  EXPECT_EQ(auth.on_request(get("/"), full).code, errc::local_protocol_error);
}

TEST(BearerAuthTest, SendsTheToken) {
  bearer_auth auth("mF_9.B5f-4.1JqM");
  EXPECT_EQ(attempt(auth, get("/resource")), "Bearer mF_9.B5f-4.1JqM");
  bearer_auth padded("abc+/~==");
  EXPECT_EQ(attempt(padded, get("/")), "Bearer abc+/~==");
}

TEST(BearerAuthTest, NonB64tokenIsLocalProtocolError) {
  for (const std::string_view token : {"", "has space", "a=b", "=abc", "quote\"", "new\r\nline", "\xc3\xa9"}) {
    bearer_auth auth(token);
    request_fields fields;
    EXPECT_EQ(auth.on_request(get("/"), fields.appender).code, errc::local_protocol_error) << token;
    EXPECT_EQ(fields.count(), 0U);
  }
}

TEST(BearerAuthTest, TooLongForTheBufferIsLocalProtocolError) {
  const std::string fits(HTPX_AUTH_VALUE_BYTES - 7, 't');
  bearer_auth ok(fits);
  EXPECT_EQ(attempt(ok, get("/")), "Bearer " + fits);
  bearer_auth auth(fits + "t");
  request_fields fields;
  const error failure = auth.on_request(get("/"), fields.appender);
  EXPECT_EQ(failure.code, errc::local_protocol_error);
  EXPECT_STREQ(failure.detail, "credentials too long for HTPX_AUTH_VALUE_BYTES");
}

// ---- Digest ----------------------------------------------------------------------------------

// RFC 7616 §3.9.1.
constexpr std::string_view rfc_nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
constexpr std::string_view rfc_opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
constexpr std::string_view rfc_cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

std::string rfc_challenge(std::string_view algorithm) {
  return "WWW-Authenticate: Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=" +
         std::string(algorithm) + ", nonce=\"" + std::string(rfc_nonce) + "\", opaque=\"" + std::string(rfc_opaque) +
         "\"";
}

std::string expected_header(std::string_view algorithm, std::string_view response_hex) {
  return "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", nonce=\"" + std::string(rfc_nonce) +
         "\", uri=\"/dir/index.html\", algorithm=" + std::string(algorithm) + ", response=\"" +
         std::string(response_hex) + "\", qop=auth, nc=00000001, cnonce=\"" + std::string(rfc_cnonce) +
         "\", opaque=\"" + std::string(rfc_opaque) + "\"";
}

// Returns the value of parameter `name` in a Digest Authorization value (quotes kept).
std::string param(const std::string& value, const std::string& name) {
  const std::size_t at = value.find(" " + name + "=");
  if (at == std::string::npos) return {};
  const std::size_t start = at + name.size() + 2;
  std::size_t end = start;
  if (value[start] == '"') {
    for (end = start + 1; value[end] != '"'; ++end) {
      if (value[end] == '\\') ++end;
    }
    ++end;
  } else {
    end = value.find(',', start);
    if (end == std::string::npos) end = value.size();
  }
  return value.substr(start, end - start);
}

std::string unq(const std::string& quoted) { return quoted.substr(1, quoted.size() - 2); }

// A digest_auth for Mufasa with the RFC's cnonce, after the 401 carrying `fields`.
struct challenged {
  digest_auth auth{"Mufasa", "Circle of Life"};
  bool retry = false;

  explicit challenged(const std::vector<std::string>& fields, const auth_request& req = get("/dir/index.html")) {
    EXPECT_FALSE(auth.set_cnonce(rfc_cnonce));
    EXPECT_EQ(attempt(auth, req), "");  // the first attempt goes without credentials
    retry = auth.on_response(req, head(401, fields).resp);
  }
};

TEST(DigestAuthTest, FirstAttemptCarriesNoAuthorization) {
  digest_auth auth("Mufasa", "Circle of Life");
  request_fields fields;
  ASSERT_FALSE(auth.on_request(get("/"), fields.appender));
  EXPECT_EQ(fields.count(), 0U);
  EXPECT_FALSE(auth.challenged());
}

TEST(DigestAuthTest, Rfc7616Section391Sha256) {
  // The RFC's 401 offers SHA-256 then MD5; SHA-256 is chosen.
  challenged c({rfc_challenge("SHA-256"), rfc_challenge("MD5")});
  ASSERT_TRUE(c.retry);
  EXPECT_TRUE(c.auth.challenged());
  EXPECT_EQ(attempt(c.auth, get("/dir/index.html")),
            expected_header("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"));
}

TEST(DigestAuthTest, Rfc7616Section391Md5) {
  challenged c({rfc_challenge("MD5")});
  ASSERT_TRUE(c.retry);
  EXPECT_EQ(attempt(c.auth, get("/dir/index.html")), expected_header("MD5", "8ca523f5e9506fed4657c9700eebdbec"));
}

TEST(DigestAuthTest, Sha256PreferredWhateverTheOrderAcrossFields) {
  challenged c({rfc_challenge("MD5"), "X-Other: 1", rfc_challenge("SHA-256")});
  ASSERT_TRUE(c.retry);
  EXPECT_EQ(param(attempt(c.auth, get("/dir/index.html")), "algorithm"), "SHA-256");
}

TEST(DigestAuthTest, SeveralChallengesInOneField) {
  const std::string field =
      "www-authenticate: Basic realm=\"basic\", Newauth abc+/==, "
      "Digest realm=\"http-auth@example.org\", qop=auth, nonce=\"md5nonce\", "
      "DIGEST REALM=\"http-auth@example.org\", QOP=\"auth\", ALGORITHM=sha-256, NONCE=\"shanonce\", "
      "Bearer";
  challenged c({field});
  ASSERT_TRUE(c.retry);
  const std::string value = attempt(c.auth, get("/dir/index.html"));
  EXPECT_EQ(param(value, "algorithm"), "SHA-256");
  EXPECT_EQ(param(value, "nonce"), "\"shanonce\"");
  EXPECT_EQ(param(value, "opaque"), "");  // none offered, none sent
}

std::string hand_response(bool sha, const std::string& ha1, const std::string& nonce, const std::string& tail) {
  const std::string kd = ha1 + ":" + nonce + ":" + tail;
  return sha ? sha256_hex(kd) : md5_hex(kd);
}

TEST(DigestAuthTest, SessVariantsComputedByHand) {
  for (const bool sha : {false, true}) {
    const auto h = [sha](const std::string& s) { return sha ? sha256_hex(s) : md5_hex(s); };
    const std::string algorithm = sha ? "SHA-256-sess" : "MD5-sess";
    challenged c({rfc_challenge(algorithm)});
    ASSERT_TRUE(c.retry);
    const std::string value = attempt(c.auth, get("/dir/index.html"));
    // RFC 7616 §3.4.2: A1 = H(user:realm:pass) ":" nonce ":" cnonce for the -sess variants.
    const std::string ha1 = h(h("Mufasa:http-auth@example.org:Circle of Life") + ":" + std::string(rfc_nonce) + ":" +
                              std::string(rfc_cnonce));
    const std::string ha2 = h("GET:/dir/index.html");
    const std::string expected =
        hand_response(sha, ha1, std::string(rfc_nonce), "00000001:" + std::string(rfc_cnonce) + ":auth:" + ha2);
    EXPECT_EQ(param(value, "algorithm"), algorithm);
    EXPECT_EQ(unq(param(value, "response")), expected) << algorithm;
  }
}

TEST(DigestAuthTest, AuthIntWithAKnownBody) {
  auth_request req;
  req.method = "POST";
  req.target = "/upload";
  req.body = bytes_view("hello world");
  req.body_known = true;
  challenged c({"WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", qop=\"auth-int\", algorithm=SHA-256"}, req);
  ASSERT_TRUE(c.retry);
  const std::string value = attempt(c.auth, req);
  const std::string ha1 = sha256_hex("Mufasa:r:Circle of Life");
  const std::string ha2 = sha256_hex("POST:/upload:" + sha256_hex("hello world"));
  EXPECT_EQ(param(value, "qop"), "auth-int");
  EXPECT_EQ(unq(param(value, "response")),
            hand_response(true, ha1, "n1", "00000001:" + std::string(rfc_cnonce) + ":auth-int:" + ha2));
}

TEST(DigestAuthTest, AuthIntOnlyIsUnusableForAStreamedBody) {
  auth_request req = get("/upload");
  req.method = "PUT";
  req.body_known = false;
  challenged c({"WWW-Authenticate: Digest realm=\"r\", nonce=\"n1\", qop=\"auth-int\""}, req);
  EXPECT_FALSE(c.retry);
  EXPECT_FALSE(c.auth.challenged());
}

TEST(DigestAuthTest, AuthPreferredOverAuthIntWhenBothAreOffered) {
  auth_request req = get("/");
  req.body = bytes_view("x");
  req.body_known = true;
  challenged c({"WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth-int , auth\""}, req);
  ASSERT_TRUE(c.retry);
  EXPECT_EQ(param(attempt(c.auth, req), "qop"), "auth");
}

TEST(DigestAuthTest, AuthIntStoredThenAStreamedBodyIsLocalProtocolError) {
  auth_request req = get("/");
  req.body_known = true;
  challenged c({"WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=auth-int"}, req);
  ASSERT_TRUE(c.retry);
  req.body_known = false;
  request_fields fields;
  EXPECT_EQ(c.auth.on_request(req, fields.appender).code, errc::local_protocol_error);
}

TEST(DigestAuthTest, LegacyRfc2069WithoutQop) {
  challenged c({"WWW-Authenticate: Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\""});
  ASSERT_TRUE(c.retry);
  const std::string value = attempt(c.auth, get("/dir/index.html"));
  const std::string ha1 = md5_hex("Mufasa:testrealm@host.com:Circle of Life");
  const std::string ha2 = md5_hex("GET:/dir/index.html");
  EXPECT_EQ(value,
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
            "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", response=\"" +
                md5_hex(ha1 + ":dcd98b7102dd2f0e8b11d0f600bfb0c093:" + ha2) + "\"");
}

TEST(DigestAuthTest, LegacySessWithoutQopIsSkipped) {
  challenged c({"WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess"});
  EXPECT_FALSE(c.retry);
}

TEST(DigestAuthTest, SecondUnauthorizedWithoutStaleIsFinal) {
  challenged c({rfc_challenge("MD5")});
  ASSERT_TRUE(c.retry);
  EXPECT_NE(attempt(c.auth, get("/dir/index.html")), "");
  // Wrong password: the server answers the retry with a fresh challenge, not stale.
  EXPECT_FALSE(c.auth.on_response(get("/dir/index.html"), head(401, {rfc_challenge("MD5")}).resp));
}

TEST(DigestAuthTest, StaleNonceRetriesWithTheNewNonceAndRestartsNc) {
  challenged c({rfc_challenge("MD5")});
  ASSERT_TRUE(c.retry);
  EXPECT_EQ(param(attempt(c.auth, get("/a")), "nc"), "00000001");
  const auth_request req = get("/a");
  ASSERT_TRUE(c.auth.on_response(
      req, head(401, {"WWW-Authenticate: Digest realm=\"http-auth@example.org\", nonce=\"fresh\", qop=auth, "
                      "stale=TRUE"})
               .resp));
  const std::string value = attempt(c.auth, req);
  EXPECT_EQ(param(value, "nonce"), "\"fresh\"");
  EXPECT_EQ(param(value, "nc"), "00000001");
  EXPECT_EQ(param(value, "opaque"), "");  // the new challenge has none
  EXPECT_TRUE(c.auth.on_response(req, head(401, {"WWW-Authenticate: Digest realm=\"x\", nonce=\"again\", "
                                                 "stale=\"true\""})
                                          .resp));
}

TEST(DigestAuthTest, EndlessStaleIsCapped) {
  challenged c({rfc_challenge("MD5")});
  ASSERT_TRUE(c.retry);
  int rounds = 1;
  for (int i = 0; i != 10; ++i) {
    (void)attempt(c.auth, get("/"));
    const std::string field = "WWW-Authenticate: Digest realm=\"r\", stale=true, nonce=\"n" + std::to_string(i) + "\"";
    if (!c.auth.on_response(get("/"), head(401, {field}).resp)) break;
    ++rounds;
  }
  EXPECT_EQ(rounds, 3);
}

TEST(DigestAuthTest, NcIncrementsPerRequestOnTheSameNonce) {
  challenged c({rfc_challenge("SHA-256")});
  ASSERT_TRUE(c.retry);
  for (const char* nc : {"00000001", "00000002", "00000003"}) {
    const std::string value = attempt(c.auth, get("/dir/index.html"));
    EXPECT_EQ(param(value, "nc"), nc);
    EXPECT_EQ(param(value, "opaque"), "\"" + std::string(rfc_opaque) + "\"");
    EXPECT_FALSE(c.auth.on_response(get("/dir/index.html"), head(200, {}).resp));
  }
  // A later request answered by a 401 with the same nonce (not a retry, so answered): nc goes on.
  EXPECT_TRUE(c.auth.on_response(get("/dir/index.html"), head(401, {rfc_challenge("SHA-256")}).resp));
  EXPECT_EQ(param(attempt(c.auth, get("/dir/index.html")), "nc"), "00000004");
}

TEST(DigestAuthTest, PreemptiveRequestGetsOneRetryOnA401) {
  challenged c({rfc_challenge("MD5")});
  ASSERT_TRUE(c.retry);
  (void)attempt(c.auth, get("/"));
  EXPECT_FALSE(c.auth.on_response(get("/"), head(200, {}).resp));
  // Next request: sent with the stored nonce, which the server has expired without stale.
  (void)attempt(c.auth, get("/b"));
  EXPECT_TRUE(c.auth.on_response(get("/b"), head(401, {rfc_challenge("MD5")}).resp));
  (void)attempt(c.auth, get("/b"));
  EXPECT_FALSE(c.auth.on_response(get("/b"), head(401, {rfc_challenge("MD5")}).resp));
}

TEST(DigestAuthTest, OpaqueEchoedEvenWhenEmpty) {
  challenged c({"WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", opaque=\"\", qop=auth"});
  ASSERT_TRUE(c.retry);
  EXPECT_EQ(param(attempt(c.auth, get("/")), "opaque"), "\"\"");
}

TEST(DigestAuthTest, QuotedPairsUnescapedForHashingAndEscapedOnTheWire) {
  challenged c({R"(WWW-Authenticate: Digest realm="a \"q\" \\ b", nonce="n\o", qop=auth)"});
  ASSERT_TRUE(c.retry);
  const std::string value = attempt(c.auth, get("/"));
  EXPECT_EQ(param(value, "realm"), R"("a \"q\" \\ b")");
  EXPECT_EQ(param(value, "nonce"), "\"no\"");
  const std::string ha1 = md5_hex("Mufasa:a \"q\" \\ b:Circle of Life");
  EXPECT_EQ(unq(param(value, "response")),
            hand_response(false, ha1, "no", "00000001:" + std::string(rfc_cnonce) + ":auth:" + md5_hex("GET:/")));
}

TEST(DigestAuthTest, UsernameIsEscaped) {
  digest_auth auth("Mu\"fa\\sa", "pw");
  ASSERT_FALSE(auth.set_cnonce("c"));
  ASSERT_TRUE(auth.on_response(get("/"), head(401, {"WWW-Authenticate: Digest realm=\"r\", nonce=\"n\""}).resp));
  EXPECT_EQ(param(attempt(auth, get("/")), "username"), R"("Mu\"fa\\sa")");
}

TEST(DigestAuthTest, UsernameWithControlByteIsLocalProtocolError) {
  digest_auth auth("Mu\x01", "pw");
  ASSERT_TRUE(auth.on_response(get("/"), head(401, {"WWW-Authenticate: Digest realm=\"r\", nonce=\"n\""}).resp));
  request_fields fields;
  EXPECT_EQ(auth.on_request(get("/"), fields.appender).code, errc::local_protocol_error);
  EXPECT_EQ(fields.count(), 0U);
}

TEST(DigestAuthTest, ValueTooLongIsLocalProtocolError) {
  challenged c({rfc_challenge("SHA-256")});
  ASSERT_TRUE(c.retry);
  const std::string target = "/" + std::string(HTPX_DIGEST_VALUE_BYTES, 'x');
  request_fields fields;
  const error failure = c.auth.on_request(get(target), fields.appender);
  EXPECT_EQ(failure.code, errc::local_protocol_error);
  EXPECT_EQ(fields.count(), 0U);
}

TEST(DigestAuthTest, UserhashSendsTheHashedUsername) {
  challenged c({"WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=auth, algorithm=SHA-256, userhash=true"});
  ASSERT_TRUE(c.retry);
  const std::string value = attempt(c.auth, get("/"));
  EXPECT_EQ(param(value, "username"), "\"" + sha256_hex("Mufasa:r") + "\"");
  EXPECT_EQ(param(value, "userhash"), "true");
  const std::string ha1 = sha256_hex("Mufasa:r:Circle of Life");  // A1 keeps the real name
  EXPECT_EQ(unq(param(value, "response")),
            hand_response(true, ha1, "n", "00000001:" + std::string(rfc_cnonce) + ":auth:" + sha256_hex("GET:/")));
}

TEST(DigestAuthTest, CnonceComesFromTheInjectedRandomSource) {
  digest_auth auth("u", "p");
  std::uint32_t next = 0x01020304;
  auth.set_random([](void* ctx) { return (*static_cast<std::uint32_t*>(ctx))++; }, &next);
  ASSERT_TRUE(
      auth.on_response(get("/"), head(401, {"WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=auth"}).resp));
  EXPECT_EQ(param(attempt(auth, get("/")), "cnonce"), "\"04030201050302010603020107030201\"");
  EXPECT_EQ(param(attempt(auth, get("/")), "cnonce"), "\"08030201090302010a0302010b030201\"");
}

TEST(DigestAuthTest, DefaultCnoncesDiffer) {
  digest_auth auth("u", "p");
  ASSERT_TRUE(
      auth.on_response(get("/"), head(401, {"WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=auth"}).resp));
  const std::string first = param(attempt(auth, get("/")), "cnonce");
  const std::string second = param(attempt(auth, get("/")), "cnonce");
  EXPECT_EQ(first.size(), 34U);
  EXPECT_NE(first, second);
}

TEST(DigestAuthTest, SetCnonceRefusesWhatItCannotSend) {
  digest_auth auth("u", "p");
  EXPECT_EQ(auth.set_cnonce(std::string(65, 'c')).code, errc::local_protocol_error);
  EXPECT_EQ(auth.set_cnonce("a\nb").code, errc::local_protocol_error);
  EXPECT_FALSE(auth.set_cnonce(std::string(64, 'c')));
}

TEST(DigestAuthTest, OnlyA401IsAnswered) {
  digest_auth auth("u", "p");
  EXPECT_FALSE(auth.on_response(get("/"), head(407, {rfc_challenge("MD5")}).resp));
  EXPECT_FALSE(auth.on_response(get("/"), head(200, {rfc_challenge("MD5")}).resp));
  EXPECT_FALSE(auth.challenged());
}

TEST(DigestAuthTest, ResetForgetsTheChallenge) {
  challenged c({rfc_challenge("MD5")});
  ASSERT_TRUE(c.retry);
  c.auth.reset();
  EXPECT_EQ(attempt(c.auth, get("/")), "");
}

// RFC 9110 §11.5 (catalogue H1-36): a challenge is answered only to the origin that sent it.
// One client-wide digest_auth talking to two servers must not send one's realm and nonce
// (and a response computed from the password) to the other; the same origin gets them again.
TEST(DigestAuthTest, AChallengeIsAnsweredOnlyToItsOrigin) {
  const result<url> a = parse_url("http://a.test/dir/index.html");
  const result<url> a_other_port = parse_url("http://a.test:8080/dir/index.html");
  const result<url> a_https = parse_url("https://a.test/dir/index.html");
  const result<url> b = parse_url("http://b.test/dir/index.html");
  ASSERT_TRUE(a && a_other_port && a_https && b);
  auth_request to_a = get("/dir/index.html");
  to_a.origin = &a.value();
  challenged c({rfc_challenge("MD5")}, to_a);
  ASSERT_TRUE(c.retry);
  EXPECT_NE(attempt(c.auth, to_a), "");
  for (const url* elsewhere : {&b.value(), &a_other_port.value(), &a_https.value()}) {
    auth_request req = get("/dir/index.html");
    req.origin = elsewhere;
    EXPECT_EQ(attempt(c.auth, req), "") << elsewhere->host << ":" << elsewhere->port;
  }
  auth_request unknown = get("/dir/index.html");  // no origin given: not a.test's either
  EXPECT_EQ(attempt(c.auth, unknown), "");
  EXPECT_EQ(param(attempt(c.auth, to_a), "nc"), "00000002");  // a.test's nonce goes on
  // b.test's own challenge replaces a.test's: then only b.test is answered.
  auth_request to_b = get("/dir/index.html");
  to_b.origin = &b.value();
  EXPECT_TRUE(c.auth.on_response(to_b, head(401, {rfc_challenge("SHA-256")}).resp));
  EXPECT_NE(attempt(c.auth, to_b), "");
  EXPECT_EQ(attempt(c.auth, to_a), "");
}

// ---- Digest: malformed and hostile challenges ------------------------------------------------

// Each field alone must be skipped (no retry); next to a good MD5 challenge, the good one wins.
TEST(DigestChallengeTest, MalformedChallengesAreSkipped) {
  const std::string big(HTPX_DIGEST_NONCE_BYTES + 1, 'n');
  const std::vector<std::string> bad = {
      "WWW-Authenticate: Digest realm=\"r\", nonce=\"unterminated",
      "WWW-Authenticate: Digest realm=\"r\" nonce=\"no-comma\"",
      "WWW-Authenticate: Digest realm=\"r\", nonce=\"a\", nonce=\"twice\"",
      "WWW-Authenticate: Digest realm=\"r\"",
      "WWW-Authenticate: Digest nonce=\"n\"",
      "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256",
      "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth-conf\"",
      "WWW-Authenticate: Digest realm=\"r\", nonce=" + big,
      "WWW-Authenticate: Digest realm=\"r\", nonce=\"" + big + "\"",
      "WWW-Authenticate: Digest realm=\"" + std::string(HTPX_DIGEST_REALM_BYTES + 1, 'r') + "\", nonce=\"n\"",
      "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", opaque=\"" + std::string(HTPX_DIGEST_OPAQUE_BYTES + 1, 'o') +
          "\"",
      "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\x01\"",
      "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", algorithm=\"" + std::string(500, 'A') + "\"",
      "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"" + std::string(500, 'q') + "\"",
      "WWW-Authenticate: Digest realm=, nonce=\"n\"",
      "WWW-Authenticate: Digest =\"r\", nonce=\"n\"",
      "WWW-Authenticate: Digest abc==",
      "WWW-Authenticate: Digest",
      "WWW-Authenticate: Digest=realm",
      "WWW-Authenticate: \"Digest realm=\\\"r\\\", nonce=\\\"n\\\"\"",
      "WWW-Authenticate: ,,, ,",
      "WWW-Authenticate: ",
      "WWW-Authenticate: Basic realm=\"r\", nonce=\"n\"",
      "Proxy-Authenticate: Digest realm=\"r\", nonce=\"n\"",
  };
  for (const std::string& field : bad) {
    challenged alone({field});
    EXPECT_FALSE(alone.retry) << field;
    challenged beside({field, "WWW-Authenticate: Digest realm=\"good\", nonce=\"good\", qop=auth"});
    ASSERT_TRUE(beside.retry) << field;
    EXPECT_EQ(param(attempt(beside.auth, get("/")), "nonce"), "\"good\"") << field;
  }
}

TEST(DigestChallengeTest, ParsingResumesAfterAMalformedChallengeInTheSameField) {
  challenged c({"WWW-Authenticate: Digest realm=\"r\" junk, nonce=\"x\", Digest realm=\"r\", nonce=\"ok\""});
  ASSERT_TRUE(c.retry);
  EXPECT_EQ(param(attempt(c.auth, get("/")), "nonce"), "\"ok\"");
}

TEST(DigestChallengeTest, BuffersFillExactly) {
  const std::string nonce(HTPX_DIGEST_NONCE_BYTES, 'n');
  const std::string realm(HTPX_DIGEST_REALM_BYTES - 1, 'r');
  challenged c({"WWW-Authenticate: Digest realm=\"" + realm + "\\\\\", nonce=\"" + nonce + "\", opaque=\"" +
                std::string(HTPX_DIGEST_OPAQUE_BYTES, 'o') + "\""});
  ASSERT_TRUE(c.retry);
  const std::string value = attempt(c.auth, get("/"));
  EXPECT_EQ(param(value, "nonce"), "\"" + nonce + "\"");
  EXPECT_EQ(param(value, "realm"), "\"" + realm + "\\\\\"");
}

TEST(DigestChallengeTest, EveryTruncationAndMangledByteIsSafe) {
  // Cut a good field at every length, and overwrite each byte with each troublesome character:
  // the parser must stay inside the value (checked by sanitizers in the fuzz builds).
  const std::string good = rfc_challenge("SHA-256-sess") + ", Basic realm=\"x\", Newauth abc==";
  const std::string prefix = "WWW-Authenticate: ";
  for (std::size_t size = prefix.size(); size <= good.size(); ++size) {
    challenged c({good.substr(0, size)});
    (void)c.retry;
  }
  for (std::size_t at = prefix.size(); at != good.size(); ++at) {
    for (const char ch : {'"', '\\', ',', '=', ' ', '\x7f', 'D'}) {
      std::string mangled = good;
      mangled[at] = ch;
      challenged c({mangled});
      (void)c.retry;
    }
  }
  challenged whole({good});
  EXPECT_TRUE(whole.retry);
}

}  // namespace
}  // namespace htpx::test
