#include "admission/gcra.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace sluice::admission {
namespace {

using namespace std::chrono_literals;
using core::Duration;
using core::FakeClock;

// 10/s: one token every 100 ms exactly, so every expectation is exact to the nanosecond.
constexpr GcraBucket::Policy kTenPerSecondBurstFive{10.0, 5};

TEST(GcraBucketTest, AdmitsTheBurstThenRejects) {
  FakeClock clock;
  GcraBucket bucket;
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive).allowed) << i;
  }
  EXPECT_FALSE(bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive).allowed);
}

TEST(GcraBucketTest, RetryAfterIsExactToTheNanosecond) {
  FakeClock clock;
  GcraBucket bucket;
  for (int i = 0; i < 5; ++i) (void)bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive);
  clock.Advance(30ms + 7ns);
  const GcraDecision d = bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive);
  ASSERT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, Duration(70ms - 7ns));

  clock.Advance(d.retry_after - 1ns);
  EXPECT_FALSE(bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive).allowed);
  clock.Advance(1ns);
  const GcraDecision ok = bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive);
  EXPECT_TRUE(ok.allowed);
  EXPECT_EQ(ok.retry_after, Duration::zero());
}

TEST(GcraBucketTest, RemainingCountsWholeTokensAndResetIsTimeToFull) {
  FakeClock clock;
  GcraBucket bucket;
  const GcraDecision first = bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive);
  EXPECT_EQ(first.remaining, 4u);
  EXPECT_EQ(first.reset, Duration(100ms));
  const GcraDecision second = bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive);
  EXPECT_EQ(second.remaining, 3u);
  EXPECT_EQ(second.reset, Duration(200ms));
  // Half a token refilled is still not a whole token.
  clock.Advance(50ms);
  const GcraLevel level = bucket.Peek(clock.Now(), kTenPerSecondBurstFive);
  EXPECT_EQ(level.remaining, 3u);
  EXPECT_EQ(level.reset, Duration(150ms));
  clock.Advance(50ms);
  EXPECT_EQ(bucket.Peek(clock.Now(), kTenPerSecondBurstFive).remaining, 4u);
}

TEST(GcraBucketTest, RejectionReportsCurrentLevel) {
  FakeClock clock;
  GcraBucket bucket;
  for (int i = 0; i < 5; ++i) (void)bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive);
  const GcraDecision d = bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 0u);
  EXPECT_EQ(d.reset, Duration(500ms));
}

TEST(GcraBucketTest, PeekDoesNotTakeTokens) {
  FakeClock clock;
  GcraBucket bucket;
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(bucket.Peek(clock.Now(), kTenPerSecondBurstFive).remaining, 5u);
  }
  EXPECT_EQ(bucket.Peek(clock.Now(), kTenPerSecondBurstFive).reset, Duration::zero());
}

TEST(GcraBucketTest, LongIdleNeverAccumulatesMoreThanBurst) {
  FakeClock clock;
  GcraBucket bucket;
  (void)bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive);
  clock.Advance(24h);
  EXPECT_EQ(bucket.Peek(clock.Now(), kTenPerSecondBurstFive).remaining, 5u);
  int admitted = 0;
  for (int i = 0; i < 100; ++i) {
    admitted += bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive).allowed ? 1 : 0;
  }
  EXPECT_EQ(admitted, 5);
}

TEST(GcraBucketTest, SteadyRateAdmitsOnePerInterval) {
  FakeClock clock;
  GcraBucket bucket;
  for (int i = 0; i < 5; ++i) (void)bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive);
  int admitted = 0;
  for (int ms = 0; ms < 1000; ++ms) {  // one second, one attempt per millisecond
    clock.Advance(1ms);
    admitted += bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive).allowed ? 1 : 0;
  }
  EXPECT_EQ(admitted, 10);
}

TEST(GcraBucketTest, CostAboveOneTakesSeveralTokens) {
  FakeClock clock;
  GcraBucket bucket;
  const GcraDecision a = bucket.TryTake(clock.Now(), 3, kTenPerSecondBurstFive);
  EXPECT_TRUE(a.allowed);
  EXPECT_EQ(a.remaining, 2u);
  const GcraDecision b = bucket.TryTake(clock.Now(), 3, kTenPerSecondBurstFive);
  EXPECT_FALSE(b.allowed);
  EXPECT_EQ(b.retry_after, Duration(100ms));  // one more token needed
  EXPECT_TRUE(bucket.TryTake(clock.Now(), 2, kTenPerSecondBurstFive).allowed);
}

