// Form and multipart bodies: httpx's encodings byte for byte, exact lengths, reads in pieces of
// every size, rewind, sources of known and unknown length, boundary collisions, errors, and
// both bodies through the client.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "fake_platform.hpp"
#include "htpx/client.hpp"
#include "htpx/form.hpp"
#include "htpx/multipart.hpp"
#include "request_reader.hpp"
#include "scripted_transport.hpp"

namespace htpx::test {
namespace {

// Reads `src` in pieces of `piece` bytes until closed; "<error>" marks an error.
std::string drain(body_source& src, std::size_t piece) {
  std::string all;
  std::vector<char> buf(piece);
  for (int spins = 0; spins < 1000000; ++spins) {
    const port::io_result r = src.read(mutable_bytes{buf.data(), piece});
    if (r.status == port::io_status::closed) return all;
    if (r.status == port::io_status::would_block) continue;
    if (r.status != port::io_status::ok) return all + "<error>";
    EXPECT_GT(r.bytes, 0u);
    EXPECT_LE(r.bytes, piece);
    all.append(buf.data(), r.bytes);
  }
  return all + "<stuck>";
}

// A source over a string: pieces of at most `piece` bytes, would_block between them when
// asked, and rewindable unless told otherwise.
class text_source final : public body_source {
 public:
  explicit text_source(std::string text, std::size_t piece = 1000000, bool block = false)
      : text_(std::move(text)), piece_(piece), block_(block) {}
  port::io_result read(mutable_bytes out) noexcept override {
    if (fail_at_ != npos && at_ >= fail_at_) return {port::io_status::error, 0, 5};
    if (block_ && (blocked_ = !blocked_)) return {port::io_status::would_block, 0, 0};
    if (at_ == text_.size()) return {port::io_status::closed, 0, 0};
    std::size_t n = text_.size() - at_;
    if (n > piece_) n = piece_;
    if (n > out.size) n = out.size;
    std::memcpy(out.data, text_.data() + at_, n);
    at_ += n;
    return {port::io_status::ok, n, 0};
  }
  bool rewind() noexcept override {
    rewinds += 1;
    at_ = 0;
    return rewindable;
  }

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  bool rewindable = true;
  int rewinds = 0;
  std::size_t fail_at_ = npos;

