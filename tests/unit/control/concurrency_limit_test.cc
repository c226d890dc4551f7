#include "control/concurrency_limit.h"

#include <gtest/gtest.h>

namespace sluice::control {
namespace {

TEST(ConcurrencyLimitTest, ReturnsTheInitialLimit) {
  const ConcurrencyLimit limit(64);
  EXPECT_EQ(limit.Get(), 64u);
}

TEST(ConcurrencyLimitTest, SetReplacesTheLimit) {
  ConcurrencyLimit limit(64);
  limit.Set(10);
  EXPECT_EQ(limit.Get(), 10u);
  limit.Set(200);
  EXPECT_EQ(limit.Get(), 200u);
}

TEST(ConcurrencyLimitTest, ZeroIsClampedToOneSoTheClusterNeverStalls) {
  ConcurrencyLimit limit(0);
  EXPECT_EQ(limit.Get(), 1u);
  limit.Set(5);
  limit.Set(0);
  EXPECT_EQ(limit.Get(), 1u);
}

}  // namespace
}  // namespace sluice::control
