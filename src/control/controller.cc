#include "control/controller.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "control/curve_rules.h"
#include "control/service_baseline.h"

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

void SetMode(ControllerState& s, ControllerDecision& d, ControllerMode mode, core::TimePoint now) {
  if (s.mode == mode) return;
  s.mode = mode;
  s.mode_since = now;
  d.mode_changed = true;
}

// A decrease bought nothing but cost throughput: the fast end of the latency (the p10, which
// any queueing in the backend lifts, and which is steady where the p99 of a few hundred samples
// is not) did not come down, so the latency is the backend's own.
// Only where no slowdown is under judgement: right after one, the windows that follow a cut still
// hold requests served at the old limit and speed, and SlowerBackendOwnP99 is the better judge.
bool DecreaseBoughtNothing(const ControllerState& s, const WindowStats& w) {
  if (!s.last_was_decrease || s.mode != ControllerMode::kOverload) return false;
  if (s.slowdown.base_p99_s > 0) return false;
  if (s.last_limit <= 0 || s.last_p10_s <= 0 || s.last_throughput <= 0) return false;
  const bool limit_fell = s.limit <= 0.8 * s.last_limit;
  // Stayed, not rose: a p10 that rose is a backend that just became slower (its queue built at
  // the old speed is still in this window), not one whose own latency is this high.
  const double p10_ratio = core::ToSeconds(w.p10) / s.last_p10_s;
  const bool fast_end_stayed = p10_ratio >= 0.9 && p10_ratio <= 1.1;
  const bool throughput_fell = w.throughput() < 0.95 * s.last_throughput;
  return limit_fell && fast_end_stayed && throughput_fell;
}

// While the limit binds, Little's law gives the target outright: the backend completes X per
// second at mean latency W with the p99 `signal`, so X·W·(setpoint / signal) in flight holds its
// p99 at the setpoint. That is an absolute figure, not a fraction of the current limit, so windows
// that still carry the latency of a queue built before the last cut (the signal lags the limit by
// one round trip) do not cut again below what keeps the backend busy. Otherwise (demand is the
// bound) the limit scales by 1/e; with drops alone it steps down by 10 %.
double DecreaseTarget(const ControllerState& s, const WindowStats& w, double e, double signal,
                      double setpoint_s) {
  double target = e > 1.0 + C::kDeadBand ? s.limit / e : s.limit * 0.9;  // else: drops alone
  if (w.limit_binding() && signal > 0 && e > 1.0 + C::kDeadBand) {
    const double completions = static_cast<double>(w.samples) / core::ToSeconds(w.duration);
    const double little = completions * core::ToSeconds(w.mean) * setpoint_s / signal;
    if (little > 0) target = std::min(little, s.limit);
  }
  target = std::max(target, s.limit * C::kMaxDecrease);
  if (s.slowdown.base_p99_s > 0 && e > 1.0 + C::kDeadBand) {
    // A slowdown under judgement: the backend still serves at once as many as it did before
    // (slower, not smaller), so fewer only idles it, and the evidence that judges it
    // (SlowerBackendOwnP99) needs about that many in flight. Its latency may be its own.
    target = std::max(target, std::min(s.slowdown.in_service, s.limit));
  }
  return target;
}

