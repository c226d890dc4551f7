#pragma once
// Runs one cluster's Controller on the control thread (DESIGN §3, §5): decides when a window
// closes, feeds it to the pure update rule, and applies the result to the cluster's
// ConcurrencyLimit (enforce) or only records it (shadow).
//
// A window closes at its first tick with at least Controller::kMinSamplesP99 samples once
// kWindowMinTime has passed; at kWindowMaxTime with enough for a p90; at kWindowLongestTime
// whatever it holds (the rule then holds, unless a stalled request speaks); during slow start, at 50 samples after 20 ms. Short windows react within a fraction of a second at high rates; the maximum
// keeps a slow or stalled cluster from waiting for samples that do not come.
//
// Thread-safety: control thread only, except that the published snapshot (state(),
// last_window()) must be read on that thread too; the app copies what it exports.
#include <optional>

#include "control/cluster_recorder.h"
#include "control/concurrency_limit.h"
#include "control/controller.h"

namespace sluice::control {

class ClusterController {
 public:
  static constexpr auto kWindowMinTime = std::chrono::milliseconds(100);
  static constexpr auto kWindowMaxTime = std::chrono::milliseconds(1000);
  static constexpr auto kWindowLongestTime = std::chrono::milliseconds(3000);
  static constexpr auto kStartWindowMinTime = std::chrono::milliseconds(20);

  // `limit` is written only when `enforce`; it is set to the initial limit at once.
  ClusterController(const ControllerParams& params, bool enforce, ConcurrencyLimit& limit,
                    ClusterRecorder& recorder, core::TimePoint now);

  // Call often (every few ms to tens of ms); returns the step when a window closed.
  std::optional<ControllerStep> Tick(core::TimePoint now);

  // Reload: new objective and bounds; the learnt state (limit, baselines, mode) carries on, with
  // the limit clamped into the new [min_limit, max_limit].
  void SetParams(const ControllerParams& params);

  [[nodiscard]] const ControllerState& state() const { return state_; }
  [[nodiscard]] const WindowStats& last_window() const { return last_window_; }
  [[nodiscard]] const ControllerParams& params() const { return params_; }
  [[nodiscard]] bool enforcing() const { return enforce_; }
  // The limit the controller computed, rounded as the gate uses it (≥ 1).
  [[nodiscard]] uint32_t computed_limit() const;

 private:
  ControllerParams params_;
  bool enforce_;
  ConcurrencyLimit& limit_;
  ClusterRecorder& recorder_;
  ControllerState state_;
  WindowStats last_window_;
  core::TimePoint window_start_;
};

}  // namespace sluice::control
