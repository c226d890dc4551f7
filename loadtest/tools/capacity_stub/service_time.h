#pragma once
// How long one request holds a worker slot: fixed, or exponential with the same mean (an M/M/N
// backend instead of M/D/N), times a factor that a schedule or a control request may change
// mid-run (a backend turning slower). Seeded, so two runs draw the same sequence.
//
// Owned by one thread (the stub's io_context).
#include <chrono>
#include <cstdint>
#include <random>

namespace sluice::loadtest {

class ServiceTime {
 public:
  enum class Distribution { kFixed, kExponential };

  ServiceTime(std::chrono::nanoseconds mean, Distribution distribution, std::uint64_t seed)
      : mean_(mean), distribution_(distribution), rng_(seed) {}

  [[nodiscard]] std::chrono::nanoseconds Next() {
    const double mean = static_cast<double>(mean_.count()) * factor_;
    if (distribution_ == Distribution::kFixed) {
      return std::chrono::nanoseconds(static_cast<std::int64_t>(mean));
    }
    std::exponential_distribution<double> draw(1.0 / mean);
    return std::chrono::nanoseconds(static_cast<std::int64_t>(draw(rng_)));
  }

  // The configured mean, before the factor.
  [[nodiscard]] std::chrono::nanoseconds mean() const { return mean_; }
  [[nodiscard]] double factor() const { return factor_; }
  void set_factor(double factor) { factor_ = factor; }

 private:
  std::chrono::nanoseconds mean_;
  Distribution distribution_;
  std::mt19937_64 rng_;
  double factor_ = 1;
};

}  // namespace sluice::loadtest
