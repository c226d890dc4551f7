// The controller comparison (issue 4, "Tests"): the scenarios of controller_sim_test.cc run
// against sluice's controller and against re-implementations of published baselines
// (sim/baselines/, each citing its source): Envoy's adaptive-concurrency gradient controller,
// Netflix concurrency-limits' Gradient2, and AIMD on a latency threshold.
//
// It prints one table and is a report, not a ranking: it asserts only what the table needs to
// mean something (every algorithm ran, answered traffic and closed windows in every scenario),
// plus that sluice's goodput at 3× overload (exponential) is at least every baseline's − 5 %.
//
// Same for every algorithm: the model (sim/model_setup.h), the admission path (real gate and fair
// queue, 50 ms max_wait), the recorder, the initial limit 20 and the bounds [1, 1000]; except
// that Envoy starts pinned at its min_concurrency (3), measuring its minRTT, as it does. Seed 42
// (SIM_SEED=n for another).
//
// Columns, over each scenario's judged span: goodput (completions per second over the backend's
// capacity then, slowed or not), the admitted p99 (queue wait included), rejections (count, and
// share of the requests answered), the time-weighted mean and coefficient of variation of the
// limit, the windows closed, and for a slowdown the time until every later 500 ms bucket has its
// p99 within the objective. Every algorithm reads its percentiles from sluice's recorder (log
// buckets about 9 % wide).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim/baselines/aimd.h"
#include "sim/baselines/envoy_gradient.h"
#include "sim/baselines/gradient2.h"
#include "sim/baselines/sluice_controller.h"
#include "sim/comparison_run.h"
#include "sim/model_setup.h"

