#include "http2/stream.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <cstring>

#include "http/field_scan.h"
#include "http2/connection.h"
#include "http2/response_fields.h"

namespace sluice::http2 {

namespace asio = boost::asio;
using SteadyTime = std::chrono::steady_clock::time_point;

Stream::Stream(Connection& connection, int32_t id, asio::any_io_executor executor)
    : connection_(&connection),
      id_(id),
      options_(connection.options()),
      info_(connection.info()),
      clock_(connection.clock()),
      executor_(std::move(executor)) {
  request_.version(11);  // HTTP/1.1 semantics; the protocol is in connection().protocol
}

Stream::~Stream() = default;

// ---- request ---------------------------------------------------------------------------------

void Stream::OnHeader(std::string_view name, std::string_view value) {
  // RFC 9113 §6.5.2 / RFC 7541 §4.1 size: name + value + 32 per field.
  header_bytes_ += name.size() + value.size() + 32;
  if (header_bytes_ > options_.max_header_list_bytes) {
    rejection_ = http::Status::request_header_fields_too_large;
  }
  if (rejection_ && name != ":method") return;  // keep the method (HEAD gets no body)
  if (!name.empty() && name[0] == ':') {
    if (name == ":method") {
      request_.method_string(value);
    } else if (name == ":path") {
      request_.target(value);
    } else if (name == ":authority") {
      authority_ = value;
    }
    return;  // :scheme and :protocol carry nothing HTTP/1.1 upstreams need
  }
  if (name == "cookie") {
    if (!cookies_.empty()) cookies_ += "; ";
    cookies_ += value;
    return;
  }
  if (name == "content-length") {
    uint64_t n = 0;
    const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec == std::errc{} && p == value.data() + value.size()) content_length_ = n;
  }
  request_.insert(name, value);
}

void Stream::OnHeadersComplete(bool end_stream) {
  headers_done_ = true;
  // RFC 9113 §8.3.1: :authority is the target's authority; an HTTP/1.1 hop needs it as Host.
  if (!authority_.empty()) {
    http::EraseField(request_, {http::Field::host});
    request_.insert(http::Field::host, authority_);
  }
  if (!cookies_.empty()) request_.insert(http::Field::cookie, cookies_);
  received_at_ = clock_.Now();
  if (end_stream) body_done_ = true;
}

http::BodyLength Stream::request_body_length() const {
  if (body_done_ && body_received_ == 0) return {0};
  if (content_length_) return {*content_length_};
  return {};
}

void Stream::OnData(const uint8_t* data, std::size_t size) {
  if (closed_) return;
  if (body_offset_ > 0 && body_offset_ == body_.size()) {
    body_.clear();
    body_offset_ = 0;
  }
  body_.append(reinterpret_cast<const char*>(data), size);
  body_received_ += size;
  WakeWaiter();
}

void Stream::OnEndStream() {
  body_done_ = true;
  WakeWaiter();
}

asio::awaitable<http::ReadResult> Stream::ReadBody(asio::mutable_buffer buf) {
  using http::BodyError;
  if (content_length_ && *content_length_ > body_limit_)
    co_return http::ReadResult{BodyError::kTooLarge};
  if (!body_deadline_) {
    body_deadline_ = std::chrono::steady_clock::now() + options_.body_timeout;
  }
  for (;;) {
    if (body_received_ > body_limit_) co_return http::ReadResult{BodyError::kTooLarge};
    const std::size_t available = body_.size() - body_offset_;
    if (available > 0 && buf.size() > 0) {
      const std::size_t n = std::min(available, buf.size());
      std::memcpy(buf.data(), body_.data() + body_offset_, n);
      body_offset_ += n;
      if (!closed_) {
        // Only now may the client send more: the window reopens as the handler reads.
        nghttp2_session_consume(connection_->session(), id_, n);
        connection_->NotifyOutput();
      }
      co_return http::ReadResult{BodyError::kNone, n};
    }
    if (body_done_ || buf.size() == 0) co_return http::ReadResult{};
    if (closed_) co_return http::ReadResult{BodyError::kClientGone};
    const bool expired = co_await Wait(read_wake_, read_waiting_, *body_deadline_);
    if (expired && !closed_ && body_.size() == body_offset_ && !body_done_) {
      // No reset here: the handler answers (408, as over HTTP/1.1), and once that response has
      // ended OnResponseEndSent stops the unfinished upload with RST_STREAM NO_ERROR.
      co_return http::ReadResult{BodyError::kTimeout};
    }
  }
}

// ---- response --------------------------------------------------------------------------------

asio::awaitable<http::error_code> Stream::WriteHead(http::ResponseHeader head,
                                                    http::BodyLength length,
                                                    std::span<const http::FieldLine> added) {
  if (closed_) co_return asio::error::connection_reset;
  if (submitted_) co_return asio::error::already_started;
  const int status = head.result_int();
  bodyless_ = request_.method() == http::Verb::head || status == 204 || status == 304 ||
              (status >= 100 && status < 200);
  head_ = std::move(head);
  added_ = added;
  response_length_ = length;
  co_return http::error_code{};
}

int Stream::SubmitResponse(bool with_body) {
  ResponseFields fields(*head_, added_, response_length_, bodyless_);
  submitted_ = true;
  response_started_ = true;
  nghttp2_data_provider provider{};
  provider.source.ptr = this;
  provider.read_callback = [](nghttp2_session*, int32_t, uint8_t* buf, std::size_t length,
                              uint32_t* data_flags, nghttp2_data_source* source, void*) -> ssize_t {
    return static_cast<Stream*>(source->ptr)->ReadResponse(buf, length, data_flags);
  };
  return nghttp2_submit_response(connection_->session(), id_, fields.data(), fields.size(),
                                 with_body ? &provider : nullptr);
}

