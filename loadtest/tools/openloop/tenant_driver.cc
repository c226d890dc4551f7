#include "openloop/tenant_driver.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

namespace sluice::loadtest {
namespace {

namespace asio = boost::asio;

std::string SerializeRequest(const std::string& host, const std::string& path,
                             const TenantSpec& spec) {
  std::string out = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n";
  for (const auto& [name, value] : spec.headers) out += name + ": " + value + "\r\n";
  out += "\r\n";
  return out;
}

}  // namespace

TenantDriver::TenantDriver(asio::any_io_executor executor, asio::ip::tcp::endpoint target,
                           const std::string& host, const std::string& path, TenantSpec spec,
                           ArrivalSchedule schedule, RunWindow window,
                           std::chrono::nanoseconds timeout)
    : executor_(std::move(executor)),
      target_(target),
      request_(SerializeRequest(host, path, spec)),
      spec_(std::move(spec)),
      schedule_(schedule),
      window_(window),
      timeout_(timeout) {}

double TenantDriver::measured_seconds() const {
  const auto from = std::max(window_.measure_from, window_.start + spec_.start);
  return std::max(0.0, std::chrono::duration<double>(window_.end - from).count());
}

asio::awaitable<void> TenantDriver::Run() {
  asio::steady_timer timer(executor_);
  // Absolute times: a late wake-up does not push later arrivals back.
  const auto first = window_.start + spec_.start;
  for (auto next = first; next < window_.end; next = first + schedule_.NextOffset()) {
    timer.expires_at(next);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    Dispatch(next);
  }
}

void TenantDriver::Dispatch(Clock::time_point scheduled) {
  const bool counted = scheduled >= window_.measure_from;
  if (counted) ++stats_.scheduled;
  if (per_second_ != nullptr) per_second_->Offered(scheduled - window_.start);
  std::unique_ptr<Connection> connection;
  if (!idle_.empty()) {
    connection = std::move(idle_.back());  // most recently used: its socket is warm
    idle_.pop_back();
  } else if (open_ < spec_.max_connections) {
    connection = std::make_unique<Connection>(executor_);
    ++open_;
  } else {
    if (counted) ++stats_.unsent;
    if (per_second_ != nullptr) per_second_->Error(scheduled - window_.start, {});
    return;
  }
  if (counted) stats_.send_lag.push_back(Clock::now() - scheduled);
  asio::co_spawn(executor_, Send(std::move(connection), scheduled, counted), asio::detached);
}

asio::awaitable<void> TenantDriver::Send(std::unique_ptr<Connection> connection,
                                         Clock::time_point scheduled, bool counted) {
  const ExchangeResult result = co_await Exchange(*connection, target_, request_, timeout_);
  const auto latency = Clock::now() - scheduled;
  if (per_second_ != nullptr) {
    if (result.status == 0) {
      per_second_->Error(scheduled - window_.start, latency);
    } else {
      per_second_->Response(scheduled - window_.start, result.status, latency);
    }
  }
  if (counted) {
    if (result.status == 0) {
      ++stats_.failed;
      if (stats_.first_error.empty()) stats_.first_error = result.error.message();
    } else {
      stats_.RecordStatus(result.status, latency);
    }
  }
  if (result.status != 0 && result.keep_alive) {
    idle_.push_back(std::move(connection));
  } else {
    --open_;  // the unique_ptr closes the socket
  }
}

}  // namespace sluice::loadtest
