#include "admission/drr_ring.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::admission {
namespace {

std::vector<uint32_t> Picks(DrrRing& ring, int n) {
  std::vector<uint32_t> out;
  for (int i = 0; i < n; ++i) out.push_back(ring.PickNext());
  return out;
}

TEST(DrrRingTest, EqualWeightsAlternate) {
  DrrRing ring({1, 1, 1});
  for (uint32_t t = 0; t < 3; ++t) ring.Activate(t);
  EXPECT_EQ(Picks(ring, 6), (std::vector<uint32_t>{0, 1, 2, 0, 1, 2}));
}

TEST(DrrRingTest, WeightIsTheNumberOfPicksPerTurn) {
  DrrRing ring({1, 3});
  ring.Activate(0);
  ring.Activate(1);
  EXPECT_EQ(Picks(ring, 8), (std::vector<uint32_t>{0, 1, 1, 1, 0, 1, 1, 1}));
}

TEST(DrrRingTest, DeactivatedTenantIsSkippedAndForgetsItsDeficit) {
  DrrRing ring({2, 2});
  ring.Activate(0);
  ring.Activate(1);
  EXPECT_EQ(ring.PickNext(), 0u);  // tenant 0 has one pick of credit left
  ring.Deactivate(0);
  EXPECT_EQ(Picks(ring, 3), (std::vector<uint32_t>{1, 1, 1}));
  ring.Activate(0);  // joins at the end of the round, with no leftover credit
  EXPECT_EQ(Picks(ring, 4), (std::vector<uint32_t>{1, 0, 0, 1}));
}

TEST(DrrRingTest, EmptyWhenLastTenantLeaves) {
  DrrRing ring({1, 1});
  EXPECT_TRUE(ring.empty());
  ring.Activate(1);
  EXPECT_FALSE(ring.empty());
  EXPECT_TRUE(ring.active(1));
  ring.Deactivate(1);
  EXPECT_TRUE(ring.empty());
  EXPECT_FALSE(ring.active(1));
}

TEST(DrrRingTest, ZeroWeightCountsAsOne) {
  DrrRing ring({0, 1});
  ring.Activate(0);
  ring.Activate(1);
  EXPECT_EQ(Picks(ring, 4), (std::vector<uint32_t>{0, 1, 0, 1}));
}

}  // namespace
}  // namespace sluice::admission
