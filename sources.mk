# The one list of htpx sources. A firmware build that does not use CMake includes this file
# and compiles $(HTPX_CORE_SOURCES) with -I$(HTPX_INCLUDE_DIRS) and $(HTPX_REQUIRED_CXXFLAGS);
# CMakeLists.txt reads the same lists, so the two builds cannot drift.
#   include path/to/htpx/sources.mk
#   SRCS += $(addprefix $(HTPX_ROOT),$(HTPX_CORE_SOURCES))
#   CPPFLAGS += $(addprefix -I$(HTPX_ROOT),$(HTPX_INCLUDE_DIRS))

HTPX_ROOT := $(dir $(lastword $(MAKEFILE_LIST)))

HTPX_INCLUDE_DIRS := include

HTPX_REQUIRED_CXXFLAGS := -std=c++17 -fno-exceptions -fno-rtti

# htpx_core: the sans-IO protocol code. Links nothing, touches no socket, clock or heap.
HTPX_CORE_SOURCES := \
  src/civil_date.cpp \
  src/error.cpp \
  src/headers.cpp \
  src/url.cpp \
  src/ip_address.cpp \
  src/h1/fault.cpp \
  src/h1/field_parser.cpp \
  src/h1/chunked_decoder.cpp \
  src/h1/response_parser.cpp \
  src/h1/request_writer.cpp \
  src/h1/connection_state.cpp \
  src/h1/connection.cpp

# htpx: the client (pool, timeouts, blocking and poll-driven APIs) over the abstract transport.
# Links htpx_core; touches no socket API (the ports do).
HTPX_CLIENT_SOURCES := \
  src/client/client.cpp \
  src/client/client_pool.cpp \
  src/client/client_exchange.cpp \
  src/client/client_blocking.cpp \
  src/client/client_redirect.cpp \
  src/client/client_retry.cpp \
  src/client/client_proxy.cpp \
  src/client/client_credentials.cpp \
  src/client/client_features.cpp \
  src/client/response.cpp \
  src/client/stream.cpp \
  src/client/url_offsets.cpp

# Request features, part of the htpx target: one list per module so each grows on its own line.
HTPX_AUTH_SOURCES := src/auth/hash_blocks.cpp src/auth/md5.cpp src/auth/sha256.cpp src/auth/base64.cpp src/auth/auth.cpp src/auth/digest_auth.cpp
HTPX_BODY_SOURCES := src/body/json_writer.cpp src/body/json_reader.cpp src/body/form_body.cpp src/body/multipart_body.cpp
HTPX_COOKIE_SOURCES := src/cookies/cookie_date.cpp src/cookies/cookie_match.cpp src/cookies/public_suffix.cpp src/cookies/set_cookie.cpp src/cookies/cookie_jar.cpp src/cookies/cookie_header.cpp src/cookies/cookie_store.cpp

# htpx_port_posix: non-blocking TCP over BSD sockets, the monotonic clock and poll(2).
HTPX_PORT_POSIX_SOURCES := port/posix/posix_transport.cpp port/posix/address_list.cpp port/posix/posix_platform.cpp port/posix/epoll_platform.cpp
HTPX_PORT_POSIX_INCLUDE_DIRS := port/posix

# htpx_posix: one-off requests (htpx::get(), ...) on a default client over the POSIX port.
HTPX_POSIX_CLIENT_SOURCES := port/posix/default_client.cpp port/posix/file_source.cpp

# htpx_port_mbedtls: TLS over any transport with mbedTLS (2.28 and 3.6 tested). Link
# mbedtls, mbedx509 and mbedcrypto; this port is the only code that includes mbedTLS headers.
HTPX_PORT_MBEDTLS_SOURCES := port/mbedtls/tls_config.cpp port/mbedtls/tls_transport.cpp port/mbedtls/tls_reframe.cpp port/mbedtls/tls_certificate.cpp
HTPX_PORT_MBEDTLS_INCLUDE_DIRS := port/mbedtls