// The limit binds: move to the backend's knee, X × the service time (Little's law: at its knee
// the backend completes its maximum X with nothing waiting), plus headroom. The knee shows only
// while the backend queues (its mean latency above the baseline); the last estimate is kept.
// Without a queue the limit is at or below the knee and grows (doubling in slow start): by up to
// 10 % + 1 to the last known knee, by 1 past it (the backend may have become faster; a step of
// 10 % there would only add a queue the next window takes away again). Reads the previous state,
// writes the next.
ControllerAction TowardsKnee(const ControllerState& state, const WindowStats& w,
                             core::TimePoint now, ControllerState& s, const ControllerParams& p,
                             bool may_grow, const KneeFit& fit) {
  const double mean = core::ToSeconds(w.mean);
  const double base = s.base_mean_s;
  const double step_up = s.mode == ControllerMode::kRecovery ? 0.05 : 0.10;
  const double max_up = state.limit * (1 + step_up) + 1;
  const double completions = static_cast<double>(w.samples) / core::ToSeconds(w.duration);
  // How full the limit was on average over the window (L = X × mean, Little), not at a burst.
  const double fill = mean > 0 ? completions * mean / state.limit : 0;
  const bool queue_free = base <= 0 || mean <= base * (1 + C::kQueueTolerance);
  if (UseLoadCurve(state, fit)) {
    // Up only from a window without a queue in the backend: one that straddles a slowdown
    // mixes two speeds and places a knee anywhere.
    return ToLocatedKnee(state, fit, fill, may_grow && queue_free, max_up, s, p);
  }
  if (BelowRisingCurve(state, fit, s, p)) return ControllerAction::kToKnee;
  if (mean <= 0 || (base <= 0 && !state.starting)) return ControllerAction::kHold;
  if (queue_free) {
    // A limit that only rare bursts reach is not what holds demand back: growing it would only
    // let more in at once when the backend slows down. (Poisson bursts need headroom above the
    // average: a limit at 1/kBusyEnough of it keeps short queue waits.)
    if (!may_grow || fill < C::kBusyEnough) return ControllerAction::kHold;
    // Until the first sign of the knee, double (slow start): the initial limit is a guess, and
    // while it is too low requests wait in sluice's queue.
    if (state.starting) {
      s.limit = p.ClampLimit(state.limit * 2);
    } else {
      if (state.knee_from_curve) return GrowToCurveKnee(state, fit, max_up, s, p);
      const double known = state.knee > 0 ? state.knee * (1 + C::kKneeHeadroom) + 1 : max_up;
      s.limit = p.ClampLimit(std::min(max_up, std::max(known, state.limit + 1)));
      // A full limit without a queue in the backend proves the knee is at least this high.
      if (state.knee > 0 && fill >= C::kSaturated) s.knee = std::max(state.knee, state.limit);
    }
    return ControllerAction::kIncrease;
  }
  s.starting = false;
  // X × service time is the knee only when the backend is at its maximum X, which needs the
  // limit's worth of requests in flight all the time; with fewer, demand set X, and a latency
  // above the baseline was noise or a burst.
  if (fill < C::kSaturated) return ControllerAction::kHold;
  const double knee = std::max(completions * base, 1.0);
  s.knee = state.knee > 0 ? state.knee + C::kKneeSmoothing * (knee - state.knee) : knee;
  s.knee_from_curve = false;
  const double target = s.knee * (1 + C::kKneeHeadroom) + 1;
  if (std::abs(target - state.limit) < 0.5 || (!may_grow && target > state.limit)) {
    return ControllerAction::kHoldAtKnee;
  }
  // Half the way per window: one window's estimate is noisy, several agree.
  const double next = state.limit + C::kKneeGain * (target - state.limit);
  s.limit = p.ClampLimit(std::clamp(next, state.limit * C::kMaxDecrease, max_up));
  if (s.limit < state.limit && s.descent.limit <= 0) {
    s.descent = {state.limit, completions, mean, now};
  }
  return ControllerAction::kToKnee;
}

