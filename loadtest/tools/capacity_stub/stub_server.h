#pragma once
// The capacity stub's HTTP/1.1 listener: every request, whatever its method and target, takes a
// worker slot (waiting in FIFO order when all are busy), holds it for one service time, gives it
// back and is answered 200. Capacity is therefore exactly slots / mean service time.
//
// Owned by one io_context thread: the sessions, the slot pool and the counters live on it. The
// slot pool is the caller's and must outlive the io_context: a request frame destroyed with the
// io_context gives its slot back into it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>

#include "capacity_stub/service_time.h"
#include "capacity_stub/slot_pool.h"

namespace sluice::loadtest {

struct StubStats {
  std::uint64_t served = 0;
  std::chrono::nanoseconds total_wait{0};  // time spent waiting for a slot, summed
  std::chrono::nanoseconds max_wait{0};
};

class StubServer {
 public:
  // Binds and listens before returning; throws boost::system::system_error if it cannot.
  StubServer(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& listen,
             SlotPool& slots, ServiceTime service_time);
  StubServer(const StubServer&) = delete;
  StubServer& operator=(const StubServer&) = delete;

  [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const {
    return acceptor_.local_endpoint();
  }
  void Start();
  void Stop() { acceptor_.close(); }

  [[nodiscard]] const StubStats& stats() const { return stats_; }

 private:
  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> Session(boost::asio::ip::tcp::socket socket);
  // Slot wait + service time for one request.
  boost::asio::awaitable<void> Serve();

  boost::asio::ip::tcp::acceptor acceptor_;
  SlotPool& slots_;
  ServiceTime service_time_;
  StubStats stats_;
};

}  // namespace sluice::loadtest
