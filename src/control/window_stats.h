#pragma once
// What the controller learns about one cluster in one window (DESIGN §5): latency samples of
// requests that completed, drops, throughput, and whether sluice's own limit was what held
// traffic back. Built on the control thread by merging every worker's recorders.
//
// Thread-safety: a plain value.
#include <cstdint>

#include "control/load_curve.h"
#include "core/clock.h"

namespace sluice::control {

struct WindowStats {
  core::Duration duration{};  // how long the window was open
  uint64_t samples = 0;       // completed upstream exchanges with a latency sample
  uint64_t drops = 0;         // resets, timeouts, 5xx and 429 from the upstream (also samples)
  core::Duration p99{};       // of the samples (dispatch → response head)
  core::Duration p90{};
  // The fast end: below the backend's knee it is the service time alone; past the knee every
  // request also waits in the backend, and this rises by that wait.
  core::Duration p10{};
  core::Duration p50{};
  core::Duration mean{};
  // Age of the oldest request still in flight at the window's close: a lower bound on the
  // latency of requests that have not completed (a stalled backend shows here first).
  core::Duration oldest_inflight{};
  // Requests that found the gate full (they queued or were turned away) in the window: the
  // limit, not demand, decided the throughput.
  uint64_t limited = 0;
  // Latency by the number in flight at dispatch (control/load_curve.h).
  LoadCurve::Snapshot load;

  [[nodiscard]] bool limit_binding() const { return limited > 0; }

  // Goodput: completions that were not drops, per second.
  [[nodiscard]] double throughput() const {
    const double s = core::ToSeconds(duration);
    return s > 0 ? static_cast<double>(samples - drops) / s : 0.0;
  }
};

}  // namespace sluice::control
