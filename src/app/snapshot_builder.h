#pragma once
// Builds the immutable RuntimeSnapshot for a config: the router, and per route its cluster and
// admission (from the registries; the snapshot holds the parts a reload may replace) and metric
// handles per listener slot (`listener_slots`: slot → listener name, see ConnectionInfo).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/admission_builder.h"
#include "config/schema/config.h"
#include "observability/gateway_metrics.h"
#include "proxy/runtime_snapshot.h"
#include "upstream/cluster.h"

namespace sluice::app {

using ClusterRegistry = std::map<std::string, std::shared_ptr<upstream::Cluster>>;

[[nodiscard]] std::shared_ptr<const proxy::RuntimeSnapshot> BuildSnapshot(
    std::shared_ptr<const config::Config> config, uint64_t generation, ClusterRegistry& clusters,
    observability::GatewayMetrics& metrics, AdmissionRegistry& admission,
    const std::vector<std::string>& listener_slots);

}  // namespace sluice::app
