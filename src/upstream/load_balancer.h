#pragma once
// Endpoint choice for one worker's view of a cluster.
// - Power of two choices on least outstanding requests (Mitzenmacher 2001): two weighted-random
//   candidates, the one with fewer in-flight requests per unit of weight wins. Near-optimal
//   spreading with O(1) work and no shared state between workers.
// - Round robin: smooth weighted round robin (nginx's algorithm): weights are respected
//   without bursts to one endpoint.
//
// Thread-safety: owned by one worker.
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace sluice::upstream {

enum class BalancePolicy { kPowerOfTwoChoices, kRoundRobin };

class LoadBalancer {
 public:
  LoadBalancer(BalancePolicy policy, std::vector<uint32_t> weights, uint64_t seed);

  // outstanding[i] = requests in flight to endpoint i from this worker.
  [[nodiscard]] std::size_t Pick(const std::vector<uint32_t>& outstanding);

 private:
  std::size_t WeightedRandom();
  std::size_t PickTwoChoices(const std::vector<uint32_t>& outstanding);
  std::size_t PickRoundRobin();

  BalancePolicy policy_;
  std::vector<uint32_t> weights_;
  std::vector<int64_t> current_;  // smooth WRR running weights
  int64_t total_weight_ = 0;
  std::minstd_rand rng_;
};

}  // namespace sluice::upstream
