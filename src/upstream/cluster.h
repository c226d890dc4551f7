#pragma once
// A named group of endpoints with one connection pool per worker (DESIGN §6). Endpoints are
// resolved once at build time (control path), so the request path never waits on DNS.
//
// Thread-safety: immutable after construction except the per-worker pools, each of which is
// used only by its own worker (index = ConnectionInfo::worker).
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/schema/config.h"
#include "core/error.h"
#include "upstream/worker_pool.h"

namespace sluice::upstream {

class Cluster {
 public:
  // Resolves every endpoint; throws std::runtime_error naming the endpoint on failure.
  Cluster(const config::ClusterConfig& cfg, const std::vector<boost::asio::any_io_executor>& workers);

  [[nodiscard]] const std::string& name() const { return cfg_.name; }
  [[nodiscard]] const config::ClusterConfig& config() const { return cfg_; }
  [[nodiscard]] WorkerPool& pool(std::size_t worker) { return *pools_[worker]; }
  [[nodiscard]] std::size_t worker_count() const { return pools_.size(); }
  [[nodiscard]] std::string EndpointName(std::size_t index) const {
    return cfg_.endpoints[index].address.ToString();
  }

 private:
  config::ClusterConfig cfg_;
  std::vector<std::unique_ptr<WorkerPool>> pools_;
};

}  // namespace sluice::upstream
