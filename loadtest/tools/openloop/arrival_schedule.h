#pragma once
// When a tenant's requests arrive: fixed gaps (1/rate) or Poisson (exponential gaps, mean 1/rate,
// i.e. independent users). Seeded, so a run is repeatable.
//
// Owned by one tenant driver.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <random>

namespace sluice::loadtest {

class ArrivalSchedule {
 public:
  enum class Kind { kFixed, kPoisson };

  ArrivalSchedule(double rate, Kind kind, std::uint64_t seed)
      : mean_gap_ns_(1e9 / rate), kind_(kind), rng_(seed) {}

  // Time of the next arrival after the first one (which is at 0). Summed in double nanoseconds
  // and rounded once, so fixed arrivals do not drift by a truncated nanosecond per gap.
  [[nodiscard]] std::chrono::nanoseconds NextOffset() {
    if (kind_ == Kind::kFixed) {
      offset_ns_ += mean_gap_ns_;
    } else {
      std::exponential_distribution<double> gap(1.0 / mean_gap_ns_);
      offset_ns_ += gap(rng_);
    }
    return std::chrono::nanoseconds(std::llround(offset_ns_));
  }

 private:
  double mean_gap_ns_;
  Kind kind_;
  std::mt19937_64 rng_;
  double offset_ns_ = 0;
};

}  // namespace sluice::loadtest
