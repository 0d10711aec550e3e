// The server's plaintext handshake re-framed for mbedTLS (catalogue T-08): tls_transport's
// reader between the BIO callback and the inner transport until ChangeCipherSpec.
#include <mbedtls/ssl.h>

#include <algorithm>
#include <cstring>

#include "tls_transport.hpp"

namespace htpx::port {

// Catalogue T-08. RFC 5246 §6.2.1 lets a server split a handshake message over several records
// (and put several in one). mbedTLS 2.28 handles the second but not the first ("TLS handshake
// fragmentation not supported"); 3.6.3 and later reassemble only when the first fragment holds
// the whole 4-byte message header (ssl_msg.c: "we insist on having the header ... in the first
// fragment"; else MBEDTLS_ERR_SSL_INVALID_RECORD).
//
// Until ChangeCipherSpec the server's records are plaintext, and their boundaries mean nothing
// to the handshake (its transcript hash covers messages, not records). So, with every version,
// this reader re-frames the server's stream: each handshake message reaches mbedTLS in a record
// of its own, with a header made here and its body read straight from the inner transport into
// mbedTLS's buffer. Nothing but headers is held here. Alerts pass through; ChangeCipherSpec or
// any encrypted record ends the re-framing, and everything after passes through untouched. A
// message over MBEDTLS_SSL_IN_CONTENT_LEN cannot fit mbedTLS's buffer however it is framed:
// tls_error::handshake_too_large.
int tls_transport::reframe_read(unsigned char* buffer, std::size_t size) noexcept {
  for (;;) {
    if (pending_at_ != pending_size_) {  // a header made here goes first
      const std::size_t n = std::min(size, pending_size_ - pending_at_);
      std::memcpy(buffer, pending_ + pending_at_, n);
      pending_at_ += n;
      return static_cast<int>(n);
    }
    if (!reframing_) return inner_read(buffer, size);
    if (record_left_ == 0) {  // at a record boundary: the next record header
      if (record_header_size_ != sizeof(record_header_)) {
        const int got = inner_read(record_header_ + record_header_size_, sizeof(record_header_) - record_header_size_);
        if (got <= 0) return got;
        record_header_size_ += static_cast<std::size_t>(got);
        continue;
      }
      record_header_size_ = 0;
      record_left_ = static_cast<std::size_t>(record_header_[3]) << 8 | record_header_[4];
      raw_record_ = record_header_[0] != MBEDTLS_SSL_MSG_HANDSHAKE;
      if (!raw_record_) continue;
      if (message_left_ != 0 || message_header_size_ != 0) {  // RFC 8446 §5.1: no interleaving
        reframe_error_ = MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE;
        return bio_failed;
      }
      std::memcpy(pending_, record_header_, sizeof(record_header_));  // passed through as it came
      pending_size_ = sizeof(record_header_);
      pending_at_ = 0;
      if (record_header_[0] != MBEDTLS_SSL_MSG_ALERT) reframing_ = false;  // ChangeCipherSpec, encrypted data
      continue;
    }
    if (raw_record_) {  // an alert's body
      const int got = inner_read(buffer, std::min(size, record_left_));
      if (got > 0) record_left_ -= static_cast<std::size_t>(got);
      return got;
    }
    if (message_left_ == 0) {  // the next handshake message's header: type, 24-bit length
      const std::size_t want = std::min(sizeof(message_header_) - message_header_size_, record_left_);
      const int got = inner_read(message_header_ + message_header_size_, want);
      if (got <= 0) return got;
      message_header_size_ += static_cast<std::size_t>(got);
      record_left_ -= static_cast<std::size_t>(got);
      if (message_header_size_ != sizeof(message_header_)) continue;  // split even here: the next record
      message_header_size_ = 0;
      const std::size_t body = static_cast<std::size_t>(message_header_[1]) << 16 |
                               static_cast<std::size_t>(message_header_[2]) << 8 | message_header_[3];
      const std::size_t length = sizeof(message_header_) + body;
      if (length > MBEDTLS_SSL_IN_CONTENT_LEN) {
        reframe_error_ = tls_error::handshake_too_large;
        return bio_failed;
      }
      // A record of its own: handshake, the version of the record it started in, its length.
      pending_[0] = MBEDTLS_SSL_MSG_HANDSHAKE;
      pending_[1] = record_header_[1];
      pending_[2] = record_header_[2];
      pending_[3] = static_cast<unsigned char>(length >> 8);
      pending_[4] = static_cast<unsigned char>(length);
      std::memcpy(pending_ + 5, message_header_, sizeof(message_header_));
      pending_size_ = sizeof(pending_);
      pending_at_ = 0;
      message_left_ = body;
      continue;
    }
    const int got = inner_read(buffer, std::min({size, record_left_, message_left_}));
    if (got > 0) {
      record_left_ -= static_cast<std::size_t>(got);
      message_left_ -= static_cast<std::size_t>(got);
    }
    return got;
  }
}

}  // namespace htpx::port
