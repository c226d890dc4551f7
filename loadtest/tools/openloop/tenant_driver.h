#pragma once
// Drives one tenant open-loop: each arrival is sent at its scheduled time on an idle keep-alive
// connection, or on a new one while fewer than the tenant's cap are open, whatever is still
// outstanding. An arrival that finds the cap reached is not sent and counts as an error. Latency
// runs from the scheduled time, so a slow answer or a late send is charged to the target (no
// coordinated omission).
//
// Owned by one io_context thread (the generator runs single-threaded).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "openloop/arrival_schedule.h"
#include "openloop/http_exchange.h"
#include "openloop/per_second.h"
#include "openloop/tenant_spec.h"
#include "openloop/tenant_stats.h"

namespace sluice::loadtest {

using Clock = std::chrono::steady_clock;

// When the run starts and ends, and from when arrivals are counted.
struct RunWindow {
  Clock::time_point start;
  Clock::time_point measure_from;  // start + warm-up
  Clock::time_point end;
};

class TenantDriver {
 public:
  TenantDriver(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint target,
               const std::string& host, const std::string& path, TenantSpec spec,
               ArrivalSchedule schedule, RunWindow window, std::chrono::nanoseconds timeout);
  TenantDriver(const TenantDriver&) = delete;
  TenantDriver& operator=(const TenantDriver&) = delete;

  // Schedules arrivals until the window ends; exchanges may still be in flight when it returns.
  [[nodiscard]] boost::asio::awaitable<void> Run();

  [[nodiscard]] std::size_t in_flight() const { return open_ - idle_.size(); }
  // Closes the idle connections (call once nothing is in flight).
  void CloseIdle() { idle_.clear(); }

  [[nodiscard]] const TenantSpec& spec() const { return spec_; }
  // Seconds during which this tenant's arrivals were counted.
  [[nodiscard]] double measured_seconds() const;
  [[nodiscard]] TenantStats& stats() { return stats_; }
  // Also records every arrival, warm-up included, second by second (shared by the tenants; must
  // outlive the run).
  void set_per_second(PerSecondStats* per_second) { per_second_ = per_second; }

 private:
  void Dispatch(Clock::time_point scheduled);
  boost::asio::awaitable<void> Send(std::unique_ptr<Connection> connection,
                                    Clock::time_point scheduled, bool counted);

  boost::asio::any_io_executor executor_;
  boost::asio::ip::tcp::endpoint target_;
  std::string request_;  // serialized once; every arrival sends the same bytes
  TenantSpec spec_;
  ArrivalSchedule schedule_;
  RunWindow window_;
  std::chrono::nanoseconds timeout_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;  // idle + in use
  TenantStats stats_;
  PerSecondStats* per_second_ = nullptr;
};

}  // namespace sluice::loadtest
