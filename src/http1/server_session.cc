#include "http1/server_session.h"

#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <cerrno>
#include <cstring>
#include <type_traits>

#include "http/local_reply.h"
#include "http1/header_block_scanner.h"
#include "http1/request_validator.h"
#include "http1/response_head_writer.h"
#include "net/write_now.h"

namespace sluice::http1 {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::as_tuple;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

namespace {

// Read granularity: large enough for typical heads in one syscall, small enough not to let
// one connection pin much memory.
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// How long a graceful TLS close waits for the client's close_notify: many clients never send
// it, and the wait holds the connection (and a drain) open.
constexpr std::chrono::milliseconds kTlsShutdownTimeout{1000};

}  // namespace

template <class S>
BasicServerSession<S>::BasicServerSession(S stream, http::ConnectionInfo info,
                                          const SessionContext& context,
                                          net::ConnectionTracker& tracker,
                                          std::string_view initial_bytes)
    : stream_(std::move(stream)),
      info_(std::move(info)),
      context_(context),
      tracker_(tracker),
      deadline_(net::SocketDeadline::Create(tcp())),
      // Room for whatever a sniffer read, so an oversized head still meets the 431 check.
      buffer_(std::max(context.options.max_header_bytes + 64 * 1024, initial_bytes.size())) {
  if (!initial_bytes.empty()) {
    std::memcpy(buffer_.prepare(initial_bytes.size()).data(), initial_bytes.data(),
                initial_bytes.size());
    buffer_.commit(initial_bytes.size());
  }
}

template <class S>
BasicServerSession<S>::~BasicServerSession() {
  deadline_->Detach();
}

template <class S>
void BasicServerSession<S>::Start() {
  asio::co_spawn(
      stream_.get_executor(), [self = this->shared_from_this()] { return self->Run(); },
      asio::detached);
}

template <class S>
void BasicServerSession<S>::BeginDrain() {
  draining_ = true;
  if (idle_) {
    boost::system::error_code ignored;
    tcp().cancel(ignored);  // the pending idle read ends and the session closes
  }
}

template <class S>
asio::awaitable<void> BasicServerSession<S>::Run() {
  tracker_.Add(this);
  if (context_.connections) context_.connections->Increment();
  boost::system::error_code ignored;
  tcp().set_option(asio::ip::tcp::no_delay(true), ignored);
  while (!draining_) {
    if (co_await ReadRequestHead() == HeadOutcome::kClose) break;
    co_await ServeRequest();
    if (!keep_alive_) break;
  }
  co_await Close();
  deadline_->Detach();
  tracker_.Remove(this);
  if (context_.connections) context_.connections->Decrement();
}

template <class S>
asio::awaitable<void> BasicServerSession<S>::Close() {
  if (closed_) co_return;
  closed_ = true;
  if constexpr (std::is_same_v<S, net::TlsStream>) {
    // close_notify tells the client the response was not truncated (RFC 8446 §6.1). Bounded
    // by its own short deadline: the session's may already have passed.
    deadline_->Disarm();
    const auto deadline = Clock::now() + kTlsShutdownTimeout;  // named: see ReadRequestHead
    co_await net::TlsShutdown(stream_, deadline);
  }
  boost::system::error_code ignored;
  // Half-close first so a client still sending (pipelined bytes) gets our last response
  // instead of a reset.
  tcp().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  tcp().close(ignored);
}

template <class S>
asio::awaitable<bool> BasicServerSession<S>::WaitForBytes() {
  const auto room = buffer_.max_size() - buffer_.size();
  if (room == 0) co_return false;
  auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(std::min(room, kReadChunk)),
                                                  as_tuple(use_awaitable));
  buffer_.commit(n);
  co_return !ec;
}

