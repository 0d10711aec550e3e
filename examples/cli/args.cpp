// Command-line parsing: a table of options, long (--name, --name=value) and short (-x, -xVALUE,
// -iv clusters) forms, then the positional METHOD and URLs.
#include "args.hpp"

#include <cmath>
#include <cstdlib>

#include "htpx/url.hpp"

namespace htpx_cli {

namespace {

enum class opt : std::uint8_t {
  request,
  header,
  param,
  json,
  content,
  fail,
  timeout,
  connect_timeout,
  read_timeout,
  write_timeout,
  pool_timeout,
  http11,
  output,
  include,
  verbose,
  parallel,
  report,
  help,
  data,
  form,
  user,
  digest,
  bearer,
  follow,
  max_redirects,
  retries,
  proxy,
  proxytunnel,
  cookie,
  expect_100,
  cacert,
  insecure,
  cert,
  key,
  unsupported_flag,  // accepted, then refused with "not supported yet"
};

struct option_spec {
  char short_name;  // 0: long form only
  std::string_view long_name;
  opt id;
};

constexpr option_spec options[] = {
    {'X', "request", opt::request},
    {'H', "header", opt::header},
    {'p', "param", opt::param},
    {'j', "json", opt::json},
    {0, "content", opt::content},
    {'f', "fail", opt::fail},
    {'t', "timeout", opt::timeout},
    {0, "connect-timeout", opt::connect_timeout},
    {0, "read-timeout", opt::read_timeout},
    {0, "write-timeout", opt::write_timeout},
    {0, "pool-timeout", opt::pool_timeout},
    {0, "http1.1", opt::http11},
    {'o', "output", opt::output},
    {'i', "include", opt::include},
    {'v', "verbose", opt::verbose},
    {'Z', "parallel", opt::parallel},
    {0, "report", opt::report},
    {'h', "help", opt::help},
    {'d', "data", opt::data},
    {'F', "form", opt::form},
    {'u', "user", opt::user},
    {0, "digest", opt::digest},
    {0, "bearer", opt::bearer},
    {'L', "follow", opt::follow},
    {0, "max-redirects", opt::max_redirects},
    {0, "retries", opt::retries},
    {0, "proxy", opt::proxy},
    {0, "proxytunnel", opt::proxytunnel},
    {0, "cookie", opt::cookie},
    {0, "expect-100", opt::expect_100},
    {0, "cacert", opt::cacert},
    {'k', "insecure", opt::insecure},
    {0, "cert", opt::cert},
    {0, "key", opt::key},
    // A later issue (HTTP/2): accepted now and refused with a clear message.
    {0, "http2", opt::unsupported_flag},
    {0, "http2-prior-knowledge", opt::unsupported_flag},
};

bool takes_value(opt id) {
  switch (id) {
    case opt::fail:
    case opt::http11:
    case opt::include:
    case opt::verbose:
    case opt::report:
    case opt::help:
    case opt::digest:
    case opt::follow:
    case opt::expect_100:
    case opt::proxytunnel:
    case opt::insecure:
    case opt::unsupported_flag: return false;
    default: return true;
  }
}

bool is_tls_option(opt id) { return id == opt::cacert || id == opt::insecure || id == opt::cert || id == opt::key; }

const option_spec* find_long(std::string_view name) {
  for (const option_spec& spec : options) {
    if (spec.long_name == name) return &spec;
  }
  return nullptr;
}

const option_spec* find_short(char name) {
  for (const option_spec& spec : options) {
    if (spec.short_name == name) return &spec;
  }
  return nullptr;
}

// RFC 9110 §5.6.2 tchar: what a method and a field name may contain.
bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) return false;
  }
  return true;
}

