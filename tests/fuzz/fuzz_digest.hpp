// The Digest fuzz target's body (RFC 7616: WWW-Authenticate challenges as digest_auth reads them
// from a 401 head, and the Authorization value it then writes), shared by the libFuzzer entry
// point (fuzz_digest.cpp) and the corpus replay unit test.
//
// Input: byte 0 picks the credentials (bits 0-1), the request-target (bits 2-3), whether the
// body is in memory (bit 4), a fixed or a generated cnonce (bit 5), and how many fields each
// 401 carries (bits 6-7: 1-4). The rest is lines ('\n'), each a WWW-Authenticate field value;
// each round sends an attempt (on_request) and answers it with a 401 carrying the next fields
// (on_response), as the client does (a CR in a line becomes DEL: it would end the field line).
// Invariants:
//   - on_request() succeeds or fails with its documented errors; it adds Authorization exactly
//     when a challenge is stored, and the value lies inside the digest_auth object, within
//     HTPX_DIGEST_VALUE_BYTES, without a control character other than HTAB (so no CR, LF or
//     NUL): the field cannot be split or cut by what a server sent;
//   - the value parses back as "Digest" and auth-params (token or quoted-string), with the
//     required parameters, a realm and nonce that fit their buffers, and a response that is
//     H() of what the other parameters say (RFC 7616 §3.4.1, recomputed here), so escaping
//     round-trips;
//   - on_response() answers only a 401, stores a challenge exactly when it returns true or
//     keeps one, and gives at most 3 retries in a row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "auth/md5.hpp"
#include "auth/sha256.hpp"
#include "fuzz_common.hpp"
#include "htpx/auth.hpp"
#include "htpx/header_appender.hpp"
#include "htpx/response.hpp"

namespace htpx_fuzz::digest {

struct credentials {
  std::string_view user, password;
};
constexpr credentials users[4] = {
    {"Mufasa", "Circle of Life"}, {"Mu\"fa\\sa", "p\"w"}, {"", ""}, {"J\xC3\xA4s\xC3\xB8n Doe", "Secret, or not?"}};
constexpr std::string_view targets[4] = {"/dir/index.html", "/", "/a?b=\"c\"&d=\\", "/tab\there"};
constexpr std::string_view body = "{\"a\":1}";

inline bool is_tchar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

inline bool is_ctl(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return (c < 0x20 && c != '\t') || c == 0x7F;
}

inline std::string hex(const unsigned char* p, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i != n; ++i) out.append(1, digits[p[i] >> 4u]).append(1, digits[p[i] & 15u]);
  return out;
}

inline std::string hash(bool sha256, std::string_view s) {
  unsigned char digest[htpx::detail::sha256::digest_size];
  if (sha256) {
    htpx::detail::sha256 h;
    h.update(s);
    h.finish(digest);
    return hex(digest, htpx::detail::sha256::digest_size);
  }
  htpx::detail::md5 h;
  h.update(s);
  h.finish(digest);
  return hex(digest, htpx::detail::md5::digest_size);
}

// Parses "Digest " auth-param *( ", " auth-param ) strictly (the writer's own layout), with
// quoted-strings unescaped. Returns false when it does not parse or a parameter repeats.
inline bool parse_authorization(std::string_view v, std::map<std::string, std::string>& params) {
  constexpr std::string_view prefix = "Digest ";
  if (v.substr(0, prefix.size()) != prefix) return false;
  std::size_t i = prefix.size();
  for (;;) {
    const std::size_t name_start = i;
    while (i < v.size() && is_tchar(v[i])) ++i;
    if (i == name_start || i == v.size() || v[i] != '=') return false;
    const std::string name(v.substr(name_start, i - name_start));
    ++i;
    std::string value;
    if (i < v.size() && v[i] == '"') {
      for (++i;; ++i) {
        if (i == v.size()) return false;
        if (v[i] == '"') break;
        if (v[i] == '\\' && ++i == v.size()) return false;
        value += v[i];
      }
      ++i;
    } else {
      const std::size_t start = i;
      while (i < v.size() && is_tchar(v[i])) ++i;
      if (i == start) return false;
      value = std::string(v.substr(start, i - start));
    }
    if (!params.emplace(name, value).second) return false;
    if (i == v.size()) return true;
    if (v.substr(i, 2) != ", ") return false;
    i += 2;
  }
}

