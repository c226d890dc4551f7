#include "app/snapshot_builder.h"

namespace sluice::app {

std::shared_ptr<const proxy::RuntimeSnapshot> BuildSnapshot(
    std::shared_ptr<const config::Config> config, uint64_t generation, ClusterRegistry& clusters,
    observability::GatewayMetrics& metrics, AdmissionRegistry& admission,
    const std::vector<std::string>& listener_slots) {
  auto snap = std::make_shared<proxy::RuntimeSnapshot>(proxy::RuntimeSnapshot{
      generation, config, proxy::Router(config->routes), {}, {}});
  // Every slot, not only this config's listeners: connections of a listener a reload removed
  // are still served (and counted) until they close.
  for (const auto& listener : listener_slots) {
    snap->no_route.push_back(&metrics.Route(listener, ""));
  }
  for (const auto& route : config->routes) {
    proxy::RouteRuntime rt;
    rt.config = &route;
    const auto& cluster = clusters.at(route.cluster);
    rt.cluster = cluster.get();
    snap->keep_alive.push_back(cluster);
    rt.cluster_stats = &metrics.Cluster(route.cluster);
    rt.admission = admission.Cluster(route.cluster);
    rt.recorder = admission.controls().Recorder(route.cluster);
    rt.shadow_limit = admission.controls().ShadowLimit(route.cluster);
    rt.shares = admission.controls().Shares(route.cluster);
    for (const auto& listener : listener_slots) {
      rt.stats.push_back(&metrics.Route(listener, route.name));
    }
    snap->routes.push_back(std::move(rt));
  }
  snap->admission = admission.Runtime(*config);
  for (auto& part : admission.KeepAlive()) snap->keep_alive.push_back(std::move(part));
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
