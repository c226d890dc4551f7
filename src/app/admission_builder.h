#pragma once
// Builds the admission registries of a config (tenants; per-cluster gates, queues and
// controllers) and the AdmissionRuntime a snapshot carries. The registries are owned here and outlive snapshots.
#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "admission/cluster_admission.h"
#include "app/cluster_controls.h"
#include "admission/tenant_registry.h"
#include "config/schema/config.h"
#include "observability/admission_metrics.h"
#include "proxy/runtime_snapshot.h"

namespace sluice::app {

class AdmissionRegistry {
 public:
  // workers: threads that feed the controllers' recorders; log: controller transitions.
  AdmissionRegistry(const config::Config& config, observability::AdmissionMetrics& metrics,
                    std::size_t workers = 1, std::shared_ptr<spdlog::logger> log = nullptr);

  [[nodiscard]] proxy::AdmissionRuntime Runtime(const config::Config& config);
  [[nodiscard]] admission::ClusterAdmission* Cluster(const std::string& name) {
    auto it = clusters_.find(name);
    return it == clusters_.end() ? nullptr : it->second.get();
  }
  // Copies queue depth, limit and shedding state into the gauges (control thread, periodic).
  void RefreshGauges();
  [[nodiscard]] ClusterControls& controls() { return controls_; }
  void CloseAll() {
    for (auto& [name, cluster] : clusters_) cluster->Close();
  }

 private:
  observability::AdmissionMetrics& metrics_;
  std::vector<std::string> class_names_;
  std::unique_ptr<admission::TenantRegistry> tenants_;
  std::map<std::string, std::unique_ptr<admission::ClusterAdmission>> clusters_;
  std::atomic<uint64_t> next_waiter_id_{1};
  ClusterControls controls_;  // after clusters_: it holds references to their limits
};

}  // namespace sluice::app