// "an all-uppercase token that is not a URL": GET, DELETE, M-SEARCH.
bool looks_like_method(std::string_view text) {
  if (text.empty() || text[0] < 'A' || text[0] > 'Z' || htpx::has_scheme(text)) return false;
  for (const char c : text) {
    if (!((c >= 'A' && c <= 'Z') || c == '-' || c == '_')) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Builds one option's effect on `out`; returns an error message, empty when fine.
class applier {
 public:
  explicit applier(args& out) : out_(out) {}

  std::string apply(const option_spec& spec, std::string_view typed, std::string_view value) {
    if (!HTPX_CLI_TLS && is_tls_option(spec.id)) {
      if (out_.unsupported.empty()) out_.unsupported = describe(spec, typed) + " needs TLS: this htpx was built without mbedTLS";
      return {};
    }
    switch (spec.id) {
      case opt::request:
        if (!is_token(value)) return "-X/--request: not a method: '" + std::string(value) + "'";
        out_.method = value;
        return {};
      case opt::header: return add_header(value);
      case opt::param: return add_param(value);
      case opt::json:
        out_.json = value;
        out_.has_json = true;
        return {};
      case opt::content: return set_content(value);
      case opt::fail: out_.fail = true; return {};
      case opt::timeout: return set_all_timeouts(typed, value);
      case opt::connect_timeout: return seconds(typed, value, out_.timeouts.connect);
      case opt::read_timeout: return seconds(typed, value, out_.timeouts.read);
      case opt::write_timeout: return seconds(typed, value, out_.timeouts.write);
      case opt::pool_timeout: return seconds(typed, value, out_.timeouts.pool);
      case opt::http11: return {};  // HTTP/1.1 is the only protocol of this build
      case opt::output: return set_output(value);
      case opt::include: out_.include = true; return {};
      case opt::verbose: out_.verbose = true; return {};
      case opt::parallel: return set_parallel(typed, value);
      case opt::report: out_.report = true; return {};
      case opt::help: out_.help = true; return {};
      case opt::data: return add_pair("-d/--data", value, out_.data);
      case opt::form: return add_form_part(value);
      case opt::user: return set_user(value);
      case opt::digest: out_.digest = true; return {};
      case opt::bearer:
        if (value.empty()) return "--bearer: empty token";
        out_.bearer = value;
        return {};
      case opt::follow: out_.follow = true; return {};
      case opt::max_redirects: {
        unsigned n = 0;
        std::string failure = count(typed, value, 0, 255, n);
        out_.max_redirects = static_cast<int>(n);
        return failure;
      }
      case opt::retries: return count(typed, value, 0, max_retries, out_.retries);
      case opt::proxy: return set_proxy(value);
      case opt::cookie: return add_cookie(value);
      case opt::expect_100: out_.expect_100 = true; return {};
      case opt::proxytunnel: out_.proxy_tunnel = true; return {};
      case opt::cacert: return set_path("--cacert", value, out_.cacert);
      case opt::insecure: out_.insecure = true; return {};
      case opt::cert: return set_path("--cert", value, out_.cert);
      case opt::key: return set_path("--key", value, out_.key);
      case opt::unsupported_flag:
        if (out_.unsupported.empty()) {
          out_.unsupported = describe(spec, typed) + " is not supported yet (it comes with a later issue)";
        }
        return {};
    }
    return "internal: unknown option";
  }

 private:
  static std::string describe(const option_spec& spec, std::string_view typed) {
    std::string name(typed);
    if (typed.size() == 2) name += " (--" + std::string(spec.long_name) + ")";
    return name;
  }

  std::string add_header(std::string_view value) {
    const std::size_t colon = value.find(':');
    const std::string_view name = colon == std::string_view::npos ? value : value.substr(0, colon);
    if (colon == std::string_view::npos || !is_token(name)) {
      return "-H/--header: expected 'Name: value', got '" + std::string(value) + "'";
    }
    out_.headers.push_back({name, trim(value.substr(colon + 1))});
    return {};
  }

  std::string add_param(std::string_view value) {
    const std::size_t eq = value.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return "-p/--param: expected key=value, got '" + std::string(value) + "'";
    }
    out_.params.push_back({value.substr(0, eq), value.substr(eq + 1)});
    return {};
  }

  // key=value for -d (a form field: any bytes, form_body encodes them; the key may not be empty).
  static std::string add_pair(std::string_view what, std::string_view value, std::vector<field>& out) {
    const std::size_t eq = value.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return std::string(what) + ": expected key=value, got '" + std::string(value) + "'";
    }
    out.push_back({value.substr(0, eq), value.substr(eq + 1)});
    return {};
  }

  std::string add_form_part(std::string_view value) {
    const std::size_t eq = value.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return "-F/--form: expected name=value or name=@file, got '" + std::string(value) + "'";
    }
    form_part part{value.substr(0, eq), value.substr(eq + 1), false};
    if (!part.value.empty() && part.value[0] == '@') {
      part.value.remove_prefix(1);
      part.file = true;
      if (part.value.empty()) return "-F/--form: '" + std::string(value) + "': '@' needs a file name";
    }
    out_.form.push_back(part);
    return {};
  }

  // RFC 7617 §2: the user-id cannot hold ':', so the first ':' splits (the password may hold more).
  std::string set_user(std::string_view value) {
    const std::size_t colon = value.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return "-u/--user: expected user:password, got '" + std::string(value) + "'";
    }
    out_.user = value.substr(0, colon);
    out_.password = value.substr(colon + 1);
    out_.has_user = true;
    return {};
  }

  static std::string count(std::string_view typed, std::string_view value, unsigned low, unsigned high, unsigned& out) {
    const std::string text(value);
    char* end = nullptr;
    const long n = text.empty() ? -1 : std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || n < static_cast<long>(low) || n > static_cast<long>(high)) {
      return std::string(typed) + ": expected a number from " + std::to_string(low) + " to " + std::to_string(high) +
             ", got '" + text + "'";
    }
    out = static_cast<unsigned>(n);
    return {};
  }

  // An http:// proxy URL (a TLS connection to a proxy is not supported); empty: no proxy at all.
  std::string set_proxy(std::string_view value) {
    if (!value.empty()) {
      const htpx::result<htpx::url> parsed = htpx::parse_url(value);
      if (!parsed || parsed.value().scheme != htpx::url_scheme::http) {
        return "--proxy: expected an http:// URL such as http://user:pass@127.0.0.1:3128, got '" + std::string(value) +
               "'";
      }
    }
    out_.proxy = value;
    out_.has_proxy = true;
    return {};
  }

  // RFC 6265 §4.1.1: a cookie-name is a token; a value may not hold ';', ',', '"', '\\', space or
  // a control character (checked loosely: ';' and controls would break the Cookie field).
  std::string add_cookie(std::string_view value) {
    const std::size_t eq = value.find('=');
    const std::string_view name = eq == std::string_view::npos ? value : value.substr(0, eq);
    bool ok = eq != std::string_view::npos && is_token(name);
    for (const char c : value.substr(eq == std::string_view::npos ? 0 : eq + 1)) {
      if (c == ';' || static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ok = false;
    }
    if (!ok) return "--cookie: expected name=value (no ';' or control characters), got '" + std::string(value) + "'";
    out_.cookies.push_back({name, value.substr(eq + 1)});
    return {};
  }

  std::string set_content(std::string_view value) {
    if (value == "@-") {
      out_.content = content_kind::stdin_stream;
    } else if (!value.empty() && value[0] == '@') {
      if (value.size() == 1) return "--content: '@' needs a file name (or '@-' for stdin)";
      out_.content = content_kind::file;
      value.remove_prefix(1);
    } else {
      out_.content = content_kind::text;
    }
    out_.content_value = value;
    return {};
  }

  static std::string set_path(std::string_view what, std::string_view value, std::string_view& out) {
    if (value.empty()) return std::string(what) + ": empty file name";
    out = value;
    return {};
  }

  std::string set_output(std::string_view value) {
    if (value.empty()) return "-o/--output: empty file name";
    out_.output = value;
    return {};
  }

  static std::string seconds(std::string_view typed, std::string_view value, double& out) {
    const std::string text(value);
    char* end = nullptr;
    const double s = text.empty() ? -1 : std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(s) || s < 0 || s > 4294967.0) {
      return std::string(typed) + ": expected seconds (e.g. 2 or 0.5), got '" + text + "'";
    }
    out = s;
    return {};
  }

  std::string set_all_timeouts(std::string_view typed, std::string_view value) {
    double s = 0;
    std::string failure = seconds(typed, value, s);
    if (failure.empty()) out_.timeouts = {s, s, s, s};
    return failure;
  }

  std::string set_parallel(std::string_view typed, std::string_view value) {
    const std::string text(value);
    char* end = nullptr;
    const long n = text.empty() ? 0 : std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || n < 1 || n > static_cast<long>(max_parallel)) {
      return std::string(typed) + ": expected a number from 1 to " + std::to_string(max_parallel) + ", got '" + text +
             "'";
    }
    out_.parallel = static_cast<unsigned>(n);
    return {};
  }

  args& out_;
};