template <class S>
asio::awaitable<typename BasicServerSession<S>::HeadOutcome>
BasicServerSession<S>::ReadRequestHead() {
  const auto& opt = context_.options;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(opt.max_header_bytes));
  parser_->body_limit(boost::none);  // the route's limit is applied by ReadBody
  keep_alive_ = true;
  response_started_ = response_finished_ = response_chunked_ = response_bodyless_ = false;

  idle_ = buffer_.size() == 0;
  if (idle_) {
    deadline_->ArmAfter(opt.idle_timeout);
    const bool got = co_await WaitForBytes();
    idle_ = false;
    if (!got || (draining_ && buffer_.size() == 0)) co_return HeadOutcome::kClose;
  }
  deadline_->ArmAfter(opt.header_timeout);
  ScanResult scan;
  for (;;) {
    // Empty lines between requests are allowed (RFC 9112 §2.2); drop them.
    while (buffer_.size() >= 2 && static_cast<const char*>(buffer_.data().data())[0] == '\r' &&
           static_cast<const char*>(buffer_.data().data())[1] == '\n') {
      buffer_.consume(2);
    }
    const std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    scan = ScanRequestHead(data);
    if (scan.status == ScanStatus::kComplete) break;
    if (scan.status == ScanStatus::kMalformed) {
      co_await RejectRequest(http::Status::bad_request, "bad_request", scan.error);
      co_return HeadOutcome::kClose;
    }
    if (buffer_.size() >= opt.max_header_bytes) {
      co_await RejectRequest(http::Status::request_header_fields_too_large, "header_too_large",
                             "request header block too large");
      co_return HeadOutcome::kClose;
    }
    if (!co_await WaitForBytes()) {
      if (deadline_->expired()) {
        co_await RejectRequest(http::Status::request_timeout, "request_header_timeout",
                               "request header not received in time");
      }
      co_return HeadOutcome::kClose;
    }
  }
  deadline_->Disarm();
  if (scan.size > opt.max_header_bytes) {
    co_await RejectRequest(http::Status::request_header_fields_too_large, "header_too_large",
                           "request header block too large");
    co_return HeadOutcome::kClose;
  }
  beast::error_code ec;
  parser_->eager(false);
  const auto used = parser_->put(asio::buffer(buffer_.data().data(), scan.size), ec);
  if (ec || !parser_->is_header_done() || used != scan.size) {
    // Named, not a temporary in the co_await expression: GCC 12 mishandles the lifetime of
    // such temporaries across a suspension.
    const std::string detail = ec ? ec.message() : "bad head";
    co_await RejectRequest(http::Status::bad_request, "bad_request", detail);
    co_return HeadOutcome::kClose;
  }
  buffer_.consume(scan.size);
  auto& req = request();
  if (static_cast<std::size_t>(std::distance(req.begin(), req.end())) > opt.max_headers) {
    co_await RejectRequest(http::Status::request_header_fields_too_large, "too_many_headers",
                           "too many header fields");
    co_return HeadOutcome::kClose;
  }
  if (auto v = ValidateRequest(req); !v.ok) {
    co_await RejectRequest(http::Status::bad_request, "bad_request", v.error);
    co_return HeadOutcome::kClose;
  }
  received_at_ = Clock::now();
  body_limit_ = UINT64_MAX;
  body_received_ = 0;
  expect_continue_ = req.version() >= 11 && !parser_->is_done() &&
                     beast::iequals(req[http::Field::expect], "100-continue");
  keep_alive_ = parser_->get().keep_alive();
  co_return HeadOutcome::kRequest;
}

template <class S>
asio::awaitable<void> BasicServerSession<S>::ServeRequest() {
  co_await context_.handler->Handle(*this);
  if (!response_finished_) {
    if (!response_started_ && !closed_) {
      keep_alive_ = false;
      http::LocalReply reply{http::Status::internal_server_error, "internal_error",
                             "internal error"};
      co_await http::SendLocalReply(*this, std::move(reply));
    }
    keep_alive_ = false;  // a truncated response can only be delimited by closing
  }
  // Unread request body would be parsed as the next request: never reuse the connection.
  if (!parser_->is_done()) keep_alive_ = false;
  ++requests_served_;
  const auto max = context_.options.max_requests_per_connection;
  if (max != 0 && requests_served_ >= max) keep_alive_ = false;
}

