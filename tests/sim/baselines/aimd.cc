#include "sim/baselines/aimd.h"

#include <algorithm>
#include <cmath>

#include "control/cluster_controller.h"

namespace sluice::sim::baselines {

Aimd::Aimd(const AimdParams& params)
    : params_(params),
      limit_(std::floor(std::clamp(params.initial_limit, params.min_limit, params.max_limit))) {}

bool Aimd::WindowDue(core::Duration open_for, uint64_t samples, core::TimePoint) const {
  using control::ClusterController;
  return open_for >= ClusterController::kWindowMaxTime ||
         (samples >= control::Controller::kMinSamplesP99 &&
          open_for >= ClusterController::kWindowMinTime);
}

WindowOutcome Aimd::OnWindow(const SimWindow& window, core::TimePoint) {
  const auto& w = window.stats;
  if (w.samples == 0) return {limit_};
  if (w.drops > 0 || w.p99 > params_.threshold) {
    limit_ = std::max(1.0, std::min(limit_ - 1, std::floor(limit_ * params_.backoff)));
  } else if (2.0 * window.max_inflight >= limit_) {
    limit_ += 1;
  }
  limit_ = std::clamp(limit_, params_.min_limit, params_.max_limit);
  return {limit_};
}

}  // namespace sluice::sim::baselines
