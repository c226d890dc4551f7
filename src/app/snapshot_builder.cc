#include "app/snapshot_builder.h"

namespace sluice::app {

std::shared_ptr<const proxy::RuntimeSnapshot> BuildSnapshot(
    std::shared_ptr<const config::Config> config, uint64_t generation, ClusterRegistry& clusters,
    observability::GatewayMetrics& metrics) {
  auto snap = std::make_shared<proxy::RuntimeSnapshot>(proxy::RuntimeSnapshot{
      generation, config, proxy::Router(config->routes), {}, {}});
  for (const auto& listener : config->listeners) {
    snap->no_route.push_back(&metrics.Route(listener.name, ""));
  }
  for (const auto& route : config->routes) {
    proxy::RouteRuntime rt;
    rt.config = &route;
    rt.cluster = clusters.at(route.cluster).get();
    rt.cluster_stats = &metrics.Cluster(route.cluster);
    for (const auto& listener : config->listeners) {
      rt.stats.push_back(&metrics.Route(listener.name, route.name));
    }
    snap->routes.push_back(std::move(rt));
  }
  return snap;
}

}  // namespace sluice::app