template <class S>
asio::awaitable<void> BasicServerSession<S>::RejectRequest(http::Status status,
                                                           std::string_view reason,
                                                           std::string_view detail) {
  keep_alive_ = false;
  context_.log->debug("{}:{} rejected: {} ({})", info_.peer_address.to_string(), info_.peer_port,
                      reason, detail);
  if (context_.protocol_errors) {
    context_.protocol_errors->Record(info_.worker, static_cast<int>(status), 0);
  }
  // The head may be unparsed: answer as HTTP/1.1 to a GET so the reply carries its body.
  parser_.emplace();
  auto text = std::string(obsolete_reason(status)) + ": " + std::string(detail);
  const auto body_bytes = text.size() + 1;  // SendLocalReply adds a newline
  http::LocalReply reply{status, std::string(reason), std::move(text)};
  co_await http::SendLocalReply(*this, std::move(reply));
  if (context_.access_log) {
    context_.access_log->WriteSessionReply(info_.peer_address, info_.listener,
                                           http::ProtocolName(info_.protocol), info_.tls,
                                           static_cast<int>(status), reason, body_bytes);
  }
}

template <class S>
http::BodyLength BasicServerSession<S>::request_body_length() const {
  if (parser_->is_done()) return {0};
  if (parser_->chunked()) return {};
  if (auto len = parser_->content_length()) return {*len};
  return {0};
}

template <class S>
http::BodyError BasicServerSession<S>::ClassifyReadError(
    const boost::system::error_code& ec) const {
  if (deadline_->expired()) return http::BodyError::kTimeout;
  if (ec == beast::http::error::partial_message) return http::BodyError::kClientGone;
  const auto& http_errors = make_error_code(beast::http::error::partial_message).category();
  if (ec.category() == http_errors) return http::BodyError::kMalformed;
  return http::BodyError::kClientGone;
}

template <class S>
asio::awaitable<http::ReadResult> BasicServerSession<S>::ReadBody(asio::mutable_buffer buf) {
  if (parser_->is_done() || buf.size() == 0) co_return http::ReadResult{};
  if (expect_continue_) {
    expect_continue_ = false;
    deadline_->ArmAfter(context_.options.send_timeout);
    auto [ec, n] =
        co_await asio::async_write(stream_, asio::buffer(kContinue), as_tuple(use_awaitable));
    deadline_->Disarm();
    if (ec) co_return http::ReadResult{http::BodyError::kClientGone};
  }
  if (body_received_ == 0) body_deadline_ = Clock::now() + context_.options.body_timeout;
  deadline_->ArmAt(body_deadline_);
  std::size_t got = 0;
  for (;;) {
    auto& body = parser_->get().body();
    body.data = buf.data();
    body.size = buf.size();
    auto [ec, n] =
        co_await beast::http::async_read_some(stream_, buffer_, *parser_, as_tuple(use_awaitable));
    if (ec == beast::http::error::need_buffer) ec = {};
    got = buf.size() - parser_->get().body().size;
    if (ec) {
      deadline_->Disarm();
      keep_alive_ = false;
      co_return http::ReadResult{ClassifyReadError(ec)};
    }
    if (got > 0 || parser_->is_done()) break;
  }
  deadline_->Disarm();
  body_received_ += got;
  if (body_received_ > body_limit_) {
    keep_alive_ = false;
    co_return http::ReadResult{http::BodyError::kTooLarge};
  }
  co_return http::ReadResult{http::BodyError::kNone, got};
}

