#pragma once
// The damped feedback controller of one cluster's concurrency limit (DESIGN §5, issue 4).
// A pure function: Controller::Update(state, window, now) → (state, decision). No clocks, no
// threads, no I/O; the caller (ClusterController, control thread) feeds it one window at a time.
//
// Signal. The upstream latency of the window: its p99 with ≥ kMinSamplesP99 samples, its p90
// with ≥ kMinSamplesP90, else nothing (hold). The age of the oldest request still in flight is a
// lower bound on latency, so a stalled backend raises the signal before anything completes. The
// signal is smoothed by an EWMA, except that a rise to over twice the setpoint counts at once.
//
// Setpoint T = setpoint_ratio × slo_p99 (the rest of the objective is sluice's queue budget).
// e = smoothed / T. Inside the dead-band (|e − 1| ≤ 10 %) the limit holds.
//
// Decrease (e above the band, or drops > 5 % of samples). While the limit binds, to what Little's
// law (L = λW) says holds the p99 at the setpoint: completion rate X × mean latency × T / signal.
// That is an absolute figure from what the backend completed, not a fraction of the current
// limit, so a window whose latency still carries the queue built before the last cut (the
// signal lags the limit by a round trip) does not cut again below what keeps the backend busy;
// and while the last cut is visibly draining that queue (the p10 fell by over 10 %) the limit
// holds for a window. When demand is the bound: limit / e. Never below limit × 0.5 per window.
//
// Increase (e below the band, with a p99 to go by) only when sluice's limit is what held traffic
// back in the window (requests found the gate full), and only up to the backend's knee: past it
// more concurrency buys no throughput, it only waits inside the backend. Little's law again: at
// its knee the backend completes its maximum X with nothing waiting, so the knee is X × the
// service time, and the service time is the mean latency of windows without a backend queue.
// How it and the p10 baseline are learnt, and when they start again: control/service_baseline.h.
// While the mean shows no queueing (within 10 % of the service time) the limit is at or below
// the knee: if it was busy (X × mean ≥ 70 % of it on average; a limit only bursts reach holds
// nothing back, and growing it would only let more in at once when the backend slows down) it
// grows by × 1.1 + 1 (half that step in RECOVERY; doubling in slow start, until the first sign
// of the knee or of overload, since the initial limit is only a guess) up to the last known
// knee, then by 1 a window, and a full limit without a queue raises the known knee to itself.
// After a slowdown the known knee is how many it served at once before (a slower backend is
// rarely a wider one), so the limit creeps rather than jumps into the slower backend's queue.
// When the mean shows a queue and the limit is full (X × mean ≥ 90 % of it; otherwise demand set
// X and the queue was a burst) the knee estimate X × service time is smoothed and the limit
// moves half the way (damping) to it plus a little headroom (× 1.05 + 1, so the backend never
// idles waiting for a dispatch), at most × 0.5 down and + 10 % + 1 up. No probing is needed: the
// knee shows in every window that queues. A service time learnt too low would make the knee rule
// spiral the limit down (less in flight, less throughput, a lower knee again): once a descent has
// taken a quarter off the limit, if the latency stayed and the throughput fell with it, there was
// no queue, and the latency is the service time (CheckDescent, service_baseline.h).
//
// Service-time probe. Where the service time barely varies (mean < 1.5 × p10) the p10 cannot
// see a queue that comes and goes, the service time learnt from "clean" windows creeps up, and
// the knee with it. There, every 10 s while the limit is full, the limit runs 10 % lower for two
// windows: the first drains the backend's queue, the second measures the service time, taken
// half way; then the limit goes back and the knee rule moves it. (Not Envoy's minRTT probe: no
// pause, no pinning to a tiny limit; a tenth less concurrency for a second or so.)
//
// Load curve (control/load_curve.h, control/knee_fit.h). Each sample also records how many
// requests were in flight when it was sent; latency against that concurrency is flat up to the
// backend's knee and rises after it. Where the service time barely varies (the backends the
// probe is for, whose p10 cannot see a queue) and the curve places the knee to within 10 %, the
// limit follows it (to the top of that range; down to it also while demand is the bound, since a
// limit above the knee lets a slowdown queue that many inside the backend) and the service time
// follows the curve's flat part. With a wide spread of service times the curve's noise is of the
// size of the rise it looks for, and the rules above decide alone. With the limit at the knee,
// near full use Poisson bursts wait in sluice's queue rather than in the backend; the queue
// treats that as overload only once it turns arrivals away (admission/fair_queue.h).
//
// Infeasible objective: the backend's own latency, with no queue at all, is beyond the band.
// Known at once after a slowdown for good (service_baseline.h). Before, it served L requests at
// once without a queue (its knee; X₀ × service time S₀ where demand never reached the knee), with
// the p99 P₀ (the tail: the p99 of windows whose mean shows no queueing, learnt like S₀). Once
// windows with at least L in flight (X × mean, Little) have completed a p99's worth since the
// slowdown (not counting the window that showed it: it holds requests served at the old speed),
// their throughput X says how fast it serves that many now: its service time is at least L ÷ X,
// and a slower backend stretches its service times, so its p99 without a queue is at least
// P₀ × (L ÷ X) ÷ S₀. Above the band, with this window's p99 above the setpoint too, the objective
// cannot be met at any limit. The measured tail is what tells the cases apart with no constant
// for either: exponential service has P₀ ≈ 4.6 × S₀ (12 ms × 5 → p99 ≈ 276 ms: infeasible),
// the loadtest backend's fixed 50 ms has P₀ ≈ S₀ (× 3 → 150 ms: feasible, though its first slow
// windows' latency, a queue built at the old speed, is above the band). A lower bound on purpose:
// where demand never reached the knee, L is smaller than what the backend serves at once, and
// the verdict errs towards feasible. The evidence expires after kBaseHorizon.
// Otherwise (no slowdown under judgement, say a cluster slow from the start): if, in OVERLOAD, a
// decrease of the limit (≥ 20 %) left the p10 where it was (within 10 %) but cost throughput, the
// latency is the backend's own, not queueing; the limit goes back to where it was before that
// decrease. (Not while a slowdown is judged: the windows after a cut still hold requests served
// at the old limit and speed, which makes a feasible slowdown look like that.)
// Either way, from then on the limit follows only the knee rule (latency is no longer the lever,
// throughput is; the service time starts at L ÷ X after a slowdown), except that latency 2×
// above what the backend showed at detection is queueing again and still brings the limit down
// (damped). `slo_infeasible` is set; it clears when the smoothed signal is back below the band
// (10 % under the setpoint: a backend whose own p99 hovers about the setpoint must not flip it).
//
// Mode machine (for damping and for operators): NORMAL → OVERLOAD on a decrease; OVERLOAD →
// RECOVERY after kOverloadDwell with e ≤ 1; RECOVERY → NORMAL after kRecoveryDwell without a
// decrease; RECOVERY → OVERLOAD on a decrease. Limits always within [min_limit, max_limit].
//
// Sources: Little 1961 (L = λW); TCP Vegas (Brakmo & Peterson 1994: queueing estimated from the
// rise over a base delay); Netflix concurrency-limits (gradient idea, and its drift under
// sustained overload that the Little's-law cap and the knee avoid); Envoy adaptive concurrency
// (whose minRTT probing pins concurrency low; no probing window is needed here); Jain's "knee"
// of the throughput curve (Jain 1990, congestion avoidance).
//
// Checked by a deterministic simulation (tests/sim/): see its file comment for what holds.
//
// Thread-safety: stateless class; all state is in the value passed in.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "control/knee_fit.h"
#include "control/window_stats.h"
#include "core/clock.h"

