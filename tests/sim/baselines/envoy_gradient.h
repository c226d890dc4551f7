#pragma once
// Envoy's adaptive concurrency filter, gradient controller, re-implemented from its published
// description for the controller comparison (not Envoy's code). Sources: Envoy docs,
// configuration/http/http_filters/adaptive_concurrency_filter ("Calculating the minRTT", "The
// Gradient", "Concurrency Limit Headroom") and the GradientControllerConfig API reference for the
// defaults.
//
//   Every concurrency_update_interval, with sampleRTT the window's p50 (the default
//   sample_aggregate_percentile; a window without samples changes nothing):
//     gradient  = clamp((minRTT + B) / sampleRTT, 0.5, 2.0),  B = minRTT × buffer (25 %)
//     limit     = gradient × limit_old
//     limit_new = ⌊limit + √limit⌋ (the headroom, pinned to the square root), clamped to
//                 [min_concurrency, max_concurrency_limit]
//   minRTT: at start and then every `interval` plus a random jitter (0–15 % of it), the limit is
//   pinned to min_concurrency (3) until request_count (50) samples have completed; minRTT is
//   their p50 and the limit goes back to what it was. A limit at min_concurrency for 5
//   consecutive windows also starts a measurement. The filter starts at min_concurrency, in a
//   measurement.
//
// Parameters follow the docs' defaults, and its example for the two without one (update
// interval 100 ms, minRTT interval 60 s). What differs from Envoy as deployed: requests over the
// limit go to sluice's queue (Envoy answers 503 at once); the sim is one host.
//
// Thread-safety: owned by one SimGateway.
#include <random>

#include "sim/baselines/limit_algorithm.h"

namespace sluice::sim::baselines {

struct EnvoyGradientParams {
  core::Duration update_interval = std::chrono::milliseconds(100);
  core::Duration min_rtt_interval = std::chrono::seconds(60);
  double jitter = 0.15;
  uint64_t request_count = 50;
  uint32_t min_concurrency = 3;
  double buffer = 0.25;
  uint32_t max_limit = 1000;
  int windows_at_min_to_remeasure = 5;
  uint64_t jitter_seed = 7;  // the jitter's own stream, so it does not shift the sim's
};

class EnvoyGradient final : public LimitAlgorithm {
 public:
  EnvoyGradient(const EnvoyGradientParams& params, core::TimePoint now);

  [[nodiscard]] std::string_view name() const override { return "envoy-gradient"; }
  [[nodiscard]] double initial_limit() const override { return limit_; }
  [[nodiscard]] bool WindowDue(core::Duration open_for, uint64_t samples,
                               core::TimePoint now) const override;
  [[nodiscard]] WindowOutcome OnWindow(const SimWindow& window, core::TimePoint now) override;

 private:
  void StartMeasuring();
  [[nodiscard]] uint32_t NewLimit(core::Duration sample_rtt) const;

  EnvoyGradientParams params_;
  std::mt19937_64 rng_;
  uint32_t limit_;
  bool measuring_ = false;
  uint32_t deferred_limit_ = 0;  // the limit to go back to after a measurement
  core::Duration min_rtt_{};
  core::TimePoint next_measurement_{};
  int windows_at_min_ = 0;
};

}  // namespace sluice::sim::baselines
