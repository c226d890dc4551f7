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
// Increase (e below the band) only when sluice's limit is what held traffic back in the window
// (requests found the gate full): limit × 1.1 + 1 (half that step in RECOVERY). Never past the
// knee: when the gate was busy in most of the window (≥ 20 % of requests limited), the previous
// increase is judged by its throughput elasticity Δln(throughput) / Δln(limit); below 0.2 the
// backend has stopped converting concurrency into throughput, so the increase is taken back and
// the limit holds at the knee for kKneeHoldWindows before probing again (demand may have
// changed). Light binding (a few requests limited in a burst) says nothing about the knee, so
// it never stops increases.
//
// Infeasible objective. If, in OVERLOAD, a decrease of the limit bought no latency (signal down
// by < 10 % while the limit fell ≥ 20 %) but cost throughput, the latency is the backend's own,
// not queueing: the objective cannot be met at any limit. Then the limit is set to the knee,
// the highest recent throughput × the current mean latency (Little's law: the least concurrency
// that still carries that throughput), and held there; `slo_infeasible` is set. It clears when
// the signal comes back below the setpoint.
//
// Mode machine (for damping and for operators): NORMAL → OVERLOAD on a decrease; OVERLOAD →
// RECOVERY after kOverloadDwell with e ≤ 1; RECOVERY → NORMAL after kRecoveryDwell without a
// decrease; RECOVERY → OVERLOAD on a decrease. Limits always within [min_limit, max_limit].
//
// Sources: Little 1961 (L = λW); Netflix concurrency-limits (gradient idea, and its drift under
// sustained overload that the Little's-law cap and the knee avoid); Envoy adaptive concurrency
// (whose minRTT probing pins concurrency low; no probing window is needed here); Jain's
// "knee" of the throughput curve (Jain 1990, congestion avoidance).
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
  double peak_throughput = 0;  // highest recent goodput (decays slowly)
  // The previous window, to judge the last change by what it did.
  double last_limit = 0;
  double last_signal_s = 0;
  double last_throughput = 0;
  bool last_was_increase = false;
  bool last_was_decrease = false;
  core::TimePoint last_decrease_at{};
  uint32_t knee_hold = 0;  // windows left to hold at the knee before probing again

  [[nodiscard]] static ControllerState Initial(const ControllerParams& params, core::TimePoint now);
};

// Why the limit moved (or did not), for the transition log and /controller.
enum class ControllerAction {
  kHold,
  kHoldNoSignal,
  kHoldAtKnee,
  kHoldInfeasible,
  kIncrease,
  kRevertProbe,
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
  static constexpr double kDeadBand = 0.10;
  static constexpr double kEwmaWeight = 0.5;
  static constexpr double kMaxDecrease = 0.5;
  static constexpr double kDropThreshold = 0.05;
  static constexpr double kBusyLimitedFraction = 0.2;
  static constexpr double kKneeElasticity = 0.2;
  static constexpr double kPeakDecay = 0.97;  // per window
  static constexpr uint32_t kKneeHoldWindows = 10;
  static constexpr auto kOverloadDwell = std::chrono::milliseconds(1000);
  static constexpr auto kRecoveryDwell = std::chrono::milliseconds(2000);

  [[nodiscard]] static ControllerStep Update(const ControllerState& state,
                                             const WindowStats& window, core::TimePoint now,
                                             const ControllerParams& params);
};

}  // namespace sluice::control