// The positional arguments: an optional METHOD, then the URLs.
std::string take_positionals(const std::vector<std::string_view>& words, args& out) {
  std::size_t first = 0;
  if (!words.empty() && looks_like_method(words[0])) {
    if (!out.method.empty() && out.method != words[0]) {
      return "method given twice: -X " + std::string(out.method) + " and " + std::string(words[0]);
    }
    out.method = words[0];
    first = 1;
  }
  out.urls.assign(words.begin() + static_cast<std::ptrdiff_t>(first), words.end());
  if (out.urls.empty()) return "no URL given (try --help)";
  return {};
}

// Rules across options, checked once everything is read.
std::string check_combinations(const args& out) {
  const int bodies = (out.has_json ? 1 : 0) + (out.content != content_kind::none ? 1 : 0) + (out.data.empty() ? 0 : 1) +
                     (out.form.empty() ? 0 : 1);
  if (bodies > 1) return "give one body: -j/--json, --content, -d/--data or -F/--form";
  if (out.digest && !out.has_user) return "--digest needs -u/--user user:password";
  if (out.has_user && !out.bearer.empty()) return "give one of -u/--user and --bearer";
  if (out.content == content_kind::stdin_stream && out.urls.size() > 1) {
    return "--content @- reads stdin once: give a single URL";
  }
  if (!out.cert.empty() && out.key.empty()) return "--cert needs --key (the certificate's private key, PEM)";
  if (!out.key.empty() && out.cert.empty()) return "--key needs --cert (the client certificate, PEM)";
  if (out.insecure && !out.cacert.empty()) return "give one of --cacert and -k/--insecure";
  return {};
}

}  // namespace

