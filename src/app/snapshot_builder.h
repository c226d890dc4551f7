#pragma once
// Builds the immutable RuntimeSnapshot for a config: the router, and per route its cluster
// (from the registry, which outlives snapshots) and metric handles.
#include <map>
#include <memory>
#include <string>

#include "app/admission_builder.h"
#include "config/schema/config.h"
#include "observability/gateway_metrics.h"
#include "proxy/runtime_snapshot.h"
#include "upstream/cluster.h"

namespace sluice::app {

using ClusterRegistry = std::map<std::string, std::unique_ptr<upstream::Cluster>>;

[[nodiscard]] std::shared_ptr<const proxy::RuntimeSnapshot> BuildSnapshot(
    std::shared_ptr<const config::Config> config, uint64_t generation, ClusterRegistry& clusters,
    observability::GatewayMetrics& metrics, AdmissionRegistry& admission);

}  // namespace sluice::app
