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
// Decrease (e above the band, or drops > 5 % of samples): to limit / e — the multiplicative
// correction Little's law implies when latency is queueing in the backend (L = λW: at a fixed
// throughput, W scales with L) — but never below limit × 0.5 per window. While the limit binds
// it is also capped by Little's law directly: completion rate × mean latency × T / signal, the
// concurrency the backend sustains with its latency at the setpoint.
//
// Increase (e below the band, with a p99 to go by) only when sluice's limit is what held traffic
// back in the window (requests found the gate full), and only up to the backend's knee: past it
// more concurrency buys no throughput, it only waits inside the backend. The knee is read from
// the fast end of the latency distribution. Below the knee the p10 is the service time alone;
// past it every request also waits in the backend's queue, so the p10 rises by that wait q.
// With completions at rate X, Little's law says X·q requests wait inside the backend: the knee
// is ≈ limit − X·q. The baseline p10 is the lowest recent one; it drifts up 2 % a second so it
// follows a backend that became slower for good, and is reset when a decrease did not lower the
// p10 (then the backend's own speed changed). While the p10 shows no queueing (within 10 % of
// the baseline) the limit grows by × 1.1 + 1 (half that step in RECOVERY; doubling in slow start,
// until the first sign of the knee or of overload, since the initial limit is only a guess).
// Otherwise it moves half the way (damping) to the knee plus a little headroom (× 1.05 + 1, so
// the backend never idles waiting for a dispatch), at most × 0.5 down and + 10 % + 1 up. No
// probing is needed: the knee shows in every window.
//
// Infeasible objective. If, in OVERLOAD, a decrease of the limit (≥ 20 %) did not lower the p10
// (by ≥ 10 %) but cost throughput, the latency is the backend's own, not queueing: the objective
// cannot be met at any limit. The limit goes back to where it was before that decrease and from
// then on follows only the knee rule (latency is no longer the lever, throughput is), except that
// latency 2× above what the backend showed at detection is queueing again and still brings the
// limit down (damped). `slo_infeasible` is set; it clears when the signal is back below the
// setpoint.
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
#include <cstdint>
#include <string_view>

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
  double base_p10_s = 0;        // the p10 without backend queueing; 0 until known
  double last_p10_s = 0;

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
};
[[nodiscard]] std::string_view ActionName(ControllerAction action);

struct ControllerDecision {
  ControllerAction action = ControllerAction::kHold;
  double signal_s = 0;  // the window's latency signal (0: none)
  bool mode_changed = false;
  bool infeasible_changed = false;
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
  static constexpr double kBaseDriftPerSecond = 1.02;
  static constexpr double kKneeHeadroom = 0.05;
  static constexpr double kKneeGain = 0.5;
  static constexpr auto kOverloadDwell = std::chrono::milliseconds(1000);
  static constexpr auto kRecoveryDwell = std::chrono::milliseconds(2000);

  [[nodiscard]] static ControllerStep Update(const ControllerState& state,
                                             const WindowStats& window, core::TimePoint now,
                                             const ControllerParams& params);
};

}  // namespace sluice::control
