#pragma once
// Everything a request needs from the configuration, resolved once per config generation:
// the router, and per route its cluster and pre-looked-up metric handles (no map lookups on the
// request path). A request captures the snapshot once and keeps it to the end (DESIGN §3).
//
// Thread-safety: immutable once published; shared by all workers through shared_ptr<const>.
#include <cstdint>
#include <memory>
#include <vector>

#include "config/schema/config.h"
#include "observability/gateway_metrics.h"
#include "proxy/router.h"
#include "upstream/cluster.h"

namespace sluice::proxy {

struct RouteRuntime {
  const config::RouteConfig* config = nullptr;
  upstream::Cluster* cluster = nullptr;  // owned by the cluster registry, outlives snapshots
  observability::ClusterStats* cluster_stats = nullptr;
  std::vector<observability::RouteStats*> stats;  // index = listener index
};

struct RuntimeSnapshot {
  uint64_t generation = 0;
  std::shared_ptr<const config::Config> config;
  Router router;
  std::vector<RouteRuntime> routes;                  // index = route index in config
  std::vector<observability::RouteStats*> no_route;  // index = listener index
};

}  // namespace sluice::proxy
