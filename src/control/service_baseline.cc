#include "control/service_baseline.h"

#include <algorithm>

#include "control/curve_rules.h"

namespace sluice::control {
namespace {

using C = Controller;

// The p99 of windows whose mean shows no queueing (within 10 % of the service time, as for
// the knee): the tail of the service time alone, with the same gains as the service time (down
// quickly, up slowly). Not only the windows whose p10 is at its baseline: at the knee those
// are rare, and one low p10 keeps them so for a whole horizon.
void LearnTail(const ControllerState& state, const WindowStats& w, ControllerState& s) {
  const double service_s = state.base_mean_s;
  if (w.samples < C::kMinSamplesP99 || service_s <= 0 ||
      core::ToSeconds(w.mean) > service_s * (1 + C::kQueueTolerance)) {
    return;
  }
  const double p99 = core::ToSeconds(w.p99);
  const double base = state.base_p99_s;
  const double gain = p99 < base ? C::kBaseMeanFall : C::kBaseMeanRise;
  s.base_p99_s = base <= 0 ? p99 : base + gain * (p99 - base);
}

// The mirror of a slowdown: a backend that became faster for good shows as a mean below the
// service-time baseline together with more throughput than the baseline had, by as much as a
// slowdown loses (÷ kSlowerThroughput). Neither alone will do: a higher limit below the knee
// raises the throughput at the same mean, and a queue that drains lowers the mean without
// raising the throughput; only a backend that serves each request faster does both. Judged
// only on windows that can teach the service time (a p99's worth of samples, longer than their
// own p99) and not in slow start, whose doubling limit raises the throughput by itself.
bool BecameFaster(const ControllerState& state, const WindowStats& w) {
  if (state.starting || state.base_mean_s <= 0 || state.base_throughput <= 0) return false;
  if (w.samples < C::kMinSamplesP99 || w.duration < w.p99) return false;
  return core::ToSeconds(w.mean) < state.base_mean_s * (1 - C::kQueueTolerance) &&
         w.throughput() * C::kSlowerThroughput > state.base_throughput;
}

}  // namespace

// After a slowdown, the windows that kept at least as many requests in flight (X × mean,
// Little) as the backend served at once before measure how fast it completes that many now.
// The window that showed the slowdown is left out: it holds requests served at the old speed.
void GatherSlowdownEvidence(const ControllerState& state, const WindowStats& w, core::TimePoint now,
                            ControllerState& s) {
  const SlowdownEvidence& e = state.slowdown;
  if (e.base_p99_s <= 0) return;
  if (now - e.since > C::kBaseHorizon) {
    s.slowdown = {};  // by now the baselines are relearnt; the old one is history
    return;
  }
  const double seconds = core::ToSeconds(w.duration);
  if (w.samples < C::kMinSamplesP90 || seconds <= 0 || !w.limit_binding()) return;
  const double in_flight = static_cast<double>(w.samples) / seconds * core::ToSeconds(w.mean);
  // About as many: the gate holds a whole number, and the knee the curve places may be a
  // fraction above it (16.2 for 16 slots).
  if (in_flight < (1 - C::kQueueTolerance) * e.in_service) return;
  s.slowdown.completions += static_cast<double>(w.samples - w.drops);
  s.slowdown.seconds += seconds;
  s.slowdown.in_flight_seconds += std::min(in_flight, e.in_service) * seconds;
}

// A lower bound on the p99 the slower backend shows with no queue at all, or nullopt while the
// evidence is thinner than a p99's worth. Before, it served L at once without a queue (with the
// service time S₀ and the p99 P₀); now, with N ≤ L in flight, it serves all N at once and
// completes X: its service time is at least N ÷ X (Little; N averaged over the windows, capped
// at L). A backend that became slower stretches its service times, so its p99 without a queue
// is at least P₀ × (N ÷ X) ÷ S₀.
std::optional<double> SlowerBackendOwnP99(const SlowdownEvidence& e) {
  if (e.base_p99_s <= 0 || e.completions < C::kMinSamplesP99 || e.seconds <= 0) {
    return std::nullopt;
  }
  const double service_s = (e.in_flight_seconds / e.seconds) / (e.completions / e.seconds);
  return e.base_p99_s * service_s / e.base_mean_s;
}

// What the backend shows without queueing (see the file comment). The p10 baseline is the lowest
// p10 over the last kBaseHorizon to 2 × kBaseHorizon (two epochs), with no upward drift, so a
// sustained overload cannot pass its own queueing off as the baseline. A window whose p10 is
// within tolerance of it had no queue in the backend: its mean latency is the service time, and
// the baseline mean follows such windows (down quickly, up slowly, as a queue draining or noise
// may inflate one). A backend that became slower for good shows as a mean above the baseline
// with less throughput than the baseline had (queueing past the knee keeps throughput at its
// maximum; a slower backend loses it): both baselines start again.
void TrackBaseline(const ControllerState& state, const WindowStats& w, core::TimePoint now,
                   ControllerState& s) {
  const double p10 = core::ToSeconds(w.p10);
  const double mean = core::ToSeconds(w.mean);
  if (w.samples < C::kMinSamplesP90 || p10 <= 0 || mean <= 0) return;
  const double throughput = w.throughput();
  s.last_p10_s = p10;
  const bool slower = state.base_mean_s > 0 && state.base_throughput > 0 &&
                      mean > state.base_mean_s * (1 + C::kQueueTolerance) &&
                      throughput < C::kSlowerThroughput * state.base_throughput;
  if (BecameFaster(state, w)) {
    // At its baseline it served L₀ = X₀ × S₀ at once (Little); faster, it serves at least as
    // many and completes X: its service time is at least L₀ ÷ X, and at most this window's
    // mean (a queue only adds to it). The lower bound: a service time learnt too low is
    // corrected (the knee rule takes the limit under the knee, where windows are clean and
    // teach it upwards), one too high is not (the queue it lets in keeps the mean at it).
    // What the slower backend showed is no evidence of anything any more.
    s.base_mean_s = std::min(mean, state.base_throughput * state.base_mean_s / throughput);
    s.base_p10_s = s.epoch_min_p10_s = p10;
    s.base_p99_s = core::ToSeconds(w.p99);
    s.base_throughput = throughput;
    s.base_epoch_start = now;
    s.slowdown = {};
    s.load_curve.Clear();  // latencies at the old speed would pass for a rise or a fall
    return;
  }
  if (state.base_p10_s <= 0 || slower) {
    // What it showed before is the yardstick for what it can do now (see SlowerBackendOwnP99).
    if (slower) {
      const double in_service =
          state.knee > 0 ? state.knee : state.base_throughput * state.base_mean_s;
      s.slowdown = {state.base_p99_s, state.base_mean_s, in_service, now};
      s.descent = {};
      // A slower backend serves as many at once as before, only each for longer: growth up to
      // that is quick, and beyond it one request a window, as past any known knee.
      s.knee = in_service;
      s.load_curve.Clear();  // latencies at the old speed would pass for a rise
    }
    s.base_p10_s = s.epoch_min_p10_s = p10;
    s.base_epoch_start = now;
    // Relearnt from the next window without a queue (this one may still hold a queue built
    // before the change); the throughput too, or the first slow window, measured against the
    // old one, would look like a second slowdown.
    s.base_mean_s = s.base_p99_s = s.base_throughput = 0;
    return;
  } else {
    s.epoch_min_p10_s = std::min(p10, state.epoch_min_p10_s);
    s.base_p10_s = std::min(p10, state.base_p10_s);
    if (now - state.base_epoch_start >= C::kBaseHorizon) {
      // The epoch that ends is at least a horizon long: its minimum alone is recent enough.
      s.base_p10_s = s.epoch_min_p10_s;
      s.epoch_min_p10_s = p10;
      s.base_epoch_start = now;
    }
  }
  LearnTail(state, w, s);
  // Queueing, or possibly (a p10 one histogram bucket up is within a 10 % tolerance, and a mean
  // that took in a little queueing each time would creep up): not the service time alone.
  // (Until there is a baseline mean any window after the first will do: the knee needs one.)
  if (p10 > s.base_p10_s * (1 + C::kCleanTolerance) && state.base_mean_s > 0) return;
  // A window shorter than its own p99 holds only the requests that finished early while the
  // population in flight grew (slow start): the fast ones. Its mean is not the service time,
  // but until there is a better one it is all there is (the knee rule corrects it upwards).
  if (w.duration < w.p99 && state.base_mean_s > 0) return;
  const bool probed = state.knee > 0 && NarrowService(state);
  const auto samples = static_cast<double>(w.samples);
  if (s.base_mean_s <= 0) {
    s.base_mean_s = mean;
    // A restart (the backend changed speed) follows its first window quickly, as before.
    s.base_mean_samples = state.base_mean_samples > 0 ? C::kBaseMeanWarmSamples : samples;
  } else if (probed && mean >= s.base_mean_s) {
    return;  // there only the probe may raise it: "clean" windows here can hold a queue
  } else if (state.base_mean_samples < C::kBaseMeanWarmSamples) {
    const double total = state.base_mean_samples + samples;
    s.base_mean_s = (state.base_mean_s * state.base_mean_samples + mean * samples) / total;
    s.base_mean_samples = total;
  } else {
    const double gain = mean < s.base_mean_s ? C::kBaseMeanFall : C::kBaseMeanRise;
    s.base_mean_s += gain * (mean - s.base_mean_s);
  }
  s.base_throughput =
      state.base_throughput > 0 ? 0.5 * (state.base_throughput + throughput) : throughput;
}

// See the declaration. The two outcomes are told apart at half way on both counts (latency
// and throughput), each a mean over a window of at least kMinSamplesP90, so one noisy window
// does not decide.
void CheckDescent(const ControllerState& state, const WindowStats& w, core::TimePoint now,
                  ControllerState& s) {
  const KneeDescent& d = state.descent;
  if (d.limit <= 0) return;
  if (now - d.since > C::kBaseHorizon || state.limit > d.limit) {
    s.descent = {};  // undone, or too old to compare with
    return;
  }
  const double seconds = core::ToSeconds(w.duration);
  const double mean = core::ToSeconds(w.mean);
  if (w.samples < C::kMinSamplesP90 || seconds <= 0 || mean <= 0 || !w.limit_binding()) return;
  if (state.limit > C::kDescentDepth * d.limit) return;  // not deep enough to tell yet
  const double throughput = static_cast<double>(w.samples) / seconds;
  // Little's law holds in a steady window only: one that a change of speed cut into shows less
  // in flight than there was (requests started in it have not completed yet).
  if (throughput * mean < C::kSaturated * state.limit) return;
  const double half_way = (1 + C::kDescentDepth) / 2;
  const bool latency_stayed = mean >= half_way * d.mean_s;
  const bool throughput_fell = throughput <= half_way * d.throughput;
  if (latency_stayed && throughput_fell) {
    // No queue was there to drain: both windows' mean latency is the service time.
    s.base_mean_s = std::max(state.base_mean_s, (d.mean_s + mean) / 2);
  }
  s.descent = {};
}

}  // namespace sluice::control
