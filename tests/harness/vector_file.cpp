#include "vector_file.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace htpx_test {

namespace {

using htpx::h1::body_kind;

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

template <class Int>
bool parse_number(std::string_view text, Int& out) {
  if (text.empty()) return false;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc{} && ptr == last;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits "Name: value" (the value may be empty: "Name:").
bool parse_field(std::string_view text, vector_field& out, std::string& message) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    message = "a field is written `Name: value`";
    return false;
  }
  std::string_view value = text.substr(colon + 1);
  if (!value.empty()) {
    if (value[0] != ' ') {
      message = "write one space after the colon of a field";
      return false;
    }
    value.remove_prefix(1);
  }
  out.name.clear();
  out.value.clear();
  return unescape(text.substr(0, colon), out.name, message) && unescape(value, out.value, message);
}

bool parse_body_kind(std::string_view token, vector_event& ev) {
  if (token == "none") {
    ev.body = body_kind::none;
  } else if (token == "chunked") {
    ev.body = body_kind::chunked;
  } else if (token == "until-close") {
    ev.body = body_kind::until_close;
  } else if (starts_with(token, "length=")) {
    ev.body = body_kind::content_length;
    return parse_number(token.substr(7), ev.content_length);
  } else {
    return false;
  }
  return true;
}

// head STATUS VERSION CONN BODY [tunnel] reason=TEXT
bool parse_head(std::string_view rest, vector_event& ev, std::string& message) {
  std::string_view tokens[4];
  for (std::string_view& token : tokens) {
    const std::size_t space = rest.find(' ');
    if (space == std::string_view::npos) {
      message = "head STATUS VERSION keep-alive|close BODY [tunnel] reason=TEXT";
      return false;
    }
    token = rest.substr(0, space);
    rest.remove_prefix(space + 1);
  }
  ev.type = vector_event_type::head;
  if (!parse_number(tokens[0], ev.status)) {
    message = "head: bad status";
    return false;
  }
  if (tokens[1] == "1.0" || tokens[1] == "1.1") {
    ev.version_minor = tokens[1] == "1.0" ? 0 : 1;
  } else {
    message = "head: version is 1.0 or 1.1";
    return false;
  }
  if (tokens[2] == "keep-alive" || tokens[2] == "close") {
    ev.keep_alive = tokens[2] == "keep-alive";
  } else {
    message = "head: connection is keep-alive or close";
    return false;
  }
  if (!parse_body_kind(tokens[3], ev)) {
    message = "head: body is none, length=N, chunked or until-close";
    return false;
  }
  if (starts_with(rest, "tunnel ")) {
    ev.tunnel = true;
    rest.remove_prefix(7);
  }
  if (!starts_with(rest, "reason=")) {
    message = "head: the last item is reason=TEXT (reason= when empty)";
    return false;
  }
  return unescape(rest.substr(7), ev.reason, message);
}

bool set_limit(std::string_view rest, htpx::h1::parser_limits& limits, std::string& message) {
  const std::size_t space = rest.find(' ');
  const std::string_view name = rest.substr(0, space);
  const std::string_view value = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
  bool ok = false;
  if (name == "max_head_bytes") {
    ok = parse_number(value, limits.max_head_bytes);
  } else if (name == "max_headers") {
    ok = parse_number(value, limits.max_headers);
  } else if (name == "max_chunk_ext_bytes") {
    ok = parse_number(value, limits.max_chunk_ext_bytes);
  } else if (name == "max_trailer_bytes") {
    ok = parse_number(value, limits.max_trailer_bytes);
  } else if (name == "max_informational") {
    ok = parse_number(value, limits.max_informational);
  } else {
    message =
        "unknown limit (max_head_bytes, max_headers, max_chunk_ext_bytes, max_trailer_bytes, "
        "max_informational)";
    return false;
  }
  if (!ok) message = "limit value missing or out of range for its type";
  return ok;
}

