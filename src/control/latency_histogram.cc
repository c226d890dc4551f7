#include "control/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <limits>

namespace sluice::control {
namespace {

using core::Duration;

// IEEE 754 binary64: 52 mantissa bits, exponent bias 1023.
constexpr int kMantissaBits = 52;
constexpr uint64_t kMantissaMask = (uint64_t{1} << kMantissaBits) - 1;
constexpr uint64_t kExponentBias = 1023;

// Newton's iteration, for the table below (std::sqrt is not constexpr).
constexpr double ConstexprSqrt(double x) {
  double root = x;
  for (int i = 0; i < 64; ++i) root = 0.5 * (root + x / root);
  return root;
}

// 2^(k/8) for k = 0..7: where each eighth of an octave starts. Index and bounds both derive
// from this one table, so a latency always lies within the bounds of the bucket it lands in.
constexpr std::array<double, LatencyHistogram::kStepsPerOctave> kStepStarts = [] {
  const double root2 = ConstexprSqrt(2.0);
  const double root4 = ConstexprSqrt(root2);
  const double root8 = ConstexprSqrt(root4);
  std::array<double, LatencyHistogram::kStepsPerOctave> starts{};
  for (int k = 0; k < LatencyHistogram::kStepsPerOctave; ++k) {
    starts[k] = ((k & 4) ? root2 : 1.0) * ((k & 2) ? root4 : 1.0) * ((k & 1) ? root8 : 1.0);
  }
  return starts;
}();

// The same starts as mantissa bits (all lie in [1, 2), so the exponent bits are 1023's), to
// place a latency within its octave by integer compares. k = 0 is always passed: left out.
constexpr std::array<uint64_t, LatencyHistogram::kStepsPerOctave - 1> kStepMantissas = [] {
  std::array<uint64_t, LatencyHistogram::kStepsPerOctave - 1> mantissas{};
  for (std::size_t k = 1; k < kStepStarts.size(); ++k) {
    mantissas[k - 1] = std::bit_cast<uint64_t>(kStepStarts[k]) & kMantissaMask;
  }
  return mantissas;
}();

constexpr double kNanosPerMicro = 1000.0;

// Lower bound of a regular or overflow bucket in µs: 2^(j/8) with j counted from bucket 1.
double LowerBoundMicros(std::size_t index) {
  const std::size_t j = index - LatencyHistogram::kFirstRegularBucket;
  return std::ldexp(kStepStarts[j % LatencyHistogram::kStepsPerOctave],
                    static_cast<int>(j / LatencyHistogram::kStepsPerOctave));
}

// The owner is the only writer, so a plain load + store cannot lose an update and costs no
// locked instruction (unlike fetch_add).
void AddAsOwner(std::atomic<uint64_t>& counter, uint64_t amount) {
  counter.store(counter.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
}

}  // namespace

std::size_t LatencyHistogram::BucketIndex(Duration latency) {
  // Within one ulp of the exact ratio; it only matters for latencies on a bucket boundary.
  const double micros = static_cast<double>(latency.count()) * (1.0 / kNanosPerMicro);
  if (!(micros >= 1.0)) return 0;
  const uint64_t bits = std::bit_cast<uint64_t>(micros);
  const uint64_t octave = (bits >> kMantissaBits) - kExponentBias;  // micros >= 1: octave >= 0
  const uint64_t mantissa = bits & kMantissaMask;
  uint64_t step = 0;
  for (const uint64_t start : kStepMantissas) step += mantissa >= start ? 1 : 0;
  const uint64_t regular = octave * kStepsPerOctave + step;
  return std::min<uint64_t>(kFirstRegularBucket + regular, kOverflowBucket);
}

Duration LatencyHistogram::BucketLowerBound(std::size_t index) {
  assert(index < kBuckets);
  if (index == 0) return Duration{0};
  return Duration(static_cast<int64_t>(std::floor(LowerBoundMicros(index) * kNanosPerMicro)));
}

Duration LatencyHistogram::BucketUpperBound(std::size_t index) {
  assert(index < kBuckets);
  if (index == kOverflowBucket) return Duration::max();
  return Duration(static_cast<int64_t>(std::ceil(LowerBoundMicros(index + 1) * kNanosPerMicro)));
}

void LatencyHistogram::Record(Duration latency) {
  AddAsOwner(counts_[BucketIndex(latency)], 1);
  AddAsOwner(sum_ns_, static_cast<uint64_t>(std::max<int64_t>(latency.count(), 0)));
}

LatencyHistogram::Snapshot LatencyHistogram::Read() const {
  Snapshot snapshot;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    snapshot.counts[i] = counts_[i].load(std::memory_order_relaxed);
  }
  snapshot.sum_ns = sum_ns_.load(std::memory_order_relaxed);
  return snapshot;
}

LatencyHistogram::Snapshot& LatencyHistogram::Snapshot::operator+=(const Snapshot& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) counts[i] += other.counts[i];
  sum_ns += other.sum_ns;
  return *this;
}

LatencyHistogram::Snapshot& LatencyHistogram::Snapshot::operator-=(const Snapshot& earlier) {
  for (std::size_t i = 0; i < kBuckets; ++i) {
    assert(counts[i] >= earlier.counts[i] && "subtracting a later snapshot");
    counts[i] -= earlier.counts[i];
  }
  sum_ns -= earlier.sum_ns;
  return *this;
}

uint64_t LatencyHistogram::Snapshot::Count() const {
  uint64_t total = 0;
  for (const uint64_t c : counts) total += c;
  return total;
}

Duration LatencyHistogram::Snapshot::Quantile(double q) const {
  assert(q >= 0.0 && q <= 1.0);
  const uint64_t total = Count();
  if (total == 0) return Duration{0};
  // Nearest rank: the smallest sample with at least a q share of the samples at or below it.
  const double wanted = std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(total));
  const uint64_t rank = std::clamp<uint64_t>(static_cast<uint64_t>(wanted), 1, total);
  uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts[i];
    if (seen >= rank) return i == kOverflowBucket ? BucketLowerBound(i) : BucketUpperBound(i);
  }
  return BucketLowerBound(kOverflowBucket);  // not reached: the ranks add up to `total`
}

Duration LatencyHistogram::Snapshot::Mean() const {
  const uint64_t total = Count();
  if (total == 0) return Duration{0};
  return Duration(static_cast<int64_t>(sum_ns / total));
}

}  // namespace sluice::control
