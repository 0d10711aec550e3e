// Command-line parsing for the htpx tool: argv in, a description of what to fetch out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace htpx_cli {

/// Exit statuses of the tool (documented in --help and README.md).
enum exit_code : int {
  exit_ok = 0,
  exit_usage = 1,        ///< bad command line
  exit_request = 2,      ///< a request failed (any htpx error but HTTPStatusError)
  exit_status = 3,       ///< -f and a 4xx/5xx response (HTTPStatusError)
  exit_unsupported = 4,  ///< an option accepted now but implemented by a later issue
  exit_local_io = 5,     ///< a local file: --content @file unreadable, -o or stdout unwritable
};

/// Where a raw body (--content) comes from.
enum class content_kind : std::uint8_t { none, text, file, stdin_stream };

/// A "Name: value" header or a key=value parameter, split (both views into argv).
struct field {
  std::string_view name;
  std::string_view value;
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
  bool fail = false;                          ///< -f
  timeout_args timeouts;                      ///< -t and the per-phase ones
  std::string_view output;                    ///< -o FILE; empty: stdout
  bool include = false;                       ///< -i
  bool verbose = false;                       ///< -v
  bool report = false;                        ///< --report
  unsigned parallel = 1;                      ///< -Z N
  std::string unsupported;                    ///< first option accepted but not implemented yet
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

/// Parses argv (without argv[0]). Never exits; the caller prints `message` and returns `status`.
parse_outcome parse_args(int argc, char** argv);

/// Returns the --help text.
std::string_view help_text();

}  // namespace htpx_cli
