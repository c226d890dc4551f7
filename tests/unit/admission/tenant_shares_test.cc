#include "admission/tenant_shares.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sluice::admission {
namespace {

using namespace std::chrono_literals;

TEST(FairShareLevelTest, EqualWeightsSplitEvenly) {
  EXPECT_NEAR(FairShareLevel(100, {{500, 1, 0}, {500, 1, 0}}), 50, 1e-6);
}

TEST(FairShareLevelTest, UnusedShareGoesToTheOthers) {
  // A light tenant keeps its 10; the level rises so the heavy two split the other 90.
  EXPECT_NEAR(FairShareLevel(100, {{10, 1, 0}, {500, 1, 0}, {500, 1, 0}}), 45, 1e-6);
}

TEST(FairShareLevelTest, WeightsScaleShares) {
  const double level = FairShareLevel(90, {{500, 2, 0}, {500, 1, 0}});
  EXPECT_NEAR(2 * level, 60, 1e-6);
  EXPECT_NEAR(level, 30, 1e-6);
}

TEST(FairShareLevelTest, ConfiguredRatesCapAndFreeCapacity) {
  // The first may not exceed its configured 20/s: the rest goes to the second.
  EXPECT_NEAR(FairShareLevel(100, {{500, 1, 20}, {500, 1, 0}}), 80, 1e-6);
}

TEST(FairShareLevelTest, EverythingFitsMeansNoLimit) {
  EXPECT_TRUE(std::isinf(FairShareLevel(100, {{30, 1, 0}, {40, 1, 0}})));
}

std::vector<TenantShareConfig> Three() {
  return {{.weight = 1, .configured_rate = 1000, .burst = 5},
          {.weight = 1, .configured_rate = 1000, .burst = 5},
          {.weight = 1, .configured_rate = 0, .burst = 5}};
}

TEST(TenantSharesTest, NothingIsLimitedWhileTheClusterLimitDoesNotBind) {
  core::FakeClock clock;
  TenantShares shares(Three());
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(shares.Admit(0, clock.Now()).allowed);
  shares.Update(/*binding=*/false, 100, 1s);
  EXPECT_FALSE(shares.sharing());
  EXPECT_TRUE(shares.Admit(0, clock.Now()).allowed);
  EXPECT_EQ(shares.rate(0), 1000);
}

TEST(TenantSharesTest, ABindingLimitHoldsTheFlooderToItsShareAndSparesThePolite) {
  core::FakeClock clock;
  TenantShares shares(Three());
  // One window: tenant 0 floods (900/s), tenant 1 is polite (20/s), the dynamic slot is quiet.
  for (int i = 0; i < 900; ++i) (void)shares.Admit(0, clock.Now());
  for (int i = 0; i < 20; ++i) (void)shares.Admit(1, clock.Now());
  shares.Update(/*binding=*/true, /*sustainable_rate=*/100, 1s);
  ASSERT_TRUE(shares.sharing());
  EXPECT_NEAR(shares.rate(0), 80, 1e-6);  // 100 − the polite tenant's 20
  EXPECT_NEAR(shares.rate(1), 80, 1e-6);  // may grow to the same level
  // The flooder's share bucket: its burst (5) now, then one request per 1/80 s.
  int allowed = 0;
  for (int i = 0; i < 50; ++i) allowed += shares.Admit(0, clock.Now()).allowed ? 1 : 0;
  EXPECT_EQ(allowed, 5);
  const auto rejected = shares.Admit(0, clock.Now());
  EXPECT_FALSE(rejected.allowed);
  EXPECT_GT(rejected.retry_after, core::Duration::zero());
  EXPECT_TRUE(shares.Admit(1, clock.Now()).allowed) << "the polite tenant is not held back";
  // The limit stops binding: shares are lifted at the next window.
  shares.Update(/*binding=*/false, 100, 1s);
  EXPECT_TRUE(shares.Admit(0, clock.Now()).allowed);
}

TEST(TenantSharesTest, UnknownIndexIsNeverLimited) {
  core::FakeClock clock;
  TenantShares shares(Three());
  shares.Update(true, 1, 1s);
  EXPECT_TRUE(shares.Admit(99, clock.Now()).allowed);
}

}  // namespace
}  // namespace sluice::admission