// Recomputes the response of §3.4.1 from the parameters the value carries and checks it.
inline void check_authorization(std::string_view value, const credentials& who, const htpx::auth_request& req) {
  for (const char c : value) HTPX_FUZZ_CHECK(!is_ctl(c));
  std::map<std::string, std::string> p;
  HTPX_FUZZ_CHECK(parse_authorization(value, p));
  for (const char* required : {"username", "realm", "nonce", "uri", "response"}) HTPX_FUZZ_CHECK(p.count(required) == 1);
  HTPX_FUZZ_CHECK(p["uri"] == req.target);
  // A quoted-string may be empty (RFC 9110 §5.6.4): realm="" and nonce="" are answered.
  HTPX_FUZZ_CHECK(p["realm"].size() <= HTPX_DIGEST_REALM_BYTES && p["nonce"].size() <= HTPX_DIGEST_NONCE_BYTES);
  if (p.count("opaque") != 0) HTPX_FUZZ_CHECK(p["opaque"].size() <= HTPX_DIGEST_OPAQUE_BYTES);
  const std::string algorithm = p.count("algorithm") != 0 ? p["algorithm"] : "MD5";
  HTPX_FUZZ_CHECK(algorithm == "MD5" || algorithm == "MD5-sess" || algorithm == "SHA-256" ||
                  algorithm == "SHA-256-sess");
  const bool sha = algorithm.compare(0, 7, "SHA-256") == 0;
  const bool sess = algorithm.size() > 5 && algorithm.compare(algorithm.size() - 5, 5, "-sess") == 0;
  const bool has_qop = p.count("qop") != 0;
  HTPX_FUZZ_CHECK(has_qop == (p.count("nc") != 0) && has_qop == (p.count("cnonce") != 0));
  HTPX_FUZZ_CHECK(has_qop || !sess);
  if (has_qop) HTPX_FUZZ_CHECK(p["qop"] == "auth" || (p["qop"] == "auth-int" && req.body_known));
  if (has_qop) HTPX_FUZZ_CHECK(p["nc"].size() == 8 && p["nc"] != "00000000");
  const bool userhash = p.count("userhash") != 0;
  if (userhash) HTPX_FUZZ_CHECK(p["userhash"] == "true");
  HTPX_FUZZ_CHECK(p["username"] ==
                  (userhash ? hash(sha, std::string(who.user) + ":" + p["realm"]) : std::string(who.user)));

  std::string ha1 = hash(sha, std::string(who.user) + ":" + p["realm"] + ":" + std::string(who.password));
  if (sess) ha1 = hash(sha, ha1 + ":" + p["nonce"] + ":" + p["cnonce"]);
  std::string a2 = std::string(req.method) + ":" + p["uri"];
  if (has_qop && p["qop"] == "auth-int") a2 += ":" + hash(sha, req.body.str());
  const std::string ha2 = hash(sha, a2);
  const std::string expected =
      has_qop ? hash(sha, ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":" + p["qop"] + ":" + ha2)
              : hash(sha, ha1 + ":" + p["nonce"] + ":" + ha2);
  HTPX_FUZZ_CHECK(p["response"] == expected);
}

// One attempt: on_request() into a small header table; returns whether Authorization was added.
inline bool attempt(htpx::digest_auth& auth, const credentials& who, const htpx::auth_request& req) {
  htpx::header table[4];
  htpx::header_appender headers(table, 4, 1);
  table[0] = {"Host", "example.com"};
  const bool challenged = auth.challenged();
  const htpx::error e = auth.on_request(req, headers);
  if (e) {
    const std::string_view why = e.detail;
    HTPX_FUZZ_CHECK(challenged && e.code == htpx::errc::local_protocol_error);
    HTPX_FUZZ_CHECK(why == "digest qop=auth-int needs the request body in memory" ||
                    why == "digest username or target holds a control character" ||
                    why == "digest Authorization too long for HTPX_DIGEST_VALUE_BYTES");
    HTPX_FUZZ_CHECK(headers.used() == 1);
    return false;
  }
  HTPX_FUZZ_CHECK(headers.used() == (challenged ? 2u : 1u));
  if (!challenged) return false;
  HTPX_FUZZ_CHECK(table[1].name == "Authorization");
  const std::string_view value = table[1].value;
  const char* self = reinterpret_cast<const char*>(&auth);
  HTPX_FUZZ_CHECK(within(self, sizeof auth, value) && value.size() <= HTPX_DIGEST_VALUE_BYTES);
  check_authorization(value, who, req);
  return true;
}

inline std::uint32_t counter_random(void* ctx) {
  auto* state = static_cast<std::uint32_t*>(ctx);
  *state = *state * 1664525u + 1013904223u;  // deterministic, so a crash reproduces
  return *state;
}

inline int fuzz_digest_one(const std::uint8_t* data, std::size_t size) {
  input_reader in(data, size);
  const std::uint8_t options = in.byte();
  const credentials& who = users[options & 3u];
  htpx::auth_request req;
  req.method = (options & 0x10u) != 0 ? "POST" : "GET";
  req.target = targets[(options >> 2u) & 3u];
  req.body_known = (options & 0x10u) != 0;
  if (req.body_known) req.body = htpx::bytes_view(body);
  const std::size_t fields_per_head = std::size_t{1} + (options >> 6u);

  std::vector<std::string_view> lines;
  std::string_view rest(in.rest(), in.rest_size());
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }

  htpx::digest_auth auth(who.user, who.password);
  std::uint32_t random_state = 1;
  if ((options & 0x20u) != 0) {
    HTPX_FUZZ_CHECK(!auth.set_cnonce("0a4f113b"));
  } else {
    auth.set_random(counter_random, &random_state);
  }

  // A non-401 is never answered and changes nothing.
  {
    std::string block = "WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"\r\n";
    htpx::response ok;
    ok.status_code = 200;
    ok.headers = htpx::headers_view(block, 1);
    HTPX_FUZZ_CHECK(!auth.on_response(req, ok) && !auth.challenged());
  }

  std::size_t retries_in_a_row = 0;
  for (std::size_t at = 0; at < lines.size(); at += fields_per_head) {
    (void)attempt(auth, who, req);
    std::string block;
    std::size_t fields = 0;
    for (std::size_t k = at; k != lines.size() && k != at + fields_per_head; ++k, ++fields) {
      // A CR would end the field line in the head block; every other byte is kept (stricter
      // than the response parser, which refuses control characters in values).
      std::string value(lines[k]);
      for (char& c : value) c = c == '\r' ? '\x7f' : c;
      block.append("WWW-Authenticate: ").append(value).append("\r\n");
    }
    htpx::response head;
    head.status_code = 401;
    head.headers = htpx::headers_view(block, static_cast<std::uint16_t>(fields));
    const bool retry = auth.on_response(req, head);
    if (retry) HTPX_FUZZ_CHECK(auth.challenged());
    retries_in_a_row = retry ? retries_in_a_row + 1 : 0;
    HTPX_FUZZ_CHECK(retries_in_a_row <= 3);
  }
  (void)attempt(auth, who, req);
  return 0;
}

}  // namespace htpx_fuzz::digest
