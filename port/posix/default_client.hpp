// One-off requests without a client object (httpx.get(), httpx.post(), ...): a process-wide
// static_client over the POSIX port, created on first use.
#pragma once

#include <string_view>

#include "htpx/client.hpp"

namespace htpx {

/// Returns the client behind htpx::get() and friends: a static_client<default_client_config,
/// port::posix_transport> on the POSIX platform, with default options; when the mbedTLS port
/// is built, its transport is port::tls_over<port::posix_transport>, so https URLs work too
/// (verified against the system CA bundle). Not thread-safe: use it
/// from one thread (as every htpx client).
[[nodiscard]] client& default_client() noexcept;

/// httpx.get(): a blocking GET on default_client(). The response's views are valid until the
/// next blocking call on that client. Any other method: default_client().request(method, url).
[[nodiscard]] result<response> get(std::string_view url, const request_options& opts = {}) noexcept;
/// The other methods, as get(); DELETE is delete_ (`delete` is a C++ keyword).
[[nodiscard]] result<response> head(std::string_view url, const request_options& opts = {}) noexcept;
[[nodiscard]] result<response> options(std::string_view url, const request_options& opts = {}) noexcept;
[[nodiscard]] result<response> post(std::string_view url, const request_options& opts = {}) noexcept;
[[nodiscard]] result<response> put(std::string_view url, const request_options& opts = {}) noexcept;
[[nodiscard]] result<response> patch(std::string_view url, const request_options& opts = {}) noexcept;
[[nodiscard]] result<response> delete_(std::string_view url, const request_options& opts = {}) noexcept;

}  // namespace htpx
