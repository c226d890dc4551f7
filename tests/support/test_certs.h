#pragma once
// A throwaway PKI for TLS tests: a self-signed CA, a server certificate for "localhost" and
// 127.0.0.1 and a client certificate (for mTLS) signed by it, written into a fresh temporary
// directory that is removed again on destruction. Generated with the `openssl` command (EC P-256
// keys: fast), so nothing secret or expiring lives in the repository.
//
// Thread-safety: immutable after construction; the constructor runs subprocesses.
#include <string>

namespace sluice::testing {

class TestCerts {
 public:
  TestCerts();
  ~TestCerts();
  TestCerts(const TestCerts&) = delete;
  TestCerts& operator=(const TestCerts&) = delete;

  // False (with error()) when the openssl command failed.
  [[nodiscard]] bool ok() const { return error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }

  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] std::string ca_cert() const { return dir_ + "/ca.pem"; }
  [[nodiscard]] std::string server_cert() const { return dir_ + "/server.pem"; }
  [[nodiscard]] std::string server_key() const { return dir_ + "/server.key"; }
  [[nodiscard]] std::string client_cert() const { return dir_ + "/client.pem"; }
  [[nodiscard]] std::string client_key() const { return dir_ + "/client.key"; }

 private:
  std::string dir_;
  std::string error_;
};

}  // namespace sluice::testing
