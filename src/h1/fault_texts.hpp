// The detail texts of h1::fault, and the field names that end some of them. Private to src/.
#pragma once

#include <cstddef>
#include <string_view>

#include "htpx/config.hpp"
#include "htpx/h1/fault.hpp"

namespace htpx::h1::detail {

/// The texts in fault order, one after the other (no table of pointers, as error.cpp's names):
/// text_of() walks to the one it wants, which only a failure pays for. A text that starts with a
/// digit starts a new literal: "\0" followed by digits would be one octal escape.
inline constexpr char fault_texts[] =
    "\0not HTTP/1.x\0head over limit\0bare LF in status line\0malformed status line\0bad HTTP version\0"
    "bad status code\0CTL in reason\0"
    "leading whitespace\0too many fields\0bad field name\0CTL in field value\0"
    "fields over limit\0bare CR in fields\0bare LF in fields\0whitespace before colon\0"
    "folded Content-Length\0folded Transfer-Encoding\0invalid Content-Length\0differing Content-Lengths\0"
    "chunked twice\0Transfer-Encoding and Content-Length\0"
    "101 without Upgrade\0too many 1xx\0"
    "Transfer-Encoding in HTTP/1.0\0Transfer-Encoding not chunked\0"
    "chunk size too long\0chunk size not hex\0junk after chunk size\0extension too long\0bad chunk extension\0"
    "bare CR in size line\0extensions outweigh data\0no CRLF after data\0"
    "EOF before response\0EOF in head\0EOF in body\0"
    "method not a token\0bad request target\0invalid Host\0framing field set by caller\0head over tx buffer";

/// Returns the text of `f` in fault_texts (at compile time too).
constexpr const char* text_at(fault f) noexcept {
  const char* p = fault_texts;
  for (auto n = static_cast<unsigned>(f); n != 0; --n) {
    while (*p++ != '\0') {
    }
  }
  return p;
}

/// Returns true when `text` starts with `prefix` (at compile time, for the checks below).
constexpr bool starts_with(const char* text, std::string_view prefix) noexcept {
  for (std::size_t i = 0; i != prefix.size(); ++i) {
    if (text[i] != prefix[i]) return false;
  }
  return true;
}

// Every fault has its text: the last one ends the array.
static_assert(text_at(fault::head_over_tx_buffer) + sizeof "head over tx buffer" == fault_texts + sizeof fault_texts,
              "one text per fault, in fault order");

#if HTPX_ERROR_TEXTS
/// Names the parser and the writer compare and write, as views into the fault texts that end
/// with them: the image holds each once (an array of texts is never merged by a linker).
inline constexpr std::string_view content_length_name{text_at(fault::invalid_content_length) + 8, 14};
inline constexpr std::string_view transfer_encoding_name{text_at(fault::folded_transfer_encoding) + 7, 17};
inline constexpr std::string_view chunked_coding{text_at(fault::te_not_chunked) + 22, 7};

static_assert(starts_with(content_length_name.data(), "Content-Length") &&
                  starts_with(transfer_encoding_name.data(), "Transfer-Encoding") &&
                  starts_with(chunked_coding.data(), "chunked"),
              "the names are where their texts hold them");
#else
/// The same names on their own: without texts, a view into the fault texts would keep them all.
inline constexpr std::string_view content_length_name{"Content-Length"};
inline constexpr std::string_view transfer_encoding_name{"Transfer-Encoding"};
inline constexpr std::string_view chunked_coding{"chunked"};
#endif

}  // namespace htpx::h1::detail
