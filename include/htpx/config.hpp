// Compile-time defaults. Override any of them from a file named by HTPX_USER_CONFIG_FILE,
// e.g. -DHTPX_USER_CONFIG_FILE='"my_htpx_config.h"'.
#pragma once

#ifdef HTPX_USER_CONFIG_FILE
#include HTPX_USER_CONFIG_FILE
#endif

/// Largest response head (status line + fields + blank line), counting every 1xx head before it.
#ifndef HTPX_MAX_HEAD_BYTES
#define HTPX_MAX_HEAD_BYTES 8192
#endif

/// Most header fields in one response head (Python's http.client allows 100, curl 5,000).
#ifndef HTPX_MAX_HEADERS
#define HTPX_MAX_HEADERS 64
#endif

/// Most chunk-extension bytes on one chunk-size line (RFC 9112 §7.1.1; Node CVE-2024-22019).
#ifndef HTPX_MAX_CHUNK_EXT_BYTES
#define HTPX_MAX_CHUNK_EXT_BYTES 256
#endif

/// Largest trailer section after the last chunk (curl caps it at 4 KB).
#ifndef HTPX_MAX_TRAILER_BYTES
#define HTPX_MAX_TRAILER_BYTES 4096
#endif

/// Most 1xx interim responses before the final one (Go allows 5).
#ifndef HTPX_MAX_INFORMATIONAL
#define HTPX_MAX_INFORMATIONAL 5
#endif

/// Longest host name a pool slot remembers for keep-alive reuse (longer names still connect,
/// but their connections are closed after one response): default_client_config::max_host_bytes,
/// which a configuration may override (at most 255).
#ifndef HTPX_MAX_HOST_BYTES
#define HTPX_MAX_HOST_BYTES 64
#endif

/// 1: every error carries its detail text (`error::detail`, e.g. "bare LF in fields"). 0: the
/// texts are left out of the image (about 2.5 KB of the minimal client on Cortex-M4) and every
/// detail is "": the typed code (`errc`) still says what failed. Define it alike for htpx and the
/// code that includes its headers.
#ifndef HTPX_ERROR_TEXTS
#define HTPX_ERROR_TEXTS 1
#endif
