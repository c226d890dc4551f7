#pragma once
// A log-bucketed latency histogram for the controller's windows (DESIGN §5 "Samples"; issue 4
// item 2). Buckets grow geometrically by 2^(1/8) (≈ 9.05 % wide) from 1 µs to ≈ 103 s:
//
//   bucket 0          [0, 1 µs)                       under 1 µs
//   bucket i, 1..213  [1 µs·2^((i-1)/8), 1 µs·2^(i/8))
//   bucket 214        [1 µs·2^(213/8) ≈ 103.2 s, ∞)   overflow
//
// The index comes from the bits of the latency as a double (the exponent is the octave, seven
// compares of the mantissa against 2^(k/8) give the eighth), so Record costs a few ns and
// allocates nothing. An exact sum of nanoseconds rides alongside for the mean.
//
// Counts are cumulative and never reset: a reader takes a Snapshot and subtracts the one it took
// before (what happened in between) and adds the shards of every worker (the whole cluster).
//
// Thread-safety: one writer per instance (Record; the worker that owns the shard) and any number
// of concurrent readers (Read). Every counter is an atomic that only its writer changes, so the
// writer uses a relaxed load + store (no locked read-modify-write) and a reader sees each
// counter only grow. Counters are not read as one atomic unit: a Read during a Record may see
// the sample in its bucket but not yet in the sum (or the reverse); the difference is that one
// sample, and it lands in the next window, because windows diff cumulative totals.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/clock.h"

namespace sluice::control {

class LatencyHistogram {
 public:
  static constexpr int kStepsPerOctave = 8;  // bucket ratio 2^(1/8)
  static constexpr std::size_t kFirstRegularBucket = 1;
  static constexpr std::size_t kRegularBuckets = 213;  // 1 µs·2^(213/8) ≈ 103 s
  static constexpr std::size_t kOverflowBucket = kFirstRegularBucket + kRegularBuckets;
  static constexpr std::size_t kBuckets = kOverflowBucket + 1;

  // The bucket a latency falls in; negative latencies count as 0.
  [[nodiscard]] static std::size_t BucketIndex(core::Duration latency);
  // Bounds of bucket `index`, rounded outward to whole nanoseconds. The overflow bucket has no
  // upper bound: Duration::max().
  [[nodiscard]] static core::Duration BucketLowerBound(std::size_t index);
  [[nodiscard]] static core::Duration BucketUpperBound(std::size_t index);

  // Counts at one moment, or a difference or sum of such. Thread-safety: a plain value.
  struct Snapshot {
    std::array<uint64_t, kBuckets> counts{};
    uint64_t sum_ns = 0;  // exact sum of the recorded latencies

    // Merge: the samples of both (e.g. every worker's shard of one cluster).
    Snapshot& operator+=(const Snapshot& other);
    // What was recorded since `earlier`, an earlier Read of the same histogram(s).
    Snapshot& operator-=(const Snapshot& earlier);
    friend Snapshot operator+(Snapshot a, const Snapshot& b) { return a += b; }
    friend Snapshot operator-(Snapshot a, const Snapshot& b) { return a -= b; }

    [[nodiscard]] uint64_t Count() const;
    // The q-quantile (0 < q ≤ 1) by nearest rank, reported as the upper bound of the bucket
    // that holds it: never below the true sample and less than 9.05 % above it, so the
    // estimate is biased upward by a consistent bounded amount (the controller errs towards
    // "slow"). The overflow bucket reports its lower bound (≈ 103 s, "at least"). 0 when empty.
    [[nodiscard]] core::Duration Quantile(double q) const;
    // Exact arithmetic mean (rounded down to the ns); 0 when empty.
    [[nodiscard]] core::Duration Mean() const;
  };

  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  // Owning worker only.
  void Record(core::Duration latency);
  // Any thread.
  [[nodiscard]] Snapshot Read() const;

 private:
  // Writer: the owning worker (Record); readers: any thread (Read). Relaxed order suffices:
  // each counter is a standalone number that publishes no other data, and per-object coherence
  // alone guarantees that a reader never sees one go backwards.
  std::array<std::atomic<uint64_t>, kBuckets> counts_{};
  std::atomic<uint64_t> sum_ns_{0};
};

}  // namespace sluice::control
