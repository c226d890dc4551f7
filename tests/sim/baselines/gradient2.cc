#include "sim/baselines/gradient2.h"

#include <algorithm>
#include <cmath>

namespace sluice::sim::baselines {

namespace {

std::string NameFor(const Gradient2Params& p) {
  std::string name = "netflix-gradient2";
  if (p.window != std::chrono::seconds(1)) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(p.window).count();
    name += " (" + std::to_string(ms) + " ms)";
  }
  return name;
}

}  // namespace

Gradient2::Gradient2(const Gradient2Params& params)
    : params_(params),
      name_(NameFor(params)),
      estimated_limit_(std::clamp(params.initial_limit, params.min_limit, params.max_limit)) {}

double Gradient2::Enforced() const { return std::floor(estimated_limit_); }

bool Gradient2::WindowDue(core::Duration open_for, uint64_t, core::TimePoint) const {
  return open_for >= params_.window;
}

double Gradient2::UpdateLongRtt(double short_rtt_s) {
  if (long_count_ < params_.warmup_windows) {
    ++long_count_;
    long_rtt_s_ += (short_rtt_s - long_rtt_s_) / long_count_;  // running mean
  } else {
    const double factor = 2.0 / (params_.long_window + 1);
    long_rtt_s_ = long_rtt_s_ * (1 - factor) + short_rtt_s * factor;
  }
  return long_rtt_s_;
}

WindowOutcome Gradient2::OnWindow(const SimWindow& window, core::TimePoint) {
  const double short_rtt = core::ToSeconds(window.stats.mean);
  if (window.stats.samples < params_.min_window_samples || short_rtt <= 0) return {Enforced()};
  const double long_rtt = UpdateLongRtt(short_rtt);
  if (long_rtt / short_rtt > 2) long_rtt_s_ *= 0.9;
  if (window.max_inflight < estimated_limit_ / 2) return {Enforced()};
  const double gradient = std::clamp(params_.tolerance * long_rtt / short_rtt, 0.5, 1.0);
  const double proposed = estimated_limit_ * gradient + params_.queue_size;
  const double smoothed = estimated_limit_ * (1 - params_.smoothing) + proposed * params_.smoothing;
  estimated_limit_ = std::clamp(smoothed, params_.min_limit, params_.max_limit);
  return {Enforced()};
}

}  // namespace sluice::sim::baselines