// "*N TEXT" after a directive: returns the count (1 without a star) and the text.
bool parse_repeat(std::string_view rest, std::size_t& count, std::string_view& text, std::string& message) {
  count = 1;
  if (!rest.empty() && rest[0] == '*') {
    const std::size_t space = rest.find(' ');
    if (space == std::string_view::npos || !parse_number(rest.substr(1, space - 1), count) || count == 0) {
      message = "repeat is written *N TEXT with N > 0";
      return false;
    }
    text = rest.substr(space + 1);
    return true;
  }
  if (rest.empty() || rest[0] != ' ') {
    message = "expected one space before the text";
    return false;
  }
  text = rest.substr(1);
  return true;
}

const char* body_name(body_kind kind) {
  switch (kind) {
    case body_kind::none: return "none";
    case body_kind::content_length: return "length=";
    case body_kind::chunked: return "chunked";
    case body_kind::until_close: return "until-close";
  }
  return "?";
}

}  // namespace

bool unescape(std::string_view text, std::string& out, std::string& message) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) {
      message = "raw control or non-ASCII byte in the file: write it as an escape";
      return false;
    }
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i == text.size()) {
      message = "backslash at the end of a line";
      return false;
    }
    switch (text[i]) {
      case 'r': out.push_back('\r'); break;
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case '0': out.push_back('\0'); break;
      case '\\': out.push_back('\\'); break;
      case 'x': {
        const int hi = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
        const int lo = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          message = "\\x takes exactly two hex digits";
          return false;
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        break;
      }
      default: message = "unknown escape (use \\r \\n \\t \\0 \\\\ \\xNN)"; return false;
    }
  }
  return true;
}