parse_outcome parse_args(int argc, char** argv) {
  parse_outcome result;
  args& out = result.parsed;
  applier apply(out);
  std::vector<std::string_view> words;
  bool options_done = false;
  auto fail = [&result](int status, std::string message) {
    result.status = status;
    result.message = std::move(message);
    return result;
  };

  for (int i = 0; i < argc; ++i) {
    const std::string_view token = argv[i];
    if (options_done || token.size() < 2 || token[0] != '-') {
      words.push_back(token);
      continue;
    }
    if (token == "--") {
      options_done = true;
      continue;
    }
    if (token[1] == '-') {  // --name or --name=value
      const std::size_t eq = token.find('=');
      const std::string_view name = token.substr(2, eq == std::string_view::npos ? eq : eq - 2);
      const std::string_view typed = token.substr(0, eq);
      const option_spec* spec = find_long(name);
      if (spec == nullptr) return fail(exit_usage, "unknown option " + std::string(typed) + " (try --help)");
      std::string_view value;
      if (!takes_value(spec->id)) {
        if (eq != std::string_view::npos) return fail(exit_usage, std::string(typed) + " takes no value");
      } else if (eq != std::string_view::npos) {
        value = token.substr(eq + 1);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return fail(exit_usage, std::string(typed) + " needs a value");
      }
      std::string failure = apply.apply(*spec, typed, value);
      if (!failure.empty()) return fail(exit_usage, failure);
      continue;
    }
    for (std::size_t j = 1; j < token.size(); ++j) {  // -x, -xVALUE, -x VALUE, -iv
      const option_spec* spec = find_short(token[j]);
      const std::string typed = std::string("-") + token[j];
      if (spec == nullptr) return fail(exit_usage, "unknown option " + typed + " (try --help)");
      std::string_view value;
      const bool needs = takes_value(spec->id);
      if (needs && j + 1 < token.size()) {
        value = token.substr(j + 1);
      } else if (needs && i + 1 < argc) {
        value = argv[++i];
      } else if (needs) {
        return fail(exit_usage, typed + " needs a value");
      }
      std::string failure = apply.apply(*spec, typed, value);
      if (!failure.empty()) return fail(exit_usage, failure);
      if (needs) break;
    }
  }
  if (out.help) return result;
  if (!out.unsupported.empty()) {
    return fail(exit_unsupported, out.unsupported);
  }
  std::string failure = take_positionals(words, out);
  if (failure.empty()) failure = check_combinations(out);
  if (!failure.empty()) return fail(exit_usage, failure);
  return result;
}

