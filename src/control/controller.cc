#include "control/controller.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace sluice::control {
namespace {

using C = Controller;

// The window's latency signal in seconds, or nullopt when it has too few samples to say.
// A request in flight for over twice the setpoint is a stall the samples cannot show yet.
std::optional<double> LatencySignal(const WindowStats& w, double setpoint_s) {
  std::optional<double> signal;
  if (w.samples >= C::kMinSamplesP99) {
    signal = core::ToSeconds(w.p99);
  } else if (w.samples >= C::kMinSamplesP90) {
    signal = core::ToSeconds(w.p90);
  }
  const double oldest = core::ToSeconds(w.oldest_inflight);
  if (oldest > 2 * setpoint_s && oldest > signal.value_or(0.0)) signal = oldest;
  return signal;
}

double Clamp(double limit, const ControllerParams& p) {
  return std::clamp(limit, p.min_limit, p.max_limit);
}

// The least concurrency that carries the best recent throughput at today's latency.
double Knee(const ControllerState& s, const WindowStats& w) {
  return s.peak_throughput * core::ToSeconds(w.mean);
}

void SetMode(ControllerState& s, ControllerDecision& d, ControllerMode mode, core::TimePoint now) {
  if (s.mode == mode) return;
  s.mode = mode;
  s.mode_since = now;
  d.mode_changed = true;
}

// A decrease bought (almost) no latency but cost throughput: the latency is the backend's own.
bool DecreaseBoughtNothing(const ControllerState& s, const WindowStats& w, double signal) {
  if (!s.last_was_decrease || s.mode != ControllerMode::kOverload) return false;
  if (s.last_limit <= 0 || s.last_signal_s <= 0 || s.last_throughput <= 0) return false;
  const bool limit_fell = s.limit <= 0.8 * s.last_limit;
  const bool latency_stayed = signal >= 0.9 * s.last_signal_s;
  const bool throughput_fell = w.throughput() < 0.95 * s.last_throughput;
  return limit_fell && latency_stayed && throughput_fell;
}

double DecreaseTarget(const ControllerState& s, const WindowStats& w, double e, double signal,
                      double setpoint_s) {
  double target = e > 1.0 + C::kDeadBand ? s.limit / e : s.limit * 0.9;  // else: drops alone
  if (w.limit_binding() && signal > 0) {
    const double completions = static_cast<double>(w.samples) / core::ToSeconds(w.duration);
    const double little = completions * core::ToSeconds(w.mean) * setpoint_s / signal;
    if (little > 0) target = std::min(target, little);
  }
  return std::max(target, s.limit * C::kMaxDecrease);
}

}  // namespace

std::string_view ModeName(ControllerMode mode) {
  switch (mode) {
    case ControllerMode::kNormal: return "normal";
    case ControllerMode::kOverload: return "overload";
    case ControllerMode::kRecovery: return "recovery";
  }
  return "normal";
}

std::string_view ActionName(ControllerAction action) {
  switch (action) {
    case ControllerAction::kHold: return "hold";
    case ControllerAction::kHoldNoSignal: return "hold_no_signal";
    case ControllerAction::kHoldAtKnee: return "hold_at_knee";
    case ControllerAction::kHoldInfeasible: return "hold_infeasible";
    case ControllerAction::kIncrease: return "increase";
    case ControllerAction::kRevertProbe: return "revert_probe";
    case ControllerAction::kDecrease: return "decrease";
    case ControllerAction::kSetToKnee: return "set_to_knee";
  }
  return "hold";
}

ControllerState ControllerState::Initial(const ControllerParams& params, core::TimePoint now) {
  ControllerState s;
  s.limit = std::clamp(params.initial_limit, params.min_limit, params.max_limit);
  s.mode_since = now;
  return s;
}

