#pragma once
// The common shape of a concurrency-limit algorithm in the simulation (issue 4, "Tests"), so that
// SimGateway runs sluice's own controller and re-implementations of published baselines against
// the same admission path (real gate and fair queue), the same recorder and the same model
// backend: only the rule that sets the limit differs.
//
// Each algorithm keeps its own sampling rule: SimGateway asks WindowDue at every tick and, when
// it says yes, closes the real recorder's window and hands it to OnWindow, then enforces the limit
// it returns (rounded, at least 1, as the gateway does).
//
// Thread-safety: owned by one SimGateway, used on the simulation's thread only.
#include <cstdint>
#include <string_view>

#include "control/controller.h"
#include "control/window_stats.h"
#include "core/clock.h"

namespace sluice::sim {

// One closed window as an algorithm sees it.
struct SimWindow {
  control::WindowStats stats;  // from the real ClusterRecorder
  // The most requests in flight when one was dispatched during the window (Netflix's limiters
  // take it as "inflight" to tell an application-limited window from a limit-bound one).
  uint32_t max_inflight = 0;
};

struct WindowOutcome {
  double limit = 0;  // enforced from now on
  // sluice's controller only; baselines leave them at their defaults.
  bool slo_infeasible = false;
  control::ControllerDecision decision;
};

class LimitAlgorithm {
 public:
  virtual ~LimitAlgorithm() = default;

  // Short name for the comparison table.
  [[nodiscard]] virtual std::string_view name() const = 0;
  // The limit enforced before the first window closes.
  [[nodiscard]] virtual double initial_limit() const = 0;
  // Asked at every tick: should the window, open for `open_for` and holding `samples` completed
  // requests, close at `now`?
  [[nodiscard]] virtual bool WindowDue(core::Duration open_for, uint64_t samples,
                                       core::TimePoint now) const = 0;
  // The window closed at `now`: the limit to enforce from now on.
  [[nodiscard]] virtual WindowOutcome OnWindow(const SimWindow& window, core::TimePoint now) = 0;
};

}  // namespace sluice::sim
