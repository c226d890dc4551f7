#include "sim/baselines/sluice_controller.h"

#include "control/cluster_controller.h"

namespace sluice::sim::baselines {

using control::ClusterController;
using control::Controller;

SluiceController::SluiceController(const control::ControllerParams& params, core::TimePoint now)
    : params_(params),
      state_(control::ControllerState::Initial(params, now)),
      initial_limit_(state_.limit) {}

// ClusterController::Tick's rule: enough samples for a p99 (a p90 during slow start) after the
// minimum time, or the maximum time whatever the window holds.
bool SluiceController::WindowDue(core::Duration open_for, uint64_t samples, core::TimePoint) const {
  const bool starting = state_.starting;
  const auto needed = starting ? Controller::kMinSamplesP90 : Controller::kMinSamplesP99;
  const core::Duration min_time =
      starting ? ClusterController::kStartWindowMinTime : ClusterController::kWindowMinTime;
  return open_for >= ClusterController::kWindowMaxTime ||
         (samples >= needed && open_for >= min_time);
}

WindowOutcome SluiceController::OnWindow(const SimWindow& window, core::TimePoint now) {
  const auto step = Controller::Update(state_, window.stats, now, params_);
  state_ = step.state;
  return {state_.limit, state_.slo_infeasible, step.decision};
}

}  // namespace sluice::sim::baselines
