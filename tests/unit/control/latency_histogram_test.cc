#include "control/latency_histogram.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <thread>
#include <vector>

namespace sluice::control {
namespace {

using namespace std::chrono_literals;
using core::Duration;
using Snapshot = LatencyHistogram::Snapshot;

const double kBucketRatio = std::exp2(1.0 / LatencyHistogram::kStepsPerOctave);  // ≈ 1.0905

Snapshot HistogramOf(std::initializer_list<Duration> latencies) {
  LatencyHistogram histogram;
  for (const Duration d : latencies) histogram.Record(d);
  return histogram.Read();
}

double Ns(Duration d) { return static_cast<double>(d.count()); }

// 1 µs to 100 s in steps of 0.07 %: several latencies in every bucket.
std::vector<Duration> SweepOneMicrosecondToOneHundredSeconds() {
  std::vector<Duration> sweep;
  for (int step = 0;; ++step) {
    const double ns = 1000.0 * std::pow(1.0007, step);
    if (ns > 100e9) return sweep;
    sweep.emplace_back(static_cast<int64_t>(ns));
  }
}

TEST(LatencyHistogramTest, RegularBucketsSpanOneMicrosecondToOverOneHundredSeconds) {
  EXPECT_EQ(LatencyHistogram::BucketLowerBound(LatencyHistogram::kFirstRegularBucket), 1us);
  EXPECT_EQ(LatencyHistogram::BucketUpperBound(0), 1us);
  const Duration overflow_starts =
      LatencyHistogram::BucketLowerBound(LatencyHistogram::kOverflowBucket);
  EXPECT_GE(overflow_starts, 100s);
  EXPECT_LT(overflow_starts, 110s);
  EXPECT_EQ(LatencyHistogram::BucketUpperBound(LatencyHistogram::kOverflowBucket), Duration::max());
}

TEST(LatencyHistogramTest, EachBucketIsWiderThanTheLastByTwoToTheOneEighth) {
  for (std::size_t i = LatencyHistogram::kFirstRegularBucket; i < LatencyHistogram::kOverflowBucket;
       ++i) {
    const Duration lower = LatencyHistogram::BucketLowerBound(i);
    const Duration upper = LatencyHistogram::BucketUpperBound(i);
    // Bounds are rounded outward to whole ns, so neighbours overlap by at most 1 ns.
    EXPECT_LE(LatencyHistogram::BucketLowerBound(i + 1), upper) << i;
    EXPECT_GE(LatencyHistogram::BucketLowerBound(i + 1) + 1ns, upper) << i;
    EXPECT_NEAR(Ns(upper) / Ns(lower), kBucketRatio, 3.0 / Ns(lower)) << i;  // ±1 ns each
  }
}

TEST(LatencyHistogramTest, EveryLatencyFromOneMicrosecondToOneHundredSecondsLiesInItsBucket) {
  for (const Duration latency : SweepOneMicrosecondToOneHundredSeconds()) {
    const std::size_t index = LatencyHistogram::BucketIndex(latency);
    ASSERT_GE(index, LatencyHistogram::kFirstRegularBucket) << latency.count();
    ASSERT_LT(index, LatencyHistogram::kOverflowBucket) << latency.count();
    ASSERT_LE(LatencyHistogram::BucketLowerBound(index), latency) << latency.count();
    ASSERT_GE(LatencyHistogram::BucketUpperBound(index), latency) << latency.count();
  }
}

TEST(LatencyHistogramTest, ReportsEachLatencyAtMostNinePercentHigh) {
  for (const Duration latency : SweepOneMicrosecondToOneHundredSeconds()) {
    const Duration reported = HistogramOf({latency}).Quantile(0.5);
    ASSERT_GE(reported, latency) << latency.count();
    // +1 ns: the bound is rounded up to whole nanoseconds.
    ASSERT_LE(Ns(reported), Ns(latency) * kBucketRatio + 1.0) << latency.count();
  }
}

TEST(LatencyHistogramTest, SubMicrosecondAndNegativeLatenciesFallInTheFirstBucket) {
  EXPECT_EQ(LatencyHistogram::BucketIndex(999ns), 0u);
  EXPECT_EQ(LatencyHistogram::BucketIndex(0ns), 0u);
  EXPECT_EQ(LatencyHistogram::BucketIndex(-5ms), 0u);
  const Snapshot snapshot = HistogramOf({-5ms, 400ns});
  EXPECT_EQ(snapshot.counts[0], 2u);
  EXPECT_EQ(snapshot.sum_ns, 400u);  // a negative latency counts as 0
  EXPECT_EQ(snapshot.Quantile(0.99), 1us);
}

TEST(LatencyHistogramTest, LatenciesBeyondTheLastBucketReportTheOverflowFloor) {
  EXPECT_EQ(LatencyHistogram::BucketIndex(200s), LatencyHistogram::kOverflowBucket);
  EXPECT_EQ(LatencyHistogram::BucketIndex(Duration::max()), LatencyHistogram::kOverflowBucket);
  EXPECT_EQ(HistogramOf({200s}).Quantile(0.99),
            LatencyHistogram::BucketLowerBound(LatencyHistogram::kOverflowBucket));
}

TEST(LatencyHistogramTest, EmptyHistogramReportsZero) {
  const Snapshot empty = LatencyHistogram().Read();
  EXPECT_EQ(empty.Count(), 0u);
  EXPECT_EQ(empty.Quantile(0.99), 0ns);
  EXPECT_EQ(empty.Mean(), 0ns);
}

TEST(LatencyHistogramTest, QuantilesOfAUniformSpreadAreWithinTenPercentAndNeverLow) {
  LatencyHistogram histogram;
  for (int ms = 1; ms <= 1000; ++ms) histogram.Record(Duration(std::chrono::milliseconds(ms)));
  const Snapshot snapshot = histogram.Read();
  EXPECT_EQ(snapshot.Count(), 1000u);
  const auto expect_near_above = [&](double q, Duration exact) {
    const Duration estimate = snapshot.Quantile(q);
    EXPECT_GE(estimate, exact) << q;
    EXPECT_LE(Ns(estimate), Ns(exact) * 1.10) << q;
  };
  expect_near_above(0.99, 990ms);
  expect_near_above(0.90, 900ms);
  expect_near_above(0.50, 500ms);
  expect_near_above(1.00, 1000ms);
  expect_near_above(0.00, 1ms);  // the smallest sample
}

TEST(LatencyHistogramTest, QuantilesOfABimodalSpreadPickTheRightMode) {
  LatencyHistogram histogram;
  for (int i = 0; i < 900; ++i) histogram.Record(10ms);
  for (int i = 0; i < 100; ++i) histogram.Record(500ms);
  const Snapshot snapshot = histogram.Read();
  const Duration fast = LatencyHistogram::BucketUpperBound(LatencyHistogram::BucketIndex(10ms));
  const Duration slow = LatencyHistogram::BucketUpperBound(LatencyHistogram::BucketIndex(500ms));
  EXPECT_EQ(snapshot.Quantile(0.50), fast);
  EXPECT_EQ(snapshot.Quantile(0.90), fast);  // the 900th sample is the last fast one
  EXPECT_EQ(snapshot.Quantile(0.901), slow);
  EXPECT_EQ(snapshot.Quantile(0.99), slow);
}

TEST(LatencyHistogramTest, MeanIsExactToTheNanosecond) {
  const Snapshot snapshot = HistogramOf({1ms, 2ms, 4ms + 3ns});
  EXPECT_EQ(snapshot.sum_ns, 7'000'003u);
  EXPECT_EQ(snapshot.Mean(), 2'333'334ns);  // 7'000'003 / 3, rounded down
}

TEST(LatencyHistogramTest, SubtractingAnEarlierReadLeavesWhatCameSince) {
  LatencyHistogram histogram;
  histogram.Record(3ms);
  histogram.Record(40ms);
  const Snapshot before = histogram.Read();
  histogram.Record(7ms);
  histogram.Record(900us);
  const Snapshot since = histogram.Read() - before;
  const Snapshot expected = HistogramOf({7ms, 900us});
  EXPECT_EQ(since.counts, expected.counts);
  EXPECT_EQ(since.sum_ns, expected.sum_ns);
  EXPECT_EQ(since.Mean(), Duration(3950us));
}

TEST(LatencyHistogramTest, MergingWorkersEqualsOneHistogramOfAllSamples) {
  const Snapshot worker_a = HistogramOf({1ms, 2ms, 80ms});
  const Snapshot worker_b = HistogramOf({5us, 2ms, 3s});
  const Snapshot all = HistogramOf({1ms, 2ms, 80ms, 5us, 2ms, 3s});
  const Snapshot merged = worker_a + worker_b;
  EXPECT_EQ(merged.counts, all.counts);
  EXPECT_EQ(merged.sum_ns, all.sum_ns);
  EXPECT_EQ(merged.Quantile(0.99), all.Quantile(0.99));
}

// One writer records while another thread reads: every count a reader sees only grows, and
// once the writer is done the reader sees every sample. (Data-race free by design: all shared
// state is atomic; run under TSan to check.)
TEST(LatencyHistogramTest, ConcurrentReaderSeesCountsOnlyGrow) {
  constexpr int kSamples = 200'000;
  LatencyHistogram histogram;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < kSamples; ++i) histogram.Record(Duration(1000 + (i % 5000) * 997));
    done.store(true, std::memory_order_release);
  });
  Snapshot previous;
  bool monotone = true;
  bool writer_done = false;
  while (!writer_done && monotone) {
    writer_done = done.load(std::memory_order_acquire);
    const Snapshot current = histogram.Read();
    for (std::size_t i = 0; i < LatencyHistogram::kBuckets; ++i) {
      monotone = monotone && current.counts[i] >= previous.counts[i];
    }
    monotone = monotone && current.sum_ns >= previous.sum_ns;
    previous = current;
  }
  writer.join();
  EXPECT_TRUE(monotone);
  EXPECT_EQ(previous.Count(), static_cast<uint64_t>(kSamples));
}

}  // namespace
}  // namespace sluice::control
