#pragma once
// Self-signed EC P-256 certificates and keys for TLS unit tests, made with the OpenSSL API at
// test time and written as PEM into a temporary directory that is removed again, so nothing
// secret or expiring lives in the repository. Header-only: shared by the net and http1 tests.
//
// Thread-safety: not thread-safe; one test uses one instance.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace sluice::testing {

class TempPki {
 public:
  struct Files {
    std::string cert;
    std::string key;
  };

  TempPki() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-tls-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
  }
  ~TempPki() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }
  TempPki(const TempPki&) = delete;
  TempPki& operator=(const TempPki&) = delete;

  [[nodiscard]] const std::string& dir() const { return dir_; }

  // <name>.pem and <name>.key; an empty `passphrase` leaves the key unencrypted. Empty paths
  // on failure.
  Files Make(const std::string& name, const std::string& passphrase = "") {
    Key key(EVP_EC_gen("P-256"));
    Cert cert(X509_new());
    if (!key || !cert || dir_.empty()) return {};
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial_);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* subject = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), subject);
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return {};

    Files files{dir_ + "/" + name + ".pem", dir_ + "/" + name + ".key"};
    bool ok = false;
    if (FILE* f = std::fopen(files.cert.c_str(), "w")) {
      ok = PEM_write_X509(f, cert.get()) == 1;
      std::fclose(f);
    }
    if (FILE* f = std::fopen(files.key.c_str(), "w")) {
      const EVP_CIPHER* cipher = passphrase.empty() ? nullptr : EVP_aes_128_cbc();
      ok = ok && PEM_write_PrivateKey(f, key.get(), cipher,
                                      reinterpret_cast<const unsigned char*>(passphrase.data()),
                                      static_cast<int>(passphrase.size()), nullptr, nullptr) == 1;
      std::fclose(f);
    }
    return ok ? files : Files{};
  }

 private:
  struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  };
  struct CertFree {
    void operator()(X509* c) const { X509_free(c); }
  };
  using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
  using Cert = std::unique_ptr<X509, CertFree>;

  std::string dir_;
  long serial_ = 0;
};

}  // namespace sluice::testing
