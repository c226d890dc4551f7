#pragma once
// The capacity stub's HTTP/1.1 listener: every request, whatever its method and target, takes a
// worker slot (waiting in FIFO order when all are busy), holds it for one service time, gives it
// back and is answered 200. Capacity is therefore exactly slots / mean service time.
// The exception is the control path /control (no slot, answered at once):
//   POST /control?factor=3            every later request's service time is 3x the configured one
//   POST /control?service=150ms       the same, as a service time
//   POST /control?schedule=10s:x3,25s:x1   a schedule (service_schedule.h) armed now, replacing
//                                          any armed before
//   GET  /control                     the current factor
//
// Owned by one io_context thread: the sessions, the slot pool and the counters live on it. The
// slot pool is the caller's and must outlive the io_context: a request frame destroyed with the
// io_context gives its slot back into it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "capacity_stub/service_schedule.h"
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
  void Stop() {
    ++schedule_generation_;
    acceptor_.close();
  }
  // Applies each step at its offset from now; a later call replaces the steps still pending.
  void ArmSchedule(std::vector<ServiceStep> steps);

  [[nodiscard]] const StubStats& stats() const { return stats_; }

 private:
  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> Session(boost::asio::ip::tcp::socket socket);
  // Slot wait + service time for one request.
  boost::asio::awaitable<void> Serve();
  boost::asio::awaitable<void> RunSchedule(std::vector<ServiceStep> steps,
                                           std::uint64_t generation);
  // Handles /control?...; returns the status and the body of the reply.
  std::pair<unsigned, std::string> Control(std::string_view method, std::string_view query);
  void SetFactor(double factor, std::string_view why);

  boost::asio::ip::tcp::acceptor acceptor_;
  SlotPool& slots_;
  ServiceTime service_time_;
  StubStats stats_;
  std::uint64_t schedule_generation_ = 0;  // bumped to cancel the pending steps
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace sluice::loadtest
