#include "control/load_curve.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>

namespace sluice::control {
namespace {

using namespace std::chrono_literals;

TEST(LoadCurveTest, KeepsEveryConcurrencyUpTo64InItsOwnBucket) {
  EXPECT_EQ(LoadCurve::BucketIndex(0), 1u) << "a request is in flight itself";
  for (uint32_t k = 1; k <= 64; ++k) {
    EXPECT_EQ(LoadCurve::BucketIndex(k), k);
    EXPECT_DOUBLE_EQ(LoadCurve::BucketConcurrency(k), k);
  }
}

TEST(LoadCurveTest, GroupsHigherConcurrencyInEighthsOfAnOctave) {
  EXPECT_EQ(LoadCurve::BucketIndex(65), 65u);
  EXPECT_EQ(LoadCurve::BucketIndex(69), 65u);
  EXPECT_EQ(LoadCurve::BucketIndex(70), 66u) << "64 × 2^(1/8) = 69.8";
  EXPECT_EQ(LoadCurve::BucketIndex(127), 72u);
  EXPECT_EQ(LoadCurve::BucketIndex(128), 73u) << "the next octave";
  EXPECT_EQ(LoadCurve::BucketIndex(4095), LoadCurve::kOverflowBucket - 1);
  EXPECT_EQ(LoadCurve::BucketIndex(4096), LoadCurve::kOverflowBucket);
  EXPECT_EQ(LoadCurve::BucketIndex(std::numeric_limits<uint32_t>::max()),
            LoadCurve::kOverflowBucket);
  // Monotonic, and each bucket's stand-in concurrency lies within what it holds.
  std::size_t previous = 1;
  for (uint32_t k = 1; k < 5000; ++k) {
    const std::size_t index = LoadCurve::BucketIndex(k);
    EXPECT_GE(index, previous);
    EXPECT_LE(index, previous + 1) << "no bucket skipped at " << k;
    previous = index;
    if (k > 64 && index < LoadCurve::kOverflowBucket) {
      EXPECT_NEAR(LoadCurve::BucketConcurrency(index) / k, 1.0, 0.095) << k;
    }
  }
}

TEST(LoadCurveTest, ReadsWhatWasRecordedAndDiffsTwoReads) {
  LoadCurve curve;
  curve.Record(5, 2ms);
  const auto first = curve.Read();
  curve.Record(5, 4ms);
  curve.Record(100, 1s);
  const auto window = curve.Read() - first;
  EXPECT_EQ(window.Count(), 2u);
  EXPECT_EQ(window.counts[5], 1u);
  EXPECT_EQ(window.sum_us[5], 4000u);
  EXPECT_EQ(window.sum_sq_us[5], 16'000'000u);
  EXPECT_EQ(window.sum_us[LoadCurve::BucketIndex(100)], 1'000'000u);
  EXPECT_EQ((window + first).counts[5], 2u);
}

TEST(LoadCurveTest, AWindowsSumIsExactAfterTheCumulativeSumWraps) {
  LoadCurve curve;
  // 4.3 s² per sample: the cumulative sum of squares passes 2^64 after about 4.3 million.
  // Reaching that takes too long here; a difference across a wrap is what matters, and unsigned
  // arithmetic gives it: check it on the snapshot type directly.
  LoadCurve::Snapshot before;
  before.sum_sq_us[3] = std::numeric_limits<uint64_t>::max() - 5;
  LoadCurve::Snapshot after = before;
  after.sum_sq_us[3] += 100;  // wraps
  EXPECT_EQ((after - before).sum_sq_us[3], 100u);
  curve.Record(3, -1ms);  // negative latencies count as 0
  EXPECT_EQ(curve.Read().sum_us[3], 0u);
}

}  // namespace
}  // namespace sluice::control
