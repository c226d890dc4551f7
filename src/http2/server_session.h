#pragma once
// The Asio driver of one downstream HTTP/2 connection: a read loop feeds Connection::Receive, a
// write loop keeps exactly one async write in flight draining Connection::TakeOutput, and each
// request stream runs the RequestHandler in its own coroutine on the same executor (so nghttp2
// is only ever touched from that executor).
//
// Deadlines, one timer: idle (no stream open and no handler running), a header block that does
// not end (HEADERS + slow CONTINUATIONs), and a socket write that does not finish. Response
// writes stalled by the client's window time out per stream (Stream::WriteBody).
//
// A template on the byte stream so TCP (h2c) and TLS (h2 via ALPN) share it; the .cc
// instantiates it for both. A TLS stream arrives with its handshake done (net::TlsHandshake);
// socket options and closing act on the TCP socket underneath, and a connection that ends
// cleanly (everything said, GOAWAY flushed) sends close_notify before the TCP close.
//
// Thread-safety: owned by one worker; every member runs on the stream's executor.
#include <spdlog/logger.h>

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "core/clock.h"
#include "http/request_handler.h"
#include "http2/connection.h"
#include "http2/h2_metrics.h"
#include "http2/session_options.h"
#include "net/connection_tracker.h"
#include "net/tls_stream.h"
#include "observability/access_log.h"
#include "observability/gateway_metrics.h"

namespace sluice::http2 {

// What every HTTP/2 session of a listener shares. Outlives the sessions.
struct SessionContext {
  SessionOptions options;
  http::RequestHandler* handler = nullptr;
  H2Metrics* metrics = nullptr;                          // shared by all listeners; may be null
  observability::RouteStats* protocol_errors = nullptr;  // streams answered before routing (431)
  observability::AccessLog* access_log = nullptr;        // they are logged too
  prometheus::Gauge* connections = nullptr;              // sluice_connections{listener,"h2"}
  // null: the steady clock. Deadlines are armed on asio steady timers, so a clock given here
  // must tell steady_clock time (it is injectable for the abuse guards' windows).
  const core::Clock* clock = nullptr;
  std::shared_ptr<spdlog::logger> log;
};

template <class AsyncStream>
class ServerSession final : public std::enable_shared_from_this<ServerSession<AsyncStream>>,
                            public net::DrainableConnection,
                            private ConnectionOwner {
 public:
  // `initial_bytes`: what a protocol sniffer already read (e.g. the client preface).
  ServerSession(AsyncStream stream, http::ConnectionInfo info, const SessionContext& context,
                net::ConnectionTracker& tracker, std::string initial_bytes = {});
  ~ServerSession() override;

  void Start();
  // GOAWAY with the last stream id; open streams finish, then the connection closes.
  void BeginDrain() override;
  // How long the shutdown notice waits for its PING ACK (a client that never answers).
  static constexpr auto kShutdownAckWait = std::chrono::seconds(1);

 private:
  using TimePoint = std::chrono::steady_clock::time_point;

  boost::asio::awaitable<void> ReadLoop();
  boost::asio::awaitable<void> WriteLoop();
  boost::asio::awaitable<void> TimerLoop();
  boost::asio::awaitable<void> RunStream(std::shared_ptr<Stream> stream);
  boost::asio::awaitable<void> Reject(Stream& stream, http::Status status);

  // ConnectionOwner
  void OnRequest(std::shared_ptr<Stream> stream) override;
  void OnOutputReady() override;

  [[nodiscard]] TimePoint NextDeadline() const;
  void RearmTimer();
  void CheckDeadlines();
  // `graceful`: the writer flushed everything, so a TLS stream may still say close_notify.
  void Close(bool graceful = false);
  boost::asio::awaitable<void> SendCloseNotifyThenClose();
  void CloseSocket();
  boost::asio::ip::tcp::socket& tcp() { return net::TcpSocket(stream_); }

  AsyncStream stream_;
  http::ConnectionInfo info_;
  const SessionContext& context_;
  net::ConnectionTracker& tracker_;
  std::string initial_;
  core::SteadyClock steady_clock_;
  const core::Clock& clock_;
  std::unique_ptr<Connection> connection_;
  std::array<uint8_t, 16 * 1024> read_buffer_{};

  boost::asio::steady_timer write_wake_;  // condition: output is waiting
  boost::asio::steady_timer deadline_;    // the earliest of the deadlines below
  TimePoint armed_ = TimePoint::max();
  bool writer_waiting_ = false;
  TimePoint last_activity_;
  std::optional<TimePoint> write_started_;
  std::size_t handlers_running_ = 0;
  bool draining_ = false;
  TimePoint drain_started_;  // the final GOAWAY goes out by kShutdownAckWait after it at the latest
  bool closed_ = false;
};

extern template class ServerSession<boost::asio::ip::tcp::socket>;
extern template class ServerSession<net::TlsStream>;

}  // namespace sluice::http2
