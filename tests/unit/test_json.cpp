// JSON: the writer (escaping, structure errors, numbers, windowed output at every window and
// offset), json_body read in pieces of every size, the strict reader (JSONTestSuite-style
// accept and reject cases, every truncation, token and depth limits, lookups, accessors,
// decimal-to-double against strtod), and response.json() through the client.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "fake_platform.hpp"
#include "htpx/client.hpp"
#include "htpx/json.hpp"
#include "request_reader.hpp"
#include "scripted_transport.hpp"

namespace htpx::test {
namespace {

constexpr char guard = '\x5a';
constexpr std::size_t guard_size = 16;

// A generator as a std::function, passed through json_body's ctx.
using generator = std::function<void(json_writer&)>;
void run_generator(json_writer& w, void* ctx) { (*static_cast<generator*>(ctx))(w); }

// Runs `gen` into a writer; returns the document or "error: detail".
std::string write(const generator& gen) {
  json_writer measure;
  gen(measure);
  if (const error e = measure.finish()) return std::string("error: ") + e.detail;
  std::string out(static_cast<std::size_t>(measure.size()), '\0');
  json_writer w(mutable_bytes{out.data(), out.size()}, 0);
  gen(w);
  EXPECT_EQ(w.written(), out.size());
  EXPECT_EQ(w.size(), measure.size());
  return out;
}

std::string write_string(std::string_view s) {
  return write([&](json_writer& w) { w.string(s); });
}

std::string write_double(double v) {
  return write([&](json_writer& w) { w.float64(v); });
}

// The sticky error detail after `gen`, or "ok".
std::string writer_error(const generator& gen) {
  json_writer w;
  gen(w);
  if (!w.err()) return "ok";
  EXPECT_EQ(w.err().code, errc::local_protocol_error);
  return w.err().detail;
}

// A document exercising every writer call.
void sample_document(json_writer& w) {
  w.begin_object()
      .key("name")
      .string("htpx \"embedded\"\n\tclient \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80")
      .key("version")
      .int64(1)
      .key("negative")
      .int64(std::numeric_limits<std::int64_t>::min())
      .key("big")
      .uint64(std::numeric_limits<std::uint64_t>::max())
      .key("pi")
      .float64(3.141592653589793)
      .key("tiny")
      .float64(5e-324)
      .key("flags")
      .begin_array()
      .boolean(true)
      .boolean(false)
      .null()
      .begin_array()
      .end_array()
      .begin_object()
      .end_object()
      .end_array()
      .key("nested")
      .begin_object()
      .key("a\x01")
      .begin_array()
      .number(1)
      .number(2.5)
      .number(static_cast<unsigned char>(3))
      .end_array()
      .end_object()
      .end_object();
}

constexpr std::string_view sample_text =
    "{\"name\":\"htpx \\\"embedded\\\"\\n\\tclient \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\",\"version\":1,"
    "\"negative\":-9223372036854775808,\"big\":18446744073709551615,\"pi\":3.141592653589793,"
    "\"tiny\":5e-324,\"flags\":[true,false,null,[],{}],\"nested\":{\"a\\u0001\":[1,2.5,3]}}";

// ---- writer: strings --------------------------------------------------------------------------

TEST(JsonWriter, EscapesEveryControlCharacter) {
  for (int c = 0; c < 0x20; ++c) {
    std::string expected;
    switch (c) {
      case '\b': expected = "\\b"; break;
      case '\f': expected = "\\f"; break;
      case '\n': expected = "\\n"; break;
      case '\r': expected = "\\r"; break;
      case '\t': expected = "\\t"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        expected = buf;
      }
    }
    EXPECT_EQ(write_string(std::string(1, static_cast<char>(c))), "\"" + expected + "\"") << c;
    EXPECT_EQ(write_string("a" + std::string(1, static_cast<char>(c)) + "b"), "\"a" + expected + "b\"") << c;
  }
  EXPECT_EQ(write_string("\"\\/\x7f"), "\"\\\"\\\\/\x7f\"");
  EXPECT_EQ(write_string(""), "\"\"");
  EXPECT_EQ(write_string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF\"");
  EXPECT_EQ(write([](json_writer& w) { w.begin_object().key("k\n\"").string("v").end_object(); }),
            "{\"k\\n\\\"\":\"v\"}");
}

TEST(JsonWriter, RefusesInvalidUtf8) {
  const char* bad[] = {"\x80",
                       "a\xBF",
                       "\xC0\x80",
                       "\xC1\xBF",
                       "\xE0\x80\x80",
                       "\xED\xA0\x80",
                       "\xED\xBF\xBF",
                       "\xF0\x80\x80\x80",
                       "\xF4\x90\x80\x80",
                       "\xF5\x80\x80\x80",
                       "\xFF",
                       "\xE2\x82",
                       "\xF0\x9F\x98",
                       "\xC3",
                       "\xC3(",
                       "\xE2(\xAC"};
  for (const char* s : bad) {
    EXPECT_EQ(writer_error([&](json_writer& w) { w.string(s); }), "invalid UTF-8 in JSON string") << s;
    EXPECT_EQ(writer_error([&](json_writer& w) { w.begin_object().key(s); }), "invalid UTF-8 in JSON string") << s;
  }
}

TEST(JsonWriter, Utf8SequenceLength) {
  EXPECT_EQ(utf8_sequence_length(""), 0u);
  EXPECT_EQ(utf8_sequence_length("a"), 1u);
  EXPECT_EQ(utf8_sequence_length("\x7f"), 1u);
  EXPECT_EQ(utf8_sequence_length("\xC2\x80"), 2u);
  EXPECT_EQ(utf8_sequence_length("\xDF\xBF"), 2u);
  EXPECT_EQ(utf8_sequence_length("\xE0\xA0\x80"), 3u);
  EXPECT_EQ(utf8_sequence_length("\xED\x9F\xBF"), 3u);  // U+D7FF
  EXPECT_EQ(utf8_sequence_length("\xEE\x80\x80"), 3u);  // U+E000
  EXPECT_EQ(utf8_sequence_length("\xEF\xBF\xBF"), 3u);
  EXPECT_EQ(utf8_sequence_length("\xF0\x90\x80\x80"), 4u);
  EXPECT_EQ(utf8_sequence_length("\xF4\x8F\xBF\xBF"), 4u);
  EXPECT_EQ(utf8_sequence_length("\xC2"), 0u);
  EXPECT_EQ(utf8_sequence_length("\xE0\x9F\xBF"), 0u);
  EXPECT_EQ(utf8_sequence_length("\xF0\x8F\xBF\xBF"), 0u);
}

// ---- writer: structure ------------------------------------------------------------------------

TEST(JsonWriter, StructureErrors) {
  EXPECT_EQ(writer_error([](json_writer& w) { w.begin_object().int64(1); }), "JSON value where a key is needed");
  EXPECT_EQ(writer_error([](json_writer& w) { w.begin_object().key("a").int64(1).string("b"); }),
            "JSON value where a key is needed");
  EXPECT_EQ(writer_error([](json_writer& w) { w.begin_object().begin_array(); }), "JSON value where a key is needed");
  EXPECT_EQ(writer_error([](json_writer& w) { w.key("a"); }), "JSON key outside an object");
  EXPECT_EQ(writer_error([](json_writer& w) { w.begin_array().key("a"); }), "JSON key outside an object");
  EXPECT_EQ(writer_error([](json_writer& w) { w.begin_object().key("a").key("b"); }),
            "JSON key where a value is needed");
  EXPECT_EQ(writer_error([](json_writer& w) { w.end_object(); }), "unbalanced JSON end");
  EXPECT_EQ(writer_error([](json_writer& w) { w.end_array(); }), "unbalanced JSON end");
  EXPECT_EQ(writer_error([](json_writer& w) { w.begin_object().end_array(); }), "unbalanced JSON end");
  EXPECT_EQ(writer_error([](json_writer& w) { w.begin_array().end_object(); }), "unbalanced JSON end");
  EXPECT_EQ(writer_error([](json_writer& w) { w.begin_object().key("a").end_object(); }), "unbalanced JSON end");
  EXPECT_EQ(writer_error([](json_writer& w) { w.begin_array().end_array().end_array(); }), "unbalanced JSON end");
  EXPECT_EQ(writer_error([](json_writer& w) { w.int64(1).int64(2); }), "more than one JSON value");
  EXPECT_EQ(writer_error([](json_writer& w) { w.begin_array().end_array().null(); }), "more than one JSON value");
  EXPECT_EQ(writer_error([](json_writer& w) { w.begin_object().end_object().key("x"); }), "JSON key outside an object");
  EXPECT_EQ(writer_error([](json_writer& w) { w.float64(std::numeric_limits<double>::quiet_NaN()); }),
            "JSON has no NaN or Infinity");
  EXPECT_EQ(writer_error([](json_writer& w) { w.begin_array().float64(std::numeric_limits<double>::infinity()); }),
            "JSON has no NaN or Infinity");
  EXPECT_EQ(writer_error([](json_writer& w) { w.float64(-std::numeric_limits<double>::infinity()); }),
            "JSON has no NaN or Infinity");
  // The first error sticks; nothing is written after it.
  json_writer w;
  w.begin_array().key("a").end_object().int64(5).end_array();
  EXPECT_STREQ(w.err().detail, "JSON key outside an object");
  EXPECT_EQ(w.size(), 1u);
  EXPECT_STREQ(w.finish().detail, "JSON key outside an object");
}

TEST(JsonWriter, DepthLimitAndFinish) {
  const int max = HTPX_JSON_MAX_DEPTH;
  EXPECT_EQ(write([&](json_writer& w) {
              for (int i = 0; i < max; ++i) w.begin_array();
              for (int i = 0; i < max; ++i) w.end_array();
            }),
            std::string(static_cast<std::size_t>(max), '[') + std::string(static_cast<std::size_t>(max), ']'));
  EXPECT_EQ(writer_error([&](json_writer& w) {
              for (int i = 0; i <= max; ++i) w.begin_array();
            }),
            "JSON nested too deeply");
  EXPECT_EQ(writer_error([&](json_writer& w) {
              w.begin_object();
              for (int i = 0; i < max; ++i) w.key("k").begin_object();
            }),
            "JSON nested too deeply");
  json_writer empty;
  EXPECT_FALSE(empty.err());
  EXPECT_STREQ(empty.finish().detail, "incomplete JSON document");
  json_writer open;
  open.begin_object().key("a").begin_array();
  EXPECT_FALSE(open.err());
  EXPECT_STREQ(open.finish().detail, "incomplete JSON document");
  EXPECT_EQ(open.finish().code, errc::local_protocol_error);
}

// ---- writer: numbers --------------------------------------------------------------------------

TEST(JsonWriter, Integers) {
  EXPECT_EQ(write([](json_writer& w) { w.int64(0); }), "0");
  EXPECT_EQ(write([](json_writer& w) { w.int64(-1); }), "-1");
  EXPECT_EQ(write([](json_writer& w) { w.int64(std::numeric_limits<std::int64_t>::max()); }), "9223372036854775807");
  EXPECT_EQ(write([](json_writer& w) { w.int64(std::numeric_limits<std::int64_t>::min()); }), "-9223372036854775808");
  EXPECT_EQ(write([](json_writer& w) { w.uint64(0); }), "0");
  EXPECT_EQ(write([](json_writer& w) { w.uint64(std::numeric_limits<std::uint64_t>::max()); }), "18446744073709551615");
  EXPECT_EQ(write([](json_writer& w) {
              w.begin_array()
                  .number(-5)
                  .number(7u)
                  .number(static_cast<short>(-300))
                  .number(static_cast<unsigned char>(255))
                  .number(-1234567890123LL)
                  .number(0.5f)
                  .number(1e300)
                  .end_array();
            }),
            "[-5,7,-300,255,-1234567890123,0.5,1e+300]");
}

TEST(JsonWriter, DoublesAsPythonRepr) {
  struct sample {
    double value;
    const char* text;
  };
  const sample samples[] = {
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {1.0, "1.0"},
      {-1.0, "-1.0"},
      {1.5, "1.5"},
      {0.1, "0.1"},
      {0.30000000000000004, "0.30000000000000004"},
      {100.0, "100.0"},
      {3.14, "3.14"},
      {123456789.123, "123456789.123"},
      {1e15, "1000000000000000.0"},
      {9007199254740992.0, "9007199254740992.0"},
      {1e16, "1e+16"},
      {1.2345e16, "1.2345e+16"},
      {1e22, "1e+22"},
      {1e100, "1e+100"},
      {0.0001, "0.0001"},
      {0.00012, "0.00012"},
      {0.00001, "1e-05"},
      {-2.5e-7, "-2.5e-07"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {2.2250738585072014e-308, "2.2250738585072014e-308"},
      {5e-324, "5e-324"},
      {2.5, "2.5"},
      {1234.5678, "1234.5678"},
  };
  for (const sample& s : samples) EXPECT_EQ(write_double(s.value), s.text) << s.text;
}

std::uint64_t bits_of(double v) {
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

double double_of(std::uint64_t b) {
  double v = 0;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

// The significant digits of a JSON number ("-1.25e-07" -> 3).
std::size_t significant_digits(const std::string& text) {
  std::string digits;
  for (const char c : text) {
    if (c == 'e') break;
    if (c >= '0' && c <= '9') digits += c;
  }
  const std::size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 1;
  const std::size_t last = digits.find_last_not_of('0');
  return last - first + 1;
}

// Every finite double written reads back as itself (strtod and our reader), and the form is
// nearly always as short as the shortest round-trip form (std::to_chars).
TEST(JsonWriter, DoublesRoundTrip) {
  std::mt19937_64 rng(12345);
  std::vector<double> values;
  for (int e = -1074; e <= 1023; ++e) values.push_back(std::ldexp(1.0, e));
  for (int e = -323; e <= 308; ++e) values.push_back(std::strtod(("1e" + std::to_string(e)).c_str(), nullptr));
  for (const double v : {5e-324, 1e-323, 2.2250738585072009e-308, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1,
                         0.2, 0.3, 1.0 / 3, 2.0 / 3, 123.456, 4.35, 9007199254740993.0}) {
    values.push_back(v);
    values.push_back(std::nextafter(v, 0.0));
    values.push_back(std::nextafter(v, std::numeric_limits<double>::infinity()));
  }
  for (int i = 0; i < 60000; ++i) {  // any bit pattern
    const double v = double_of(rng());
    if (std::isfinite(v)) values.push_back(v);
  }
  for (int i = 0; i < 50000; ++i) {  // short decimals, the everyday case
    values.push_back(static_cast<double>(rng() % 100000000) / std::pow(10.0, static_cast<double>(rng() % 12)));
  }
  std::size_t longer = 0;
  json_token tokens[1];
  for (const double v : values) {
    if (!std::isfinite(v)) continue;  // nextafter(DBL_MAX, inf)
    const std::string text = write_double(v);
    ASSERT_EQ(bits_of(std::strtod(text.c_str(), nullptr)), bits_of(v)) << text;
    const result<json_value> parsed = parse_json(text, tokens);
    ASSERT_TRUE(parsed.ok()) << text;
    const result<double> back = parsed.value().as_double();
    ASSERT_TRUE(back.ok()) << text;
    ASSERT_EQ(bits_of(back.value()), bits_of(v)) << text;
    char shortest[64];
    const auto r = std::to_chars(shortest, shortest + sizeof shortest, v, std::chars_format::scientific);
    const std::size_t ours = significant_digits(text);
    const std::size_t best = significant_digits(std::string(shortest, r.ptr));
    ASSERT_LE(ours, 17u) << text;
    ASSERT_GE(ours, best) << text;
    if (ours > best) ++longer;
  }
  EXPECT_LT(longer * 1000, values.size()) << longer << " of " << values.size() << " not shortest";
}

// ---- writer: measure and windows --------------------------------------------------------------

TEST(JsonWriter, MeasureEqualsOutput) {
  const generator gen = sample_document;
  EXPECT_EQ(write(gen), sample_text);
  json_writer measure;
  sample_document(measure);
  EXPECT_EQ(measure.size(), sample_text.size());
  EXPECT_EQ(measure.written(), 0u);
}

// Every window size 1..N at every offset 0..N gives exactly that slice, and no byte past it.
TEST(JsonWriter, EveryWindowAtEveryOffset) {
  const std::string doc(sample_text);
  for (std::size_t size = 1; size <= doc.size(); ++size) {
    for (std::size_t offset = 0; offset <= doc.size(); ++offset) {
      std::vector<char> buf(size + guard_size, guard);
      json_writer w(mutable_bytes{buf.data(), size}, offset);
      sample_document(w);
      ASSERT_FALSE(w.finish());
      ASSERT_EQ(w.size(), doc.size());
      const std::string expected = doc.substr(offset, size);
      ASSERT_EQ(w.written(), expected.size()) << size << "@" << offset;
      ASSERT_EQ(std::string(buf.data(), w.written()), expected) << size << "@" << offset;
      for (std::size_t i = w.written(); i < buf.size(); ++i) ASSERT_EQ(buf[i], guard) << size << "@" << offset;
    }
  }
}

TEST(JsonWriter, WriteJsonIntoABuffer) {
  generator gen = sample_document;
  for (std::size_t size = 0; size <= sample_text.size() + 2; ++size) {
    std::vector<char> buf(size + guard_size, guard);
    const result<std::size_t> n = write_json(run_generator, &gen, mutable_bytes{buf.data(), size});
    if (size < sample_text.size()) {
      ASSERT_FALSE(n.ok());
      EXPECT_STREQ(n.err().detail, "JSON document larger than the buffer");
    } else {
      ASSERT_TRUE(n.ok());
      EXPECT_EQ(std::string(buf.data(), n.value()), sample_text);
    }
    for (std::size_t i = size; i < buf.size(); ++i) ASSERT_EQ(buf[i], guard);
  }
  generator bad = [](json_writer& w) { w.begin_array(); };
  char buf[8];
  EXPECT_STREQ(write_json(run_generator, &bad, buf).err().detail, "incomplete JSON document");
  EXPECT_STREQ(write_json(nullptr, nullptr, buf).err().detail, "no JSON generator");
}

// ---- json_body --------------------------------------------------------------------------------

// Reads `src` in pieces of `piece` bytes until closed.
std::string drain(body_source& src, std::size_t piece, std::size_t limit = 1 << 20) {
  std::string all;
  std::vector<char> buf(piece);
  while (all.size() < limit) {
    const port::io_result r = src.read(mutable_bytes{buf.data(), piece});
    if (r.status == port::io_status::closed) break;
    if (r.status == port::io_status::would_block) continue;
    EXPECT_EQ(r.status, port::io_status::ok);
    if (r.status != port::io_status::ok) return all + "<error>";
    EXPECT_GT(r.bytes, 0u);
    EXPECT_LE(r.bytes, piece);
    all.append(buf.data(), r.bytes);
  }
  return all;
}

TEST(JsonBody, ReadInPiecesOfEverySize) {
  generator gen = sample_document;
  for (std::size_t piece = 1; piece <= sample_text.size() + 1; ++piece) {
    json_body doc(run_generator, &gen);
    const result<request_body> b = body::json(doc);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b.value().type, request_body::kind::source);
    EXPECT_EQ(b.value().source, &doc);
    EXPECT_EQ(b.value().length, sample_text.size());
    EXPECT_EQ(b.value().content_type, "application/json");
    ASSERT_EQ(drain(doc, piece), sample_text) << piece;
    // Closed stays closed; a rewind gives the same document again.
    EXPECT_EQ(doc.read(mutable_bytes{nullptr, 0}).status, port::io_status::closed);
    ASSERT_TRUE(doc.rewind());
    ASSERT_EQ(drain(doc, piece), sample_text) << piece;
  }
}

TEST(JsonBody, RewindMidwayAndReadWithoutMeasure) {
  generator gen = sample_document;
  json_body doc(run_generator, &gen);  // read() measures on its own
  char buf[10];
  ASSERT_EQ(doc.read(buf).status, port::io_status::ok);
  ASSERT_EQ(doc.read(buf).status, port::io_status::ok);
  EXPECT_EQ(doc.length(), sample_text.size());
  ASSERT_TRUE(doc.rewind());
  EXPECT_EQ(drain(doc, 7), sample_text);
}

TEST(JsonBody, Errors) {
  generator misuse = [](json_writer& w) { w.begin_object().int64(1).end_object(); };
  json_body bad(run_generator, &misuse);
  const result<request_body> b = body::json(bad);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.err().code, errc::local_protocol_error);
  EXPECT_STREQ(b.err().detail, "JSON value where a key is needed");
  char buf[16];
  EXPECT_EQ(bad.read(buf).status, port::io_status::error);
  EXPECT_FALSE(bad.rewind());

  int runs = 0;
  generator changing = [&](json_writer& w) { w.int64(runs++ < 1 ? 5 : 12345); };
  json_body unstable(run_generator, &changing);
  ASSERT_TRUE(body::json(unstable).ok());
  EXPECT_EQ(unstable.read(buf).status, port::io_status::error);
  EXPECT_STREQ(unstable.err().detail, "JSON generator is not deterministic");

  json_body none(nullptr, nullptr);
  EXPECT_STREQ(body::json(none).err().detail, "no JSON generator");
  EXPECT_EQ(none.read(buf).status, port::io_status::error);
}

TEST(JsonBody, JsonText) {
  const request_body b = body::json_text("{\"a\":1}");
  EXPECT_EQ(b.type, request_body::kind::bytes);
  EXPECT_EQ(b.data.str(), "{\"a\":1}");
  EXPECT_EQ(b.content_type, "application/json");
}

// ---- reader: JSONTestSuite-style cases ---------------------------------------------------------

std::string parse_error(std::string_view text, std::size_t token_count = 64) {
  std::vector<json_token> tokens(token_count);
  const result<json_value> r = parse_json(text, span<json_token>{tokens.data(), tokens.size()});
  if (r) return "ok";
  EXPECT_EQ(r.err().code, errc::decoding_error);
  return r.err().detail;
}

TEST(JsonReader, AcceptsValidDocuments) {
  const char* accept[] = {
      "[]",
      "{}",
      " [ ] ",
      "\t\r\n{\n}\n",
      "[1]",
      "[-0]",
      "[-0.0]",
      "[0e1]",
      "[1E22]",
      "[1e-2]",
      "[1E+2]",
      "[0.5]",
      "[-1.5e+3]",
      "[123456789012345678901234567890]",
      "{\"a\":[]}",
      "{\"\":0}",
      "{\"a\":1,\"a\":2}",
      "\"\\u0060\\u012a\\u12AB\"",
      "[\"\\ud834\\udd1e\"]",
      "[\"\\uD83D\\uDE00\"]",
      "[\" \"]",
      "[\"\\/\\\\\\\"\"]",
      "[\"\\b\\f\\n\\r\\t\"]",
      "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"",
      "[\"\x7f\"]",
      "[\"\\u0000\"]",
      "123",
      "-1",
      "0",
      "true",
      "false",
      "null",
      " null ",
      "[[[[]]]]",
      "[1,2,3]",
      "[true,false,null]",
      "{\"a\":{\"b\":{\"c\":[1,{\"d\":null}]}}}",
      "[\"a\",\"b\"]",
      "[1 , 2 ]",
      "{ \"a\" : 1 , \"b\" : 2 }",
      "[\"\\uFFFF\"]",
      "[\"\\uDBFF\\uDFFF\"]",
      "\"\\u00e9\"",
      "[1e308]",
      "[1e400]",
      "[-1e-400]",
  };
  for (const char* text : accept) EXPECT_EQ(parse_error(text), "ok") << text;
}

TEST(JsonReader, RejectsInvalidDocuments) {
  const std::string reject[] = {
      "",
      " ",
      "[",
      "]",
      "{",
      "}",
      "[1,]",
      "{\"a\":1,}",
      "[01]",
      "[-01]",
      "[00]",
      "[1.]",
      "[.5]",
      "[+1]",
      "[1e]",
      "[1e+]",
      "[-]",
      "[- 1]",
      "[NaN]",
      "[Infinity]",
      "[-Infinity]",
      "['a']",
      "[\"a\x01\"]",
      "[\"\t\"]",
      "[\"\\x\"]",
      "[\"\\u12\"]",
      "[\"\\u12G4\"]",
      "[\"\\uD800\"]",
      "[\"\\uDC00\"]",
      "[\"\\uD800\\u0041\"]",
      "[\"\\uD800\\\"]",
      "[\"\\uD800x\"]",
      "[\"\\uDBFF\\uE000\"]",
      "[\"\\U0041\"]",
      "[\"\\'\"]",
      "[tru]",
      "[nul]",
      "[TRUE]",
      "[True]",
      "/* */[]",
      "[]//",
      "[] /**/",
      "#",
      "[1 2]",
      "{\"a\" 1}",
      "{1:1}",
      "{a:1}",
      "{\"a\":}",
      "{\"a\"}",
      "{:1}",
      "[}",
      "{]",
      "[] []",
      "[]x",
      "\xEF\xBB\xBF[]",
      "[\"\xC0\x80\"]",
      "[\"\xED\xA0\x80\"]",
      "[\"\xFF\"]",
      "[\"\xC3\"]",
      std::string("[\0]", 3),
      "[1,,2]",
      "[,]",
      "[,1]",
      "{,}",
      "\"abc",
      "[\"abc]",
      "[1e1.0]",
      "[0x1]",
      "[1]]",
      "{\"a\":1}}",
      "[\"a\"\t,]",
      "{\"a\":1 \"b\":2}",
      "[\xC2\xA0]",
      "[\v]",
      "[\f]",
      "[1]\x1a",
      "\"\\\"",
      "[\xE2\x82\xAC]",
      "1 2",
      "nulls",
      "truefalse",
      "-",
      "--1",
      "1.0.0",
      "[\"\\u00\"]",
      "{\"a\":1,\"b\"}",
      "{\"a\":[}",
      "[{]}",
      "[[]",
      "[]]",
  };
  for (const std::string& text : reject) EXPECT_EQ(parse_error(text), "malformed JSON") << text;
}

// Every proper prefix of a valid document is rejected cleanly.
TEST(JsonReader, EveryTruncationIsRejected) {
  const std::string docs[] = {
      std::string(sample_text),
      "{\"a\": [1, -2.5e+3, true, false, null, \"s\\u00e9\\ud83d\\ude00\\n\"], \"b\": {\"c\": {}}, \"d\": []}",
      "[\"\\u0041\", 0, 10, -0.0e-0]",
  };
  for (const std::string& doc : docs) {
    ASSERT_EQ(parse_error(doc), "ok") << doc;
    for (std::size_t n = 0; n < doc.size(); ++n) {
      EXPECT_EQ(parse_error(doc.substr(0, n)), "malformed JSON") << doc.substr(0, n);
    }
  }
}

TEST(JsonReader, TokenLimit) {
  const std::string doc = "{\"a\":[1,2,{\"b\":null}],\"c\":\"d\"}";  // 10 tokens
  for (std::size_t n = 0; n < 10; ++n) EXPECT_EQ(parse_error(doc, n), "too many JSON tokens") << n;
  json_token tokens[10];
  const result<json_value> r = parse_json(doc, tokens);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(tokens[0].skip, 10u);
  EXPECT_EQ(tokens[0].size, 2u);
  EXPECT_EQ(tokens[1].type, json_type::string);  // "a"
  EXPECT_EQ(tokens[2].type, json_type::array);
  EXPECT_EQ(tokens[2].size, 3u);
  EXPECT_EQ(tokens[2].skip, 6u);
  EXPECT_EQ(tokens[5].type, json_type::object);
  EXPECT_EQ(tokens[5].skip, 3u);
  EXPECT_EQ(parse_error("1", 0), "too many JSON tokens");
}

TEST(JsonReader, DepthLimit) {
  const std::size_t max = HTPX_JSON_MAX_DEPTH;
  EXPECT_EQ(parse_error(std::string(max, '[') + std::string(max, ']')), "ok");
  EXPECT_EQ(parse_error(std::string(max + 1, '[') + std::string(max + 1, ']')), "JSON nested too deeply");
  std::string objects;
  for (std::size_t i = 0; i < max; ++i) objects += "{\"a\":";
  EXPECT_EQ(parse_error(objects + "1" + std::string(max, '}')), "ok");
  EXPECT_EQ(parse_error(objects + "[1]" + std::string(max, '}')), "JSON nested too deeply");
}

// ---- reader: values ---------------------------------------------------------------------------

TEST(JsonReader, Lookups) {
  const std::string_view text =
      "{\"name\":\"htpx\",\"n\":42,\"list\":[1,2,{\"deep\":true}],\"esc\\\"aped\":null,\"a\":1,\"a\":2,"
      "\"\\u006eame2\":\"x\"}";
  json_token tokens[32];
  const result<json_value> r = parse_json(text, tokens);
  ASSERT_TRUE(r.ok());
  const json_value v = r.value();
  EXPECT_EQ(v.type(), json_type::object);
  EXPECT_EQ(v.size(), 7u);
  EXPECT_TRUE(v["name"].string_equals("htpx"));
  EXPECT_FALSE(v["name"].string_equals("htp"));
  EXPECT_FALSE(v["name"].string_equals("htpxx"));
  EXPECT_EQ(v["n"].as_int64().value(), 42);
  EXPECT_EQ(v["list"].type(), json_type::array);
  EXPECT_EQ(v["list"].size(), 3u);
  EXPECT_EQ(v["list"].raw(), "[1,2,{\"deep\":true}]");
  EXPECT_EQ(v["list"][1].as_int64().value(), 2);
  EXPECT_TRUE(v["list"][2]["deep"].as_bool().value());
  EXPECT_FALSE(v["list"][3].valid());
  EXPECT_FALSE(v[std::size_t{0}].valid());  // an object has no index
  EXPECT_TRUE(v["esc\"aped"].is_null());
  EXPECT_EQ(v["a"].as_int64().value(), 2);  // the last of a repeated name, as Python's json
  EXPECT_EQ(v["name2"].raw(), "x");         // names are compared unescaped
  const json_value missing = v["missing"]["x"][3];
  EXPECT_FALSE(missing.valid());
  EXPECT_EQ(missing.type(), json_type::invalid);
  EXPECT_EQ(missing.size(), 0u);
  EXPECT_EQ(missing.raw(), "");
  EXPECT_STREQ(missing.as_int64().err().detail, "JSON value missing");
  EXPECT_STREQ(missing.as_double().err().detail, "JSON value missing");
  EXPECT_STREQ(missing.as_bool().err().detail, "JSON value missing");
  char buf[8];
  EXPECT_STREQ(missing.as_string(buf).err().detail, "JSON value missing");
  EXPECT_FALSE(missing.is_null());
  EXPECT_FALSE(missing.string_equals(""));

  std::vector<std::string> names;
  for (const json_member m : v.members()) names.emplace_back(m.name.raw());
  EXPECT_EQ(names, (std::vector<std::string>{"name", "n", "list", "esc\\\"aped", "a", "a", "\\u006eame2"}));
  std::vector<std::string> elements;
  for (const json_value e : v["list"].elements()) elements.emplace_back(e.raw());
  EXPECT_EQ(elements, (std::vector<std::string>{"1", "2", "{\"deep\":true}"}));
  EXPECT_TRUE(v.elements().begin() == v.elements().end());
  EXPECT_TRUE(v["list"].members().begin() == v["list"].members().end());
  EXPECT_TRUE(missing.elements().begin() == missing.elements().end());
}

TEST(JsonReader, TypedAccessors) {
  json_token tokens[8];
  auto value = [&](std::string_view text) {
    const result<json_value> r = parse_json(text, tokens);
    EXPECT_TRUE(r.ok()) << text;
    return r.value();
  };
  EXPECT_EQ(value("9223372036854775807").as_int64().value(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(value("-9223372036854775808").as_int64().value(), std::numeric_limits<std::int64_t>::min());
  EXPECT_STREQ(value("9223372036854775808").as_int64().err().detail, "JSON number out of range");
  EXPECT_STREQ(value("-9223372036854775809").as_int64().err().detail, "JSON number out of range");
  EXPECT_STREQ(value("99999999999999999999999").as_int64().err().detail, "JSON number out of range");
  EXPECT_EQ(value("18446744073709551615").as_uint64().value(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_STREQ(value("18446744073709551616").as_uint64().err().detail, "JSON number out of range");
  EXPECT_STREQ(value("-1").as_uint64().err().detail, "JSON number out of range");
  EXPECT_EQ(value("-0").as_uint64().value(), 0u);
  EXPECT_EQ(value("-0").as_int64().value(), 0);
  EXPECT_STREQ(value("1.5").as_int64().err().detail, "JSON number is not an integer");
  EXPECT_STREQ(value("1e3").as_int64().err().detail, "JSON number is not an integer");
  EXPECT_STREQ(value("1.0").as_uint64().err().detail, "JSON number is not an integer");
  // RFC 8259 §6: a fraction or an exponent makes a number that is not an integer, however many
  // digits come first (fuzz_json: these were "out of range").
  EXPECT_STREQ(value("184467440737095516150e-1").as_int64().err().detail, "JSON number is not an integer");
  EXPECT_STREQ(value("-99999999999999999999.5").as_uint64().err().detail, "JSON number is not an integer");
  EXPECT_EQ(value("1e3").as_double().value(), 1000.0);
  EXPECT_EQ(value("-2.5").as_double().value(), -2.5);
  EXPECT_TRUE(std::signbit(value("-0.0").as_double().value()));
  EXPECT_EQ(value("1e-400").as_double().value(), 0.0);
  EXPECT_TRUE(std::signbit(value("-1e-400").as_double().value()));
  EXPECT_STREQ(value("1e400").as_double().err().detail, "JSON number out of range");
  EXPECT_STREQ(value("-1e400").as_double().err().detail, "JSON number out of range");
  EXPECT_EQ(value("1.7976931348623157e308").as_double().value(), std::numeric_limits<double>::max());
  EXPECT_STREQ(value("1.7976931348623159e308").as_double().err().detail, "JSON number out of range");
  EXPECT_EQ(value("true").as_bool().value(), true);
  EXPECT_EQ(value("false").as_bool().value(), false);
  EXPECT_TRUE(value("null").is_null());
  EXPECT_FALSE(value("0").is_null());
  EXPECT_STREQ(value("1").as_bool().err().detail, "JSON value has another type");
  EXPECT_STREQ(value("\"1\"").as_int64().err().detail, "JSON value has another type");
  EXPECT_STREQ(value("\"1\"").as_uint64().err().detail, "JSON value has another type");
  EXPECT_STREQ(value("\"1\"").as_double().err().detail, "JSON value has another type");
  char buf[8];
  EXPECT_STREQ(value("1").as_string(buf).err().detail, "JSON value has another type");
  EXPECT_EQ(value("1").as_string(buf).err().code, errc::decoding_error);
  EXPECT_FALSE(value("1").string_equals("1"));
  EXPECT_EQ(value(" -12.5e3 ").raw(), "-12.5e3");
  EXPECT_EQ(value("\"a\\nb\"").raw(), "a\\nb");
}

TEST(JsonReader, StringsAndSurrogates) {
  json_token tokens[4];
  struct sample {
    const char* json;
    std::string text;
  };
  const sample samples[] = {
      {"\"\\ud83d\\ude00\"", "\xF0\x9F\x98\x80"},
      {"\"\\uD834\\uDD1E\"", "\xF0\x9D\x84\x9E"},
      {"\"\\udbff\\udfff\"", "\xF4\x8F\xBF\xBF"},
      {"\"\\u00e9\"", "\xC3\xA9"},
      {"\"\\u20AC\"", "\xE2\x82\xAC"},
      {"\"\\u0041\\u007f\\u0080\\u07ff\\u0800\\uffff\"", "A\x7f\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF"},
      {"\"\\u0000\"", std::string(1, '\0')},
      {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t"},
      {"\"plain \xC3\xA9\"", "plain \xC3\xA9"},
      {"\"\"", ""},
  };
  for (const sample& s : samples) {
    const result<json_value> r = parse_json(s.json, tokens);
    ASSERT_TRUE(r.ok()) << s.json;
    char buf[64];
    const result<std::string_view> text = r.value().as_string(buf);
    ASSERT_TRUE(text.ok()) << s.json;
    EXPECT_EQ(std::string(text.value()), s.text) << s.json;
    EXPECT_TRUE(r.value().string_equals(s.text)) << s.json;
    EXPECT_FALSE(r.value().string_equals(s.text + "x")) << s.json;
    if (!s.text.empty()) {
      EXPECT_FALSE(r.value().string_equals(s.text.substr(0, s.text.size() - 1))) << s.json;
    }
  }
}

// as_string into every buffer too small fails and writes nothing past the buffer.
TEST(JsonReader, AsStringIntoTooSmallABuffer) {
  json_token tokens[2];
  for (const char* json : {"\"hello \\u00e9\\ud83d\\ude00\\n\"", "\"hello world\""}) {
    const result<json_value> r = parse_json(json, tokens);
    ASSERT_TRUE(r.ok());
    char big[64];
    const std::string whole(r.value().as_string(big).value());
    for (std::size_t size = 0; size <= whole.size(); ++size) {
      std::vector<char> buf(size + guard_size, guard);
      const result<std::string_view> s = r.value().as_string(mutable_bytes{buf.data(), size});
      if (size < whole.size()) {
        ASSERT_FALSE(s.ok()) << size;
        EXPECT_EQ(s.err().code, errc::decoding_error);
        EXPECT_STREQ(s.err().detail, "JSON string larger than the buffer");
      } else {
        ASSERT_TRUE(s.ok());
        EXPECT_EQ(std::string(s.value()), whole);
      }
      for (std::size_t i = size; i < buf.size(); ++i) ASSERT_EQ(buf[i], guard) << json << " size " << size;
    }
  }
}

// as_double agrees with glibc's strtod (correctly rounded) bit for bit.
TEST(JsonReader, DoublesMatchStrtod) {
  std::vector<std::string> texts = {
      "0",
      "-0",
      "1",
      "0.1",
      "0.2",
      "0.3",
      "3.141592653589793",
      "2.718281828459045",
      "1e23",
      "8.41e21",
      "9007199254740993",
      "9007199254740993.0000000000000000000000000000001",
      "9007199254740995",
      "2.2250738585072011e-308",
      "2.2250738585072012e-308",
      "2.2250738585072014e-308",
      "4.9406564584124654e-324",
      "2.4703282292062327e-324",
      "2.4703282292062328e-324",
      "2.4703282292062327208828439643411068618252990130716238221"
      "2796332e-324",
      "1.7976931348623157e308",
      "1.7976931348623158e308",
      "1.797693134862315807e308",
      "123456789012345678901234567890",
      "0.000000000000000000000000000000000000000000001",
      "1e-307",
      "1e-320",
      "7.2057594037927933e16",
      "1.00000000000000011102230246251565404236316680908203125",
      "1.00000000000000011102230246251565404236316680908203124",
      "1.00000000000000011102230246251565404236316680908203126",
      "4503599627370496.5",
      "4503599627370497.5",
      "45035996.273704985",
      "1e22",
      "1e-22",
      "123456789012345.6e-10",
      "0.000001",
      "100000000000000000000000",
  };
  std::mt19937_64 rng(777);
  for (int i = 0; i < 20000; ++i) {
    const double v = double_of(rng());
    if (!std::isfinite(v)) continue;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*e", static_cast<int>(rng() % 20), v);
    texts.emplace_back(buf);
  }
  for (int i = 0; i < 3000; ++i) {  // long mantissas with random exponents
    std::string s = rng() % 2 ? "-" : "";
    s += static_cast<char>('1' + rng() % 9);
    const std::size_t digits = 1 + rng() % (i < 2500 ? 40 : 900);
    s += '.';
    for (std::size_t d = 0; d < digits; ++d) s += static_cast<char>('0' + rng() % 10);
    s += "e" + std::to_string(static_cast<int>(rng() % 660) - 330);
    texts.push_back(s);
  }
  // Exact halfway points between neighbouring doubles, and just beside them.
  for (int i = 0; i < 500; ++i) {
    const double v = double_of(rng() & 0x7FEFFFFFFFFFFFFFu);
    long double mid = (static_cast<long double>(v) +
                       static_cast<long double>(std::nextafter(v, std::numeric_limits<double>::infinity()))) /
                      2;
    char buf[128];
    std::snprintf(buf, sizeof buf, "%.40Le", mid);
    texts.emplace_back(buf);
  }
  json_token tokens[1];
  for (const std::string& text : texts) {
    const result<json_value> r = parse_json(text, tokens);
    ASSERT_TRUE(r.ok()) << text;
    const double expected = std::strtod(text.c_str(), nullptr);
    const result<double> got = r.value().as_double();
    if (std::isinf(expected)) {
      EXPECT_FALSE(got.ok()) << text;
      continue;
    }
    ASSERT_TRUE(got.ok()) << text;
    ASSERT_EQ(bits_of(got.value()), bits_of(expected)) << text;
  }
}

// ---- response.json() --------------------------------------------------------------------------

TEST(ResponseJson, ParsesTheBody) {
  response r;
  const std::string_view body = "{\"ok\": true, \"items\": [1, 2, 3]}";
  r.body = bytes_view(body);
  json_token tokens[8];
  const result<json_value> v = r.json(tokens);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v.value()["ok"].as_bool().value());
  EXPECT_EQ(v.value()["items"][2].as_int64().value(), 3);
  json_token few[2];
  EXPECT_STREQ(r.json(few).err().detail, "too many JSON tokens");
  r.body = bytes_view(std::string_view("not json"));
  EXPECT_EQ(r.json(tokens).err().code, errc::decoding_error);
}

struct small_config : default_client_config {
  static constexpr std::size_t max_connections = 1;
  static constexpr std::size_t max_requests = 2;
  static constexpr std::size_t rx_bytes = 512;
  static constexpr std::size_t tx_bytes = 256;
  static constexpr std::size_t body_store_bytes = 512;
};
using scripted_client = static_client<small_config, scripted_transport>;

// A document several times the transmit buffer goes out whole, with its exact Content-Length,
// and the JSON answer reads back through response.json().
TEST(ResponseJson, JsonBodyThroughTheClient) {
  generator gen = [](json_writer& w) {
    w.begin_object().key("values").begin_array();
    for (int i = 0; i < 300; ++i) w.int64(i * 7919);
    w.end_array().key("label").string("sensor \"7\"").end_object();
  };
  const std::string doc = write(gen);
  ASSERT_GT(doc.size(), 4 * small_config::tx_bytes);
  fake_platform clock;
  scripted_client c(clock);
  c.transport_at(0).wait_for_request().serve(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"stored\": 300, \"ok\": true}");
  json_body body_doc(run_generator, &gen);
  const result<request_body> content = body::json(body_doc);
  ASSERT_TRUE(content.ok());
  request_options o;
  o.content = content.value();
  const result<response> r = c.post("http://example.test/data", o);
  ASSERT_TRUE(r.ok()) << to_string(r.err().code) << ": " << r.err().detail;
  const read_request req = read_first_request(c.transport_at(0).sent());
  ASSERT_TRUE(req.complete) << req.problem;
  EXPECT_FALSE(req.chunked);
  EXPECT_EQ(field_value(req.head, "Content-Type"), "application/json");
  EXPECT_EQ(field_value(req.head, "Content-Length"), std::to_string(doc.size()));
  EXPECT_EQ(req.body, doc);
  json_token tokens[8];
  const result<json_value> answer = r.value().json(tokens);
  ASSERT_TRUE(answer.ok()) << answer.err().detail;
  EXPECT_EQ(answer.value()["stored"].as_int64().value(), 300);
  EXPECT_TRUE(answer.value()["ok"].as_bool().value());
}

}  // namespace
}  // namespace htpx::test
