#pragma once
// One keep-alive connection to an upstream endpoint, owned by one worker.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstddef>

namespace sluice::upstream {

struct Connection {
  explicit Connection(boost::asio::any_io_executor ex, std::size_t endpoint_index)
      : stream(ex), endpoint(endpoint_index) {}

  boost::beast::tcp_stream stream;
  boost::beast::flat_buffer buffer{64 * 1024};  // bounds a response head plus read-ahead
  std::size_t endpoint;
  std::chrono::steady_clock::time_point idle_since;
  bool reused = false;  // served a request before: a failure may just mean it went stale
};

}  // namespace sluice::upstream