std::string escape(std::string_view bytes, std::size_t limit) {
  if (limit != 0 && bytes.size() > limit) {
    const std::size_t half = limit / 2;
    return escape(bytes.substr(0, half)) + "...(" + std::to_string(bytes.size()) + " bytes)..." +
           escape(bytes.substr(bytes.size() - half));
  }
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\0': out += "\\0"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (u < 0x20 || u >= 0x7f) {
          out += "\\x";
          out.push_back(digits[u >> 4]);
          out.push_back(digits[u & 15]);
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

void append_event(std::vector<vector_event>& transcript, vector_event ev) {
  if (ev.type == vector_event_type::body) {
    if (ev.bytes.empty()) return;
    if (!transcript.empty() && transcript.back().type == vector_event_type::body) {
      transcript.back().bytes += ev.bytes;
      return;
    }
  }
  transcript.push_back(std::move(ev));
}

load_error parse_vector_text(std::string_view text, response_vector& out) {
  load_error err;
  std::size_t line_no = 0;
  bool have_input = false;
  bool closed = false;  // pending, end or failed seen
  auto fail = [&](std::string message) {
    err.failed = true;
    err.line = line_no;
    err.message = std::move(message);
    return err;
  };

  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty()) continue;
    if (line.back() == ' ' || line.back() == '\t' || line.back() == '\r') {
      return fail("trailing whitespace or CR (write \\x20, \\t or \\r)");
    }
    if (line[0] == '#') {
      if (!out.description.empty()) out.description += '\n';
      out.description += std::string(line.substr(1));
      continue;
    }
    const std::size_t space = line.find(' ');
    std::string_view word = line.substr(0, space);
    std::string_view rest = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
    std::string message;

    if (line[0] == '>') {
      std::size_t count = 0;
      std::string_view piece;
      if (!parse_repeat(line.substr(1), count, piece, message)) return fail(message);
      std::string bytes;
      if (!unescape(piece, bytes, message)) return fail(message);
      if (bytes.empty()) return fail("an input line adds no bytes");
      for (std::size_t i = 0; i < count; ++i) out.input += bytes;
      have_input = true;
      continue;
    }
    if (word == "request") {
      if (rest != "GET" && rest != "HEAD" && rest != "CONNECT") return fail("request is GET, HEAD or CONNECT");
      out.head_request = rest == "HEAD";
      out.connect_request = rest == "CONNECT";
      continue;
    }
    if (word == "limit") {
      if (!set_limit(rest, out.limits, message)) return fail(message);
      continue;
    }
    if (line == "eof") {
      out.eof = true;
      continue;
    }

    // The transcript.
    if (word == "leftover") {
      if (out.expected.empty() || out.expected.back().type != vector_event_type::end || !out.leftover.empty()) {
        return fail("leftover follows end, once");
      }
      if (!unescape(rest, out.leftover, message)) return fail(message);
      if (out.leftover.empty()) return fail("leftover needs bytes");
      continue;
    }
    if (closed) return fail("nothing but leftover may follow end, failed or pending");
    if (word == "informational") {
      vector_event ev;
      ev.type = vector_event_type::informational;
      if (!parse_number(rest, ev.status)) return fail("informational STATUS");
      out.expected.push_back(std::move(ev));
    } else if (word == "head") {
      vector_event ev;
      if (!parse_head(rest, ev, message)) return fail(message);
      out.expected.push_back(std::move(ev));
    } else if (word == "header" || starts_with(word, "header*")) {
      if (out.expected.empty() || (out.expected.back().type != vector_event_type::head &&
                                   out.expected.back().type != vector_event_type::informational)) {
        return fail("header lines follow head or informational");
      }
      std::size_t count = 0;
      std::string_view piece;
      if (!parse_repeat(line.substr(6), count, piece, message)) return fail(message);
      vector_field field;
      if (!parse_field(piece, field, message)) return fail(message);
      for (std::size_t i = 0; i < count; ++i) out.expected.back().fields.push_back(field);
    } else if (starts_with(word, "body")) {
      std::size_t count = 0;
      std::string_view piece;
      if (!parse_repeat(line.substr(4), count, piece, message)) return fail(message);
      vector_event ev;
      ev.type = vector_event_type::body;
      std::string bytes;
      if (!unescape(piece, bytes, message)) return fail(message);
      if (bytes.empty()) return fail("a body line adds no bytes");
      for (std::size_t i = 0; i < count; ++i) ev.bytes += bytes;
      append_event(out.expected, std::move(ev));
    } else if (word == "trailer" || starts_with(word, "trailer*")) {
      if (out.expected.empty()) return fail("trailer lines follow the head");
      std::size_t count = 0;
      std::string_view piece;
      if (!parse_repeat(line.substr(7), count, piece, message)) return fail(message);
      vector_field field;
      if (!parse_field(piece, field, message)) return fail(message);
      if (out.expected.back().type != vector_event_type::trailers) {
        vector_event ev;
        ev.type = vector_event_type::trailers;
        out.expected.push_back(std::move(ev));
      }
      for (std::size_t i = 0; i < count; ++i) out.expected.back().fields.push_back(field);
    } else if (line == "end") {
      vector_event ev;
      ev.type = vector_event_type::end;
      out.expected.push_back(std::move(ev));
      closed = true;
    } else if (word == "failed") {
      const std::size_t sep = rest.find(' ');
      if (sep == std::string_view::npos) return fail("failed ERRC_NAME detail");
      vector_event ev;
      ev.type = vector_event_type::failed;
      ev.error_name = std::string(rest.substr(0, sep));
      if (!unescape(rest.substr(sep + 1), ev.detail, message)) return fail(message);
      out.expected.push_back(std::move(ev));
      closed = true;
    } else if (line == "pending") {
      out.pending = true;
      closed = true;
    } else {
      return fail("unknown line: " + std::string(word));
    }
  }

  line_no = 0;
  if (!have_input && !out.eof) return fail("no input bytes (lines starting with >) and no eof");
  if (!closed) return fail("the transcript must end with end, failed or pending");
  if (out.pending && out.eof) return fail("pending contradicts eof: after EOF the parser must end or fail");
  if (out.description.empty()) return fail("a vector starts with a # comment saying what it tests");
  return err;
}

