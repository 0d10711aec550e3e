// Why the HTTP/1.1 engine refused a message: the details of its RemoteProtocolError (a server's
// response) and LocalProtocolError (a caller's request head) as one-byte values.
#pragma once

#include <cstdint>

namespace htpx::h1 {

/// One value per detail text (the text after each value; text_of() returns it). Parsers keep a
/// fault rather than a text pointer: a refusal then loads a small constant instead of an address
/// from a literal pool, 4 bytes of code less per refusal on Thumb-2, and the text is looked up
/// once, when the error is built.
enum class fault : std::uint8_t {
  none,  ///< "" (no fault)
  // The status line (RFC 9112 §4).
  not_http,               ///< "not HTTP/1.x"
  head_over_limit,        ///< "head over limit"
  bare_lf_in_status,      ///< "bare LF in status line"
  malformed_status_line,  ///< "malformed status line"
  bad_version,            ///< "bad HTTP version"
  bad_status_code,        ///< "bad status code"
  ctl_in_reason,          ///< "CTL in reason"
  // A field section (RFC 9112 §5, RFC 9110 §5.5).
  leading_whitespace,  ///< "leading whitespace"
  too_many_fields,     ///< "too many fields"
  bad_field_name,      ///< "bad field name"
  ctl_in_value,        ///< "CTL in field value"
  fields_over_limit,   ///< "fields over limit"
  bare_cr_in_fields,   ///< "bare CR in fields"
  bare_lf_in_fields,   ///< "bare LF in fields"
  // Not next to bad_field_name: GCC x86-64 picks between adjacent values by arithmetic, which
  // costs the field-name loop a register copy per byte.
  whitespace_before_colon,  ///< "whitespace before colon"
  // The framing fields and the head (RFC 9112 §6).
  folded_content_length,      ///< "folded Content-Length"
  folded_transfer_encoding,   ///< "folded Transfer-Encoding"
  invalid_content_length,     ///< "invalid Content-Length"
  differing_content_lengths,  ///< "differing Content-Lengths"
  chunked_twice,              ///< "chunked twice"
  both_framings,              ///< "Transfer-Encoding and Content-Length"
  unrequested_101,            ///< "101 without Upgrade"
  too_many_1xx,               ///< "too many 1xx"
  te_in_http10,               ///< "Transfer-Encoding in HTTP/1.0"
  te_not_chunked,             ///< "Transfer-Encoding not chunked"
  // The chunked coding (RFC 9112 §7.1).
  chunk_size_too_long,       ///< "chunk size too long"
  chunk_size_not_hex,        ///< "chunk size not hex"
  junk_after_chunk_size,     ///< "junk after chunk size"
  extension_too_long,        ///< "extension too long"
  bad_chunk_extension,       ///< "bad chunk extension"
  bare_cr_in_size_line,      ///< "bare CR in size line"
  extensions_outweigh_data,  ///< "extensions outweigh data"
  no_crlf_after_data,        ///< "no CRLF after data"
  // The end of the input (RFC 9112 §8).
  eof_before_response,  ///< "EOF before response"
  eof_in_head,          ///< "EOF in head"
  eof_in_body,          ///< "EOF in body"
  // A request head (LocalProtocolError; bad_field_name and ctl_in_value above serve it too).
  method_not_token,     ///< "method not a token"
  bad_request_target,   ///< "bad request target"
  invalid_host,         ///< "invalid Host"
  framing_field_set,    ///< "framing field set by caller"
  head_over_tx_buffer,  ///< "head over tx buffer"
};

/// Returns the detail text of `f`: a static string, "" for fault::none (and for every fault in a
/// build without texts, HTPX_ERROR_TEXTS 0).
[[nodiscard]] const char* text_of(fault f) noexcept;

}  // namespace htpx::h1
