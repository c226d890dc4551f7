#pragma once
// A ServerExchange with no socket behind it: a request head and connection info set by the
// benchmark, no body, and a response that goes nowhere. Enough for proxy::AdmissionStep, which
// reads only the request headers and the peer address.
//
// Thread-safety: owned by one benchmark thread.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <utility>

#include "http/server_exchange.h"

namespace sluice::bench {

class InMemoryExchange final : public http::ServerExchange {
 public:
  http::RequestHeader& request() override { return request_; }
  const http::ConnectionInfo& connection() const override { return connection_; }
  http::ConnectionInfo& mutable_connection() { return connection_; }
  http::BodyLength request_body_length() const override { return {0}; }
  std::chrono::steady_clock::time_point received_at() const override { return received_at_; }

  boost::asio::awaitable<http::ReadResult> ReadBody(boost::asio::mutable_buffer) override {
    co_return http::ReadResult{};
  }
  void SetBodyLimit(uint64_t) override {}
  using http::ServerExchange::WriteHead;
  boost::asio::awaitable<http::error_code> WriteHead(http::ResponseHeader, http::BodyLength,
                                                     std::span<const http::FieldLine>) override {
    response_started_ = true;
    co_return http::error_code{};
  }
  boost::asio::awaitable<http::error_code> WriteBody(boost::asio::const_buffer, bool) override {
    co_return http::error_code{};
  }
  void CloseAfterResponse() override {}
  bool response_started() const override { return response_started_; }

 private:
  http::RequestHeader request_;
  http::ConnectionInfo connection_;
  std::chrono::steady_clock::time_point received_at_ = std::chrono::steady_clock::now();
  bool response_started_ = false;
};

}  // namespace sluice::bench
