#pragma once
// How long one request holds a worker slot: fixed, or exponential with the same mean (an M/M/N
// backend instead of M/D/N). Seeded, so two runs draw the same sequence.
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
    if (distribution_ == Distribution::kFixed) return mean_;
    std::exponential_distribution<double> draw(1.0 / static_cast<double>(mean_.count()));
    return std::chrono::nanoseconds(static_cast<std::int64_t>(draw(rng_)));
  }

  [[nodiscard]] std::chrono::nanoseconds mean() const { return mean_; }

 private:
  std::chrono::nanoseconds mean_;
  Distribution distribution_;
  std::mt19937_64 rng_;
};

}  // namespace sluice::loadtest
