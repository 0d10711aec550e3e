// Replays every seed (and saved crash) of the fuzz corpora through the fuzz target code, so
// `make check` keeps them as regression tests without clang or a sanitizer runtime.
// A violated invariant prints its condition and the input file, then traps.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "../fuzz/fuzz_chunked_decoder.hpp"
#include "../fuzz/fuzz_connection.hpp"
#include "../fuzz/fuzz_cookies.hpp"
#include "../fuzz/fuzz_digest.hpp"
#include "../fuzz/fuzz_json.hpp"
#include "../fuzz/fuzz_response_parser.hpp"
#include "../fuzz/fuzz_url.hpp"

namespace {

const std::string corpus_root = std::string(HTPX_VECTOR_DIR) + "/../fuzz/corpus/";

// The regular files of one corpus directory, sorted so failures are reproducible.
std::vector<std::string> corpus_files(const std::string& target) {
  std::vector<std::string> files;
  const std::string dir = corpus_root + target;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return files;
  while (const dirent* entry = readdir(d)) {
    const std::string name = entry->d_name;
    if (name.empty() || name[0] == '.') continue;
    files.push_back(dir + "/" + name);
  }
  closedir(d);
  std::sort(files.begin(), files.end());
  return files;
}

bool read_file(const std::string& path, std::vector<std::uint8_t>& out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  out.clear();
  std::uint8_t buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) != 0) out.insert(out.end(), buffer, buffer + n);
  const bool ok = std::ferror(f) == 0;
  std::fclose(f);
  return ok;
}

// Runs `one` on every file of the corpus; returns how many ran.
std::size_t replay(const std::string& target, int (*one)(const std::uint8_t*, std::size_t)) {
  std::size_t count = 0;
  for (const std::string& path : corpus_files(target)) {
    std::vector<std::uint8_t> data;
    EXPECT_TRUE(read_file(path, data)) << path;
    htpx_fuzz::current_input = path.c_str();
    EXPECT_EQ(one(data.data(), data.size()), 0) << path;
    htpx_fuzz::current_input = nullptr;
    ++count;
  }
  return count;
}

TEST(fuzz_corpus, response_parser) {
  EXPECT_GE(replay("fuzz_response_parser", htpx_fuzz::response::fuzz_response_parser_one), 10u);
}

TEST(fuzz_corpus, chunked_decoder) {
  EXPECT_GE(replay("fuzz_chunked_decoder", htpx_fuzz::chunked::fuzz_chunked_decoder_one), 10u);
}

TEST(fuzz_corpus, connection) { EXPECT_GE(replay("fuzz_connection", htpx_fuzz::connection::fuzz_connection_one), 10u); }

TEST(fuzz_corpus, url) { EXPECT_GE(replay("fuzz_url", htpx_fuzz::url_target::fuzz_url_one), 10u); }

TEST(fuzz_corpus, json) { EXPECT_GE(replay("fuzz_json", htpx_fuzz::json::fuzz_json_one), 10u); }

TEST(fuzz_corpus, cookies) { EXPECT_GE(replay("fuzz_cookies", htpx_fuzz::cookies::fuzz_cookies_one), 10u); }

TEST(fuzz_corpus, digest) { EXPECT_GE(replay("fuzz_digest", htpx_fuzz::digest::fuzz_digest_one), 10u); }

// The targets survive the degenerate inputs libFuzzer starts with.
TEST(fuzz_corpus, empty_and_tiny_inputs) {
  const std::uint8_t bytes[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  for (std::size_t n = 0; n <= sizeof bytes; ++n) {
    EXPECT_EQ(htpx_fuzz::response::fuzz_response_parser_one(bytes, n), 0);
    EXPECT_EQ(htpx_fuzz::chunked::fuzz_chunked_decoder_one(bytes, n), 0);
    EXPECT_EQ(htpx_fuzz::connection::fuzz_connection_one(bytes, n), 0);
    EXPECT_EQ(htpx_fuzz::url_target::fuzz_url_one(bytes, n), 0);
    EXPECT_EQ(htpx_fuzz::json::fuzz_json_one(bytes, n), 0);
    EXPECT_EQ(htpx_fuzz::cookies::fuzz_cookies_one(bytes, n), 0);
    EXPECT_EQ(htpx_fuzz::digest::fuzz_digest_one(bytes, n), 0);
  }
}

}  // namespace
