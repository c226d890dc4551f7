#pragma once
// A non-blocking byte pipe under the test HTTP/2 client and echo server: plain TCP or TLS
// (OpenSSL) over a socket the caller polls. The HTTP/2 code above it only sees "read some /
// write some / would block / closed", so the same read loop serves h2c and h2.
//
// Thread-safety: owned by one thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::testing {

enum class IoStatus { kOk, kWouldBlock, kClosed };

struct IoResult {
  IoStatus status = IoStatus::kOk;
  std::size_t bytes = 0;
};

class H2Transport {
 public:
  virtual ~H2Transport() = default;
  [[nodiscard]] virtual int fd() const = 0;
  virtual IoResult Read(char* out, std::size_t size) = 0;
  virtual IoResult Write(std::string_view bytes) = 0;
  // Bytes already decrypted and waiting (TLS reads whole records, so poll() may not show them).
  [[nodiscard]] virtual bool HasBuffered() const { return false; }
  // The ALPN protocol the handshake agreed on ("" for plain TCP or none).
  [[nodiscard]] virtual std::string alpn() const { return {}; }
};

struct TlsClientConfig {
  std::string ca_file;  // verify the server against this CA; empty = no verification
  std::string server_name = "localhost";  // SNI and the name verified
  std::string alpn = "h2";                // offered protocols, comma-separated
  std::string cert_file;                  // client certificate for mTLS; empty = none
  std::string key_file;                   // its private key
};

struct TlsServerConfig {
  std::string cert_file;
  std::string key_file;
  std::string alpn = "h2";  // the protocol the server selects when the client offers it
};

// Connects to 127.0.0.1:port; nullptr on failure with `error` set.
std::unique_ptr<H2Transport> ConnectTcp(uint16_t port, std::chrono::milliseconds timeout,
                                        std::string& error);
// Connects and completes a TLS handshake within `timeout`.
std::unique_ptr<H2Transport> ConnectTls(uint16_t port, const TlsClientConfig& config,
                                        std::chrono::milliseconds timeout, std::string& error);
// Takes ownership of an accepted socket (made non-blocking here).
std::unique_ptr<H2Transport> AcceptTcp(int fd);
// Takes ownership of an accepted socket and completes the server side of a TLS handshake.
std::unique_ptr<H2Transport> AcceptTls(int fd, const TlsServerConfig& config,
                                       std::chrono::milliseconds timeout, std::string& error);

}  // namespace sluice::testing
