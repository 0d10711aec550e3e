// basic_auth (RFC 7617) and bearer_auth (RFC 6750): a value computed once, sent on every attempt.
#include "htpx/auth.hpp"

#include <cstring>

#include "auth/base64.hpp"

namespace htpx {

namespace {

constexpr error too_long{errc::local_protocol_error, "credentials too long for HTPX_AUTH_VALUE_BYTES"};

bool has_control(std::string_view s) noexcept {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool is_b64token(std::string_view s) noexcept {
  std::size_t i = 0;
  for (; i != s.size(); ++i) {
    const char c = s[i];
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != '-' && c != '.' && c != '_' && c != '~' && c != '+' && c != '/') break;
  }
  if (i == 0) return false;
  while (i != s.size() && s[i] == '=') ++i;
  return i == s.size();
}

// Credentials leave no copy on the stack (the compiler may not drop volatile stores).
void wipe(char* p, std::size_t n) noexcept {
  volatile char* v = p;
  for (std::size_t i = 0; i != n; ++i) v[i] = 0;
}

}  // namespace

error detail::auth_value::add_to(header_appender& headers) const noexcept {
  if (failure) return failure;
  return headers.add("Authorization", {bytes, size});
}

basic_auth::basic_auth(std::string_view user, std::string_view password) noexcept {
  // RFC 7617 §2: a user-id containing a colon cannot be told apart from the password, and
  // neither part may hold control characters.
  if (user.find(':') != std::string_view::npos) {
    value_.failure = {errc::local_protocol_error, "basic_auth user-id contains ':' (RFC 7617 section 2)"};
    return;
  }
  if (has_control(user) || has_control(password)) {
    value_.failure = {errc::local_protocol_error, "basic_auth credentials contain a control character"};
    return;
  }
  constexpr std::string_view scheme = "Basic ";
  char pass[(sizeof value_.bytes - scheme.size()) / 4 * 3];  // the most base64 can fit after the scheme
  const std::size_t size = user.size() + 1 + password.size();
  if (size > sizeof pass) {
    value_.failure = too_long;
    return;
  }
  if (!user.empty()) std::memcpy(pass, user.data(), user.size());
  pass[user.size()] = ':';
  if (!password.empty()) std::memcpy(pass + user.size() + 1, password.data(), password.size());
  std::memcpy(value_.bytes, scheme.data(), scheme.size());
  value_.size = scheme.size() +
                detail::base64_encode({pass, size}, value_.bytes + scheme.size(), sizeof value_.bytes - scheme.size());
  wipe(pass, size);
}

error basic_auth::on_request(const auth_request& req, header_appender& headers) noexcept {
  (void)req;
  return value_.add_to(headers);
}

bearer_auth::bearer_auth(std::string_view token) noexcept {
  constexpr std::string_view scheme = "Bearer ";
  if (!is_b64token(token)) {
    value_.failure = {errc::local_protocol_error, "bearer token is not a b64token (RFC 6750 section 2.1)"};
    return;
  }
  if (token.size() > sizeof value_.bytes - scheme.size()) {
    value_.failure = too_long;
    return;
  }
  std::memcpy(value_.bytes, scheme.data(), scheme.size());
  std::memcpy(value_.bytes + scheme.size(), token.data(), token.size());
  value_.size = scheme.size() + token.size();
}

error bearer_auth::on_request(const auth_request& req, header_appender& headers) noexcept {
  (void)req;
  return value_.add_to(headers);
}

}  // namespace htpx
