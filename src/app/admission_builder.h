#pragma once
// Builds the admission registries of a config (tenants; per-cluster gates, queues and
// controllers) and the AdmissionRuntime a snapshot carries. The registries are owned here; a
// snapshot holds (KeepAlive) the parts a reload may replace, so requests that started before it
// finish with what they started with.
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "admission/cluster_admission.h"
#include "admission/tenant_registry.h"
#include "app/cluster_controls.h"
#include "config/schema/config.h"
#include "observability/admission_metrics.h"
#include "proxy/runtime_snapshot.h"

namespace sluice::app {

class AdmissionRegistry {
 public:
  // workers: threads that feed the controllers' recorders; log: controller transitions.
  AdmissionRegistry(const config::Config& config, observability::AdmissionMetrics& metrics,
                    std::size_t workers = 1, std::shared_ptr<spdlog::logger> log = nullptr);

  // Reload (issue 6), control thread: tenants keep their buckets by name (rescaled, never
  // refilled); a cluster that stays gated keeps its gate, in-flight count, queue (waiters
  // re-indexed to the new tenants and classes) and controller. A cluster whose gating changed
  // (gated ↔ ungated) starts a new gate; the old one drains the requests that hold it.
  void Reconcile(const config::Config& config, core::TimePoint now);

  [[nodiscard]] proxy::AdmissionRuntime Runtime(const config::Config& config);
  // What a snapshot of the current configuration must keep alive.
  [[nodiscard]] std::vector<std::shared_ptr<const void>> KeepAlive() const;
  [[nodiscard]] admission::ClusterAdmission* Cluster(const std::string& name) {
    auto it = clusters_.find(name);
    return it == clusters_.end() ? nullptr : it->second.get();
  }
  // Copies queue depth, limit and shedding state into the gauges (control thread, periodic).
  void RefreshGauges();
  [[nodiscard]] ClusterControls& controls() { return controls_; }
  // Shutdown: current gates and any a reload replaced that requests still hold.
  void CloseAll();

 private:
  [[nodiscard]] std::shared_ptr<admission::ClusterAdmission> MakeGate(
      const config::ClusterConfig& cluster, const config::Config& config) const;

  observability::AdmissionMetrics& metrics_;
  std::size_t workers_;
  std::vector<std::string> class_names_;
  std::vector<std::string> tenant_names_;  // index = configured tenant index
  std::shared_ptr<admission::TenantRegistry> tenants_;
  std::map<std::string, std::shared_ptr<admission::ClusterAdmission>> clusters_;
  std::vector<std::weak_ptr<admission::ClusterAdmission>> replaced_;  // for CloseAll
  std::atomic<uint64_t> next_waiter_id_{1};
  ClusterControls controls_;  // after clusters_: it holds references to their limits
};

}  // namespace sluice::app
