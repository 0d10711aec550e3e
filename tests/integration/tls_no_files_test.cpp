// The mbedTLS port built against an mbedTLS without MBEDTLS_FS_IO (tls_no_files_config.h), as
// bare-metal firmware builds it: every loader that takes a path says the feature is missing,
// the in-memory loaders work, and a verifying configuration with no CA fails with no_ca
// without looking for the system bundle.
#include <mbedtls/x509.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "posix_transport.hpp"
#include "tls_config.hpp"
#include "tls_transport.hpp"

namespace {

using htpx::port::tls_config;
namespace tls_error = htpx::port::tls_error;

#if defined(MBEDTLS_FS_IO)
#error "built against an mbedTLS with MBEDTLS_FS_IO: tls_no_files_config.h was not applied"
#endif

// A self-signed P-256 CA (openssl req -x509, valid until 2126), PEM; the test only parses it.
constexpr std::string_view test_ca_pem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBhTCCASugAwIBAgIUR7/AcEPxlun7skSh28KUBDzU4SswCgYIKoZIzj0EAwIw\n"
    "FzEVMBMGA1UEAwwMaHRweCB0ZXN0IENBMCAXDTI2MTIwMTAwNDkwN1oYDzIxMjYx\n"
    "MTA3MDA0OTA3WjAXMRUwEwYDVQQDDAxodHB4IHRlc3QgQ0EwWTATBgcqhkjOPQIB\n"
    "BggqhkjOPQMBBwNCAAR9ntdLRSWCCLo5Llv4q6V8+Yif4lV64pPbLtQ3WSO3pMxW\n"
    "B2yLBfpdAwmBcqNrtLpZrTuM53PNAgOlPuGeeIWoo1MwUTAdBgNVHQ4EFgQUjIxV\n"
    "P9tDL7JDtp4hdIPTOKyEPoAwHwYDVR0jBBgwFoAUjIxVP9tDL7JDtp4hdIPTOKyE\n"
    "PoAwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiBqtIJ8SLS//M+l\n"
    "lkN3+efDaGxuc01wqyJELMzDDlkkEQIhALeGyrOGV9Cw6A1tG3VvW8C2jO0xXMer\n"
    "6XXqeRias2dJ\n"
    "-----END CERTIFICATE-----\n";

// The CA written to a file of its own, removed when the test ends.
class ca_file {
 public:
  ca_file() {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr ? dir : "/tmp") + "/htpx-no-files-XXXXXX";
    const int fd = mkstemp(path_.data());
    if (fd >= 0) {
      written_ = write(fd, test_ca_pem.data(), test_ca_pem.size()) == static_cast<ssize_t>(test_ca_pem.size());
      close(fd);
    }
  }
  ~ca_file() { std::remove(path_.c_str()); }
  ca_file(const ca_file&) = delete;
  ca_file& operator=(const ca_file&) = delete;
  [[nodiscard]] const char* path() const { return path_.c_str(); }
  [[nodiscard]] bool written() const { return written_; }

 private:
  std::string path_;
  bool written_ = false;
};

TEST(TlsWithoutFiles, LoadersThatReadAPathSayTheFeatureIsMissing) {
  tls_config config;
  ASSERT_EQ(config.status(), 0);
  // The file exists and holds a CA: without file access it is still not read.
  const ca_file ca;
  ASSERT_TRUE(ca.written());
  EXPECT_EQ(config.load_ca_file(ca.path()), MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE);
  EXPECT_EQ(config.load_system_ca(), MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE);
  EXPECT_EQ(config.load_crl_file(ca.path()), MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE);
  EXPECT_EQ(config.load_client_cert_files(ca.path(), ca.path()), MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE);
  EXPECT_FALSE(config.has_client_cert());
  // A missing argument is still bad input, as with files.
  EXPECT_EQ(config.load_ca_file(nullptr), MBEDTLS_ERR_X509_BAD_INPUT_DATA);
  EXPECT_EQ(config.ca_count(), 0u);
}

TEST(TlsWithoutFiles, InMemoryCaWorksAndNoCaMeansNoCa) {
  tls_config with_ca;
  // PEM: its NUL counted, as mbedTLS wants.
  ASSERT_EQ(with_ca.load_ca_chain(reinterpret_cast<const unsigned char*>(test_ca_pem.data()), test_ca_pem.size() + 1),
            0);
  EXPECT_EQ(with_ca.ca_count(), 1u);

  // No CA loaded and no system bundle to read: start_tls() refuses at once.
  tls_config without_ca;
  htpx::port::posix_transport tcp;
  htpx::port::tls_transport tls(tcp, without_ca);
  const htpx::port::io_result r = tls.start_tls("localhost");
  EXPECT_EQ(r.status, htpx::port::io_status::error);
  EXPECT_EQ(r.sys_error, tls_error::no_ca);
  EXPECT_EQ(without_ca.ca_count(), 0u);
}

}  // namespace
