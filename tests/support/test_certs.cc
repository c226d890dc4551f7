#include "support/test_certs.h"

#include <stdlib.h>

#include <filesystem>

#include "support/subprocess.h"

namespace sluice::testing {

TestCerts::TestCerts() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sluice-certs-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = pattern;
  const std::string d = "'" + dir_ + "'";
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  // CA, then a server key + CSR signed by it with the SANs clients verify, then a client
  // certificate for mTLS.
  const std::string script =
      "cd " + d + " && openssl req -x509" + ec +
      " -keyout ca.key -out ca.pem -days 2 -subj /CN=sluice-test-ca"
      " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign"
      " && openssl req" +
      ec +
      " -keyout server.key -out server.csr -subj /CN=localhost"
      " && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n"
      "extendedKeyUsage=serverAuth\\n' > server.ext"
      " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
      " -out server.pem -days 2 -extfile server.ext"
      " && openssl req" +
      ec +
      " -keyout client.key -out client.csr -subj /CN=sluice-test-client"
      " && printf 'extendedKeyUsage=clientAuth\\n' > client.ext"
      " && openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
      " -out client.pem -days 2 -extfile client.ext 2>&1";
  const auto result = RunCommand("( " + script + " ) 2>&1");
  if (result.exit_code != 0) error_ = "openssl failed: " + result.output;
}

TestCerts::~TestCerts() {
  if (dir_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace sluice::testing
