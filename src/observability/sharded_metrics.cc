#include "observability/sharded_metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <stdexcept>

namespace sluice::observability {

int64_t ShardCells::Sum() const {
  int64_t total = 0;
  for (const auto& c : cells_) total += c.value.load(std::memory_order_relaxed);
  return total;
}

void ShardedCounter::Flush() {
  const std::lock_guard lock(flush_mu_);
  const int64_t total = Total();
  if (total > flushed_) exported_.Increment(static_cast<double>(total - flushed_));
  flushed_ = std::max(flushed_, total);
}

ShardedHistogram::ShardedHistogram(prometheus::Histogram& exported,
                                   const std::vector<double>& bounds)
    : exported_(exported), bounds_(bounds), flushed_counts_(bounds.size() + 1, 0) {
  if (bounds_.size() > kMaxBounds) {
    throw std::invalid_argument("ShardedHistogram: more than kMaxBounds bucket bounds");
  }
  assert(std::is_sorted(bounds_.begin(), bounds_.end()));
}

void ShardedHistogram::Observe(std::size_t worker, double seconds) {
  // The first bound at or above the value, like prometheus-cpp's Observe; NaN lands last.
  const auto bucket = static_cast<std::size_t>(
      std::find_if(bounds_.begin(), bounds_.end(), [seconds](double b) { return b >= seconds; }) -
      bounds_.begin());
  Shard& shard = shards_[worker % kMetricShards];
  shard.counts[bucket].fetch_add(1, std::memory_order_relaxed);
  if (std::isfinite(seconds)) {
    shard.sum_ns.fetch_add(std::llround(seconds * 1e9), std::memory_order_relaxed);
  }
}

void ShardedHistogram::Flush() {
  const std::lock_guard lock(flush_mu_);
  std::vector<double> increments(flushed_counts_.size(), 0.0);
  int64_t sum_ns = 0;
  bool any = false;
  for (std::size_t b = 0; b < flushed_counts_.size(); ++b) {
    uint64_t total = 0;
    for (const auto& shard : shards_) total += shard.counts[b].load(std::memory_order_relaxed);
    increments[b] = static_cast<double>(total - flushed_counts_[b]);
    any = any || total != flushed_counts_[b];
    flushed_counts_[b] = total;
  }
  for (const auto& shard : shards_) sum_ns += shard.sum_ns.load(std::memory_order_relaxed);
  if (!any && sum_ns == flushed_sum_ns_) return;
  exported_.ObserveMultiple(increments, static_cast<double>(sum_ns - flushed_sum_ns_) * 1e-9);
  flushed_sum_ns_ = sum_ns;
}

}  // namespace sluice::observability