template <class S>
asio::awaitable<http::error_code> BasicServerSession<S>::WriteHead(
    http::ResponseHeader head, http::BodyLength length, std::span<const http::FieldLine> added) {
  const auto max_requests = context_.options.max_requests_per_connection;
  if (draining_ || (max_requests != 0 && requests_served_ + 1 >= max_requests)) {
    keep_alive_ = false;
  }
  const auto& req = request();
  ResponseFraming framing = ChooseFraming(head.result_int(), req.method() == http::Verb::head,
                                          req.version(), length, keep_alive_);
  response_bodyless_ = framing.bodyless;
  response_chunked_ = framing.chunked;
  keep_alive_ = framing.keep_alive;
  out_.clear();
  AppendResponseHead(out_, head, added, framing, length, req.version());
  if (framing.bodyless && !framing.chunked) {
    // No body will follow: nothing is gained by holding the head back.
  }
  co_return http::error_code{};
}

template <class S>
asio::awaitable<http::error_code> BasicServerSession<S>::WriteBody(asio::const_buffer data,
                                                                   bool last) {
  if (response_finished_) co_return http::error_code{};
  if (response_bodyless_) data = {};
  std::string_view suffix;
  if (response_chunked_) {
    if (data.size() > 0) AppendChunkHeader(out_, data.size());
    suffix = ChunkSuffix(data.size() > 0, last);
  }
  if (last) response_finished_ = true;
  const std::array<asio::const_buffer, 3> parts{asio::buffer(out_), data, asio::buffer(suffix)};
  if (asio::buffer_size(parts) == 0) co_return http::error_code{};
  response_started_ = true;  // from here on, bytes may be on the wire: no other reply fits
  std::size_t sent = 0;
  if constexpr (std::is_same_v<S, asio::ip::tcp::socket>) {
    sent = net::WriteNow(stream_, parts);
    if (sent == asio::buffer_size(parts)) {
      out_.clear();
      co_return http::error_code{};
    }
  }
  deadline_->ArmAfter(context_.options.send_timeout);
  auto [ec, n] =
      co_await asio::async_write(stream_, net::Skip(parts, sent), as_tuple(use_awaitable));
  deadline_->Disarm();
  out_.clear();
  if (ec) {
    keep_alive_ = false;
    response_finished_ = false;
    co_return ec;
  }
  co_return http::error_code{};
}

// A peek tells a closed connection (0 bytes: FIN) or a reset from a live one. When bytes are
// waiting (a request body, or a pipelined request) a FIN behind them cannot be seen without
// reading them, so the watch ends there: the request finds out when it reads or writes.
template <class S>
void BasicServerSession<S>::WatchForClientGone(std::function<void()> on_gone) {
  on_client_gone_ = std::move(on_gone);
  if (buffer_.size() > 0) return;  // pipelined bytes already read: EOF would hide behind them
  AwaitClientReadable();
}

template <class S>
void BasicServerSession<S>::StopWatchingForClientGone() {
  on_client_gone_ = nullptr;
  ++watch_;  // a wakeup already queued for the old watch is ignored
  boost::system::error_code ignored;
  tcp().cancel(ignored);  // nothing else is pending while the handler waits
}

template <class S>
void BasicServerSession<S>::AwaitClientReadable() {
  // On the TCP socket even under TLS: a FIN or reset is visible there; a close_notify arrives as
  // bytes and ends the watch like any other bytes would.
  tcp().async_wait(asio::socket_base::wait_read,
                   [self = this->shared_from_this(), watch = watch_](
                       const boost::system::error_code& ec) { self->OnClientReadable(ec, watch); });
}

template <class S>
void BasicServerSession<S>::OnClientReadable(const boost::system::error_code& ec, uint64_t watch) {
  if (ec || watch != watch_ || !on_client_gone_) return;
  char byte = 0;
  const auto n = ::recv(tcp().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return;  // bytes waiting: see above
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    AwaitClientReadable();  // spurious wakeup
    return;
  }
  keep_alive_ = false;
  std::exchange(on_client_gone_, nullptr)();
}

template class BasicServerSession<asio::ip::tcp::socket>;
template class BasicServerSession<net::TlsStream>;

}  // namespace sluice::http1
