#pragma once
// sluice's own controller behind the simulation's LimitAlgorithm interface: the window rule of
// control::ClusterController and the pure control::Controller::Update, so the comparison runs
// sluice through the same path as the baselines. SimGateway's default path (no algorithm given)
// runs the real ClusterController; a test checks the two give the same limit trace.
//
// Thread-safety: owned by one SimGateway.
#include "sim/baselines/limit_algorithm.h"

namespace sluice::sim::baselines {

class SluiceController final : public LimitAlgorithm {
 public:
  SluiceController(const control::ControllerParams& params, core::TimePoint now);

  [[nodiscard]] std::string_view name() const override { return "sluice"; }
  [[nodiscard]] double initial_limit() const override { return initial_limit_; }
  [[nodiscard]] bool WindowDue(core::Duration open_for, uint64_t samples,
                               core::TimePoint now) const override;
  [[nodiscard]] WindowOutcome OnWindow(const SimWindow& window, core::TimePoint now) override;

 private:
  control::ControllerParams params_;
  control::ControllerState state_;
  double initial_limit_;
};

}  // namespace sluice::sim::baselines
