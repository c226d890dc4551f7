#pragma once
// One downstream HTTP/1.1 connection. Reads a request head (strictly checked), hands the
// exchange to the RequestHandler, and serves pipelined requests one at a time in order, so
// responses can never be reordered and at most one parsed request waits (the rest stays in
// the bounded read buffer and, past it, in the client's TCP window).
//
// Deadlines: one lazily re-armed SocketDeadline per session, set per phase (idle → head →
// body → each write). On expiry it cancels the socket operation but keeps the socket, so a 408
// can still be sent.
//
// A template on the byte stream so plain TCP and TLS share it (explicitly instantiated in the
// .cc for both). A TLS stream arrives with its handshake done (net::TlsHandshake); deadlines and
// the client-gone watch act on the TCP socket underneath, and a graceful close sends
// close_notify before closing it.
//
// Thread-safety: owned by one worker; every member runs on the socket's executor.
#include <spdlog/logger.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/request_handler.h"
#include "http1/session_options.h"
#include "net/connection_tracker.h"
#include "net/socket_deadline.h"
#include "net/tls_stream.h"
#include "observability/access_log.h"
#include "observability/gateway_metrics.h"

namespace sluice::http1 {

// What every session of a listener shares. Outlives the sessions.
struct SessionContext {
  SessionOptions options;
  http::RequestHandler* handler = nullptr;
  observability::RouteStats* protocol_errors = nullptr;  // requests rejected before routing
  observability::AccessLog* access_log = nullptr;        // they are logged too
  prometheus::Gauge* connections = nullptr;
  std::shared_ptr<spdlog::logger> log;
};

template <class AsyncStream>
class BasicServerSession final
    : public std::enable_shared_from_this<BasicServerSession<AsyncStream>>,
      public net::DrainableConnection,
      private http::ServerExchange {
 public:
  // `initial_bytes`: what a protocol sniffer already read from the stream; parsed first.
  BasicServerSession(AsyncStream stream, http::ConnectionInfo info, const SessionContext& context,
                     net::ConnectionTracker& tracker, std::string_view initial_bytes = {});
  ~BasicServerSession() override;

  void Start();
  void BeginDrain() override;

 private:
  enum class HeadOutcome { kRequest, kClose };
  using Parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

  boost::asio::awaitable<void> Run();
  boost::asio::awaitable<HeadOutcome> ReadRequestHead();
  boost::asio::awaitable<void> ServeRequest();
  boost::asio::awaitable<void> RejectRequest(http::Status status, std::string_view reason,
                                             std::string_view detail);
  boost::asio::awaitable<bool> WaitForBytes();
  boost::asio::awaitable<void> Close();
  boost::asio::ip::tcp::socket& tcp() { return net::TcpSocket(stream_); }

  // http::ServerExchange
  http::RequestHeader& request() override { return parser_->get().base(); }
  const http::ConnectionInfo& connection() const override { return info_; }
  http::BodyLength request_body_length() const override;
  std::chrono::steady_clock::time_point received_at() const override { return received_at_; }
  boost::asio::awaitable<http::ReadResult> ReadBody(boost::asio::mutable_buffer buf) override;
  void SetBodyLimit(uint64_t max_bytes) override { body_limit_ = max_bytes; }
  using http::ServerExchange::WriteHead;
  boost::asio::awaitable<http::error_code> WriteHead(
      http::ResponseHeader head, http::BodyLength length,
      std::span<const http::FieldLine> added) override;
  boost::asio::awaitable<http::error_code> WriteBody(boost::asio::const_buffer data,
                                                     bool last) override;
  void CloseAfterResponse() override { keep_alive_ = false; }
  bool response_started() const override { return response_started_; }
  void WatchForClientGone(std::function<void()> on_gone) override;
  void StopWatchingForClientGone() override;
  void AwaitClientReadable();
  void OnClientReadable(const boost::system::error_code& ec, uint64_t watch);

  http::BodyError ClassifyReadError(const boost::system::error_code& ec) const;

  AsyncStream stream_;
  http::ConnectionInfo info_;
  const SessionContext& context_;
  net::ConnectionTracker& tracker_;
  std::shared_ptr<net::SocketDeadline> deadline_;
  boost::beast::flat_buffer buffer_;
  std::optional<Parser> parser_;

  std::chrono::steady_clock::time_point body_deadline_;  // total, for the whole body

  // Per-request state.
  std::chrono::steady_clock::time_point received_at_;
  uint64_t body_limit_ = UINT64_MAX;
  uint64_t body_received_ = 0;
  bool expect_continue_ = false;
  bool keep_alive_ = true;
  bool response_started_ = false;
  bool response_chunked_ = false;
  bool response_bodyless_ = false;  // HEAD, 1xx, 204, 304
  bool response_finished_ = false;
  std::string out_;  // serialized head (and chunk framing) waiting to go out with body bytes
  std::function<void()> on_client_gone_;  // set while the handler waits without reading
  uint64_t watch_ = 0;                    // bumped per watch, so a stale wakeup is ignored

  uint32_t requests_served_ = 0;
  bool draining_ = false;
  bool idle_ = true;  // waiting for a new request: a drain may close at once
  bool closed_ = false;
};

using ServerSession = BasicServerSession<boost::asio::ip::tcp::socket>;
using TlsServerSession = BasicServerSession<net::TlsStream>;

extern template class BasicServerSession<boost::asio::ip::tcp::socket>;
extern template class BasicServerSession<net::TlsStream>;

}  // namespace sluice::http1
