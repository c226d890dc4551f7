#pragma once
// Latency by the concurrency a request was dispatched at (DESIGN §5; issue 4 item 3, "not once
// more concurrency stops buying throughput"): how many requests were in flight to the cluster,
// this one included, when it was sent, and how long it took. Below the backend's knee a request
// starts its service at once, so its latency is the service time whatever that concurrency; past
// the knee it first waits for others to finish, and its latency grows with the concurrency. The
// spread of Poisson arrivals under the limit, and the limit's own steps, cover a range of
// concurrencies, so the curve shows where the rise begins without a probe (control/knee_fit.h).
//
// Buckets: concurrency 1..64 one each, then 8 per octave up to 4096, then one overflow bucket.
// Per bucket: count, sum and sum of squares of the latency in µs (the spread within a bucket is
// what tells a real rise from noise). Like LatencyHistogram the counters are cumulative and never
// reset; readers diff snapshots. The sums wrap modulo 2^64, which the difference of two reads
// undoes as long as one window's own sum fits (10^6 samples of 1 s each: 10^18 µs²).
//
// Thread-safety: one writer per instance (Record, the owning worker) and any number of readers
// (Read). Every counter is an atomic only its writer changes (relaxed load + store).
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/clock.h"

namespace sluice::control {

class LoadCurve {
 public:
  static constexpr uint32_t kExactUpTo = 64;
  static constexpr int kStepsPerOctave = 8;
  static constexpr int kOctaves = 6;  // 64 → 4096
  static constexpr std::size_t kOverflowBucket = kExactUpTo + kStepsPerOctave * kOctaves + 1;
  static constexpr std::size_t kBuckets = kOverflowBucket + 1;

  // The bucket of a concurrency (0 and 1 share bucket 1: a request is always in flight itself).
  [[nodiscard]] static std::size_t BucketIndex(uint32_t concurrency);
  // The concurrency a bucket stands for: its value up to 64, the geometric middle of its range
  // above.
  [[nodiscard]] static double BucketConcurrency(std::size_t index);

  // Counts at one moment, or a difference or sum of such. Thread-safety: a plain value.
  struct Snapshot {
    std::array<uint64_t, kBuckets> counts{};
    std::array<uint64_t, kBuckets> sum_us{};
    std::array<uint64_t, kBuckets> sum_sq_us{};

    Snapshot& operator+=(const Snapshot& other);
    Snapshot& operator-=(const Snapshot& earlier);
    friend Snapshot operator+(Snapshot a, const Snapshot& b) { return a += b; }
    friend Snapshot operator-(Snapshot a, const Snapshot& b) { return a -= b; }
    [[nodiscard]] uint64_t Count() const;
  };

  LoadCurve() = default;
  LoadCurve(const LoadCurve&) = delete;
  LoadCurve& operator=(const LoadCurve&) = delete;

  // Owning worker only.
  void Record(uint32_t concurrency, core::Duration latency);
  // Any thread.
  [[nodiscard]] Snapshot Read() const;

 private:
  // Writer: the owning worker; readers: any thread. Relaxed: standalone counters.
  std::array<std::atomic<uint64_t>, kBuckets> counts_{};
  std::array<std::atomic<uint64_t>, kBuckets> sum_us_{};
  std::array<std::atomic<uint64_t>, kBuckets> sum_sq_us_{};
};

}  // namespace sluice::control
