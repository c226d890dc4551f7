#pragma once
// One worker's connections to one cluster: per endpoint an idle list (LIFO, so the warmest
// connection is reused and surplus ones age out) and counters for the balancer and caps.
//
// Thread-safety: owned by one worker; never touched from another thread.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <vector>

#include "config/schema/config.h"
#include "upstream/connection.h"
#include "upstream/load_balancer.h"
#include "upstream/upstream_error.h"

namespace sluice::upstream {

class WorkerPool;

// An acquired connection; returns itself to the pool (or closes) when it goes out of scope.
class Lease {
 public:
  Lease() = default;
  Lease(WorkerPool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
  Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(std::move(o.conn_)), reusable_(o.reusable_) {}
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  ~Lease();

  [[nodiscard]] Connection& operator*() { return *conn_; }
  [[nodiscard]] Connection* operator->() { return conn_.get(); }
  [[nodiscard]] explicit operator bool() const { return conn_ != nullptr; }
  // Only a response framed exactly to its end leaves the connection fit for another request.
  void MarkReusable() { reusable_ = true; }

 private:
  WorkerPool* pool_ = nullptr;
  std::unique_ptr<Connection> conn_;
  bool reusable_ = false;
};

struct AcquireResult {
  UpstreamError error = UpstreamError::kNone;
  Lease lease;
};

class WorkerPool {
 public:
  WorkerPool(boost::asio::any_io_executor executor, const config::ClusterConfig& cfg,
             std::vector<boost::asio::ip::tcp::endpoint> addresses, uint64_t seed);

  // Picks an endpoint and returns an idle connection to it or a new one.
  // `fresh` forces a new connection (used to retry after a stale keep-alive connection).
  boost::asio::awaitable<AcquireResult> Acquire(bool fresh = false);

  [[nodiscard]] std::size_t idle_count() const;
  // Reload: takes over `previous`'s idle connections to every endpoint both pools have (same
  // address), so a cluster whose endpoints changed keeps its warm connections to the rest.
  // Both pools must belong to this worker; run on it.
  void AdoptIdle(WorkerPool& previous);
  // Closes every idle connection (shutdown, before the worker's io_context goes away).
  void CloseIdle();
  [[nodiscard]] uint32_t open_count(std::size_t endpoint) const { return endpoints_[endpoint].open; }

 private:
  friend class Lease;
  struct Endpoint {
    boost::asio::ip::tcp::endpoint address;
    std::vector<std::unique_ptr<Connection>> idle;  // back = most recently used
    uint32_t open = 0;
  };

  void Release(std::unique_ptr<Connection> conn, bool reusable);
  std::unique_ptr<Connection> TakeIdle(Endpoint& ep);

  boost::asio::any_io_executor executor_;
  const config::ClusterConfig cfg_;
  std::vector<Endpoint> endpoints_;
  std::vector<uint32_t> outstanding_;  // per endpoint, for the balancer
  LoadBalancer balancer_;
};

}  // namespace sluice::upstream
