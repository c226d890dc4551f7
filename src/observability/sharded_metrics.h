#pragma once
// Request-path metrics that workers update without sharing a cache line or taking a lock. Each
// worker adds to its own shard; a scrape sums the shards and hands the change since the last
// scrape to the prometheus-cpp metric that /metrics shows (Flush). prometheus-cpp 1.0 takes a
// mutex in Histogram::Observe, and its counters and gauges are one atomic double each: two
// workers updating the same series moved its cache line between cores on every request.
//
// A shard is chosen by the caller's worker index (modulo kMetricShards: more workers share
// shards, which stays correct since every cell is atomic). Cells use relaxed order: a metric is
// a statistic, and a scrape that sees a count without its sum for an instant is tolerable.
//
// Thread-safety: Add, Observe and the readers are thread-safe and lock-free; Flush is
// thread-safe (its own mutex, never taken on the request path).
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace sluice::observability {

inline constexpr std::size_t kMetricShards = 8;

// One value per shard, each on a cache line of its own.
class ShardCells {
 public:
  void Add(std::size_t worker, int64_t delta) {
    cells_[worker % kMetricShards].value.fetch_add(delta, std::memory_order_relaxed);
  }
  [[nodiscard]] int64_t Sum() const;

 private:
  struct alignas(64) Cell {
    std::atomic<int64_t> value{0};
  };
  std::array<Cell, kMetricShards> cells_{};
};

// A count that goes up and down (requests in flight, streams open), exported as a gauge.
class ShardedGauge {
 public:
  explicit ShardedGauge(prometheus::Gauge& exported) : exported_(exported) {}
  void Add(std::size_t worker, int64_t delta) { cells_.Add(worker, delta); }
  [[nodiscard]] int64_t Value() const { return cells_.Sum(); }
  void Flush() { exported_.Set(static_cast<double>(Value())); }

 private:
  prometheus::Gauge& exported_;
  ShardCells cells_;
};

// A count that only goes up, exported as a counter.
class ShardedCounter {
 public:
  explicit ShardedCounter(prometheus::Counter& exported) : exported_(exported) {}
  void Add(std::size_t worker, int64_t n = 1) { cells_.Add(worker, n); }
  [[nodiscard]] int64_t Total() const { return cells_.Sum(); }
  void Flush();

 private:
  prometheus::Counter& exported_;
  ShardCells cells_;
  std::mutex flush_mu_;  // guards flushed_
  int64_t flushed_ = 0;
};

// Observations sorted into the exported histogram's buckets (value ≤ bound, as prometheus-cpp
// does), their sum kept in nanoseconds of the observed seconds.
class ShardedHistogram {
 public:
  static constexpr std::size_t kMaxBounds = 15;  // DurationBuckets(); a shard fills 3 cache lines
  // `bounds` must be the exported histogram's, ascending; throws std::invalid_argument for more
  // than kMaxBounds.
  ShardedHistogram(prometheus::Histogram& exported, const std::vector<double>& bounds);
  void Observe(std::size_t worker, double seconds);
  void Flush();

 private:
  struct alignas(64) Shard {
    std::array<std::atomic<uint64_t>, kMaxBounds + 1> counts{};  // the last: above every bound
    std::atomic<int64_t> sum_ns{0};
  };

  prometheus::Histogram& exported_;
  std::vector<double> bounds_;
  std::array<Shard, kMetricShards> shards_{};
  std::mutex flush_mu_;  // guards the two below
  std::vector<uint64_t> flushed_counts_;
  int64_t flushed_sum_ns_ = 0;
};

}  // namespace sluice::observability