asio::awaitable<http::error_code> Stream::WriteBody(asio::const_buffer data, bool last) {
  if (closed_) co_return asio::error::connection_reset;
  if (response_finished_) co_return http::error_code{};
  if (!head_) co_return asio::error::invalid_argument;
  if (bodyless_) data = {};
  auto* p = static_cast<const char*>(data.data());
  std::size_t remaining = data.size();
  if (!submitted_) {
    const bool headers_only = last && remaining == 0;
    if (SubmitResponse(!headers_only) != 0) co_return asio::error::connection_reset;
    if (headers_only) response_finished_ = true;
    connection_->NotifyOutput();
    if (headers_only) co_return http::error_code{};
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.send_timeout;
  while (remaining > 0) {
    const std::size_t room = Room();
    if (room == 0) {
      // The client's window is closed and our buffer full: wait for it to read.
      const bool expired = co_await Wait(write_wake_, write_waiting_, deadline);
      if (closed_) co_return asio::error::connection_reset;
      if (expired && Room() == 0) {
        Reset(NGHTTP2_CANCEL);
        co_return asio::error::timed_out;
      }
      continue;
    }
    const std::size_t n = std::min(room, remaining);
    if (out_offset_ > 0 && out_offset_ == out_.size()) {
      out_.clear();
      out_offset_ = 0;
    }
    out_.append(p, n);
    connection_->AddBuffered(n);
    p += n;
    remaining -= n;
    Resume();
  }
  if (last) {
    response_finished_ = true;
    eof_ = true;
    Resume();
  }
  co_return http::error_code{};
}

std::size_t Stream::Room() const {
  const auto& opt = options_;
  const std::size_t stream_room =
      buffered() >= opt.max_stream_buffer ? 0 : opt.max_stream_buffer - buffered();
  return std::min(stream_room, connection_->connection_room());
}

void Stream::Resume() {
  if (closed_) return;
  if (deferred_) {
    deferred_ = false;
    nghttp2_session_resume_data(connection_->session(), id_);
  }
  connection_->NotifyOutput();
}

ssize_t Stream::ReadResponse(uint8_t* buf, std::size_t length, uint32_t* data_flags) {
  const std::size_t n = std::min(length, buffered());
  if (n > 0) {
    std::memcpy(buf, out_.data() + out_offset_, n);
    out_offset_ += n;
    connection_->DrainBuffered(n);
    WakeWaiter();
  }
  if (buffered() == 0) {
    if (eof_) {
      *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    } else if (n == 0) {
      deferred_ = true;
      return NGHTTP2_ERR_DEFERRED;
    }
  }
  return static_cast<ssize_t>(n);
}

void Stream::OnResponseEndSent() {
  // RFC 9113 §8.1: a server that answered before the request body ended may reset the stream
  // with NO_ERROR so the client stops sending it.
  if (!body_done_)
    nghttp2_submit_rst_stream(connection_->session(), NGHTTP2_FLAG_NONE, id_, NGHTTP2_NO_ERROR);
}

void Stream::Reset(uint32_t error_code) {
  if (closed_) return;
  nghttp2_submit_rst_stream(connection_->session(), NGHTTP2_FLAG_NONE, id_, error_code);
  connection_->NotifyOutput();
}

// ---- lifetime --------------------------------------------------------------------------------

void Stream::WatchForClientGone(std::function<void()> on_gone) {
  on_gone_ = std::move(on_gone);
  if (closed_ && !response_finished_) {
    asio::post(executor_, std::exchange(on_gone_, nullptr));
  }
}

void Stream::OnClosed(uint32_t error_code) {
  if (closed_) return;
  closed_ = true;
  close_error_ = error_code;
  // Unread request bytes still count against the connection window: give them back.
  const std::size_t unread = body_.size() - body_offset_;
  if (unread > 0) nghttp2_session_consume_connection(connection_->session(), unread);
  body_offset_ = body_.size();
  connection_->DrainBuffered(buffered());
  out_.clear();
  out_offset_ = 0;
  WakeWaiter();
  if (on_gone_ && !response_finished_) {
    asio::post(executor_, std::exchange(on_gone_, nullptr));
  }
}

void Stream::Detach() {
  closed_ = true;
  body_offset_ = body_.size();
  out_.clear();
  out_offset_ = 0;
  WakeWaiter();
  if (on_gone_ && !response_finished_) {
    asio::post(executor_, std::exchange(on_gone_, nullptr));
  }
  connection_ = nullptr;
}

void Stream::WakeWaiter() {
  if (read_waiting_) read_wake_->cancel();
  if (write_waiting_) write_wake_->cancel();
}

// Deadlines are on the real steady clock because the asio timer is (as in http1); the injected
// core::Clock only stamps received_at.
asio::awaitable<bool> Stream::Wait(std::optional<asio::steady_timer>& timer, bool& waiting,
                                   SteadyTime deadline) {
  // Keep the stream alive across the suspension even if the connection drops it meanwhile.
  auto self = shared_from_this();
  if (!timer) timer.emplace(executor_);
  timer->expires_at(deadline);
  waiting = true;
  auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  waiting = false;
  co_return !ec && std::chrono::steady_clock::now() >= deadline;
}

}  // namespace sluice::http2