// The service-time probe. The service time learnt from windows that look clean creeps up
// (a p10 at its baseline does not rule out a queue that comes and goes), and with it the knee.
// Every kProbeInterval, while the limit is full at the knee, it runs kProbeDepth lower for two
// windows: the first drains the backend's queue, the second measures the mean latency with no
// queue — the service time itself, taken half way. Then the limit goes back, and the knee rule
// moves it with the new service time.
// The cost is a tenth less concurrency for two windows every 10 s, paid only by backends whose
// service time barely varies (mean < 1.5 × p10), where the p10 cannot see such a queue, and
// only while the load curve does not place the knee: where it does, its flat part measures the
// service time in every window (CorrectServiceTime) at no cost.
std::optional<ControllerAction> Probe(const ControllerState& state, const WindowStats& w,
                                      core::TimePoint now, ControllerState& s,
                                      const ControllerParams& p, const KneeFit& fit) {
  if (state.probe_phase == 1) {
    s.probe_phase = 2;
    return ControllerAction::kProbe;
  }
  const double mean = core::ToSeconds(w.mean);
  const double completions = w.samples / std::max(core::ToSeconds(w.duration), 1e-9);
  if (state.probe_phase == 2) {
    s.probe_phase = 0;
    s.next_probe_at = now + C::kProbeInterval;
    if (w.samples >= C::kMinSamplesP90 && mean > 0 && state.base_mean_s > 0) {
      // Half way: one window's mean is noisy when the service time varies.
      s.base_mean_s = state.base_mean_s + C::kKneeGain * (mean - state.base_mean_s);
      s.knee = state.knee * s.base_mean_s / state.base_mean_s;
    }
    // Back where it was; the knee rule takes it from there with the new service time.
    s.limit = p.ClampLimit(std::max(state.probe_return_limit, state.limit));
    return ControllerAction::kProbe;
  }
  // Only where the p10 cannot tell: with a spread of service times (the mean well above the
  // fast end) any queue lifts the p10 and the windows that look clean are clean.
  if (state.starting || state.knee <= 0 || !w.limit_binding() || !NarrowService(state) ||
      UseLoadCurve(state, fit)) {
    return std::nullopt;
  }
  if (state.next_probe_at == core::TimePoint{}) {
    s.next_probe_at = now + C::kProbeInterval;
    return std::nullopt;
  }
  if (now < state.next_probe_at || completions * mean < C::kSaturated * state.limit) {
    return std::nullopt;
  }
  s.probe_return_limit = state.limit;
  s.limit = p.ClampLimit(state.limit * (1 - C::kProbeDepth));
  s.probe_phase = 1;
  return ControllerAction::kProbe;
}

// A backend that became slower whose own p99 (with no queue) is beyond the band: no limit can
// meet the objective, and this window's latency, above the setpoint, agrees. Its service time
// is at least L ÷ X (see SlowerBackendOwnP99): the knee rule starts from there, and the limit
// stays where it is.
bool SlowerBackendIsInfeasible(const WindowStats& w, double signal_s, double setpoint_s,
                               ControllerState& s, ControllerDecision& d) {
  const auto own_p99_s = SlowerBackendOwnP99(s.slowdown);
  if (!own_p99_s || *own_p99_s <= setpoint_s * (1.0 + C::kDeadBand) || signal_s <= setpoint_s) {
    return false;
  }
  const SlowdownEvidence& e = s.slowdown;
  s.base_mean_s = e.base_mean_s * *own_p99_s / e.base_p99_s;  // L ÷ X
  s.base_p99_s = *own_p99_s;
  if (w.p10 > core::Duration::zero()) s.base_p10_s = core::ToSeconds(w.p10);
  s.slo_infeasible = true;
  s.infeasible_base_s = signal_s;
  s.slowdown = {};  // judged
  s.starting = false;
  s.probe_phase = 0;
  d.infeasible_changed = true;
  return true;
}

// The objective cannot be met: latency is not the lever any more, throughput is. The limit
// follows the knee; only latency clearly above what the backend showed at detection (queueing
// in the backend, which the limit does control) still brings it down.
ControllerAction HoldInfeasible(const ControllerState& state, const WindowStats& w,
                                core::TimePoint now, ControllerState& s, const ControllerParams& p,
                                const KneeFit& fit) {
  s.infeasible_base_s = std::min(state.infeasible_base_s, s.smoothed_s);
  if (s.smoothed_s > C::kInfeasibleQueueing * s.infeasible_base_s) {
    const double target = state.limit * s.infeasible_base_s / s.smoothed_s;
    const double next = state.limit + C::kKneeGain * (target - state.limit);  // damped
    s.limit = p.ClampLimit(std::max(next, state.limit * C::kMaxDecrease));
    return ControllerAction::kDecrease;
  }
  if (w.limit_binding()) return TowardsKnee(state, w, now, s, p, /*may_grow=*/true, fit);
  return ControllerAction::kHoldInfeasible;
}

}  // namespace

