#include "http2/server_session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <type_traits>

#include "http/local_reply.h"
#include "http2/stream.h"

namespace sluice::http2 {

namespace asio = boost::asio;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

// Bytes gathered from nghttp2 per socket write: enough for many small frames in one syscall,
// small enough that one connection never holds much beyond the per-stream buffers.
constexpr std::size_t kWriteChunk = 64 * 1024;
// How long a clean TLS close waits for the client's close_notify: many clients never send it,
// and the wait holds the connection (and a drain) open. Same bound as the HTTP/1 sessions.
constexpr std::chrono::milliseconds kTlsShutdownTimeout{1000};

}  // namespace

template <class S>
ServerSession<S>::ServerSession(S stream, http::ConnectionInfo info, const SessionContext& context,
                                net::ConnectionTracker& tracker, std::string initial_bytes)
    : stream_(std::move(stream)),
      info_(std::move(info)),
      context_(context),
      tracker_(tracker),
      initial_(std::move(initial_bytes)),
      clock_(context.clock ? *context.clock : steady_clock_),
      write_wake_(stream_.get_executor(), TimePoint::max()),
      deadline_(stream_.get_executor(), TimePoint::max()) {
  info_.protocol = http::Protocol::kHttp2;
  ConnectionOwner& owner = *this;  // the base is private: convert here, not in make_unique
  connection_ = std::make_unique<Connection>(context_.options, owner, clock_,
                                             stream_.get_executor(), info_, context_.metrics);
}

template <class S>
ServerSession<S>::~ServerSession() = default;

template <class S>
void ServerSession<S>::Start() {
  tracker_.Add(this);
  if (context_.connections) context_.connections->Increment();
  last_activity_ = clock_.Now();
  auto self = this->shared_from_this();
  const auto ex = stream_.get_executor();
  asio::co_spawn(
      ex, [self] { return self->WriteLoop(); }, asio::detached);
  asio::co_spawn(
      ex, [self] { return self->TimerLoop(); }, asio::detached);
  asio::co_spawn(
      ex, [self] { return self->ReadLoop(); }, asio::detached);
}

template <class S>
void ServerSession<S>::BeginDrain() {
  if (draining_ || closed_) return;
  draining_ = true;
  drain_started_ = clock_.Now();
  connection_->BeginShutdown();
  RearmTimer();
}

template <class S>
asio::awaitable<void> ServerSession<S>::ReadLoop() {
  boost::system::error_code ignored;
  tcp().set_option(asio::ip::tcp::no_delay(true), ignored);
  if (!initial_.empty()) {
    const auto r =
        connection_->Receive(reinterpret_cast<const uint8_t*>(initial_.data()), initial_.size());
    initial_.clear();
    OnOutputReady();
    RearmTimer();
    if (!r.ok) co_return;
  }
  while (!closed_ && connection_->WantsRead()) {
    auto [ec, n] =
        co_await stream_.async_read_some(asio::buffer(read_buffer_), as_tuple(use_awaitable));
    if (ec) {
      if (!closed_) {
        context_.log->debug("{}:{} h2 read ended: {}", info_.peer_address.to_string(),
                            info_.peer_port, ec.message());
        Close();
      }
      co_return;
    }
    last_activity_ = clock_.Now();
    const auto r = connection_->Receive(read_buffer_.data(), n);
    OnOutputReady();  // SETTINGS/PING ACKs, WINDOW_UPDATEs, GOAWAY
    RearmTimer();
    if (!r.ok) {
      if (!connection_->last_error().empty()) {
        context_.log->debug("{}:{} h2 connection ending: {}", info_.peer_address.to_string(),
                            info_.peer_port, connection_->last_error());
      }
      co_return;  // the writer flushes the GOAWAY, then closes
    }
  }
}

template <class S>
asio::awaitable<void> ServerSession<S>::WriteLoop() {
  std::string out;
  bool all_said = false;
  while (!closed_) {
    out.clear();
    connection_->TakeOutput(out, kWriteChunk);
    if (out.empty()) {
      if (!connection_->WantsRead() && !connection_->WantsWrite()) {
        all_said = true;
        break;
      }
      writer_waiting_ = true;
      write_wake_.expires_at(TimePoint::max());
      co_await write_wake_.async_wait(as_tuple(use_awaitable));  // woken by cancel()
      writer_waiting_ = false;
      continue;
    }
    // Always asynchronous (no net::WriteNow here): while the write's completion waits for its
    // turn, other streams' responses gather, and the next write takes them all at once.
    write_started_ = clock_.Now();
    RearmTimer();
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out), as_tuple(use_awaitable));
    write_started_.reset();
    if (ec) break;
  }
  Close(all_said);
}

template <class S>
void ServerSession<S>::OnOutputReady() {
  if (writer_waiting_) write_wake_.cancel();
}

template <class S>
void ServerSession<S>::OnRequest(std::shared_ptr<Stream> stream) {
  // Called from inside nghttp2's receive: start the handler only after Receive returned.
  ++handlers_running_;
  asio::co_spawn(
      stream_.get_executor(),
      [self = this->shared_from_this(), stream = std::move(stream)]() mutable {
        return self->RunStream(std::move(stream));
      },
      asio::detached);
}

