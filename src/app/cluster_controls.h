#pragma once
// The adaptive concurrency limit of every cluster with a `controller:` block (DESIGN §5,
// issue 4): per cluster a ClusterRecorder that the workers feed and a ClusterController that the
// control thread ticks. Enforce mode writes the cluster gate's limit; shadow mode computes into a
// limit of its own that only the metrics, the log and /controller show.
//
// Thread-safety: Tick, Json and the gauges belong to the control thread; recorders are fed by
// workers (see ClusterRecorder); the limits are atomics any thread may read.
#include <map>
#include <memory>
#include <spdlog/logger.h>
#include <string>
#include <vector>

#include "admission/cluster_admission.h"
#include "admission/tenant_shares.h"
#include "config/schema/config.h"
#include "control/cluster_controller.h"
#include "control/cluster_recorder.h"
#include "observability/admission_metrics.h"

namespace sluice::app {

class ClusterControls {
 public:
  ClusterControls(observability::AdmissionMetrics& metrics, std::shared_ptr<spdlog::logger> log);
  ~ClusterControls();
  ClusterControls(const ClusterControls&) = delete;
  ClusterControls& operator=(const ClusterControls&) = delete;

  // `gate`: the cluster's admission, whose limit an enforcing controller sets. `tenants`: the
  // configured tenants and the dynamic rate, for the shares of an enforcing controller.
  void Add(const config::ClusterConfig& cluster, const config::Config& config,
           admission::ClusterAdmission& gate, std::size_t workers, core::TimePoint now);

  // Reload: keeps the controller (learnt state, recorder, mode) of every cluster that is still
  // controlled the same way (same mode, same gate object), with the new parameters and tenant
  // shares; builds new ones; forgets the rest (snapshots still holding them keep them alive).
  // `gates`: each cluster's admission after the reload.
  void Reconcile(const config::Config& config,
                 const std::map<std::string, std::shared_ptr<admission::ClusterAdmission>>& gates,
                 std::size_t workers, core::TimePoint now);
  // What a snapshot holds so the recorder and shares it points to outlive a reload.
  [[nodiscard]] std::vector<std::shared_ptr<const void>> KeepAlive(const std::string& cluster) const;

  // nullptr when the cluster has no controller.
  [[nodiscard]] control::ClusterRecorder* Recorder(const std::string& cluster);
  // The computed limit of a shadow controller (nullptr when none, or when enforcing).
  [[nodiscard]] const control::ConcurrencyLimit* ShadowLimit(const std::string& cluster);
  // Tenants' shares while an enforcing controller's limit binds (nullptr: none).
  [[nodiscard]] admission::TenantShares* Shares(const std::string& cluster);

  // Control thread, every few milliseconds: closes due windows, updates limits and gauges, and
  // logs each mode or feasibility transition once, with the inputs that caused it.
  void Tick(core::TimePoint now);
  // Each controlled cluster's state for the admin listener's /controller, as a JSON object.
  [[nodiscard]] std::string Json() const;

 private:
  struct Entry;
  [[nodiscard]] std::shared_ptr<Entry> MakeEntry(const config::ClusterConfig& cluster,
                                                 const config::Config& config,
                                                 admission::ClusterAdmission& gate,
                                                 std::size_t workers, core::TimePoint now);
  static void SetShares(Entry& entry, const config::Config& config);
  void Publish(Entry& entry);
  void UpdateShares(Entry& entry);
  void LogTransition(const Entry& entry, const control::ControllerStep& step,
                     const control::ControllerState& before) const;

  observability::AdmissionMetrics& metrics_;
  std::shared_ptr<spdlog::logger> log_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
};

}  // namespace sluice::app