load_error load_vector_file(const std::string& path, response_vector& out) {
  out = response_vector{};
  out.path = path;
  std::string name = path.substr(path.find_last_of('/') + 1);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".vec") == 0) name.resize(name.size() - 4);
  out.name = name;

  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    load_error err;
    err.failed = true;
    err.message = "cannot open " + path;
    return err;
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, file);
    text.append(buffer, n);
    if (n < sizeof buffer) break;
  }
  const bool read_error = std::ferror(file) != 0;
  std::fclose(file);
  if (read_error) {
    load_error err;
    err.failed = true;
    err.message = "cannot read " + path;
    return err;
  }
  return parse_vector_text(text, out);
}

std::vector<std::string> list_vector_files(const std::string& directory) {
  std::vector<std::string> paths;
  std::error_code ec;
  std::filesystem::directory_iterator it(directory, ec);
  if (ec) return paths;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::filesystem::path& path = it->path();
    if (path.extension() == ".vec") paths.push_back(path.string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string format_transcript(const std::vector<vector_event>& events, bool pending, const std::string& leftover) {
  std::string out;
  for (const vector_event& ev : events) {
    switch (ev.type) {
      case vector_event_type::informational: out += "informational " + std::to_string(ev.status) + "\n"; break;
      case vector_event_type::head:
        out += "head " + std::to_string(ev.status) + (ev.version_minor == 0 ? " 1.0" : " 1.1") +
               (ev.keep_alive ? " keep-alive " : " close ") + body_name(ev.body) +
               (ev.body == body_kind::content_length ? std::to_string(ev.content_length) : std::string()) +
               (ev.tunnel ? " tunnel" : "") + " reason=" + escape(ev.reason) + "\n";
        break;
      case vector_event_type::body: out += "body " + escape(ev.bytes, 400) + "\n"; break;
      case vector_event_type::trailers: break;
      case vector_event_type::end: out += "end\n"; break;
      case vector_event_type::failed: out += "failed " + ev.error_name + " " + escape(ev.detail) + "\n"; break;
    }
    const char* field_word = ev.type == vector_event_type::trailers ? "trailer " : "header ";
    std::size_t shown = 0;
    for (const vector_field& field : ev.fields) {
      if (++shown > 40 && shown < ev.fields.size()) continue;  // 3,000 headers stay readable
      out += field_word + escape(field.name) + ":" + (field.value.empty() ? "" : " ") + escape(field.value, 200) + "\n";
    }
    if (ev.fields.size() > 41) out += "(" + std::to_string(ev.fields.size() - 41) + " more fields elided)\n";
  }
  if (pending) out += "pending\n";
  if (!leftover.empty()) out += "leftover " + escape(leftover, 200) + "\n";
  return out;
}

bool same_event(const vector_event& a, const vector_event& b) {
  if (a.type != b.type) return false;
  auto same_fields = [&] {
    if (a.fields.size() != b.fields.size()) return false;
    for (std::size_t i = 0; i < a.fields.size(); ++i) {
      if (a.fields[i].name != b.fields[i].name || a.fields[i].value != b.fields[i].value) return false;
    }
    return true;
  };
  switch (a.type) {
    case vector_event_type::informational: return a.status == b.status && same_fields();
    case vector_event_type::head:
      return a.status == b.status && a.version_minor == b.version_minor && a.keep_alive == b.keep_alive &&
             a.tunnel == b.tunnel && a.body == b.body &&
             (a.body != body_kind::content_length || a.content_length == b.content_length) && a.reason == b.reason &&
             same_fields();
    case vector_event_type::body: return a.bytes == b.bytes;
    case vector_event_type::trailers: return same_fields();
    case vector_event_type::end: return true;
    case vector_event_type::failed: return a.error_name == b.error_name && a.detail == b.detail;
  }
  return false;
}

}  // namespace htpx_test
