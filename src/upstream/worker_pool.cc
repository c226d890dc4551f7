#include "upstream/worker_pool.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice::upstream {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<uint32_t> Weights(const config::ClusterConfig& cfg) {
  std::vector<uint32_t> w;
  for (const auto& e : cfg.endpoints) w.push_back(e.weight);
  return w;
}

BalancePolicy Policy(config::LoadBalancing lb) {
  return lb == config::LoadBalancing::kRoundRobin ? BalancePolicy::kRoundRobin
                                                  : BalancePolicy::kPowerOfTwoChoices;
}

}  // namespace

Lease::~Lease() {
  if (conn_ && pool_) pool_->Release(std::move(conn_), reusable_);
}

WorkerPool::WorkerPool(asio::any_io_executor executor, const config::ClusterConfig& cfg,
                       std::vector<asio::ip::tcp::endpoint> addresses, uint64_t seed)
    : executor_(std::move(executor)),
      cfg_(cfg),
      outstanding_(addresses.size(), 0),
      balancer_(Policy(cfg.lb), Weights(cfg), seed) {
  for (auto& a : addresses) endpoints_.push_back(Endpoint{a, {}, 0});
}

std::size_t WorkerPool::idle_count() const {
  std::size_t n = 0;
  for (const auto& ep : endpoints_) n += ep.idle.size();
  return n;
}

void WorkerPool::CloseIdle() {
  for (auto& ep : endpoints_) {
    ep.open -= static_cast<uint32_t>(ep.idle.size());
    ep.idle.clear();
  }
}

void WorkerPool::AdoptIdle(WorkerPool& previous) {
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    Endpoint& ep = endpoints_[i];
    for (auto& old : previous.endpoints_) {
      if (old.address != ep.address) continue;
      for (auto& conn : old.idle) {
        if (ep.idle.size() >= cfg_.max_idle_per_endpoint) break;
        conn->endpoint = i;
        ep.idle.push_back(std::move(conn));
        ++ep.open;
        --old.open;
      }
      std::erase(old.idle, nullptr);
    }
  }
}

std::unique_ptr<Connection> WorkerPool::TakeIdle(Endpoint& ep) {
  const auto now = Clock::now();
  while (!ep.idle.empty()) {
    auto conn = std::move(ep.idle.back());
    ep.idle.pop_back();
    if (now - conn->idle_since < cfg_.idle_timeout) return conn;
    --ep.open;  // expired: dropping it closes the socket
  }
  return nullptr;
}

asio::awaitable<AcquireResult> WorkerPool::Acquire(bool fresh) {
  if (endpoints_.empty()) co_return AcquireResult{UpstreamError::kNoEndpoint};
  const std::size_t index = balancer_.Pick(outstanding_);
  auto& ep = endpoints_[index];
  if (!fresh) {
    if (auto conn = TakeIdle(ep)) {
      ++outstanding_[index];
      co_return AcquireResult{UpstreamError::kNone, Lease(this, std::move(conn))};
    }
  }
  if (ep.open >= cfg_.max_connections_per_endpoint) {
    co_return AcquireResult{UpstreamError::kPoolExhausted};
  }
  ++ep.open;
  ++outstanding_[index];
  // From here the lease owns the slot: any early return releases it as not reusable.
  Lease lease(this, std::make_unique<Connection>(executor_, index));
  lease->deadline->ArmAfter(cfg_.connect_timeout);
  auto [ec] = co_await lease->socket.async_connect(ep.address, asio::as_tuple(asio::use_awaitable));
  lease->deadline->Disarm();
  if (ec) {
    const auto error = lease->deadline->expired() ? UpstreamError::kConnectTimeout
                                                  : UpstreamError::kConnectFailed;
    co_return AcquireResult{error};
  }
  lease->socket.set_option(asio::ip::tcp::no_delay(true), ec);
  co_return AcquireResult{UpstreamError::kNone, std::move(lease)};
}

void WorkerPool::Release(std::unique_ptr<Connection> conn, bool reusable) {
  auto& ep = endpoints_[conn->endpoint];
  --outstanding_[conn->endpoint];
  if (!reusable || ep.idle.size() >= cfg_.max_idle_per_endpoint) {
    --ep.open;
    return;  // the socket closes with the object
  }
  conn->idle_since = Clock::now();
  conn->reused = true;
  ep.idle.push_back(std::move(conn));
}

}  // namespace sluice::upstream
