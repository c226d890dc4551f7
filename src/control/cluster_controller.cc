#include "control/cluster_controller.h"

#include <algorithm>
#include <cmath>

namespace sluice::control {

ClusterController::ClusterController(const ControllerParams& params, bool enforce,
                                     ConcurrencyLimit& limit, ClusterRecorder& recorder,
                                     core::TimePoint now)
    : params_(params),
      enforce_(enforce),
      limit_(limit),
      recorder_(recorder),
      state_(ControllerState::Initial(params, now)),
      window_start_(now) {
  if (enforce_) limit_.Set(computed_limit());
}

uint32_t ClusterController::computed_limit() const {
  return static_cast<uint32_t>(std::max(1.0, std::round(state_.limit)));
}

void ClusterController::SetParams(const ControllerParams& params) {
  params_ = params;
  state_.limit = params_.ClampLimit(state_.limit);
  if (enforce_) limit_.Set(computed_limit());
}

std::optional<ControllerStep> ClusterController::Tick(core::TimePoint now) {
  const auto open_for = now - window_start_;
  // During slow start short windows (enough for a p90) let the limit catch up with demand
  // before requests queued behind a too-low initial limit run out of time.
  const bool starting = state_.starting;
  const auto needed = starting ? Controller::kMinSamplesP90 : Controller::kMinSamplesP99;
  const auto min_time = starting ? kStartWindowMinTime : kWindowMinTime;
  const auto pending = recorder_.PendingSamples();
  const bool enough = pending >= needed;
  // At the usual maximum a window closes if it has enough for a p90; a slow cluster (a low limit
  // at a slow backend) keeps its window open longer rather than close one that says nothing.
  const bool due = (enough && open_for >= min_time) ||
                   (pending >= Controller::kMinSamplesP90 && open_for >= kWindowMaxTime) ||
                   open_for >= kWindowLongestTime;
  if (!due) {
    return std::nullopt;
  }
  last_window_ = recorder_.CloseWindow(now);
  window_start_ = now;
  auto step = Controller::Update(state_, last_window_, now, params_);
  state_ = step.state;
  if (enforce_) limit_.Set(computed_limit());
  return step;
}

}  // namespace sluice::control
