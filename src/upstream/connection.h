#pragma once
// One keep-alive connection to an upstream endpoint, owned by one worker.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstddef>
#include <memory>

#include "net/socket_deadline.h"

namespace sluice::upstream {

struct Connection {
  Connection(boost::asio::any_io_executor ex, std::size_t endpoint_index)
      : socket(ex), deadline(net::SocketDeadline::Create(socket)), endpoint(endpoint_index) {}
  ~Connection() { deadline->Detach(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  boost::asio::ip::tcp::socket socket;
  std::shared_ptr<net::SocketDeadline> deadline;  // connect and response timeouts
  boost::beast::flat_buffer buffer{64 * 1024};    // bounds a response head plus read-ahead
  std::size_t endpoint;
  std::chrono::steady_clock::time_point idle_since;
  bool reused = false;  // served a request before: a failure may just mean it went stale
};

}  // namespace sluice::upstream