namespace sluice::control {

enum class ControllerMode { kNormal, kOverload, kRecovery };
[[nodiscard]] std::string_view ModeName(ControllerMode mode);

struct ControllerParams {
  core::Duration slo_p99 = std::chrono::milliseconds(250);
  double setpoint_ratio = 0.8;
  double min_limit = 1;
  double max_limit = 1000;
  double initial_limit = 20;

  [[nodiscard]] double setpoint_seconds() const {
    return core::ToSeconds(slo_p99) * setpoint_ratio;
  }
  [[nodiscard]] double ClampLimit(double limit) const {
    return std::clamp(limit, min_limit, max_limit);
  }
};

// What a backend that became slower for good had shown without a queue (see TrackBaseline),
// and what it has completed since with at least as many requests in flight: enough to tell
// whether its own latency, with no queue at all, is still within the objective (see the class
// comment, "Infeasible objective").
struct SlowdownEvidence {
  double base_p99_s = 0;  // 0: no slowdown to judge
  double base_mean_s = 0;
  double in_service = 0;  // how many it served at once (the knee, else X × service time)
  core::TimePoint since{};
  double completions = 0;  // since the slowdown, in windows with about that many in flight
  double seconds = 0;
  double in_flight_seconds = 0;  // Σ in flight (at most in_service) × seconds of those windows
};

// A descent of the limit by the knee rule, from the window that started it: if the backend had
// a queue, less in flight lowers the latency and keeps the throughput; if it had none (the
// service time was learnt too low, so the knee looked lower than it is), the latency stays and
// the throughput falls with the limit (see CheckDescent in service_baseline.h).
struct KneeDescent {
  double limit = 0;  // the limit the first window ran at; 0: no descent under way
  double throughput = 0;
  double mean_s = 0;
  core::TimePoint since{};
};

struct ControllerState {
  double limit = 0;
  ControllerMode mode = ControllerMode::kNormal;
  core::TimePoint mode_since{};
  double smoothed_s = 0;  // EWMA of the latency signal; 0 until the first signal
  bool slo_infeasible = false;
  double infeasible_base_s = 0;  // the latency the backend shows on its own (while infeasible)
  // The previous window, to judge the last change by what it did.
  double last_limit = 0;
  double last_throughput = 0;
  bool last_was_decrease = false;
  core::TimePoint last_decrease_at{};
  bool starting = true;  // slow start: no sign of the knee or of overload yet
  // Knee estimation (see the class comment).
  double base_p10_s = 0;         // the p10 without backend queueing; 0 until known
  double base_mean_s = 0;        // the mean latency without backend queueing: the service time
  double base_mean_samples = 0;  // samples behind base_mean_s while it is their plain mean
  double base_p99_s = 0;         // the p99 of those windows: the service time's tail
  double base_throughput = 0;    // of the last window without backend queueing
  SlowdownEvidence slowdown;
  KneeDescent descent;
  double knee = 0;               // the last estimate of the backend's knee (smoothed); 0: none
  bool knee_from_curve = false;  // `knee` is where the load curve placed it, in whole requests
  // The service-time probe: 0 idle, 1 the lowered limit drains the backend's queue, 2 the
  // window that measures. probe_return_limit is the limit before it.
  int probe_phase = 0;
  double probe_return_limit = 0;
  core::TimePoint next_probe_at{};
  double epoch_min_p10_s = 0;  // the lowest p10 since base_epoch_start (the next baseline)
  core::TimePoint base_epoch_start{};
  double last_p10_s = 0;
  LoadCurveMemory load_curve;  // latency by concurrency at dispatch, kept across windows

