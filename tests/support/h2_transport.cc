#include "support/h2_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::testing {

using Clock = std::chrono::steady_clock;

namespace {

void MakeNonBlocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

// Waits for `events` on fd until `deadline`; false on timeout.
bool PollUntil(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

std::string SslError(std::string_view what) {
  std::string out(what);
  if (const auto code = ERR_get_error(); code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    out += ": ";
    out += text;
  }
  ERR_clear_error();
  return out;
}

class TcpTransport final : public H2Transport {
 public:
  explicit TcpTransport(int fd) : fd_(fd) {}
  ~TcpTransport() override { ::close(fd_); }
  int fd() const override { return fd_; }

  IoResult Read(char* out, std::size_t size) override {
    for (;;) {
      const auto n = ::recv(fd_, out, size, 0);
      if (n > 0) return {IoStatus::kOk, static_cast<std::size_t>(n)};
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return {IoStatus::kWouldBlock, 0};
      return {IoStatus::kClosed, 0};  // FIN or RST: the peer is gone either way
    }
  }

  IoResult Write(std::string_view bytes) override {
    for (;;) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n >= 0) return {IoStatus::kOk, static_cast<std::size_t>(n)};
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::kWouldBlock, 0};
      return {IoStatus::kClosed, 0};
    }
  }

 private:
  int fd_;
};

class TlsTransport final : public H2Transport {
 public:
  TlsTransport(int fd, SSL_CTX* ctx) : fd_(fd), ctx_(ctx), ssl_(SSL_new(ctx)) {
    SSL_set_fd(ssl_, fd_);
    // The HTTP/2 layer retries a partial write with the rest of a buffer that may have moved.
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  }
  ~TlsTransport() override {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  int fd() const override { return fd_; }
  SSL* ssl() { return ssl_; }

  // Drives the handshake (client or server side as set on ssl()) until done or `deadline`.
  bool Handshake(Clock::time_point deadline, std::string& error) {
    for (;;) {
      const int rc = SSL_do_handshake(ssl_);
      if (rc == 1) return true;
      const int err = SSL_get_error(ssl_, rc);
      short events = 0;
      if (err == SSL_ERROR_WANT_READ) events = POLLIN;
      if (err == SSL_ERROR_WANT_WRITE) events = POLLOUT;
      if (events == 0) {
        error = SslError("TLS handshake failed");
        return false;
      }
      if (!PollUntil(fd_, events, deadline)) {
        error = "TLS handshake timed out";
        return false;
      }
    }
  }

  IoResult Read(char* out, std::size_t size) override {
    const int n = SSL_read(ssl_, out, static_cast<int>(size));
    if (n > 0) return {IoStatus::kOk, static_cast<std::size_t>(n)};
    return Failure(n);
  }

  IoResult Write(std::string_view bytes) override {
    const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
    if (n > 0) return {IoStatus::kOk, static_cast<std::size_t>(n)};
    return Failure(n);
  }

  bool HasBuffered() const override { return SSL_pending(ssl_) > 0; }

  std::string alpn() const override {
    const unsigned char* proto = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(ssl_, &proto, &len);
    return std::string(reinterpret_cast<const char*>(proto), len);
  }

 private:
  IoResult Failure(int rc) {
    const int err = SSL_get_error(ssl_, rc);
    ERR_clear_error();
    // A renegotiation-free TLS 1.3 session may still want the other direction (key updates);
    // the caller polls both ways, so either "want" is just "not now".
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
      return {IoStatus::kWouldBlock, 0};
    return {IoStatus::kClosed, 0};
  }

  int fd_;
  SSL_CTX* ctx_;  // one context per connection: tests make few connections, ownership stays simple
  SSL* ssl_;
};

// "h2,http/1.1" -> ALPN wire format (length-prefixed names).
std::string AlpnWire(std::string_view list) {
  std::string out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto name = list.substr(0, comma);
    out.push_back(static_cast<char>(name.size()));
    out.append(name);
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
  }
  return out;
}

int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void* arg) {
  const auto* wanted = static_cast<const std::string*>(arg);
  for (unsigned int at = 0; at < inlen;) {
    const unsigned len = in[at];
    if (at + 1 + len > inlen) break;
    if (std::string_view(reinterpret_cast<const char*>(in + at + 1), len) == *wanted) {
      *out = in + at + 1;
      *outlen = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    at += 1 + len;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

// A connected non-blocking socket to 127.0.0.1:port, or -1 with `error` set.
int ConnectSocket(uint16_t port, std::chrono::milliseconds timeout, std::string& error) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  MakeNonBlocking(fd);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int so_error = errno;
    if (so_error == EINPROGRESS) {
      if (!PollUntil(fd, POLLOUT, Clock::now() + timeout)) {
        error = "connect timed out";
        ::close(fd);
        return -1;
      }
      socklen_t len = sizeof(so_error);
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    }
    if (so_error != 0) {
      error = std::string("connect: ") + std::strerror(so_error);
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

}  // namespace

std::unique_ptr<H2Transport> ConnectTcp(uint16_t port, std::chrono::milliseconds timeout,
                                        std::string& error) {
  const int fd = ConnectSocket(port, timeout, error);
  if (fd < 0) return nullptr;
  return std::make_unique<TcpTransport>(fd);
}

std::unique_ptr<H2Transport> ConnectTls(uint16_t port, const TlsClientConfig& config,
                                        std::chrono::milliseconds timeout, std::string& error) {
  const auto deadline = Clock::now() + timeout;
  const int fd = ConnectSocket(port, timeout, error);
  if (fd < 0) return nullptr;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!config.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, config.ca_file.c_str(), nullptr) != 1) {
      error = SslError("loading CA " + config.ca_file);
      SSL_CTX_free(ctx);
      ::close(fd);
      return nullptr;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  if (!config.cert_file.empty() &&
      (SSL_CTX_use_certificate_chain_file(ctx, config.cert_file.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(ctx, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1)) {
    error = SslError("loading client certificate " + config.cert_file);
    SSL_CTX_free(ctx);
    ::close(fd);
    return nullptr;
  }
  const auto alpn = AlpnWire(config.alpn);
  SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(alpn.data()),
                          static_cast<unsigned>(alpn.size()));
  auto tls = std::make_unique<TlsTransport>(fd, ctx);
  SSL_set_connect_state(tls->ssl());
  SSL_set_tlsext_host_name(tls->ssl(), config.server_name.c_str());
  if (!config.ca_file.empty()) SSL_set1_host(tls->ssl(), config.server_name.c_str());
  if (!tls->Handshake(deadline, error)) return nullptr;
  return tls;
}

std::unique_ptr<H2Transport> AcceptTcp(int fd) {
  MakeNonBlocking(fd);
  return std::make_unique<TcpTransport>(fd);
}

std::unique_ptr<H2Transport> AcceptTls(int fd, const TlsServerConfig& config,
                                       std::chrono::milliseconds timeout, std::string& error) {
  MakeNonBlocking(fd);
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (SSL_CTX_use_certificate_chain_file(ctx, config.cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    error = SslError("loading " + config.cert_file);
    SSL_CTX_free(ctx);
    ::close(fd);
    return nullptr;
  }
  // The callback runs only during the handshake below, while `config` is alive.
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, const_cast<std::string*>(&config.alpn));
  auto tls = std::make_unique<TlsTransport>(fd, ctx);
  SSL_set_accept_state(tls->ssl());
  if (!tls->Handshake(Clock::now() + timeout, error)) return nullptr;
  return tls;
}

}  // namespace sluice::testing
