#pragma once
// Additive increase, multiplicative decrease on a latency threshold, for the controller
// comparison: the classic loss-based rule of TCP congestion avoidance (Jacobson 1988; Chiu & Jain
// 1989) as Netflix concurrency-limits' AIMDLimit applies it to a concurrency limit, with the
// window's p99 over a threshold standing for its "timeout" (re-implemented from that
// description, not Netflix's code):
//
//   a drop in the window, or p99 > threshold:  limit = max(1, min(limit − 1, ⌊limit × 0.9⌋))
//   else, if the most requests in flight ≥ limit / 2:  limit = limit + 1
//   else (application-limited):  hold
//
// The threshold is sluice's setpoint (0.8 × slo_p99), so AIMD aims at the same latency; the
// windows close on sluice's rule (≥ 200 samples after 100 ms, or 1 s), so only the update rule
// differs from sluice's.
//
// Thread-safety: owned by one SimGateway.
#include "sim/baselines/limit_algorithm.h"

namespace sluice::sim::baselines {

struct AimdParams {
  core::Duration threshold = std::chrono::milliseconds(200);
  double backoff = 0.9;
  double initial_limit = 20;
  double min_limit = 1;
  double max_limit = 1000;
};

class Aimd final : public LimitAlgorithm {
 public:
  explicit Aimd(const AimdParams& params);

  [[nodiscard]] std::string_view name() const override { return "aimd"; }
  [[nodiscard]] double initial_limit() const override { return limit_; }
  [[nodiscard]] bool WindowDue(core::Duration open_for, uint64_t samples,
                               core::TimePoint now) const override;
  [[nodiscard]] WindowOutcome OnWindow(const SimWindow& window, core::TimePoint now) override;

 private:
  AimdParams params_;
  double limit_;
};

}  // namespace sluice::sim::baselines
