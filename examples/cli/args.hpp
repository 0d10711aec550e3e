// Command-line parsing for the htpx tool: argv in, a description of what to fetch out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#ifndef HTPX_CLI_TLS
/// 1 when the tool is built with the TLS port (port/mbedtls; CMake sets it when mbedTLS is found).
#define HTPX_CLI_TLS 0
#endif

namespace htpx_cli {

/// Exit statuses of the tool (documented in --help and README.md).
enum exit_code : int {
  exit_ok = 0,
  exit_usage = 1,        ///< bad command line
  exit_request = 2,      ///< a request failed (any htpx error but HTTPStatusError)
  exit_status = 3,       ///< -f and a 4xx/5xx response (HTTPStatusError)
  exit_unsupported = 4,  ///< an option accepted now but implemented by a later issue (HTTP/2)
  exit_local_io = 5,     ///< a local file: --content @file or -F name=@file unreadable, -o or stdout unwritable
};

/// Where a raw body (--content) comes from.
enum class content_kind : std::uint8_t { none, text, file, stdin_stream };

/// A "Name: value" header or a key=value parameter, split (both views into argv).
struct field {
  std::string_view name;
  std::string_view value;
};

/// A -F part: `name=value` (text) or `name=@path` (a file streamed from disk).
struct form_part {
  std::string_view name;
  std::string_view value;  ///< the text, or the path after '@'
  bool file = false;
};

/// Optional timeouts in seconds; negative means "not given".
struct timeout_args {
  double connect = -1;
  double read = -1;
  double write = -1;
  double pool = -1;
};

/// Everything the command line asked for. Every view points into argv (alive for the whole run).
struct args {
  std::string_view method;             ///< -X or the positional METHOD; empty: default
  std::vector<std::string_view> urls;  ///< in the order given
  std::vector<field> headers;          ///< -H "Name: value"
  std::vector<field> params;           ///< -p key=value
  std::string_view json;               ///< -j TEXT
  bool has_json = false;
  content_kind content = content_kind::none;  ///< --content
  std::string_view content_value;             ///< the text, or the file name after '@'
  std::vector<field> data;                    ///< -d key=value: a form body
  std::vector<form_part> form;                ///< -F name=value | name=@file: a multipart body
  std::string_view user;                      ///< -u user:password, split
  std::string_view password;
  bool has_user = false;
  bool digest = false;         ///< --digest: -u as Digest rather than Basic
  std::string_view bearer;     ///< --bearer TOKEN
  bool follow = false;         ///< -L
  int max_redirects = -1;      ///< --max-redirects N; -1: the client's default (20)
  unsigned retries = 0;        ///< --retries N (connect failures)
  std::string_view proxy;      ///< --proxy URL
  bool has_proxy = false;      ///< --proxy given (empty: no proxy, environment ignored)
  std::vector<field> cookies;  ///< --cookie name=value
  bool expect_100 = false;     ///< --expect-100
  bool proxy_tunnel = false;   ///< --proxytunnel
  std::string_view cacert;     ///< --cacert FILE: trust only these CAs (PEM bundle)
  bool insecure = false;       ///< -k/--insecure: no certificate or hostname verification
  std::string_view cert;       ///< --cert FILE: client certificate (PEM), with --key
  std::string_view key;        ///< --key FILE: its private key (PEM)
  bool fail = false;           ///< -f
  timeout_args timeouts;       ///< -t and the per-phase ones
  std::string_view output;     ///< -o FILE; empty: stdout
  bool include = false;        ///< -i
  bool verbose = false;        ///< -v
  bool report = false;         ///< --report
  unsigned parallel = 1;       ///< -Z N
  std::string unsupported;     ///< why the first option accepted but not available is refused
  bool help = false;
};

/// The outcome of parsing: the arguments, or the exit status and a message for stderr.
struct parse_outcome {
  args parsed;
  int status = exit_ok;  ///< exit_ok: go on (or print help when parsed.help)
  std::string message;   ///< why not, when status is not exit_ok
};

/// Most requests in flight with -Z (the client's pool and request table are this large).
constexpr unsigned max_parallel = 16;

/// Most --retries.
constexpr unsigned max_retries = 100;

/// Parses argv (without argv[0]). Never exits; the caller prints `message` and returns `status`.
parse_outcome parse_args(int argc, char** argv);

/// Returns the --help text.
std::string_view help_text();

}  // namespace htpx_cli
