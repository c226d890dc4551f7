#include "control/knee_fit.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>

#include "support/load_curve_samples.h"

namespace sluice::control {
namespace {

using namespace std::chrono_literals;

using test::AddSamples;
using test::FixedServiceCurve;
using test::FixedServiceLatency;

LoadCurveMemory Memory(const LoadCurve::Snapshot& window) {
  LoadCurveMemory m;
  m.settling = false;
  m.Add(window, 100ms);
  return m;
}

TEST(KneeFitTest, PlacesTheKneeWhereTheLatencyStartsToRise) {
  const KneeFit fit = KneeFitter::Fit(Memory(FixedServiceCurve(16, 50, 4, 22)));
  EXPECT_EQ(fit.kind, KneeFit::Kind::kLocated);
  EXPECT_NEAR(fit.knee, 16, 0.5);
  EXPECT_NEAR(fit.service_s, 0.050, 0.001);
  EXPECT_TRUE(fit.Precise());
}

TEST(KneeFitTest, PlacesItBetweenTwoClustersThatStraddleIt) {
  // The limit jumped from 12 to 20 (overload came at once): nothing seen at 13..19.
  LoadCurve::Snapshot s;
  for (uint32_t k = 8; k <= 12; ++k) AddSamples(s, k, 100, 50, 0.5);
  for (uint32_t k = 19; k <= 21; ++k) AddSamples(s, k, 300, FixedServiceLatency(k, 16, 50), 0.5);
  const KneeFit fit = KneeFitter::Fit(Memory(s));
  EXPECT_EQ(fit.kind, KneeFit::Kind::kLocated);
  EXPECT_NEAR(fit.knee, 16, 0.5) << "where the flat level meets the proportional rise";
  EXPECT_TRUE(fit.Precise());
}

TEST(KneeFitTest, AFlatCurveOnlyBoundsTheKneeFromBelow) {
  LoadCurve::Snapshot s;
  for (uint32_t k = 5; k <= 14; ++k) AddSamples(s, k, 100, 50, 0.5);
  const KneeFit fit = KneeFitter::Fit(Memory(s));
  EXPECT_EQ(fit.kind, KneeFit::Kind::kNoRise);
  EXPECT_DOUBLE_EQ(fit.knee, 14);
  EXPECT_NEAR(fit.service_s, 0.050, 0.001);
  EXPECT_FALSE(fit.Precise());
}

TEST(KneeFitTest, ARiseEverywhereOnlyBoundsItFromAbove) {
  LoadCurve::Snapshot s;
  for (uint32_t k = 20; k <= 26; ++k) AddSamples(s, k, 200, FixedServiceLatency(k, 16, 50), 0.5);
  const KneeFit fit = KneeFitter::Fit(Memory(s));
  EXPECT_EQ(fit.kind, KneeFit::Kind::kRising);
  EXPECT_DOUBLE_EQ(fit.knee, 20);
  EXPECT_FALSE(fit.Precise());
}

TEST(KneeFitTest, ARiseWithinTheNoiseIsNoKnee) {
  // Exponential-like spread (sd = mean) and a rise of 5 % over the range: not significant with
  // 50 samples a bucket.
  LoadCurve::Snapshot s;
  for (uint32_t k = 30; k <= 40; ++k) AddSamples(s, k, 50, 12 * (1 + 0.005 * (k - 30)), 12);
  EXPECT_EQ(KneeFitter::Fit(Memory(s)).kind, KneeFit::Kind::kNoRise);
}

TEST(KneeFitTest, NeedsEnoughSamplesAndIgnoresStragglers) {
  LoadCurve::Snapshot few;
  for (uint32_t k = 4; k <= 22; ++k) AddSamples(few, k, 5, FixedServiceLatency(k, 16, 50));
  EXPECT_EQ(KneeFitter::Fit(Memory(few)).kind, KneeFit::Kind::kUnknown);

  // A handful of slow stragglers at a concurrency nothing else was sent at (slow start's last
  // doubling, say) does not move a knee the rest places.
  LoadCurve::Snapshot s = FixedServiceCurve(16, 50, 4, 22);
  AddSamples(s, 40, 7, 400);
  const KneeFit fit = KneeFitter::Fit(Memory(s));
  EXPECT_EQ(fit.kind, KneeFit::Kind::kLocated);
  EXPECT_NEAR(fit.knee, 16, 0.5);
}

TEST(LoadCurveMemoryTest, SkipsTheWindowAfterAClearItHoldsStragglers) {
  LoadCurve::Snapshot s;
  AddSamples(s, 10, 100, 50);
  LoadCurveMemory m;
  m.Add(s, 100ms);
  EXPECT_EQ(m.Total(), 0) << "the first window after a Clear";
  m.Add(s, 100ms);
  EXPECT_NEAR(m.Total(), 100, 1e-9);
  m.Clear();
  m.Add(s, 100ms);
  EXPECT_EQ(m.Total(), 0);
}

TEST(LoadCurveMemoryTest, FadesWithTimeAndKeepsAboutAThousandPerBucket) {
  LoadCurve::Snapshot s;
  AddSamples(s, 10, 800, 50);
  LoadCurveMemory m;
  m.settling = false;
  m.Add(s, 100ms);
  LoadCurve::Snapshot other;
  AddSamples(other, 20, 10, 60);
  m.Add(other, LoadCurveMemory::kFade);  // one time constant later
  const auto at10 = LoadCurve::BucketIndex(10);
  EXPECT_NEAR(m.weight[at10], 800 * std::exp(-1.0), 1e-6);
  EXPECT_NEAR(m.sum_s[at10] / m.weight[at10], 0.050, 1e-9) << "fading keeps the mean";

  m.Add(s, 100ms);  // 294 + 800 > 1000: the old part is trimmed to make room
  EXPECT_NEAR(m.weight[at10], LoadCurveMemory::kBucketMemory, 1e-6);
}

}  // namespace
}  // namespace sluice::control
