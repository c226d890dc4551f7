#include "control/curve_rules.h"

#include <algorithm>
#include <cmath>

namespace sluice::control {
namespace {
using C = Controller;
}  // namespace

bool NarrowService(const ControllerState& state) {
  return state.base_p10_s > 0 && state.base_mean_s > 0 &&
         state.base_mean_s < C::kNarrowService * state.base_p10_s;
}

bool UseLoadCurve(const ControllerState& state, const KneeFit& fit) {
  return fit.Precise() && NarrowService(state);
}

void CorrectServiceTime(const ControllerState& state, const KneeFit& fit, ControllerState& s) {
  if (s.base_mean_s <= 0 || fit.service_s <= 0) return;
  if (!UseLoadCurve(state, fit)) return;
  s.base_mean_s += C::kKneeGain * (fit.service_s - s.base_mean_s);
}

ControllerAction ToLocatedKnee(const ControllerState& state, const KneeFit& fit, double fill,
                               bool may_grow, double max_up, ControllerState& s,
                               const ControllerParams& p) {
  s.knee = fit.knee;
  s.knee_from_curve = true;
  const double target = std::round(std::max(fit.knee, fit.knee_high));
  if (std::round(state.limit) == target) return ControllerAction::kHoldAtKnee;
  if (target > state.limit) {
    if (!may_grow || fill < C::kBusyEnough) return ControllerAction::kHold;
    s.limit = p.ClampLimit(std::min(target, max_up));
    return ControllerAction::kIncrease;
  }
  s.limit = p.ClampLimit(state.limit + C::kKneeGain * (target - state.limit));
  return ControllerAction::kToKnee;
}

ControllerAction GrowToCurveKnee(const ControllerState& state, const KneeFit& fit, double max_up,
                                 ControllerState& s, const ControllerParams& p) {
  const double known = std::round(state.knee);
  const bool flat_to_limit = fit.kind == KneeFit::Kind::kNoRise && fit.concurrencies >= 2 &&
                             fit.knee >= std::round(state.limit);
  if (state.limit < known - 0.5) {
    s.limit = p.ClampLimit(std::min(max_up, known));
  } else if (flat_to_limit) {
    s.limit = p.ClampLimit(std::round(state.limit) + 1);
  } else {
    return ControllerAction::kHoldAtKnee;
  }
  return ControllerAction::kIncrease;
}

bool BelowRisingCurve(const ControllerState& state, const KneeFit& fit, ControllerState& s,
                      const ControllerParams& p) {
  if (!NarrowService(state) || fit.kind != KneeFit::Kind::kRising) return false;
  const double below = std::round(fit.knee) - 1;
  if (below >= state.limit - 0.5) return false;
  s.limit = p.ClampLimit(std::max(below, state.limit * C::kMaxDecrease));
  return true;
}

}  // namespace sluice::control
