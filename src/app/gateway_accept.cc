// How an accepted connection reaches its protocol session: straight to HTTP/1.1 or h2c, through
// the preface sniffer when a cleartext listener takes both, or through the TLS handshake and
// ALPN on a TLS listener. Each path runs on the socket's worker; a connection is counted (and
// drained) from the moment its session starts.
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <memory>

#include "app/gateway.h"
#include "app/protocol_sniffer.h"
#include "net/tls_stream.h"

namespace sluice::app {

namespace asio = boost::asio;

// Each worker has its own SO_REUSEPORT acceptor, and the kernel places connections by a hash
// of their addresses: a few long-lived connections (16 h2 clients, say) often split 10 to 6,
// and the streams on the busier worker wait longer (loadtest/RESULTS.md, the h2 tail at 100
// streams). So every accepted connection goes to the next worker in turn; a socket whose turn
// is another worker's is released from this one's reactor and assigned to that one's.
void Gateway::Accept(ListenerSocket& listener, asio::ip::tcp::socket socket, std::size_t worker) {
  // Taken once: the settings of the generation that accepted the connection, for its lifetime.
  auto serving = listener.serving.load();
  const std::size_t target =
      next_worker_.fetch_add(1, std::memory_order_relaxed) % workers_->size();
  if (target == worker) {
    Serve(std::move(serving), std::move(socket), worker);
    return;
  }
  boost::system::error_code ec;
  const auto protocol = socket.local_endpoint(ec).protocol();
  if (ec) return;  // already gone
  const int fd = socket.release(ec);
  if (ec) return;
  // Closes the descriptor unless the target took it (a worker that stops first drops the task).
  auto owned = std::shared_ptr<int>(new int(fd), [](const int* p) {
    if (*p >= 0) ::close(*p);
    delete p;
  });
  asio::post(workers_->context(target),
             [this, serving = std::move(serving), protocol, owned, target]() mutable {
               asio::ip::tcp::socket moved(workers_->context(target));
               boost::system::error_code assign_ec;
               moved.assign(protocol, *owned, assign_ec);
               if (assign_ec) return;  // owned closes it
               *owned = -1;            // the socket owns it now
               Serve(std::move(serving), std::move(moved), target);
             });
}

void Gateway::Serve(std::shared_ptr<const ListenerServing> serving, asio::ip::tcp::socket socket,
                    std::size_t worker) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  const ListenerServing& rt = *serving;
  http::ConnectionInfo info;
  info.listener = rt.config.name;
  info.listener_index = rt.slot;
  info.keep_alive = std::move(serving);
  info.peer_address = peer.address();
  info.peer_port = peer.port();
  info.peer_trusted = rt.trusted.Contains(peer.address());
  info.worker = worker;
  if (rt.tls) {
    HandshakeThenServe(rt, std::move(socket), std::move(info));
  } else if (rt.config.protocols.h2c && rt.config.protocols.http1) {
    SniffThenServe(rt, std::move(socket), std::move(info));
  } else if (rt.config.protocols.h2c) {
    info.protocol = http::Protocol::kHttp2;
    std::make_shared<http2::ServerSession<asio::ip::tcp::socket>>(
        std::move(socket), std::move(info), rt.http2, *trackers_[worker])
        ->Start();
  } else {
    std::make_shared<http1::ServerSession>(std::move(socket), std::move(info), rt.http1,
                                           *trackers_[worker])
        ->Start();
  }
}

void Gateway::SniffThenServe(const ListenerServing& rt, asio::ip::tcp::socket socket,
                             http::ConnectionInfo info) {
  auto executor = socket.get_executor();
  asio::co_spawn(
      executor,
      [this, &rt, socket = std::move(socket),
       info = std::move(info)]() mutable -> asio::awaitable<void> {
        auto sniffed = co_await SniffProtocol(socket, rt.sniff_timeout);
        if (sniffed.failed) co_return;  // closed, reset or silent: nothing to answer
        auto& tracker = *trackers_[info.worker];
        if (sniffed.protocol == SniffedProtocol::kHttp2) {
          info.protocol = http::Protocol::kHttp2;
          std::make_shared<http2::ServerSession<asio::ip::tcp::socket>>(
              std::move(socket), std::move(info), rt.http2, tracker, std::move(sniffed.received))
              ->Start();
        } else {
          std::make_shared<http1::ServerSession>(std::move(socket), std::move(info), rt.http1,
                                                 tracker, std::move(sniffed.received))
              ->Start();
        }
      },
      asio::detached);
}

void Gateway::HandshakeThenServe(const ListenerServing& rt, asio::ip::tcp::socket socket,
                                 http::ConnectionInfo info) {
  auto executor = socket.get_executor();
  // The context (and ALPN policy) of the generation that accepted the connection; the coroutine
  // holds `info`, whose keep_alive holds `rt`.
  auto context = rt.tls->current();
  auto stream = context->Wrap(std::move(socket));
  asio::co_spawn(
      executor,
      [this, &rt, context = std::move(context), stream = std::move(stream),
       info = std::move(info)]() mutable -> asio::awaitable<void> {
        // The handshake shares the header timeout: both bound what a silent client may hold.
        const auto deadline = std::chrono::steady_clock::now() + rt.sniff_timeout;
        const auto ec = co_await net::TlsHandshake(stream, deadline);
        const auto protocol = ec ? std::nullopt : context->Protocol(stream);
        if (!protocol) {
          // Port scanners and clients that distrust the certificate: noise at any higher level.
          rt.tls_failures->Increment();
          log_->debug("{}:{} TLS handshake on {} failed: {}", info.peer_address.to_string(),
                      info.peer_port, info.listener,
                      ec ? ec.message() : "no ALPN protocol and HTTP/1 not served");
          boost::system::error_code ignored;
          net::TcpSocket(stream).close(ignored);
          co_return;
        }
        info.tls = true;
        auto& tracker = *trackers_[info.worker];
        if (*protocol == net::AppProtocol::kH2) {
          info.protocol = http::Protocol::kHttp2;
          std::make_shared<http2::ServerSession<net::TlsStream>>(std::move(stream), std::move(info),
                                                                 rt.http2, tracker)
              ->Start();
        } else {
          std::make_shared<http1::TlsServerSession>(std::move(stream), std::move(info), rt.http1,
                                                    tracker)
              ->Start();
        }
      },
      asio::detached);
}

}  // namespace sluice::app