TEST(GcraBucketTest, CostAboveBurstIsAlwaysRejectedWithUncappedAccrualTime) {
  FakeClock clock;
  GcraBucket bucket;
  clock.Advance(24h);
  const GcraDecision d = bucket.TryTake(clock.Now(), 7, kTenPerSecondBurstFive);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after, Duration(200ms));  // 7 − 5 tokens beyond a full bucket
  EXPECT_EQ(d.remaining, 5u);                 // nothing was taken
  clock.Advance(1h);
  EXPECT_FALSE(bucket.TryTake(clock.Now(), 7, kTenPerSecondBurstFive).allowed);
}

TEST(GcraBucketTest, ZeroCostIsAlwaysAdmittedAndTakesNothing) {
  FakeClock clock;
  GcraBucket bucket;
  for (int i = 0; i < 5; ++i) (void)bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive);
  const GcraDecision d = bucket.TryTake(clock.Now(), 0, kTenPerSecondBurstFive);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0u);
}

TEST(GcraBucketTest, RefillWindowIsBurstTimesInterval) {
  EXPECT_EQ(GcraBucket::EmissionInterval(kTenPerSecondBurstFive), Duration(100ms));
  EXPECT_EQ(GcraBucket::RefillWindow(kTenPerSecondBurstFive), Duration(500ms));
  EXPECT_EQ(GcraBucket::RefillWindow({100.0 / 60.0, 100}), Duration(60s));
}

TEST(GcraBucketTest, RescaleOfEmptyBucketStaysEmpty) {
  FakeClock clock;
  GcraBucket bucket;
  for (int i = 0; i < 5; ++i) (void)bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive);
  const GcraBucket::Policy bigger{100.0, 50};
  bucket.Rescale(kTenPerSecondBurstFive, bigger, clock.Now());
  EXPECT_EQ(bucket.Peek(clock.Now(), bigger).remaining, 0u);
  EXPECT_FALSE(bucket.TryTake(clock.Now(), 1, bigger).allowed);
}

TEST(GcraBucketTest, RescaleOfRateOnlyKeepsTheTokenCount) {
  FakeClock clock;
  GcraBucket bucket;
  for (int i = 0; i < 3; ++i) (void)bucket.TryTake(clock.Now(), 1, kTenPerSecondBurstFive);
  const GcraBucket::Policy slower{1.0, 5};
  bucket.Rescale(kTenPerSecondBurstFive, slower, clock.Now());
  const GcraLevel level = bucket.Peek(clock.Now(), slower);
  EXPECT_EQ(level.remaining, 2u);
  EXPECT_EQ(level.reset, Duration(3s));  // 3 used tokens now refill at 1/s
}

TEST(GcraBucketTest, RescaleKeepsTheUsedFractionAndNeverGrantsTokens) {
  FakeClock clock;
  const GcraBucket::Policy policies[] = {{10.0, 5}, {3.0, 7}, {1000.0, 1}, {0.5, 40}, {7.0, 3}};
  for (const auto& from : policies) {
    for (const auto& to : policies) {
      for (uint32_t taken = 0; taken <= from.burst; ++taken) {
        GcraBucket bucket;
        for (uint32_t i = 0; i < taken; ++i) (void)bucket.TryTake(clock.Now(), 1, from);
        const double before =
            static_cast<double>(bucket.Peek(clock.Now(), from).remaining) / from.burst;
        bucket.Rescale(from, to, clock.Now());
        const double after = static_cast<double>(bucket.Peek(clock.Now(), to).remaining) / to.burst;
        EXPECT_LE(after, before) << from.burst << "→" << to.burst << " taken " << taken;
        // Full stays full, empty stays empty.
        if (taken == 0) {
          EXPECT_EQ(bucket.Peek(clock.Now(), to).remaining, to.burst);
        }
        if (taken == from.burst) {
          EXPECT_EQ(bucket.Peek(clock.Now(), to).remaining, 0u);
        }
      }
    }
  }
}

TEST(GcraBucketTest, RescaleHalfUsedBurstDoublingKeepsHalfUsed) {
  FakeClock clock;
  GcraBucket bucket;
  const GcraBucket::Policy from{10.0, 10};
  const GcraBucket::Policy to{10.0, 20};
  for (int i = 0; i < 5; ++i) (void)bucket.TryTake(clock.Now(), 1, from);
  bucket.Rescale(from, to, clock.Now());
  EXPECT_EQ(bucket.Peek(clock.Now(), to).remaining, 10u);
  EXPECT_EQ(bucket.Peek(clock.Now(), to).reset, Duration(1s));
}

