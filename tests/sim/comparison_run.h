#pragma once
// One run of the controller comparison (controller_comparison_test.cc): a scenario (service
// times, offered load, a backend slowdown) against one limit algorithm on SimGateway with the
// model of sim/model_setup.h, summarised into the columns of the comparison table.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/baselines/limit_algorithm.h"
#include "sim/model_backend.h"
#include "sim/sim_gateway.h"

namespace sluice::sim {

struct Scenario {
  std::string name;
  ServiceTime service;
  double load = 1.0;      // offered, × the backend's capacity (open-loop Poisson)
  double slowdown = 1.0;  // service times × this from slow_at on
  core::Duration slow_at{};
  core::Duration duration{};
  core::Duration judged_from{};  // the columns cover [judged_from, duration)

  [[nodiscard]] bool slows() const { return slowdown != 1.0; }
};

// Makes the algorithm for one run; returning nullptr runs SimGateway's default path (the real
// ClusterController).
using AlgorithmFactory =
    std::function<std::unique_ptr<LimitAlgorithm>(const SimConfig& config, core::TimePoint start)>;

struct RunResult {
  std::string algorithm;
  double goodput_share = 0;  // completions per second / the backend's capacity in the span
  core::Duration p99{};      // of admitted requests, queue wait included (what clients see)
  std::size_t completions = 0;
  std::size_t rejections = 0;
  double rejected_share = 0;  // of the requests answered in the span (served or rejected)
  double mean_limit = 0;      // time-weighted over the span
  double limit_cv = 0;        // coefficient of variation of the limit, time-weighted
  std::size_t windows = 0;    // closed in the span
  // Slowdown scenarios: time from the slowdown until every later 500 ms bucket has its p99
  // within the objective (0: never left it); nullopt when the last bucket is still outside.
  std::optional<core::Duration> back_within_objective;
  std::vector<LimitSample> limits;  // every window of the run
};

[[nodiscard]] RunResult RunScenario(const Scenario& scenario, const AlgorithmFactory& make,
                                    uint64_t seed);

}  // namespace sluice::sim
