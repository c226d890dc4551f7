#pragma once
// What the backend shows without queueing, and when that changed (DESIGN §5, issue 4): the
// service time, its tail and the p10 baseline that the Controller's knee rule stands on, a
// backend that became slower or faster for good, and the evidence a slowdown leaves for the
// Controller's infeasibility verdict (controller.h, "Infeasible objective"). Part of the
// Controller's pure function: each reads the previous ControllerState and writes the next.
//
// The service time is the mean latency of windows without a backend queue. Such a window is one
// whose p10 is at its baseline (within 2 %): the lowest p10 of the last 10 to 20 s (two epochs of a
// windowed minimum, no upward drift, so a sustained overload cannot pass its own queueing off as
// the baseline). The service-time baseline is the plain mean of such windows' first 1000 samples,
// then follows them (down quickly, up slowly). A backend that became slower for good shows as a
// mean above the baseline with a third less throughput than the baseline had (queueing past the
// knee keeps throughput at its maximum; a slower backend loses it): the baselines start again,
// and what they were is kept as evidence for the feasibility of the objective
// (GatherSlowdownEvidence, SlowerBackendOwnP99). The mirror: a backend that became faster for
// good shows as a mean below the baseline (by 10 %) with half as much throughput again as the
// baseline had (÷ 0.67). Neither alone will do: a higher limit below
// the knee raises throughput at the same mean, a queue that drains lowers the mean without raising
// throughput; only a backend that serves each request faster does both (judged on windows that may
// teach the service time, not in slow start, whose doubling raises throughput by itself). At its
// baseline the backend served L₀ = X₀ × S₀ at once; faster, it serves at least as many and
// completes X, so its service time is at least L₀ ÷ X, and at most the mean. The service time
// restarts at the lower bound, the other baselines (the p10 too) at this window: one learnt too low
// is corrected (the knee rule takes the limit under the knee, where windows' p10 is at the
// restarted baseline and they teach it upwards); one too high never is, as the queue it lets in
// keeps the mean at it (after the 5× slowdown of the sim the slow 60 ms held the limit at 5× the
// slots). The bound is only as tight as L₀ was: a slow baseline learnt with a little queue (L₀
// above the slots) leaves the limit some 10–20 % above the knee.
// (A window shorter than its own p99 does not teach the service time once there is one: while the
// population in flight grows, only its fast requests finish inside it.)
//
// Thread-safety: stateless functions; all state is in the values passed in.
#include <optional>

#include "control/controller.h"
#include "control/window_stats.h"
#include "core/clock.h"

namespace sluice::control {

// What the backend shows without queueing (see the file comment). The p10 baseline is the lowest
// p10 over the last kBaseHorizon to 2 × kBaseHorizon (two epochs), with no upward drift, so a
// sustained overload cannot pass its own queueing off as the baseline. A window whose p10 is
// within tolerance of it had no queue in the backend: its mean latency is the service time, and
// the baseline mean follows such windows (down quickly, up slowly, as a queue draining or noise
// may inflate one). A backend that became slower for good shows as a mean above the baseline
// with less throughput than the baseline had (queueing past the knee keeps throughput at its
// maximum; a slower backend loses it): both baselines start again.
void TrackBaseline(const ControllerState& state, const WindowStats& w, core::TimePoint now,
                   ControllerState& s);

// After a slowdown, the windows that kept about as many requests in flight (X × mean, Little;
// within 10 %) as the backend served at once before measure how fast it completes them now.
// The window that showed the slowdown is left out: it holds requests served at the old speed.
void GatherSlowdownEvidence(const ControllerState& state, const WindowStats& w, core::TimePoint now,
                            ControllerState& s);

// A lower bound on the p99 the slower backend shows with no queue at all, or nullopt while the
// evidence is thinner than a p99's worth. Before, it served L at once without a queue (with the
// service time S₀ and the p99 P₀); now, with N ≤ L in flight, it serves all N at once and
// completes X: its service time is at least N ÷ X (Little; N averaged over the windows, capped
// at L). A backend that became slower stretches its service times, so its p99 without a queue is
// at least P₀ × (N ÷ X) ÷ S₀.
[[nodiscard]] std::optional<double> SlowerBackendOwnP99(const SlowdownEvidence& e);

// A service time learnt too low makes the knee (X × service time) look lower than the limit, so
// the knee rule lowers the limit; the backend, with no queue, completes less at the same latency,
// the knee looks lower still, and the limit spirals down. The cure is in what the descent shows:
// once the limit, full, is at most kDescentDepth of what it was at its start, a queue
// would have taken its latency down with it and kept its throughput; if instead the latency
// stayed and the throughput fell, there was no queue, and the latency is the service time.
void CheckDescent(const ControllerState& state, const WindowStats& w, core::TimePoint now,
                  ControllerState& s);

}  // namespace sluice::control
