#pragma once
// Netflix concurrency-limits' Gradient2Limit behind its WindowedLimit, re-implemented from the
// published description for the controller comparison (not Netflix's code). Sources: the
// Gradient2Limit class documentation and builder defaults, WindowedLimit's defaults
// (github.com/Netflix/concurrency-limits, concurrency-limits-core).
//
//   Each window (1 s, the WindowedLimit default; fewer than 10 samples: discarded), with
//   shortRtt the window's mean latency and inflight the most requests in flight in it:
//     longRtt   = EWMA of shortRtt over 600 windows (plain mean over the first 10)
//     if longRtt / shortRtt > 2: longRtt × 0.9      (recovering after a long overload)
//     if inflight < limit / 2: hold                  (application-limited: do not grow)
//     gradient  = clamp(tolerance × longRtt / shortRtt, 0.5, 1.0)
//     newLimit  = limit × gradient + queueSize (4)
//     limit     = limit × (1 − smoothing) + newLimit × smoothing   (smoothing 0.2)
//   clamped to [minLimit, maxLimit]; the enforced limit is its integer part.
//
// tolerance is 1.5 (the rttTolerance of the releases that had it; the current one uses 1.0).
// Bounds and the initial limit are the simulation's, like every algorithm's in the comparison.
// WindowedLimit accepts windows down to 100 ms; the name says when the window is not the default.
//
// Thread-safety: owned by one SimGateway.
#include <string>

#include "sim/baselines/limit_algorithm.h"

namespace sluice::sim::baselines {

struct Gradient2Params {
  core::Duration window = std::chrono::seconds(1);
  uint64_t min_window_samples = 10;
  double initial_limit = 20;
  double min_limit = 1;
  double max_limit = 1000;
  double smoothing = 0.2;
  double tolerance = 1.5;
  double queue_size = 4;
  int long_window = 600;
  int warmup_windows = 10;
};

class Gradient2 final : public LimitAlgorithm {
 public:
  explicit Gradient2(const Gradient2Params& params);

  [[nodiscard]] std::string_view name() const override { return name_; }
  [[nodiscard]] double initial_limit() const override { return Enforced(); }
  [[nodiscard]] bool WindowDue(core::Duration open_for, uint64_t samples,
                               core::TimePoint now) const override;
  [[nodiscard]] WindowOutcome OnWindow(const SimWindow& window, core::TimePoint now) override;

 private:
  [[nodiscard]] double Enforced() const;
  double UpdateLongRtt(double short_rtt_s);

  Gradient2Params params_;
  std::string name_;
  double estimated_limit_;
  double long_rtt_s_ = 0;
  int long_count_ = 0;
};

}  // namespace sluice::sim::baselines
