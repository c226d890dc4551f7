#pragma once
// An in-process HTTP/2 server (nghttp2 server session, h2c or TLS h2) for testing the test
// library itself without sluice: H2Client and FrameWriter are checked against a real HTTP/2
// implementation. It listens on 127.0.0.1 (port 0) and serves every connection from its own
// thread. What it answers depends on the request path:
//   /echo (and any other path)  200, x-method and x-path headers, the request body (or "hello")
//   /bytes/<n>                  200 with an n-byte body (for flow-control tests)
//   /status/<code>              that status, empty body
//   /reset/<code>               RST_STREAM with that error code
//   /goaway/<code>              GOAWAY(last stream id = this stream, code), then close
//   /trailers                   200, body "body", trailer x-trailer: done
//   /interim                    103 with link: </a>, then 200 "final"
//   /hold                       no answer (the stream stays open)
//
// Thread-safety: public members are thread-safe; sessions live on the server thread only.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/h2_transport.h"
#include "support/h2_wire.h"

namespace sluice::testing {

struct H2EchoServerOptions {
  std::optional<TlsServerConfig> tls;  // set: TLS with ALPN h2
  uint32_t max_concurrent_streams = 100;
  uint32_t initial_window_size = 65535;  // the server's receive window for request bodies
  bool consume_request_body = true;      // false: never reopen the windows (a stalled server)
};

struct H2ServedRequest {
  std::string method;
  std::string path;
  HeaderList headers;  // regular fields, wire order
  std::string body;
};

class H2EchoServer {
 public:
  explicit H2EchoServer(H2EchoServerOptions options = {});
  ~H2EchoServer();
  H2EchoServer(const H2EchoServer&) = delete;
  H2EchoServer& operator=(const H2EchoServer&) = delete;

  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] std::vector<H2ServedRequest> requests() const;
  [[nodiscard]] std::size_t connections_accepted() const { return accepted_.load(); }
  [[nodiscard]] std::size_t connections_closed() const { return closed_.load(); }
  // Response body bytes nghttp2 has taken from the server so far (bounded by the client's window).
  [[nodiscard]] std::size_t body_bytes_sent() const { return body_bytes_sent_.load(); }
  // Request body bytes received (whether or not consumed).
  [[nodiscard]] std::size_t body_bytes_received() const { return body_bytes_received_.load(); }
  [[nodiscard]] std::size_t resets_received() const { return resets_received_.load(); }

 private:
  struct Connection;
  struct Callbacks;
  friend struct Callbacks;
  void Run();
  void Accept();
  // Feeds and drains one connection; false when it is finished.
  bool Serve(Connection& conn, bool readable);

  H2EchoServerOptions options_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: the destructor wakes the poll loop to stop
  uint16_t port_ = 0;
  // Written by the server thread, read by tests through WaitUntil (relaxed: counters only, no
  // other data is published through them).
  std::atomic<std::size_t> accepted_{0};
  std::atomic<std::size_t> closed_{0};
  std::atomic<std::size_t> body_bytes_sent_{0};
  std::atomic<std::size_t> body_bytes_received_{0};
  std::atomic<std::size_t> resets_received_{0};
  mutable std::mutex mu_;  // guards requests_
  std::vector<H2ServedRequest> requests_;
  std::vector<std::unique_ptr<Connection>> connections_;  // server thread only
  std::thread thread_;
};

}  // namespace sluice::testing