 private:
  std::string text_;
  std::size_t piece_;
  bool block_;
  bool blocked_ = false;
  std::size_t at_ = 0;
};

// ---- form ---------------------------------------------------------------------------------

std::string form_text(std::vector<query_param> fields) {
  form_body f(span<const query_param>{fields.data(), fields.size()});
  const std::string text = drain(f, 64);
  EXPECT_EQ(f.length(), text.size());
  return text;
}

// Expected strings are Python's urllib.parse.urlencode(), which httpx uses for `data=`.
TEST(FormBody, EncodesLikeHttpx) {
  EXPECT_EQ(form_text({{"a", "1"}, {"b c", "d&e=f"}, {"\xC3\xA9", "+/~*"}}), "a=1&b+c=d%26e%3Df&%C3%A9=%2B%2F~%2A");
  EXPECT_EQ(form_text({{"key", "value"}}), "key=value");
  EXPECT_EQ(form_text({{"k", "a"}, {"k", "b"}}), "k=a&k=b");
  EXPECT_EQ(form_text({{"", ""}}), "=");
  EXPECT_EQ(form_text({{"", ""}, {"", ""}}), "=&=");
  EXPECT_EQ(form_text({}), "");
  EXPECT_EQ(form_text({{"safe", "AZaz09-._~"}}), "safe=AZaz09-._~");
  EXPECT_EQ(form_text({{"x", " \t\r\n%!\"#$'()*,/:;<>?@[\\]^`{|}\x7f\x80\xff"}}),
            "x=+%09%0D%0A%25%21%22%23%24%27%28%29%2A%2C%2F%3A%3B%3C%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D%7F%80%FF");
  EXPECT_EQ(form_text({{"nul", std::string_view("a\0b", 3)}}), "nul=a%00b");
  EXPECT_EQ(form_encoded_length("a b%"), 6u);
}

TEST(FormBody, EveryPieceSizeAndRewind) {
  const query_param fields[] = {{"name", "J\xC3\xB6rg M\xC3\xBCller"}, {"q", "a+b=c&d"}, {"empty", ""}, {"", "v"}};
  const std::string expected = "name=J%C3%B6rg+M%C3%BCller&q=a%2Bb%3Dc%26d&empty=&=v";
  for (std::size_t piece = 1; piece <= expected.size() + 1; ++piece) {
    form_body f(fields);
    const request_body b = body::form(f);
    EXPECT_EQ(b.type, request_body::kind::source);
    EXPECT_EQ(b.length, expected.size());
    EXPECT_EQ(b.content_type, "application/x-www-form-urlencoded");
    ASSERT_EQ(drain(f, piece), expected) << piece;
    EXPECT_TRUE(f.rewind());
    ASSERT_EQ(drain(f, piece), expected) << piece;
  }
  form_body f(fields);
  char buf[5];
  ASSERT_EQ(f.read(buf).status, port::io_status::ok);
  EXPECT_EQ(f.read(mutable_bytes{buf, 0}).status, port::io_status::would_block);
  EXPECT_TRUE(f.rewind());
  EXPECT_EQ(drain(f, 3), expected);
}

// ---- multipart ----------------------------------------------------------------------------

// A random function that returns its words in turn (and repeats the last one).
struct word_sequence {
  std::vector<std::uint32_t> words;
  std::size_t at = 0;
  static std::uint32_t next(void* ctx) {
    auto* self = static_cast<word_sequence*>(ctx);
    const std::uint32_t w = self->words[self->at < self->words.size() ? self->at : self->words.size() - 1];
    self->at += 1;
    return w;
  }
};

constexpr std::string_view fixed_boundary = "0123456789abcdefdeadbeef00c0ffee";

const multipart_part two_parts[] = {
    {"field", {}, {}, bytes_view(std::string_view("value")), nullptr, request_body::unknown_length},
    {"file", "a.txt", "text/plain", bytes_view(std::string_view("hello\r\nworld")), nullptr,
     request_body::unknown_length},
};

std::string two_parts_text(std::string_view b) {
  const std::string boundary(b);
  return "--" + boundary +
         "\r\n"
         "Content-Disposition: form-data; name=\"field\"\r\n"
         "\r\n"
         "value\r\n"
         "--" +
         boundary +
         "\r\n"
         "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
         "Content-Type: text/plain\r\n"
         "\r\n"
         "hello\r\nworld\r\n"
         "--" +
         boundary + "--\r\n";
}

TEST(MultipartBody, ExactBytesForTwoParts) {
  word_sequence words{{0x01234567, 0x89abcdef, 0xdeadbeef, 0x00c0ffee}};
  multipart_body m(two_parts, word_sequence::next, &words);
  const result<request_body> b = body::multipart(m);
  ASSERT_TRUE(b.ok()) << b.err().detail;
  EXPECT_EQ(m.boundary(), fixed_boundary);
  EXPECT_EQ(m.content_type(), "multipart/form-data; boundary=" + std::string(fixed_boundary));
  EXPECT_EQ(b.value().content_type, m.content_type());
  EXPECT_EQ(b.value().type, request_body::kind::source);
  const std::string expected = two_parts_text(fixed_boundary);
  EXPECT_EQ(b.value().length, expected.size());
  EXPECT_EQ(m.length(), expected.size());
  EXPECT_EQ(drain(m, 4096), expected);
}

TEST(MultipartBody, ReadInPiecesOfEverySize) {
  const std::string expected = two_parts_text(fixed_boundary);
  for (std::size_t piece = 1; piece <= 64; ++piece) {
    word_sequence words{{0x01234567, 0x89abcdef, 0xdeadbeef, 0x00c0ffee}};
    multipart_body m(two_parts, word_sequence::next, &words);
    ASSERT_FALSE(m.prepare());
    ASSERT_EQ(drain(m, piece), expected) << piece;
  }
}

// As httpx's _format_form_param: '"' %22, '\' doubled, C0 controls but ESC as %XX, UTF-8 kept;
// a file part without a type gets application/octet-stream, a field part none.
TEST(MultipartBody, QuotesNamesLikeHttpx) {
  const multipart_part parts[] = {
      {"a\"b\\c\r\nd\x1b\x01\x7f",
       "f\xC3\xB6\"\n.bin",
       {},
       bytes_view(std::string_view("x")),
       nullptr,
       request_body::unknown_length},
      {"", {}, {}, {}, nullptr, request_body::unknown_length},
  };
  word_sequence words{{0x01234567, 0x89abcdef, 0xdeadbeef, 0x00c0ffee}};
  multipart_body m(parts, word_sequence::next, &words);
  ASSERT_FALSE(m.prepare());
  const std::string b(fixed_boundary);
  const std::string text = drain(m, 7);
  EXPECT_EQ(text, "--" + b +
                      "\r\nContent-Disposition: form-data; name=\"a%22b\\\\c%0D%0Ad\x1b%01\x7f\"; "
                      "filename=\"f\xC3\xB6%22%0A.bin\"\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n"
                      "--" +
                      b + "\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n\r\n--" + b + "--\r\n");
  EXPECT_EQ(m.length(), text.size());
}

TEST(MultipartBody, RewindGivesTheSameBytes) {
  text_source file("file content from a source\n", 5, true);
  const multipart_part parts[] = {
      two_parts[0],
      {"upload", "data.bin", {}, {}, &file, 27},
  };
  word_sequence words{{1, 2, 3, 4}};
  multipart_body m(parts, word_sequence::next, &words);
  const result<request_body> b = body::multipart(m);
  ASSERT_TRUE(b.ok());
  const std::string first = drain(m, 13);
  EXPECT_EQ(first.size(), b.value().length);
  EXPECT_NE(first.find("\r\n\r\nfile content from a source\n\r\n--"), std::string::npos);
  EXPECT_TRUE(m.rewind());
  EXPECT_EQ(file.rewinds, 1);
  EXPECT_EQ(drain(m, 1), first);
  char buf[40];
  ASSERT_EQ(m.read(buf).status, port::io_status::closed);
  EXPECT_TRUE(m.rewind());  // midway too
  ASSERT_EQ(m.read(buf).status, port::io_status::ok);
  EXPECT_TRUE(m.rewind());
  EXPECT_EQ(drain(m, 64), first);
  EXPECT_EQ(m.boundary(), "00000001000000020000000300000004");
  file.rewindable = false;
  EXPECT_FALSE(m.rewind());
}

TEST(MultipartBody, LengthOfSourceParts) {
  text_source known("0123456789");
  text_source unknown("abcdef", 4, true);
  const multipart_part with_known[] = {{"k", "k.bin", {}, {}, &known, 10}};
  const multipart_part with_unknown[] = {{"k", "k.bin", {}, {}, &known, 10},
                                         {"u", "u.txt", "text/plain", {}, &unknown, request_body::unknown_length}};
  multipart_body a(with_known);
  const result<request_body> ra = body::multipart(a);
  ASSERT_TRUE(ra.ok());
  const std::string text_a = drain(a, 9);
  EXPECT_EQ(ra.value().length, text_a.size());
  EXPECT_NE(text_a.find("\r\n\r\n0123456789\r\n--"), std::string::npos);

  ASSERT_TRUE(known.rewind());
  multipart_body b(with_unknown);
  const result<request_body> rb = body::multipart(b);
  ASSERT_TRUE(rb.ok());
  EXPECT_EQ(rb.value().length, request_body::unknown_length);
  EXPECT_EQ(b.length(), request_body::unknown_length);
  const std::string text_b = drain(b, 5);
  EXPECT_NE(text_b.find("Content-Type: text/plain\r\n\r\nabcdef\r\n--" + std::string(b.boundary()) + "--\r\n"),
            std::string::npos);
  EXPECT_EQ(text_b.rfind("--" + std::string(b.boundary()) + "--\r\n"), text_b.size() - 38);
}

// Data that holds the first boundary drawn makes the body draw another; a random function
// that keeps hitting the content is an error.
TEST(MultipartBody, BoundaryCollisionAvoided) {
  const std::string first = "11111111222222223333333344444444";
  const std::string data = "before --" + first + " after";
  const multipart_part parts[] = {{"f", {}, {}, bytes_view(std::string_view(data)), nullptr, 0}};
  word_sequence words{{0x11111111, 0x22222222, 0x33333333, 0x44444444, 0xaaaaaaaa, 0xbbbbbbbb, 0xcccccccc, 0xdddddddd}};
  multipart_body m(parts, word_sequence::next, &words);
  ASSERT_FALSE(m.prepare());
  EXPECT_EQ(m.boundary(), "aaaaaaaabbbbbbbbccccccccdddddddd");
  EXPECT_EQ(drain(m, 16).find(first + "\r\n"), std::string::npos);

  const std::string stuck = "--" + std::string(32, 'a');
  const multipart_part stuck_parts[] = {{"f", {}, {}, bytes_view(std::string_view(stuck)), nullptr, 0}};
  word_sequence same{{0xaaaaaaaa}};
  multipart_body n(stuck_parts, word_sequence::next, &same);
  const error e = n.prepare();
  EXPECT_EQ(e.code, errc::local_protocol_error);
  EXPECT_STREQ(e.detail, "multipart boundary collides with the content");
  EXPECT_EQ(same.at, 32u);  // 8 tries of 4 words
  char buf[8];
  EXPECT_EQ(n.read(buf).status, port::io_status::error);
  EXPECT_FALSE(body::multipart(n).ok());
  // A boundary inside a name counts too.
  word_sequence again{{0x11111111, 0x22222222, 0x33333333, 0x44444444, 0x12345678}};
  const multipart_part named[] = {{first, {}, {}, {}, nullptr, 0}};
  multipart_body o(named, word_sequence::next, &again);
  ASSERT_FALSE(o.prepare());
  EXPECT_EQ(o.boundary(), "12345678123456781234567812345678");
}

TEST(MultipartBody, DefaultBoundaryIsFreshHex) {
  multipart_body m(two_parts);
  ASSERT_FALSE(m.prepare());
  const std::string first(m.boundary());
  ASSERT_EQ(first.size(), 32u);
  for (const char c : first) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << first;
  ASSERT_FALSE(m.prepare());
  EXPECT_NE(std::string(m.boundary()), first);
  multipart_body other(two_parts);
  ASSERT_FALSE(other.prepare());
  EXPECT_NE(std::string(other.boundary()), first);
  EXPECT_EQ(drain(m, 10), two_parts_text(m.boundary()));
}

TEST(MultipartBody, Errors) {
  text_source src("abc");
  const multipart_part both[] = {{"x", {}, {}, bytes_view(std::string_view("d")), &src, 3}};
  multipart_body a(both);
  EXPECT_STREQ(a.prepare().detail, "multipart part has both data and a source");
  const multipart_part injected[] = {{"x", {}, "text/plain\r\nX-Evil: 1", {}, nullptr, 0}};
  multipart_body b(injected);
  EXPECT_STREQ(body::multipart(b).err().detail, "invalid multipart content type");
  EXPECT_EQ(body::multipart(b).err().code, errc::local_protocol_error);

  text_source short_src("ab");
  const multipart_part too_short[] = {{"x", "x", {}, {}, &short_src, 3}};
  multipart_body c(too_short);
  ASSERT_FALSE(c.prepare());
  EXPECT_NE(drain(c, 16).find("<error>"), std::string::npos);
  EXPECT_STREQ(c.err().detail, "multipart part source ended early");
  EXPECT_FALSE(c.rewind());

  text_source failing("abcdef", 2);
  failing.fail_at_ = 4;
  const multipart_part fails[] = {{"x", "x", {}, {}, &failing, request_body::unknown_length}};
  multipart_body d(fails);
  ASSERT_FALSE(d.prepare());
  EXPECT_NE(drain(d, 16).find("<error>"), std::string::npos);
  EXPECT_STREQ(d.err().detail, "multipart part source failed");

  struct liar final : body_source {
    port::io_result read(mutable_bytes out) noexcept override { return {port::io_status::ok, out.size + 1, 0}; }
  } lying;
  const multipart_part lies[] = {{"x", "x", {}, {}, &lying, request_body::unknown_length}};
  multipart_body e(lies);
  ASSERT_FALSE(e.prepare());
  EXPECT_NE(drain(e, 100).find("<error>"), std::string::npos);
  EXPECT_STREQ(e.err().detail, "multipart part source broke its contract");
}

// ---- through the client -------------------------------------------------------------------

struct small_config : default_client_config {
  static constexpr std::size_t max_connections = 1;
  static constexpr std::size_t max_requests = 2;
  static constexpr std::size_t rx_bytes = 512;
  static constexpr std::size_t tx_bytes = 384;
  static constexpr std::size_t body_store_bytes = 256;
};
using scripted_client = static_client<small_config, scripted_transport>;
constexpr std::string_view ok_empty = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

TEST(FormBody, ThroughTheClient) {
  fake_platform clock;
  scripted_client c(clock);
  c.transport_at(0).wait_for_request().serve(ok_empty);
  std::vector<query_param> fields;
  std::vector<std::string> values;
  for (int i = 0; i < 40; ++i) values.push_back("value " + std::to_string(i) + " & more");
  for (const std::string& v : values) fields.push_back({"k", v});
  form_body f(span<const query_param>{fields.data(), fields.size()});
  request_options o;
  o.content = body::form(f);
  const result<response> r = c.post("http://example.test/form", o);
  ASSERT_TRUE(r.ok()) << to_string(r.err().code) << ": " << r.err().detail;
  const read_request req = read_first_request(c.transport_at(0).sent());
  ASSERT_TRUE(req.complete) << req.problem;
  EXPECT_EQ(field_value(req.head, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(field_value(req.head, "Content-Length"), std::to_string(f.length()));
  EXPECT_EQ(req.body.substr(0, 36), "k=value+0+%26+more&k=value+1+%26+mor");
  EXPECT_EQ(req.body.size(), f.length());
}

TEST(MultipartBody, ThroughTheClient) {
  fake_platform clock;
  scripted_client c(clock);
  c.transport_at(0).wait_for_request().serve(ok_empty).wait_for_request().serve(ok_empty);
  text_source file(std::string(1000, 'z'), 77, true);
  const multipart_part parts[] = {two_parts[0], {"file", "z.bin", {}, {}, &file, 1000}};
  word_sequence words{{0x01234567, 0x89abcdef, 0xdeadbeef, 0x00c0ffee}};
  multipart_body m(parts, word_sequence::next, &words);
  const result<request_body> content = body::multipart(m);
  ASSERT_TRUE(content.ok());
  request_options o;
  o.content = content.value();
  const result<response> r = c.post("http://example.test/upload", o);
  ASSERT_TRUE(r.ok()) << to_string(r.err().code) << ": " << r.err().detail;
  const read_request req = read_first_request(c.transport_at(0).sent());
  ASSERT_TRUE(req.complete) << req.problem;
  EXPECT_FALSE(req.chunked);
  EXPECT_EQ(field_value(req.head, "Content-Type"), "multipart/form-data; boundary=" + std::string(fixed_boundary));
  EXPECT_EQ(field_value(req.head, "Content-Length"), std::to_string(m.length()));
  EXPECT_EQ(req.body.size(), m.length());
  EXPECT_NE(req.body.find(std::string(1000, 'z') + "\r\n--" + std::string(fixed_boundary) + "--\r\n"),
            std::string::npos);

  // Unknown length: chunked.
  text_source stream("streamed", 3, true);
  const multipart_part streamed[] = {{"s", {}, {}, {}, &stream, request_body::unknown_length}};
  multipart_body s(streamed);
  const result<request_body> chunked = body::multipart(s);
  ASSERT_TRUE(chunked.ok());
  o.content = chunked.value();
  const result<response> r2 = c.post("http://example.test/upload", o);
  ASSERT_TRUE(r2.ok()) << to_string(r2.err().code) << ": " << r2.err().detail;
  const std::string& sent = c.transport_at(0).sent();
  const read_request second = read_first_request(std::string_view(sent).substr(req.size));
  ASSERT_TRUE(second.complete) << second.problem;
  EXPECT_TRUE(second.chunked);
  EXPECT_EQ(second.body, "--" + std::string(s.boundary()) +
                             "\r\nContent-Disposition: form-data; name=\"s\"\r\n\r\nstreamed\r\n--" +
                             std::string(s.boundary()) + "--\r\n");
}

}  // namespace
}  // namespace htpx::test