// A request that looked its tenant up before a reload reaches the bucket after it: the bucket,
// rescaled, counts in the new policy, so the old one passed in changes nothing.
TEST(GcraBucketTest, ACallerWithThePolicyBeforeARescaleSpendsAtTheNewOne) {
  FakeClock clock;
  const GcraBucket::Policy slow{5.0, 50};
  const GcraBucket::Policy fast{20.0, 50};
  GcraBucket stale;
  GcraBucket fresh;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(stale.TryTake(clock.Now(), 1, slow).allowed);
    ASSERT_TRUE(fresh.TryTake(clock.Now(), 1, slow).allowed);
  }
  clock.Advance(30ms);
  stale.Rescale(slow, fast, clock.Now());
  fresh.Rescale(slow, fast, clock.Now());
  // Empty at 5/s is empty at 20/s. Before the fix the old policy saw three quarters of a 10 s
  // tolerance free, admitted, and left 200 ms (four tokens at 20/s) of debt behind.
  const GcraDecision old_view = stale.TryTake(clock.Now(), 1, slow);
  const GcraDecision new_view = fresh.TryTake(clock.Now(), 1, fast);
  EXPECT_FALSE(old_view.allowed);
  EXPECT_EQ(old_view.retry_after, new_view.retry_after);
  EXPECT_EQ(old_view.remaining, new_view.remaining);
  // And from then on both buckets refill at 20/s, whichever policy the callers pass.
  clock.Advance(GcraBucket::EmissionInterval(fast));
  EXPECT_TRUE(stale.TryTake(clock.Now(), 1, slow).allowed);
  EXPECT_TRUE(fresh.TryTake(clock.Now(), 1, fast).allowed);
  EXPECT_EQ(stale.Peek(clock.Now(), slow).reset, fresh.Peek(clock.Now(), fast).reset);
}

// Takers racing a Rescale on another thread, at a frozen clock. k tokens taken at a burst of 1000
// before the Rescale leave ⌈k/2⌉ in use at a burst of 500, and 500 − ⌈k/2⌉ to take after it:
// 500 + ⌊k/2⌋ in all, at most 1000 whatever the interleaving, as long as every taker counts in
// one policy or the other. With 400 taken first, a taker that kept counting in the old policy
// after the Rescale would let 1000 − 200 more through: 1200.
TEST(GcraBucketTest, TakersRacingARescaleAdmitNoMoreThanEitherPolicyAllows) {
  FakeClock clock;
  const GcraBucket::Policy before{1.0, 1000};
  const GcraBucket::Policy after{1.0, 500};
  constexpr int kTakenFirst = 400;
  for (int run = 0; run < 20; ++run) {
    GcraBucket bucket;
    for (int i = 0; i < kTakenFirst; ++i)
      ASSERT_TRUE(bucket.TryTake(clock.Now(), 1, before).allowed);
    std::atomic<int> admitted{kTakenFirst};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&] {
        while (!go.load(std::memory_order_acquire)) {
        }
        int mine = 0;
        for (int i = 0; i < 1000; ++i) {
          mine += bucket.TryTake(clock.Now(), 1, before).allowed ? 1 : 0;
        }
        admitted.fetch_add(mine);
      });
    }
    go.store(true, std::memory_order_release);
    bucket.Rescale(before, after, clock.Now());
    for (auto& th : threads) th.join();
    EXPECT_GE(admitted.load(), 500 + kTakenFirst / 2) << "run " << run;
    EXPECT_LE(admitted.load(), 1000) << "run " << run;
    EXPECT_EQ(bucket.Peek(clock.Now(), before).remaining, 0u) << "run " << run;
  }
}

TEST(GcraBucketTest, ConcurrentTakersAtAFrozenClockAdmitExactlyTheBurst) {
  FakeClock clock;
  GcraBucket bucket;
  const GcraBucket::Policy policy{1.0, 1000};
  constexpr int kThreads = 4;
  constexpr int kAttempts = 5000;
  std::atomic<int> admitted{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (!go.load(std::memory_order_acquire)) {
      }
      int mine = 0;
      for (int i = 0; i < kAttempts; ++i) {
        mine += bucket.TryTake(clock.Now(), 1, policy).allowed ? 1 : 0;
      }
      admitted.fetch_add(mine);
    });
  }
  go.store(true, std::memory_order_release);
  for (auto& th : threads) th.join();
  EXPECT_EQ(admitted.load(), 1000);
}

}  // namespace
}  // namespace sluice::admission