std::string_view ModeName(ControllerMode mode) {
  switch (mode) {
    case ControllerMode::kNormal:
      return "normal";
    case ControllerMode::kOverload:
      return "overload";
    case ControllerMode::kRecovery:
      return "recovery";
  }
  return "normal";
}

std::string_view ActionName(ControllerAction action) {
  switch (action) {
    case ControllerAction::kHold:
      return "hold";
    case ControllerAction::kHoldNoSignal:
      return "hold_no_signal";
    case ControllerAction::kHoldAtKnee:
      return "hold_at_knee";
    case ControllerAction::kHoldInfeasible:
      return "hold_infeasible";
    case ControllerAction::kIncrease:
      return "increase";
    case ControllerAction::kToKnee:
      return "to_knee";
    case ControllerAction::kDecrease:
      return "decrease";
    case ControllerAction::kSetToKnee:
      return "set_to_knee";
    case ControllerAction::kProbe:
      return "probe";
  }
  return "hold";
}

ControllerState ControllerState::Initial(const ControllerParams& params, core::TimePoint now) {
  ControllerState s;
  s.limit = params.ClampLimit(params.initial_limit);
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

  // What this window teaches about the previous change is read from `state`; what the next
  // window needs to judge this one is written at the end.
  const auto remember = [&] {
    s.last_limit = state.limit;
    s.last_throughput = throughput;
    s.last_was_decrease =
        d.action == ControllerAction::kDecrease || d.action == ControllerAction::kSetToKnee;
    if (s.last_was_decrease) s.last_decrease_at = now;
  };

  const auto signal = LatencySignal(w, setpoint);
  if (!signal) {
    d.action = ControllerAction::kHoldNoSignal;
    remember();
    return out;
  }
  d.signal_s = *signal;
  // A severe excursion counts at once, except when the objective is already out of reach:
  // then the backend's own slow tail makes such windows common, and only a sustained rise says
  // something.
  const bool severe = *signal > 2 * setpoint && !state.slo_infeasible;
  s.smoothed_s = (state.smoothed_s <= 0 || severe)
                     ? *signal
                     : kEwmaWeight * *signal + (1 - kEwmaWeight) * state.smoothed_s;
  const double e = s.smoothed_s / setpoint;

  s.load_curve.Add(w.load, w.duration);
  GatherSlowdownEvidence(state, w, now, s);
  CheckDescent(state, w, now, s);
  TrackBaseline(state, w, now, s);  // clears the load curve when the backend changed speed
  d.knee_fit = KneeFitter::Fit(s.load_curve);
  CorrectServiceTime(state, d.knee_fit, s);
  if (!state.slo_infeasible && SlowerBackendIsInfeasible(w, *signal, setpoint, s, d)) {
    d.action = ControllerAction::kHoldInfeasible;
    remember();
    return out;
  }
  if (state.slo_infeasible) {
    // Clear of the band, not merely under the setpoint: a backend whose own p99 sits near the
    // setpoint shows windows on both sides of it, and each flip back would cut the limit again.
    if (e >= 1.0 - kDeadBand) {  // not clearly faster than the objective
      d.action = HoldInfeasible(state, w, now, s, p, d.knee_fit);
      remember();
      return out;
    }
    s.slo_infeasible = false;  // the backend is fast enough again
    d.infeasible_changed = true;
  }

  const double drop_ratio =
      w.samples > 0 ? static_cast<double>(w.drops) / static_cast<double>(w.samples) : 0.0;
  // Above the band, confirmed: the smoothed signal says so and this window is still above the
  // setpoint (the EWMA lags; cutting on its memory alone overshoots below the knee).
  const bool above = e > 1.0 + kDeadBand && *signal > setpoint;
  // A cut that bought nothing proves an infeasible objective only while this window's own
  // latency is still beyond the band; otherwise the backend is fine at the new limit.
  const bool still_beyond = *signal > setpoint * (1.0 + kDeadBand);
  // The last cut is still draining the backend's queue (its p10 fell by over 10 %): this
  // window's latency is that old queue's, one round trip behind the limit. Cutting on it again
  // would overshoot below the knee; the next window shows what the cut did.
  const bool draining = state.last_was_decrease && state.last_p10_s > 0 &&
                        core::ToSeconds(w.p10) < (1.0 - kQueueTolerance) * state.last_p10_s;
  if ((above || drop_ratio > kDropThreshold) && draining && !severe) {
    d.action = ControllerAction::kHold;
    remember();
    return out;
  }
  if (above || drop_ratio > kDropThreshold) {
    if (above && still_beyond && DecreaseBoughtNothing(state, w)) {
      // Take the useless decrease back: the limit before it carried more at the same latency.
      s.slo_infeasible = true;
      s.infeasible_base_s = *signal;
      // The latency it shows now is its own: so is its p10, the knee's baseline from here on.
      if (w.p10 > core::Duration::zero()) s.base_p10_s = core::ToSeconds(w.p10);
      s.base_mean_s = core::ToSeconds(w.mean);
      d.infeasible_changed = true;
      s.limit = p.ClampLimit(state.last_limit);
      d.action = ControllerAction::kSetToKnee;
    } else {
      s.limit = p.ClampLimit(DecreaseTarget(state, w, e, *signal, setpoint));
      d.action = ControllerAction::kDecrease;
    }
    s.starting = false;
    s.probe_phase = 0;  // latency first: a probe in progress is abandoned
    s.descent = {};     // and the knee rule's descent with it
    SetMode(s, d, ControllerMode::kOverload, now);
    remember();
    return out;
  }

  // Not overloaded: the mode machine winds down once the last decrease is far enough behind.
  const auto since_decrease = now - state.last_decrease_at;
  if (s.mode == ControllerMode::kOverload && e <= 1.0 && since_decrease >= kOverloadDwell) {
    SetMode(s, d, ControllerMode::kRecovery, now);
  } else if (s.mode == ControllerMode::kRecovery && since_decrease >= kRecoveryDwell) {
    SetMode(s, d, ControllerMode::kNormal, now);
  }

  // A p90 (too few samples for a p99) is enough to see overload, not to move up (except in slow
  // start, whose short windows exist to catch up with demand).
  // A window that ran to its maximum time is as much data as a slow cluster will give: its p90
  // may move the limit too, or a limit cut too far at a low rate could never grow back.
  if (const auto probe = Probe(state, w, now, s, p, d.knee_fit)) {
    d.action = *probe;
    remember();
    return out;
  }
  const bool p99_known = w.samples >= kMinSamplesP99 || state.starting ||
                         (w.samples >= kMinSamplesP90 && w.duration >= kFullWindow);
  // Demand fitting under the limit ends slow start too: the initial limit was enough, and
  // doubling later (say, when the backend slows down) would only feed its queue.
  if (!w.limit_binding() && w.samples >= kMinSamplesP90) s.starting = false;
  if (!w.limit_binding() && UseLoadCurve(state, d.knee_fit)) {
    // Demand is the bound, but a limit far above the knee the curve places would let a slowdown
    // queue that many inside the backend; anything past the knee waits there anyway, and is
    // better off waiting in sluice's bounded queue. Down only.
    d.action = ToLocatedKnee(state, d.knee_fit, 0, /*may_grow=*/false, state.limit, s, p);
    remember();
    return out;
  }
  if (!w.limit_binding() || !p99_known) {
    d.action = ControllerAction::kHold;  // demand (not the limit) is the bound, or too little data
    remember();
    return out;
  }
  if (e >= 1.0 - kDeadBand) {
    // In the band latency is fine, but requests may still be queueing inside the backend for
    // nothing: move down towards the knee then, never up.
    d.action = TowardsKnee(state, w, now, s, p, /*may_grow=*/false, d.knee_fit);
    remember();
    return out;
  }
  d.action = TowardsKnee(state, w, now, s, p, /*may_grow=*/true, d.knee_fit);
  remember();
  return out;
}

}  // namespace sluice::control
