#pragma once
// Synthetic load-curve windows for the controller's tests: samples at a concurrency with a given
// mean and spread, and the curve of a backend with fixed slots and service time.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "control/load_curve.h"

namespace sluice::test {

// `count` samples at concurrency k, mean `mean_ms`, standard deviation `sd_ms` (half each side of
// the mean, so both come out exact).
inline void AddSamples(control::LoadCurve::Snapshot& s, uint32_t k, uint64_t count, double mean_ms,
                       double sd_ms = 0) {
  const std::size_t i = control::LoadCurve::BucketIndex(k);
  for (uint64_t n = 0; n < count; ++n) {
    const double ms = mean_ms + (n % 2 == 0 ? sd_ms : -sd_ms);
    const auto us = static_cast<uint64_t>(std::llround(ms * 1000));
    s.counts[i] += 1;
    s.sum_us[i] += us;
    s.sum_sq_us[i] += us * us;
  }
}

// A backend with `slots` slots and a fixed `service_ms`: flat up to the slots, then each request
// more in flight waits one more service time ÷ slots.
inline double FixedServiceLatency(uint32_t k, uint32_t slots, double service_ms) {
  return service_ms * std::max(1.0, static_cast<double>(k) / slots);
}

// That backend's curve over concurrencies [from, to], `count` samples each (spread 0.5 ms).
inline control::LoadCurve::Snapshot FixedServiceCurve(uint32_t slots, double service_ms,
                                                      uint32_t from, uint32_t to,
                                                      uint64_t count = 100) {
  control::LoadCurve::Snapshot s;
  for (uint32_t k = from; k <= to; ++k) {
    AddSamples(s, k, count, FixedServiceLatency(k, slots, service_ms), 0.5);
  }
  return s;
}

}  // namespace sluice::test
