#include "app/snapshot_builder.h"

namespace sluice::app {

std::shared_ptr<const proxy::RuntimeSnapshot> BuildSnapshot(
    std::shared_ptr<const config::Config> config, uint64_t generation, ClusterRegistry& clusters,
    observability::GatewayMetrics& metrics, AdmissionRegistry& admission) {
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
    rt.admission = admission.Cluster(route.cluster);
    rt.recorder = admission.controls().Recorder(route.cluster);
    rt.shadow_limit = admission.controls().ShadowLimit(route.cluster);
    rt.shares = admission.controls().Shares(route.cluster);
    for (const auto& listener : config->listeners) {
      rt.stats.push_back(&metrics.Route(listener.name, route.name));
    }
    snap->routes.push_back(std::move(rt));
  }
  snap->admission = admission.Runtime(*config);
  for (std::size_t i = 0; i < config->routes.size(); ++i) {
    const auto& klass = config->routes[i].priority_class;
    auto it = snap->admission.class_index.find(klass);
    if (!klass.empty() && it != snap->admission.class_index.end()) {
      snap->routes[i].has_class = true;
      snap->routes[i].class_index = it->second;
    }
  }
  return snap;
}

}  // namespace sluice::app
