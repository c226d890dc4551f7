#include "admission/retry_after.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

namespace sluice::admission {
namespace {

using namespace std::chrono_literals;
using core::Duration;

TEST(CeilSecondsTest, RoundsUpAndNeverNegative) {
  EXPECT_EQ(CeilSeconds(Duration::zero()), 0);
  EXPECT_EQ(CeilSeconds(-5s), 0);
  EXPECT_EQ(CeilSeconds(1ns), 1);
  EXPECT_EQ(CeilSeconds(1s), 1);
  EXPECT_EQ(CeilSeconds(1s + 1ns), 2);
}

TEST(RetryAfter429Test, WithoutJitterIsTheWaitRoundedUp) {
  EXPECT_EQ(RetryAfterSeconds429(1500ms, 0.0, 1s, 12345), 2);
  EXPECT_EQ(RetryAfterSeconds429(2s, 0.0, 1s, 12345), 2);
  EXPECT_EQ(RetryAfterSeconds429(2s + 1ns, 0.0, 1s, 0), 3);
}

TEST(RetryAfter429Test, NeverZero) {
  EXPECT_EQ(RetryAfterSeconds429(Duration::zero(), 0.2, 1s, 0), 1);
  EXPECT_EQ(RetryAfterSeconds429(1ns, 0.2, 1s, ~uint64_t{0}), 1);
  EXPECT_EQ(RetryAfterSeconds429(-3s, 0.2, 1s, 7), 1);
}

TEST(RetryAfter429Test, JitterIsBoundedByCapAndFraction) {
  // wait 10 s, 20 % = 2 s, cap 1 s → jitter ∈ [0, 1 s] → answer ∈ {10, 11}.
  EXPECT_EQ(RetryAfterSeconds429(10s, 0.2, 1s, 0), 10);
  EXPECT_EQ(RetryAfterSeconds429(10s, 0.2, 1s, 1'000'000'000), 11);
  EXPECT_EQ(RetryAfterSeconds429(10s, 0.2, 1s, 1'000'000'001), 10);  // wraps to 0
  // wait 9.4 s, 5 % = 0.47 s (below the cap) → at most 9.87 s → always 10.
  for (uint64_t r = 0; r < 2'000'000'000; r += 99'999'989) {
    EXPECT_EQ(RetryAfterSeconds429(9400ms, 0.05, 1s, r), 10) << r;
  }
}

TEST(RetryAfter429Test, JitterOnlyEverMovesLater) {
  const Duration waits[] = {1ns, 300ms, 999ms, 1s, 1500ms, 7s + 1ns, 59s, 3600s};
  for (const Duration w : waits) {
    for (uint64_t r = 0; r < 50; ++r) {
      const uint64_t random = r * 0x9E3779B97F4A7C15ull;
      const int64_t s = RetryAfterSeconds429(w, 0.2, 1s, random);
      EXPECT_GE(s, CeilSeconds(w));
      EXPECT_LE(s, CeilSeconds(w + 1s));
      EXPECT_GE(s, 1);
    }
  }
}

TEST(RetryAfter503Test, IsDrainTimeToTheLowWatermark) {
  // 300 queued, low 100, 50/s completions → 4 s.
  EXPECT_EQ(RetryAfterSeconds503(300, 100, 50.0, 0.0), 4);
  EXPECT_EQ(RetryAfterSeconds503(301, 100, 50.0, 0.0), 5);  // rounds up
}

TEST(RetryAfter503Test, JitterSpreadsUpToOneAndAHalfTimes) {
  EXPECT_EQ(RetryAfterSeconds503(300, 100, 50.0, 1.0), 6);
  EXPECT_EQ(RetryAfterSeconds503(300, 100, 50.0, 0.5), 5);
  for (int i = 0; i <= 100; ++i) {
    const int64_t s = RetryAfterSeconds503(300, 100, 50.0, i / 100.0);
    EXPECT_GE(s, 4);
    EXPECT_LE(s, 6);
  }
  EXPECT_EQ(RetryAfterSeconds503(300, 100, 50.0, 7.0), 6);  // random01 clamped
  EXPECT_EQ(RetryAfterSeconds503(300, 100, 50.0, -1.0), 4);
}

TEST(RetryAfter503Test, ClampedToOneAndSixtySeconds) {
  EXPECT_EQ(RetryAfterSeconds503(101, 100, 1000.0, 1.0), 1);
  EXPECT_EQ(RetryAfterSeconds503(50, 100, 10.0, 1.0), 1);  // already below low
  EXPECT_EQ(RetryAfterSeconds503(100'000, 0, 1.0, 0.0), 60);
}

TEST(RetryAfter503Test, UnknownRateWithBacklogIsTheMaximum) {
  EXPECT_EQ(RetryAfterSeconds503(10, 0, 0.0, 0.3), 60);
  EXPECT_EQ(RetryAfterSeconds503(10, 0, -1.0, 0.3), 60);
  EXPECT_EQ(RetryAfterSeconds503(0, 0, 0.0, 0.3), 1);  // nothing to drain
}

TEST(RateLimitHeaderTest, PolicyFieldFollowsDraft10) {
  EXPECT_EQ(RateLimitPolicyHeader("tenant", 100, 60), "\"tenant\";q=100;w=60");
  EXPECT_EQ(RateLimitPolicyHeader("tenant", 5, 0), "\"tenant\";q=5;w=1");
}

TEST(RateLimitHeaderTest, RateLimitFieldFollowsDraft10) {
  EXPECT_EQ(RateLimitHeader("tenant", 0, 3), "\"tenant\";r=0;t=3");
  EXPECT_EQ(RateLimitHeader("tenant", 42, -1), "\"tenant\";r=42;t=0");
}

TEST(RateLimitHeaderTest, NameIsAValidStructuredFieldString) {
  EXPECT_EQ(RateLimitHeader("a\"b\\c", 1, 1), "\"a\\\"b\\\\c\";r=1;t=1");
  EXPECT_EQ(RateLimitHeader("x\ny\x80", 1, 1), "\"x?y?\";r=1;t=1");
}

TEST(RetryAfter503Test, TheShedFractionAddsTheRecoveryItImplies) {
  // Nothing queued but half of the arrivals sent away: 1 s of recovery per second of overload.
  EXPECT_EQ(RetryAfterSeconds503(0, 0, 50.0, 0.0, 0.5), 1);
  EXPECT_EQ(RetryAfterSeconds503(0, 0, 50.0, 0.0, 0.9), 9);
  // Drain 4 s + recovery 3 s (f = 0.75), spread ×1.5 at the top.
  EXPECT_EQ(RetryAfterSeconds503(300, 100, 50.0, 0.0, 0.75), 7);
  EXPECT_EQ(RetryAfterSeconds503(300, 100, 50.0, 1.0, 0.75), 11);
  EXPECT_EQ(RetryAfterSeconds503(0, 0, 50.0, 0.0, 0.999), 60);  // clamped
  EXPECT_EQ(RetryAfterSeconds503(0, 0, 50.0, 0.0, 1.0), 60);
  EXPECT_EQ(RetryAfterSeconds503(0, 0, 50.0, 0.0, -3.0), 1);  // clamped to no shedding
}

}  // namespace
}  // namespace sluice::admission