template <class S>
asio::awaitable<void> ServerSession<S>::RunStream(std::shared_ptr<Stream> stream) {
  auto self = this->shared_from_this();
  // A stream reset before its handler got to run (the rapid-reset pattern) costs nothing more.
  if (!stream->closed()) {
    if (auto status = stream->rejection()) {
      co_await Reject(*stream, *status);
    } else {
      co_await context_.handler->Handle(*stream);
    }
    if (!stream->response_finished() && !stream->closed()) {
      if (!stream->response_started()) {
        http::LocalReply reply{http::Status::internal_server_error, "internal_error",
                               "internal error"};
        co_await http::SendLocalReply(*stream, std::move(reply));
      } else {
        stream->Reset(NGHTTP2_INTERNAL_ERROR);  // a truncated response must not look complete
      }
    }
  }
  --handlers_running_;
  last_activity_ = clock_.Now();
  RearmTimer();
}

template <class S>
asio::awaitable<void> ServerSession<S>::Reject(Stream& stream, http::Status status) {
  const std::string reason = "header_too_large";
  std::string text = std::string(obsolete_reason(status)) + ": request header list too large";
  const auto body_bytes = text.size() + 1;  // SendLocalReply adds a newline
  if (context_.protocol_errors) {
    context_.protocol_errors->Record(info_.worker, static_cast<int>(status), 0);
  }
  http::LocalReply reply{status, reason, std::move(text)};
  co_await http::SendLocalReply(stream, std::move(reply));
  if (context_.access_log) {
    context_.access_log->WriteSessionReply(info_.peer_address, info_.listener,
                                           http::ProtocolName(info_.protocol), info_.tls,
                                           static_cast<int>(status), reason, body_bytes);
  }
}

template <class S>
typename ServerSession<S>::TimePoint ServerSession<S>::NextDeadline() const {
  const auto& opt = context_.options;
  TimePoint next = TimePoint::max();
  if (connection_->open_streams() == 0 && handlers_running_ == 0) {
    next = std::min(next, last_activity_ + opt.idle_timeout);
  }
  if (auto started = connection_->header_block_started()) {
    next = std::min(next, *started + opt.header_timeout);
  }
  if (write_started_) next = std::min(next, *write_started_ + opt.send_timeout);
  if (connection_->awaiting_shutdown_ack()) {
    next = std::min(next, drain_started_ + kShutdownAckWait);
  }
  return next;
}

template <class S>
void ServerSession<S>::RearmTimer() {
  // Later deadlines are noticed when the timer fires early; only earlier ones need a wakeup.
  if (!closed_ && NextDeadline() < armed_) deadline_.cancel();
}

template <class S>
asio::awaitable<void> ServerSession<S>::TimerLoop() {
  while (!closed_) {
    armed_ = NextDeadline();
    deadline_.expires_at(armed_);
    co_await deadline_.async_wait(as_tuple(use_awaitable));  // expired, or re-armed earlier
    if (closed_) break;
    CheckDeadlines();
  }
}

template <class S>
void ServerSession<S>::CheckDeadlines() {
  const auto& opt = context_.options;
  const auto now = clock_.Now();
  if (write_started_ && now >= *write_started_ + opt.send_timeout) {
    // The client stopped reading: a GOAWAY could not get through either.
    if (context_.metrics) context_.metrics->GoawaySent(GoawayReason::kTimeout);
    connection_->Abort();
    Close();
    return;
  }
  if (connection_->awaiting_shutdown_ack() && now >= drain_started_ + kShutdownAckWait) {
    connection_->FinishShutdown();
  }
  if (connection_->WantsRead()) {
    if (auto started = connection_->header_block_started();
        started && now >= *started + opt.header_timeout) {
      connection_->Terminate(GoawayReason::kTimeout, NGHTTP2_PROTOCOL_ERROR);
    } else if (connection_->open_streams() == 0 && handlers_running_ == 0 &&
               now >= last_activity_ + opt.idle_timeout) {
      connection_->Terminate(GoawayReason::kIdleTimeout, NGHTTP2_NO_ERROR);
    }
  }
}

template <class S>
void ServerSession<S>::Close(bool graceful) {
  if (closed_) return;
  closed_ = true;
  connection_->Abort();  // handlers still running see their client gone
  deadline_.cancel();
  write_wake_.cancel();
  if constexpr (std::is_same_v<S, net::TlsStream>) {
    if (graceful) {
      // End the read loop's pending read first: the shutdown's own wait for the client's
      // close_notify would queue behind it (the TLS stream runs one transport read at a time)
      // and then outlive the shutdown deadline, which cancels only reads already started.
      boost::system::error_code ignored;
      tcp().cancel(ignored);
      asio::co_spawn(
          stream_.get_executor(),
          [self = this->shared_from_this()] { return self->SendCloseNotifyThenClose(); },
          asio::detached);
      return;
    }
  }
  (void)graceful;
  CloseSocket();
}

template <class S>
asio::awaitable<void> ServerSession<S>::SendCloseNotifyThenClose() {
  if constexpr (std::is_same_v<S, net::TlsStream>) {
    // close_notify tells the client nothing was truncated (RFC 8446 §6.1).
    // Named: GCC 12 mishandles temporaries in co_await argument lists.
    const auto deadline = std::chrono::steady_clock::now() + kTlsShutdownTimeout;
    co_await net::TlsShutdown(stream_, deadline);
  }
  CloseSocket();
  co_return;  // a coroutine for tcp::socket too, where nothing above awaits
}

template <class S>
void ServerSession<S>::CloseSocket() {
  boost::system::error_code ignored;
  // Half-close first so the client reads our GOAWAY rather than a reset.
  tcp().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  tcp().close(ignored);
  tracker_.Remove(this);
  if (context_.connections) context_.connections->Decrement();
}

template class ServerSession<asio::ip::tcp::socket>;
template class ServerSession<net::TlsStream>;

}  // namespace sluice::http2
