#include "upstream/load_balancer.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace sluice::upstream {
namespace {

std::vector<std::size_t> Picks(LoadBalancer& lb, const std::vector<uint32_t>& outstanding, int n) {
  std::vector<std::size_t> out;
  for (int i = 0; i < n; ++i) out.push_back(lb.Pick(outstanding));
  return out;
}

std::vector<double> Shares(const std::vector<std::size_t>& picks, std::size_t endpoints) {
  std::vector<double> shares(endpoints, 0.0);
  for (auto p : picks) shares.at(p) += 1.0;
  for (auto& s : shares) s /= static_cast<double>(picks.size());
  return shares;
}

// --- Round robin (smooth weighted, nginx) ---

TEST(RoundRobinTest, EqualWeightsCycleInOrder) {
  LoadBalancer lb(BalancePolicy::kRoundRobin, {1, 1, 1}, 1);
  EXPECT_EQ(Picks(lb, {0, 0, 0}, 7), (std::vector<std::size_t>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(RoundRobinTest, WeightsOneThreeGiveExactlyOneToThreeInEveryFourPicks) {
  LoadBalancer lb(BalancePolicy::kRoundRobin, {1, 3}, 1);
  const auto picks = Picks(lb, {0, 0}, 400);
  for (std::size_t start = 0; start < picks.size(); start += 4) {
    int light = 0;
    for (std::size_t i = start; i < start + 4; ++i) light += picks[i] == 0 ? 1 : 0;
    EXPECT_EQ(light, 1) << "window at " << start;
  }
}

TEST(RoundRobinTest, WeightsOneThreeFollowTheSmoothSequence) {
  LoadBalancer lb(BalancePolicy::kRoundRobin, {1, 3}, 1);
  EXPECT_EQ(Picks(lb, {0, 0}, 8), (std::vector<std::size_t>{1, 0, 1, 1, 1, 0, 1, 1}));
}

TEST(RoundRobinTest, WeightsOneThreeIsSmooth) {
  // The light endpoint is never picked twice running, and the heavy one runs at most 3 times
  // (3 is forced by the ratio: exactly 3 heavy picks separate two light ones).
  LoadBalancer lb(BalancePolicy::kRoundRobin, {1, 3}, 1);
  const auto picks = Picks(lb, {0, 0}, 1000);
  int run = 0;
  for (std::size_t i = 0; i < picks.size(); ++i) {
    run = (i > 0 && picks[i] == picks[i - 1]) ? run + 1 : 1;
    if (picks[i] == 0) {
      EXPECT_EQ(run, 1) << "at " << i;
    }
    EXPECT_LE(run, 3) << "at " << i;
  }
}

TEST(RoundRobinTest, InterleavesLightEndpointsLikeNginx) {
  // nginx's documented example: weights {5,1,1} give "a a b a c a a".
  LoadBalancer lb(BalancePolicy::kRoundRobin, {5, 1, 1}, 1);
  EXPECT_EQ(Picks(lb, {0, 0, 0}, 14),
            (std::vector<std::size_t>{0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0}));
}

TEST(RoundRobinTest, EveryFullCycleMatchesTheWeightsExactly) {
  const std::vector<uint32_t> weights = {2, 3, 5, 1};
  LoadBalancer lb(BalancePolicy::kRoundRobin, weights, 1);
  for (int cycle = 0; cycle < 20; ++cycle) {
    std::vector<uint32_t> counts(weights.size(), 0);
    for (auto p : Picks(lb, {0, 0, 0, 0}, 11)) ++counts.at(p);
    EXPECT_EQ(counts, weights) << "cycle " << cycle;
  }
}

TEST(RoundRobinTest, IgnoresOutstandingRequests) {
  LoadBalancer lb(BalancePolicy::kRoundRobin, {1, 1}, 1);
  EXPECT_EQ(Picks(lb, {100, 0}, 4), (std::vector<std::size_t>{0, 1, 0, 1}));
}

TEST(RoundRobinTest, DoesNotDependOnTheSeed) {
  LoadBalancer a(BalancePolicy::kRoundRobin, {3, 2, 1}, 1);
  LoadBalancer b(BalancePolicy::kRoundRobin, {3, 2, 1}, 987654321);
  EXPECT_EQ(Picks(a, {0, 0, 0}, 60), Picks(b, {0, 0, 0}, 60));
}

// --- Single endpoint ---

TEST(LoadBalancerTest, SingleEndpointIsAlwaysPicked) {
  for (auto policy : {BalancePolicy::kRoundRobin, BalancePolicy::kPowerOfTwoChoices}) {
    for (uint32_t weight : {1u, 7u, 1000u}) {
      LoadBalancer lb(policy, {weight}, 3);
      for (uint32_t load : {0u, 1u, 1000u}) {
        for (int i = 0; i < 50; ++i) ASSERT_EQ(lb.Pick({load}), 0u);
      }
    }
  }
}

// --- Power of two choices ---

TEST(PowerOfTwoChoicesTest, AlwaysPrefersTheLessLoadedOfTwoEqualEndpoints) {
  LoadBalancer lb(BalancePolicy::kPowerOfTwoChoices, {1, 1}, 5);
  for (auto p : Picks(lb, {10, 0}, 1000)) ASSERT_EQ(p, 1u);
  for (auto p : Picks(lb, {0, 1}, 1000)) ASSERT_EQ(p, 0u);
}

TEST(PowerOfTwoChoicesTest, NeverPicksTheStrictlyMostLoadedEndpoint) {
  // Any pair that contains the most loaded endpoint also contains a less loaded one.
  LoadBalancer lb(BalancePolicy::kPowerOfTwoChoices, {1, 1, 1, 1}, 11);
  const auto picks = Picks(lb, {3, 1, 9, 2}, 10'000);
  for (auto p : picks) ASSERT_NE(p, 2u);
  const auto shares = Shares(picks, 4);
  EXPECT_GT(shares[1], shares[3]);  // the least loaded wins every pair it is in
  EXPECT_GT(shares[3], shares[0]);
}

TEST(PowerOfTwoChoicesTest, ComparesLoadPerUnitOfWeight) {
  LoadBalancer lb(BalancePolicy::kPowerOfTwoChoices, {1, 2}, 5);
  // 1/1 > 1/2: endpoint 1 carries less per unit of weight.
  for (auto p : Picks(lb, {1, 1}, 500)) ASSERT_EQ(p, 1u);
  // 2/1 < 5/2.
  for (auto p : Picks(lb, {2, 5}, 500)) ASSERT_EQ(p, 0u);
}

TEST(PowerOfTwoChoicesTest, BreaksTiesEvenlyForEqualWeights) {
  LoadBalancer lb(BalancePolicy::kPowerOfTwoChoices, {1, 1}, 2024);
  const auto shares = Shares(Picks(lb, {4, 4}, 100'000), 2);
  EXPECT_NEAR(shares[0], 0.5, 0.02);
  EXPECT_NEAR(shares[1], 0.5, 0.02);
}

TEST(PowerOfTwoChoicesTest, SpreadsEvenlyOverEqualIdleEndpoints) {
  LoadBalancer lb(BalancePolicy::kPowerOfTwoChoices, {1, 1, 1, 1, 1}, 77);
  const auto shares = Shares(Picks(lb, {0, 0, 0, 0, 0}, 100'000), 5);
  for (std::size_t i = 0; i < shares.size(); ++i) EXPECT_NEAR(shares[i], 0.2, 0.02) << i;
}

TEST(PowerOfTwoChoicesTest, SameSeedGivesTheSameSequence) {
  LoadBalancer a(BalancePolicy::kPowerOfTwoChoices, {1, 2, 3}, 99);
  LoadBalancer b(BalancePolicy::kPowerOfTwoChoices, {1, 2, 3}, 99);
  EXPECT_EQ(Picks(a, {0, 0, 0}, 500), Picks(b, {0, 0, 0}, 500));
}

// Closed-loop simulation: `window` requests in flight at all times, the oldest completes
// before each new pick. The balancer then sees real load and spreads it by weight.
std::vector<double> SharesUnderSustainedLoad(const std::vector<uint32_t>& weights,
                                             std::size_t window, int picks, uint64_t seed) {
  LoadBalancer lb(BalancePolicy::kPowerOfTwoChoices, weights, seed);
  std::vector<uint32_t> outstanding(weights.size(), 0);
  std::deque<std::size_t> in_flight;
  std::vector<std::size_t> chosen;
  for (int i = 0; i < picks; ++i) {
    if (in_flight.size() == window) {
      --outstanding[in_flight.front()];
      in_flight.pop_front();
    }
    const auto p = lb.Pick(outstanding);
    ++outstanding[p];
    in_flight.push_back(p);
    chosen.push_back(p);
  }
  return Shares(chosen, weights.size());
}

TEST(PowerOfTwoChoicesTest, RespectsWeightsUnderSustainedLoad) {
  const auto shares = SharesUnderSustainedLoad({1, 3}, 64, 100'000, 17);
  EXPECT_NEAR(shares[0], 0.25, 0.02);
  EXPECT_NEAR(shares[1], 0.75, 0.02);
}

TEST(PowerOfTwoChoicesTest, RespectsThreeWeightsUnderSustainedLoad) {
  const auto shares = SharesUnderSustainedLoad({1, 1, 2}, 64, 100'000, 23);
  EXPECT_NEAR(shares[0], 0.25, 0.02);
  EXPECT_NEAR(shares[1], 0.25, 0.02);
  EXPECT_NEAR(shares[2], 0.50, 0.02);
}

TEST(PowerOfTwoChoicesTest, RespectsWeightsWhenIdle) {
  LoadBalancer lb(BalancePolicy::kPowerOfTwoChoices, {1, 3}, 7);
  const auto shares = Shares(Picks(lb, {0, 0}, 100'000), 2);
  EXPECT_NEAR(shares[0], 0.25, 0.02);
  EXPECT_NEAR(shares[1], 0.75, 0.02);
}

// Same defect with three endpoints: weights {1, 1, 2} at idle.
TEST(PowerOfTwoChoicesTest, RespectsThreeWeightsWhenIdle) {
  LoadBalancer lb(BalancePolicy::kPowerOfTwoChoices, {1, 1, 2}, 7);
  const auto shares = Shares(Picks(lb, {0, 0, 0}, 100'000), 3);
  EXPECT_NEAR(shares[0], 0.25, 0.02);
  EXPECT_NEAR(shares[1], 0.25, 0.02);
  EXPECT_NEAR(shares[2], 0.50, 0.02);
}

}  // namespace
}  // namespace sluice::upstream
