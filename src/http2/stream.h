#pragma once
// One HTTP/2 stream as an http::ServerExchange: the request from the HPACK fields, its body
// from DATA frames, and the response into a bounded buffer that nghttp2's data provider drains
// as fast as the client's flow-control window allows.
//
// Backpressure both ways: the request window is reopened (nghttp2_session_consume) only for the
// bytes ReadBody hands to the handler, and WriteBody waits while the stream's buffer (or the
// connection's sum) is at its bound, so a client that stops reading pins at most
// max_stream_buffer per stream and max_connection_buffer per connection.
//
// Waiting: a steady_timer serves as both the condition variable (cancel() wakes the waiter) and
// the deadline (it expires at the deadline). It is made on the first wait only: most streams
// never wait, and making and destroying timers took locks in Asio on every stream.
//
// Lifetime: shared by the Connection (while nghttp2 knows the stream) and the handler's
// coroutine. Once closed (reset, finished, or the connection gone) it never touches nghttp2.
//
// Thread-safety: owned by one connection; every call on the connection's executor.
#include <nghttp2/nghttp2.h>
#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "http/server_exchange.h"
#include "http2/session_options.h"

namespace sluice::http2 {

class Connection;

class Stream final : public http::ServerExchange, public std::enable_shared_from_this<Stream> {
 public:
  Stream(Connection& connection, int32_t id, boost::asio::any_io_executor executor);
  ~Stream() override;

  [[nodiscard]] int32_t id() const { return id_; }
  // Reset by the client, ended, or the connection gone.
  [[nodiscard]] bool closed() const { return closed_; }
  // Set when the request must get a local reply instead of the handler (e.g. 431).
  [[nodiscard]] std::optional<http::Status> rejection() const { return rejection_; }
  [[nodiscard]] bool response_finished() const { return response_finished_; }
  // Abandons the stream (RST_STREAM with `error_code`), e.g. a handler that died mid-response.
  void Reset(uint32_t error_code);

  // http::ServerExchange
  http::RequestHeader& request() override { return request_; }
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
  // HTTP/2 multiplexes: one stream's trouble never makes the connection unusable.
  void CloseAfterResponse() override {}
  bool response_started() const override { return response_started_; }
  void WatchForClientGone(std::function<void()> on_gone) override;
  void StopWatchingForClientGone() override { on_gone_ = nullptr; }

 private:
  friend class Connection;

  // Called by Connection from nghttp2 callbacks.
  void OnHeader(std::string_view name, std::string_view value);
  void OnHeadersComplete(bool end_stream);
  void OnData(const uint8_t* data, std::size_t size);
  void OnEndStream();
  void OnResponseEndSent();
  void OnClosed(uint32_t error_code);
  void Detach();  // the connection is being destroyed
  // The data provider: copies buffered response bytes, or defers when none are there yet.
  ssize_t ReadResponse(uint8_t* buf, std::size_t length, uint32_t* data_flags);
  void WakeWaiter();

  [[nodiscard]] std::size_t buffered() const { return out_.size() - out_offset_; }
  [[nodiscard]] std::size_t Room() const;
  // Waits on `timer` until woken or `deadline`; true if the deadline passed.
  boost::asio::awaitable<bool> Wait(std::optional<boost::asio::steady_timer>& timer,
                                    bool& waiting, std::chrono::steady_clock::time_point deadline);
  int SubmitResponse(bool with_body);
  void Resume();

  Connection* connection_;  // null once detached
  const int32_t id_;
  // Outlive the connection (they belong to the session's context), so usable after Detach.
  const SessionOptions& options_;
  const http::ConnectionInfo& info_;
  const core::Clock& clock_;
  boost::asio::any_io_executor executor_;
  // One timer per direction: a handler may read the body while it writes the response, and
  // two waiters on one timer would cancel each other.
  std::optional<boost::asio::steady_timer> read_wake_;
  std::optional<boost::asio::steady_timer> write_wake_;
  bool read_waiting_ = false;
  bool write_waiting_ = false;

  // Request.
  http::RequestHeader request_;
  std::string authority_;
  std::string cookies_;  // RFC 9113 §8.2.3: split cookie fields are joined for HTTP/1.1
  std::size_t header_bytes_ = 0;
  std::optional<http::Status> rejection_;
  std::optional<uint64_t> content_length_;
  std::chrono::steady_clock::time_point received_at_{};
  std::string body_;  // received, not yet read by the handler (bounded by the stream window)
  std::size_t body_offset_ = 0;
  uint64_t body_received_ = 0;
  uint64_t body_limit_ = UINT64_MAX;
  bool headers_done_ = false;
  bool body_done_ = false;
  std::optional<std::chrono::steady_clock::time_point> body_deadline_;

  // Response.
  std::optional<http::ResponseHeader> head_;
  std::span<const http::FieldLine> added_;  // owned by the handler, valid until the response ends
  http::BodyLength response_length_;
  std::string out_;  // response body bytes waiting for the client's window
  std::size_t out_offset_ = 0;
  bool bodyless_ = false;  // HEAD, 1xx, 204, 304
  bool submitted_ = false;
  bool response_started_ = false;
  bool response_finished_ = false;  // the handler wrote `last`
  bool eof_ = false;                // the provider may signal END_STREAM once out_ is empty
  bool deferred_ = false;           // the provider returned NGHTTP2_ERR_DEFERRED

  std::function<void()> on_gone_;
  bool closed_ = false;
  uint32_t close_error_ = 0;
};

}  // namespace sluice::http2
