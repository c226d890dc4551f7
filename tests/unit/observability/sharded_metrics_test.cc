#include "observability/sharded_metrics.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace sluice::observability {
namespace {

TEST(ShardedMetricsTest, ConcurrentWorkersLoseNoCountsAndAFlushRunsBesideThem) {
  prometheus::Counter exported_counter;
  prometheus::Histogram exported_histogram({0.001, 0.01});
  ShardedCounter counter(exported_counter);
  ShardedHistogram histogram(exported_histogram, {0.001, 0.01});
  constexpr int kWorkers = 4;
  constexpr int kPerWorker = 20000;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      for (int i = 0; i < kPerWorker; ++i) {
        counter.Add(static_cast<std::size_t>(w));
        histogram.Observe(static_cast<std::size_t>(w), 0.005);
      }
    });
  }
  // A scrape while they record: it exports what it sees, the next one the rest.
  counter.Flush();
  histogram.Flush();
  for (auto& t : workers) t.join();
  counter.Flush();
  histogram.Flush();
  EXPECT_EQ(counter.Total(), kWorkers * kPerWorker);
  EXPECT_EQ(exported_counter.Value(), kWorkers * kPerWorker);
  const auto collected = exported_histogram.Collect().histogram;
  EXPECT_EQ(collected.sample_count, static_cast<uint64_t>(kWorkers * kPerWorker));
  EXPECT_NEAR(collected.sample_sum, 0.005 * kWorkers * kPerWorker, 1e-6);
  ASSERT_EQ(collected.bucket.size(), 3u);
  EXPECT_EQ(collected.bucket[0].cumulative_count, 0u);
  EXPECT_EQ(collected.bucket[1].cumulative_count, static_cast<uint64_t>(kWorkers * kPerWorker));
}

TEST(ShardedMetricsTest, AGaugeIsTheSumOfItsShardsAndExportsItsValue) {
  prometheus::Gauge exported;
  ShardedGauge gauge(exported);
  gauge.Add(0, 5);
  gauge.Add(3, -2);
  EXPECT_EQ(gauge.Value(), 3);
  EXPECT_EQ(exported.Value(), 0) << "exported only at a flush";
  gauge.Flush();
  EXPECT_EQ(exported.Value(), 3);
}

TEST(ShardedMetricsTest, MoreBoundsThanAShardHoldsAreRefused) {
  prometheus::Histogram::BucketBoundaries bounds;
  for (std::size_t i = 0; i <= ShardedHistogram::kMaxBounds; ++i) bounds.push_back(i + 1.0);
  prometheus::Histogram exported(bounds);
  EXPECT_THROW(ShardedHistogram(exported, bounds), std::invalid_argument);
}

}  // namespace
}  // namespace sluice::observability
