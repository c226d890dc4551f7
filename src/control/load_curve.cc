#include "control/load_curve.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>

namespace sluice::control {
namespace {

// See LatencyHistogram: the owner is the only writer, so load + store loses nothing.
void AddAsOwner(std::atomic<uint64_t>& counter, uint64_t amount) {
  counter.store(counter.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
}

// 2^(step / 8) for step 0..8: the eighths of an octave.
constexpr std::array<double, LoadCurve::kStepsPerOctave + 1> kEighths = {
    1.0, 1.0905077, 1.1892071, 1.2968396, 1.4142136, 1.5422108, 1.6817928, 1.8340081, 2.0};

}  // namespace

std::size_t LoadCurve::BucketIndex(uint32_t concurrency) {
  if (concurrency <= kExactUpTo) return std::max<uint32_t>(concurrency, 1);
  // Octave o ≥ 0 above 64 (64·2^o ≤ k < 64·2^(o+1)), then the eighth within it.
  const int octave = std::bit_width(concurrency / kExactUpTo) - 1;
  if (octave >= kOctaves) return kOverflowBucket;
  const double ratio = static_cast<double>(concurrency) / (kExactUpTo << octave);
  int step = 0;
  while (step + 1 < kStepsPerOctave && ratio >= kEighths[step + 1]) ++step;
  // Bucket 65 starts just above 64 (65 ≤ k < 64·2^(1/8)).
  return kExactUpTo + 1 + static_cast<std::size_t>(octave * kStepsPerOctave + step);
}

double LoadCurve::BucketConcurrency(std::size_t index) {
  if (index <= kExactUpTo) return static_cast<double>(std::max<std::size_t>(index, 1));
  const auto above = static_cast<int>(std::min(index, kOverflowBucket) - kExactUpTo - 1);
  const int octave = above / kStepsPerOctave;
  const int step = above % kStepsPerOctave;
  const double lower = kExactUpTo * std::ldexp(kEighths[step], octave);
  return lower * std::sqrt(kEighths[1]);
}

LoadCurve::Snapshot& LoadCurve::Snapshot::operator+=(const Snapshot& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) {
    counts[i] += other.counts[i];
    sum_us[i] += other.sum_us[i];
    sum_sq_us[i] += other.sum_sq_us[i];
  }
  return *this;
}

LoadCurve::Snapshot& LoadCurve::Snapshot::operator-=(const Snapshot& earlier) {
  for (std::size_t i = 0; i < kBuckets; ++i) {
    counts[i] -= earlier.counts[i];
    sum_us[i] -= earlier.sum_us[i];
    sum_sq_us[i] -= earlier.sum_sq_us[i];
  }
  return *this;
}

uint64_t LoadCurve::Snapshot::Count() const {
  uint64_t total = 0;
  for (const uint64_t c : counts) total += c;
  return total;
}

void LoadCurve::Record(uint32_t concurrency, core::Duration latency) {
  const std::size_t i = BucketIndex(concurrency);
  const auto us = static_cast<uint64_t>(
      std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(latency).count()));
  AddAsOwner(counts_[i], 1);
  AddAsOwner(sum_us_[i], us);
  AddAsOwner(sum_sq_us_[i], us * us);
}

LoadCurve::Snapshot LoadCurve::Read() const {
  Snapshot s;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    s.sum_us[i] = sum_us_[i].load(std::memory_order_relaxed);
    s.sum_sq_us[i] = sum_sq_us_[i].load(std::memory_order_relaxed);
  }
  return s;
}

}  // namespace sluice::control
