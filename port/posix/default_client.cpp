#include "default_client.hpp"

#include "posix_platform.hpp"
#include "posix_transport.hpp"
#if HTPX_DEFAULT_CLIENT_TLS
#include "tls_transport.hpp"
#endif

namespace htpx {

client& default_client() noexcept {
  // Built on first use, so programs that never make a one-off call never pay for it.
  static port::posix_platform platform;
#if HTPX_DEFAULT_CLIENT_TLS
  // With the TLS port built, https works too: verified against the system CA bundle
  // (port::default_tls_config()); plain http passes through the TLS transport untouched.
  static static_client<default_client_config, port::tls_over<port::posix_transport>> shared(platform);
#else
  static static_client<default_client_config, port::posix_transport> shared(platform);
#endif
  return shared;
}

result<response> get(std::string_view url, const request_options& opts) noexcept {
  return default_client().get(url, opts);
}
result<response> head(std::string_view url, const request_options& opts) noexcept {
  return default_client().head(url, opts);
}
result<response> options(std::string_view url, const request_options& opts) noexcept {
  return default_client().options(url, opts);
}
result<response> post(std::string_view url, const request_options& opts) noexcept {
  return default_client().post(url, opts);
}
result<response> put(std::string_view url, const request_options& opts) noexcept {
  return default_client().put(url, opts);
}
result<response> patch(std::string_view url, const request_options& opts) noexcept {
  return default_client().patch(url, opts);
}
result<response> delete_(std::string_view url, const request_options& opts) noexcept {
  return default_client().delete_(url, opts);
}

}  // namespace htpx