namespace sluice::sim {
namespace {

using namespace std::chrono_literals;
using core::Duration;
using core::TimePoint;

uint64_t Seed() {
  const char* env = std::getenv("SIM_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 42;
}

std::vector<Scenario> Scenarios() {
  const auto exponential = Exponential(kMeanService);
  return {
      {"3x overload, exponential", exponential, 3.0, 1.0, {}, 30s, 5s},
      // Mean 12 ms as well: 90 % at 6 ms, 10 % at 66 ms.
      {"3x overload, bimodal", Bimodal(6ms, 66ms, 0.1), 3.0, 1.0, {}, 30s, 5s},
      {"1.5x load, backend 3x slower at 10 s", exponential, 1.5, 3.0, 10s, 30s, 12s},
      {"1.5x load, backend 5x slower at 10 s (infeasible)", exponential, 1.5, 5.0, 10s, 30s, 12s},
      {"0.7x load for 60 s", exponential, 0.7, 1.0, {}, 60s, 0s},
  };
}

Duration Setpoint(const SimConfig& config) {
  return std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(config.controller.setpoint_seconds()));
}

baselines::Gradient2Params Gradient2With(const SimConfig& c, Duration window) {
  baselines::Gradient2Params p;
  p.window = window;
  p.initial_limit = c.controller.initial_limit;
  p.min_limit = c.controller.min_limit;
  p.max_limit = c.controller.max_limit;
  return p;
}

std::vector<AlgorithmFactory> Algorithms() {
  return {
      [](const SimConfig& c, TimePoint start) -> std::unique_ptr<LimitAlgorithm> {
        return std::make_unique<baselines::SluiceController>(c.controller, start);
      },
      [](const SimConfig&, TimePoint start) -> std::unique_ptr<LimitAlgorithm> {
        return std::make_unique<baselines::EnvoyGradient>(baselines::EnvoyGradientParams{}, start);
      },
      [](const SimConfig& c, TimePoint) -> std::unique_ptr<LimitAlgorithm> {
        return std::make_unique<baselines::Gradient2>(Gradient2With(c, 1s));
      },
      // WindowedLimit's shortest window: Gradient2 as fast as its configuration allows.
      [](const SimConfig& c, TimePoint) -> std::unique_ptr<LimitAlgorithm> {
        return std::make_unique<baselines::Gradient2>(Gradient2With(c, 100ms));
      },
      [](const SimConfig& c, TimePoint) -> std::unique_ptr<LimitAlgorithm> {
        baselines::AimdParams p;
        p.threshold = Setpoint(c);
        p.initial_limit = c.controller.initial_limit;
        p.min_limit = c.controller.min_limit;
        p.max_limit = c.controller.max_limit;
        return std::make_unique<baselines::Aimd>(p);
      },
  };
}

std::string BackWithin(const Scenario& s, const RunResult& r) {
  if (!s.slows()) return "-";
  if (!r.back_within_objective) return "never";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", core::ToSeconds(*r.back_within_objective));
  return text;
}

void PrintRow(const Scenario& s, const RunResult& r) {
  std::printf("%-28s %7.1f %% %9.1f %9zu (%4.1f %%) %9.1f %7.3f %9zu  %s\n", r.algorithm.c_str(),
              100 * r.goodput_share, core::ToSeconds(r.p99) * 1e3, r.rejections,
              100 * r.rejected_share, r.mean_limit, r.limit_cv, r.windows,
              BackWithin(s, r).c_str());
}

TEST(ControllerComparison, PrintsTheTable) {
  const uint64_t seed = Seed();
  const auto scenarios = Scenarios();
  const auto algorithms = Algorithms();
  std::vector<std::vector<RunResult>> results;
  for (const auto& scenario : scenarios) {
    auto& row = results.emplace_back();
    for (const auto& make : algorithms) row.push_back(RunScenario(scenario, make, seed));
  }

  std::printf(
      "\nController comparison (seed %lu; objective p99 %.0f ms; backend capacity %.0f "
      "req/s, the slowed one's after a slowdown)\n",
      static_cast<unsigned long>(seed), core::ToSeconds(kSlo) * 1e3, kCapacity);
  std::printf("%-28s %9s %9s %21s %9s %7s %9s  %s\n", "algorithm", "goodput", "p99 ms", "rejected",
              "mean lim", "lim CV", "windows", "p99 back within objective");
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    const auto& s = scenarios[i];
    std::printf("-- %s (judged from %.0f s to %.0f s)\n", s.name.c_str(),
                core::ToSeconds(s.judged_from), core::ToSeconds(s.duration));
    for (const auto& r : results[i]) PrintRow(s, r);
  }
  std::printf("\n");

  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    for (const auto& r : results[i]) {
      SCOPED_TRACE(scenarios[i].name + ", " + r.algorithm);
      EXPECT_GT(r.completions, 0u) << "the run answered traffic";
      EXPECT_GT(r.windows, 0u) << "the algorithm closed windows in the judged span";
    }
  }
  const auto& overload = results[0];
  for (std::size_t a = 1; a < overload.size(); ++a) {
    EXPECT_GE(overload[0].goodput_share, 0.95 * overload[a].goodput_share)
        << "sluice against " << overload[a].algorithm << " at 3x overload (exponential)";
  }
}

// The comparison runs sluice through the LimitAlgorithm adapter; it must be the controller the
// other simulation tests (and the gateway) run, window for window.
TEST(ControllerComparison, SluiceAdapterReproducesTheBuiltInController) {
  const Scenario scenario{"3x overload", Exponential(kMeanService), 3.0, 1.0, {}, 10s, 0s};
  const auto built_in = RunScenario(
      scenario, [](const SimConfig&, TimePoint) { return std::unique_ptr<LimitAlgorithm>(); },
      Seed());
  const auto adapter = RunScenario(scenario, Algorithms()[0], Seed());
  ASSERT_FALSE(built_in.limits.empty());
  ASSERT_EQ(adapter.limits.size(), built_in.limits.size());
  for (std::size_t i = 0; i < built_in.limits.size(); ++i) {
    EXPECT_EQ(adapter.limits[i].at, built_in.limits[i].at) << "window " << i;
    EXPECT_EQ(adapter.limits[i].limit, built_in.limits[i].limit) << "window " << i;
  }
  EXPECT_EQ(adapter.completions, built_in.completions);
  EXPECT_EQ(adapter.rejections, built_in.rejections);
}

}  // namespace
}  // namespace sluice::sim
