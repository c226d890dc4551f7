#include "admission/watermark.h"

#include <gtest/gtest.h>

namespace sluice::admission {
namespace {

TEST(WatermarkTest, StartsOffAndTurnsOnAtHigh) {
  Watermark w(10, 20);
  EXPECT_FALSE(w.Update(19));
  EXPECT_TRUE(w.Update(20));
  EXPECT_TRUE(w.shedding());
}

TEST(WatermarkTest, TurnsOffOnlyAtOrBelowLow) {
  Watermark w(10, 20);
  EXPECT_TRUE(w.Update(25));
  EXPECT_TRUE(w.Update(11));
  EXPECT_FALSE(w.Update(10));
  EXPECT_FALSE(w.Update(19));
}

TEST(WatermarkTest, NoFlappingWhenDepthOscillatesAroundHigh) {
  Watermark w(10, 20);
  int transitions = 0;
  bool last = false;
  for (int i = 0; i < 1000; ++i) {
    const bool now = w.Update(i % 2 == 0 ? 19 : 21);
    transitions += now != last ? 1 : 0;
    last = now;
  }
  EXPECT_EQ(transitions, 1);
  EXPECT_TRUE(last);
}

TEST(WatermarkTest, NoFlappingWhenDepthOscillatesAroundLow) {
  Watermark w(10, 20);
  ASSERT_TRUE(w.Update(20));
  ASSERT_FALSE(w.Update(10));
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(w.Update(i % 2 == 0 ? 9 : 11));
}

TEST(WatermarkTest, LowZeroShedsUntilEmpty) {
  Watermark w(0, 3);
  EXPECT_TRUE(w.Update(3));
  EXPECT_TRUE(w.Update(1));
  EXPECT_FALSE(w.Update(0));
}

TEST(WatermarkTest, InvertedThresholdsAreRepaired) {
  const Watermark w(10, 5);
  EXPECT_EQ(w.high(), 11u);
}

}  // namespace
}  // namespace sluice::admission
