#pragma once
// One HTTP/1.1 request and its response on a client connection of the open-loop generator.
//
// A Connection is used by one exchange at a time (HTTP/1.1 without pipelining); all of it lives on
// the generator's single io_context thread.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <string>
#include <string_view>

namespace sluice::loadtest {

struct Connection {
  explicit Connection(const boost::asio::any_io_executor& executor) : stream(executor) {}
  boost::beast::tcp_stream stream;
  boost::beast::flat_buffer buffer;
  bool connected = false;
};

struct ExchangeResult {
  unsigned status = 0;             // 0: no complete response, see error
  bool keep_alive = false;         // the connection may carry the next request
  boost::beast::error_code error;  // connect, I/O or beast::error::timeout
  std::string body;                // the response body (small: the stub says "ok")
};

// Connects first if needed, writes `request` (a complete serialized request without a body) and
// reads the whole response, all within `timeout`. A reused keep-alive connection that turns out
// to be closed before any response byte arrives is replaced once by a new one, as HTTP clients do
// for idempotent requests (RFC 9112 §9.3.1).
[[nodiscard]] boost::asio::awaitable<ExchangeResult> Exchange(
    Connection& connection, const boost::asio::ip::tcp::endpoint& target, std::string_view request,
    std::chrono::nanoseconds timeout);

}  // namespace sluice::loadtest
