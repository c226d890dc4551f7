#pragma once
// A TLS server context built from certificate files: the certificate chain and its key, an
// optional client CA (mTLS), the minimum protocol version and which application protocols ALPN
// may pick. Loading never throws: every problem is collected, naming the file and OpenSSL's
// reason, so a bad reload keeps the old context and reports everything at once.
//
// Reload = Load again: each call re-reads the files into a new context. Connections keep the
// context they started with (every SSL object holds a reference to its SSL_CTX, and the ALPN
// callback reads only static data), so dropping the old TlsContext is safe at any time.
//
// ALPN (RFC 7301): the server's preference wins: `h2` when the client offers it and the
// listener allows it, else `http/1.1` (or `http/1.0`) when HTTP/1 is allowed. A client that
// offers ALPN but nothing we speak gets the fatal no_application_protocol alert, as §3.2 says:
// guessing a protocol the client did not offer would only fail later and less clearly. A
// client without ALPN is taken to speak HTTP/1.1 (see Protocol()).
//
// Thread-safety: immutable after Load; any number of workers may create streams from one
// context concurrently (OpenSSL locks SSL_CTX internally).
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "net/tls_stream.h"

namespace sluice::net {

// Plain options (the app translates config::TlsConfig and the listener's protocols).
struct TlsOptions {
  std::string cert_file;       // PEM: leaf certificate first, then intermediates
  std::string key_file;        // PEM private key, unencrypted (no passphrase prompt on a server)
  std::string client_ca_file;  // PEM CAs for client certificates; empty = no client certificates
  bool tls13_only = false;     // else TLS 1.2 and 1.3
  bool offer_h2 = true;        // ALPN may pick "h2"
  bool offer_http1 = true;     // ALPN may pick "http/1.1" (and a client without ALPN is served)
};

// What a connection speaks after the handshake.
enum class AppProtocol { kHttp1, kH2 };

class TlsContext;

struct TlsLoadResult {
  std::shared_ptr<TlsContext> context;  // null when errors is not empty
  core::ErrorList errors;               // where.file = the file at fault, path = the option
};

class TlsContext {
 public:
  [[nodiscard]] static TlsLoadResult Load(const TlsOptions& options);

  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A server-side TLS stream over an accepted socket; run TlsHandshake on it next.
  [[nodiscard]] TlsStream Wrap(boost::asio::ip::tcp::socket socket);

  // The protocol to serve after a successful handshake; nullopt when the client sent no ALPN
  // and this listener does not serve HTTP/1 (h2 requires ALPN, RFC 9113 §3.2): close then.
  [[nodiscard]] std::optional<AppProtocol> Protocol(TlsStream& stream) const;

  [[nodiscard]] const TlsOptions& options() const { return options_; }
  [[nodiscard]] boost::asio::ssl::context& native() { return context_; }

 private:
  explicit TlsContext(const TlsOptions& options);

  TlsOptions options_;
  boost::asio::ssl::context context_;
};

}  // namespace sluice::net
