#include "sim/baselines/envoy_gradient.h"

#include <algorithm>
#include <cmath>

namespace sluice::sim::baselines {

EnvoyGradient::EnvoyGradient(const EnvoyGradientParams& params, core::TimePoint)
    : params_(params), rng_(params.jitter_seed), limit_(params.min_concurrency) {
  StartMeasuring();
}

void EnvoyGradient::StartMeasuring() {
  measuring_ = true;
  deferred_limit_ = limit_;
  limit_ = params_.min_concurrency;
  windows_at_min_ = 0;
}

bool EnvoyGradient::WindowDue(core::Duration open_for, uint64_t samples,
                              core::TimePoint now) const {
  if (measuring_) return samples >= params_.request_count;
  return open_for >= params_.update_interval || now >= next_measurement_;
}

uint32_t EnvoyGradient::NewLimit(core::Duration sample_rtt) const {
  const double buffered = core::ToSeconds(min_rtt_) * (1.0 + params_.buffer);
  const double gradient = std::clamp(buffered / core::ToSeconds(sample_rtt), 0.5, 2.0);
  const double limit = limit_ * gradient;
  const auto next = static_cast<uint32_t>(limit + std::sqrt(limit));
  return std::clamp(next, params_.min_concurrency, params_.max_limit);
}

WindowOutcome EnvoyGradient::OnWindow(const SimWindow& window, core::TimePoint now) {
  if (measuring_) {
    min_rtt_ = window.stats.p50;
    measuring_ = false;
    limit_ = deferred_limit_;
    const double jitter = std::uniform_real_distribution<double>(0.0, params_.jitter)(rng_);
    next_measurement_ =
        now + std::chrono::duration_cast<core::Duration>(params_.min_rtt_interval * (1.0 + jitter));
    return {static_cast<double>(limit_)};
  }
  if (now >= next_measurement_) {
    StartMeasuring();  // the samples of the cut-short window are thrown away, as Envoy does
    return {static_cast<double>(limit_)};
  }
  if (window.stats.samples == 0 || window.stats.p50 <= core::Duration::zero()) {
    return {static_cast<double>(limit_)};
  }
  limit_ = NewLimit(window.stats.p50);
  windows_at_min_ = limit_ == params_.min_concurrency ? windows_at_min_ + 1 : 0;
  if (windows_at_min_ >= params_.windows_at_min_to_remeasure) StartMeasuring();
  return {static_cast<double>(limit_)};
}

}  // namespace sluice::sim::baselines