ControllerStep Controller::Update(const ControllerState& state, const WindowStats& w,
                                  core::TimePoint now, const ControllerParams& p) {
  ControllerStep out{state, {}};
  ControllerState& s = out.state;
  ControllerDecision& d = out.decision;
  const double setpoint = p.setpoint_seconds();
  const double throughput = w.throughput();
  s.peak_throughput = std::max(throughput, state.peak_throughput * kPeakDecay);

  // What this window teaches about the previous change is read from `state`; what the next
  // window needs to judge this one is written at the end.
  const auto remember = [&](double signal) {
    s.last_limit = state.limit;
    s.last_signal_s = signal;
    s.last_throughput = throughput;
    s.last_was_increase = d.action == ControllerAction::kIncrease;
    s.last_was_decrease =
        d.action == ControllerAction::kDecrease || d.action == ControllerAction::kSetToKnee;
    if (s.last_was_decrease) s.last_decrease_at = now;
  };

  const auto signal = LatencySignal(w, setpoint);
  if (!signal) {
    d.action = ControllerAction::kHoldNoSignal;
    remember(0.0);
    return out;
  }
  d.signal_s = *signal;
  const bool severe = *signal > 2 * setpoint;
  s.smoothed_s = (state.smoothed_s <= 0 || severe)
                     ? *signal
                     : kEwmaWeight * *signal + (1 - kEwmaWeight) * state.smoothed_s;
  const double e = s.smoothed_s / setpoint;

  if (state.slo_infeasible) {
    if (e >= 1.0) {  // still slower than the objective: stay at the knee
      s.limit = Clamp(std::max(Knee(s, w), p.min_limit), p);
      d.action = ControllerAction::kHoldInfeasible;
      remember(*signal);
      return out;
    }
    s.slo_infeasible = false;  // the backend is fast enough again
    d.infeasible_changed = true;
  }

  const double drop_ratio =
      w.samples > 0 ? static_cast<double>(w.drops) / static_cast<double>(w.samples) : 0.0;
  const bool above = e > 1.0 + kDeadBand;
  if (above || drop_ratio > kDropThreshold) {
    if (above && DecreaseBoughtNothing(state, w, *signal)) {
      s.slo_infeasible = true;
      d.infeasible_changed = true;
      s.limit = Clamp(Knee(s, w), p);
      d.action = ControllerAction::kSetToKnee;
    } else {
      s.limit = Clamp(DecreaseTarget(state, w, e, *signal, setpoint), p);
      d.action = ControllerAction::kDecrease;
    }
    s.knee_hold = 0;
    SetMode(s, d, ControllerMode::kOverload, now);
    remember(*signal);
    return out;
  }

  // Not overloaded: the mode machine winds down once the last decrease is far enough behind.
  const auto since_decrease = now - state.last_decrease_at;
  if (s.mode == ControllerMode::kOverload && e <= 1.0 && since_decrease >= kOverloadDwell) {
    SetMode(s, d, ControllerMode::kRecovery, now);
  } else if (s.mode == ControllerMode::kRecovery && since_decrease >= kRecoveryDwell) {
    SetMode(s, d, ControllerMode::kNormal, now);
  }

  if (e >= 1.0 - kDeadBand || !w.limit_binding()) {
    d.action = ControllerAction::kHold;  // in the band, or demand (not the limit) is the bound
    remember(*signal);
    return out;
  }
  const double seen = static_cast<double>(std::max(w.samples, w.limited));
  const bool busy = seen > 0 && static_cast<double>(w.limited) / seen >= kBusyLimitedFraction;
  if (busy && state.last_was_increase && state.last_limit > 0 && state.last_throughput > 0 &&
      state.limit > state.last_limit) {
    const double elasticity = std::log(std::max(throughput, 1e-9) / state.last_throughput) /
                              std::log(state.limit / state.last_limit);
    if (elasticity < kKneeElasticity) {
      s.limit = Clamp(state.last_limit, p);  // the probe bought nothing: back to the knee
      s.knee_hold = kKneeHoldWindows;
      d.action = ControllerAction::kRevertProbe;
      remember(*signal);
      return out;
    }
  }
  if (busy && state.knee_hold > 0) {
    s.knee_hold = state.knee_hold - 1;
    d.action = ControllerAction::kHoldAtKnee;
    remember(*signal);
    return out;
  }
  const double step = s.mode == ControllerMode::kRecovery ? 0.05 : 0.10;
  s.limit = Clamp(state.limit * (1 + step) + 1, p);
  d.action = ControllerAction::kIncrease;
  remember(*signal);
  return out;
}

}  // namespace sluice::control