std::string_view help_text() {
  return R"help(usage: htpx [options] [METHOD] URL [URL ...]

Fetches each URL in order over one client (a pool of keep-alive connections, one cookie jar)
and writes each response body to stdout (or -o FILE) as it arrives. METHOD (an all-uppercase
word such as DELETE) may come before the first URL instead of -X. URLs are http:// or https://
(TLS with mbedTLS; the server's certificate and name are verified against the system CA
bundle, /etc/ssl/certs/ca-certificates.crt, read once at the first https connection).

Request:
  -X, --request METHOD      method (default GET; POST when a body is given)
  -H, --header 'Name: value'   add a request header (repeatable)
  -p, --param key=value     add a query parameter, percent-encoded (repeatable)
      --cookie name=value   send a cookie (repeatable), besides those the jar holds
      --expect-100          send Expect: 100-continue and hold the body until the server's 100
Body (one of):
  -j, --json TEXT           JSON body sent as is, Content-Type: application/json
  -d, --data key=value      form field (repeatable): application/x-www-form-urlencoded body
  -F, --form name=value     multipart/form-data text field (repeatable)
  -F, --form name=@FILE     multipart/form-data file part, streamed from FILE
      --content TEXT        raw body
      --content @FILE       raw body streamed from FILE (Content-Length: its size)
      --content @-          raw body streamed from stdin (chunked; one URL only)
Authentication:
  -u, --user USER:PASSWORD  Basic auth (the first ':' splits)
      --digest              with -u: Digest auth (MD5, SHA-256; answers the 401 challenge)
      --bearer TOKEN        Authorization: Bearer TOKEN
                            (credentials never follow a redirect to another origin)
Redirects and retries:
  -L, --follow              follow redirects (301/302/303 turn POST into GET; 307/308 keep it)
      --max-redirects N     at most N redirects (0..255, default 20), then TooManyRedirects
      --retries N           retry a failed connect up to N times (0..100), with backoff
Proxy:
      --proxy URL           send every request through this http:// proxy (user:pass@ in the
                            URL: Proxy-Authorization); '' uses none. Default: HTTP_PROXY,
                            HTTPS_PROXY, ALL_PROXY and NO_PROXY from the environment
      --proxytunnel         reach http:// URLs through the proxy with a CONNECT tunnel
                            (https:// URLs always go through one)
TLS (https:// URLs):
      --cacert FILE         trust only the CA certificates in FILE (PEM or DER bundle)
                            instead of the system bundle
  -k, --insecure            do not verify the server's certificate or name (INSECURE:
                            anyone on the path can read and change the traffic)
      --cert FILE --key FILE   client certificate (PEM or DER, leaf first) and its private
                            key, for servers that require one (mutual TLS)
                            (an unreadable --cacert, --cert or --key file: exit 5)
Response:
  -f, --fail                4xx/5xx end the request with HTTPStatusError (exit 3), no body
  -o, --output FILE         write the bodies to FILE (streamed, constant memory)
  -i, --include             print the status line and headers before each body
  -v, --verbose             request and response details on stderr
      --report              one JSON line per URL on stderr (see below)
Timeouts (seconds, decimals allowed, 0 disables; default 5 each):
  -t, --timeout S           connect, read, write and pool at once
      --connect-timeout S   --read-timeout S   --write-timeout S   --pool-timeout S
Connections:
  -Z, --parallel N          up to N requests in flight at once (1..16, default 1); output
                            and reports still come in URL order
      --http1.1             use HTTP/1.1 (the only protocol of this build)
  -h, --help                this text

Accepted but not supported yet (exit 4): --http2, --http2-prior-knowledge.

--report line, one per URL, in URL order:
  {"url":"...","method":"GET","status":200|null,"http_version":"HTTP/1.1"|null,
   "error":null|"ReadTimeout"|...,"detail":"...","bytes":N,"conn":K|null,"redirects":R,
   "elapsed_ms":F}
  error is the httpx exception class name; detail says why (TLS: "certificate has expired",
  "certificate is not yet valid", "hostname mismatch", "unknown CA", "client certificate
  required", "TLS connection truncated (no close_notify)", ...); bytes counts body bytes
  received; conn numbers the connection that carried the request (equal numbers: reused;
  null: none was established); redirects counts the redirects followed (-L).

Exit status (the first failing URL decides):
  0 success   1 usage error   2 request error (ConnectError, ReadTimeout, InvalidURL,
  TooManyRedirects, ProxyError, ...; a TLS failure is a ConnectError)   3 HTTPStatusError (with
  -f)   4 option not supported yet   5 local file error (--content @FILE or -F name=@FILE
  unreadable, --cacert/--cert/--key unusable, -o FILE or stdout not writable)
)help";
}

}  // namespace htpx_cli
