#include "upstream/load_balancer.h"

namespace sluice::upstream {

LoadBalancer::LoadBalancer(BalancePolicy policy, std::vector<uint32_t> weights, uint64_t seed)
    : policy_(policy),
      weights_(std::move(weights)),
      current_(weights_.size(), 0),
      rng_(static_cast<std::minstd_rand::result_type>(seed)) {
  for (auto w : weights_) total_weight_ += w;
}

std::size_t LoadBalancer::Pick(const std::vector<uint32_t>& outstanding) {
  if (weights_.size() <= 1) return 0;
  return policy_ == BalancePolicy::kRoundRobin ? PickRoundRobin() : PickTwoChoices(outstanding);
}

std::size_t LoadBalancer::WeightedRandom() {
  std::uniform_int_distribution<int64_t> dist(0, total_weight_ - 1);
  int64_t r = dist(rng_);
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    r -= weights_[i];
    if (r < 0) return i;
  }
  return weights_.size() - 1;
}

std::size_t LoadBalancer::PickTwoChoices(const std::vector<uint32_t>& outstanding) {
  const std::size_t a = WeightedRandom();
  std::size_t b = WeightedRandom();
  if (a == b) b = (a + 1) % weights_.size();
  // Compare outstanding/weight without division: oa/wa <= ob/wb  ⇔  oa*wb <= ob*wa.
  const uint64_t lhs = uint64_t{outstanding[a]} * weights_[b];
  const uint64_t rhs = uint64_t{outstanding[b]} * weights_[a];
  // On a tie keep the first weighted draw, so weights hold when endpoints are idle.
  if (lhs == rhs) return a;
  return lhs < rhs ? a : b;
}

std::size_t LoadBalancer::PickRoundRobin() {
  std::size_t best = 0;
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    current_[i] += weights_[i];
    if (current_[i] > current_[best]) best = i;
  }
  current_[best] -= total_weight_;
  return best;
}

}  // namespace sluice::upstream