  [[nodiscard]] static ControllerState Initial(const ControllerParams& params, core::TimePoint now);
};

// Why the limit moved (or did not), for the transition log and /controller.
enum class ControllerAction {
  kHold,
  kHoldNoSignal,
  kHoldAtKnee,
  kHoldInfeasible,
  kIncrease,
  kToKnee,
  kDecrease,
  kSetToKnee,
  kProbe,  // the service-time probe lowered the limit, held it, or restored it
};
[[nodiscard]] std::string_view ActionName(ControllerAction action);

struct ControllerDecision {
  ControllerAction action = ControllerAction::kHold;
  double signal_s = 0;  // the window's latency signal (0: none)
  bool mode_changed = false;
  bool infeasible_changed = false;
  KneeFit knee_fit;  // what the load curve says about the knee
};

struct ControllerStep {
  ControllerState state;
  ControllerDecision decision;
};

class Controller {
 public:
  static constexpr uint64_t kMinSamplesP99 = 200;
  static constexpr uint64_t kMinSamplesP90 = 50;
  // A window this long closed on time, not on samples (ClusterController's 1 s maximum).
  static constexpr auto kFullWindow = std::chrono::milliseconds(950);
  static constexpr double kDeadBand = 0.10;
  static constexpr double kEwmaWeight = 0.5;
  static constexpr double kMaxDecrease = 0.5;
  static constexpr double kDropThreshold = 0.05;
  static constexpr double kInfeasibleQueueing = 2.0;
  static constexpr double kQueueTolerance = 0.10;  // p10 this far above its baseline: queueing
  static constexpr auto kBaseHorizon = std::chrono::seconds(10);
  static constexpr double kSlowerThroughput = 0.67;
  static constexpr double kSaturated = 0.9;   // in flight ÷ limit: the limit is always full
  static constexpr double kBusyEnough = 0.7;  // in flight ÷ limit: growing it may help
  static constexpr auto kProbeInterval = std::chrono::seconds(10);
  static constexpr double kProbeDepth = 0.10;      // the probe runs the limit this much lower
  static constexpr double kNarrowService = 1.5;    // mean ÷ p10 below this: probe, load curve
  static constexpr double kCleanTolerance = 0.02;  // p10 at its baseline: no backend queue
  static constexpr double kDescentDepth = 0.75;    // in flight ÷ at a descent's start: judge it
  static constexpr double kBaseMeanFall = 0.3;     // EWMA gains of the baseline mean
  static constexpr double kBaseMeanRise = 0.15;    // a baseline lost this much: backend slower
  // Until this many samples stand behind it, the service time is their plain mean, not an EWMA:
  // its first window (slow start: a few dozen samples) is too noisy to seed an average that
  // rises slowly and only on clean windows (sim, 70 % load, exponential service: seeded 27 %
  // low, it put the knee under demand and the knee rule cut the limit below it).
  static constexpr double kBaseMeanWarmSamples = 1000;
  static constexpr double kKneeHeadroom = 0.05;
  static constexpr double kKneeGain = 0.5;
  static constexpr double kKneeSmoothing = 0.5;  // EWMA gain of the knee estimate
  static constexpr auto kOverloadDwell = std::chrono::milliseconds(1000);
  static constexpr auto kRecoveryDwell = std::chrono::milliseconds(2000);

  [[nodiscard]] static ControllerStep Update(const ControllerState& state,
                                             const WindowStats& window, core::TimePoint now,
                                             const ControllerParams& params);
};

}  // namespace sluice::control
