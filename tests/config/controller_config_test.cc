// A cluster's `controller:` block (DESIGN §5) parses into ControllerConfig and its defaults
// resolve; error cases live in golden/controller_*.yaml.
#include <gtest/gtest.h>

#include <string>

#include "config/loader.h"

namespace sluice::config {
namespace {

using std::chrono::milliseconds;

// A config with one cluster whose body ends with `cluster_tail` (indented four spaces).
std::string WithCluster(const std::string& cluster_tail) {
  return R"yaml(
listeners: [{name: main, listen: "127.0.0.1:8080"}]
routes: [{name: all, cluster: backend}]
clusters:
  - name: backend
    endpoints: [127.0.0.1:9000]
)yaml" + cluster_tail;
}

ClusterConfig LoadCluster(const std::string& cluster_tail) {
  auto result = LoadString(WithCluster(cluster_tail), "test.yaml");
  EXPECT_TRUE(result.errors.empty()) << result.errors.ToString();
  if (!result.config || result.config->clusters.empty()) return ClusterConfig{};
  return result.config->clusters.front();
}

std::string LoadErrors(const std::string& cluster_tail) {
  return LoadString(WithCluster(cluster_tail), "test.yaml").errors.ToString();
}

TEST(ControllerConfigTest, FullBlockFillsEveryField) {
  const ClusterConfig c = LoadCluster(R"yaml(
    controller:
      slo_p99: 250ms
      setpoint_ratio: 0.7
      min_limit: 4
      max_limit: 400
      initial_limit: 40
      mode: shadow
)yaml");
  const ControllerConfig& k = c.controller;
  EXPECT_TRUE(k.enabled);
  EXPECT_EQ(k.slo_p99, milliseconds(250));
  EXPECT_DOUBLE_EQ(k.setpoint_ratio, 0.7);
  EXPECT_EQ(k.min_limit, 4u);
  EXPECT_EQ(k.max_limit, 400u);
  EXPECT_EQ(k.initial_limit, 40u);
  EXPECT_EQ(k.mode, PolicyMode::kShadow);
}

TEST(ControllerConfigTest, OnlyTheObjectiveIsRequiredAndTheRestDefaults) {
  const ControllerConfig k = LoadCluster("    controller: {slo_p99: 2s}\n").controller;
  const ControllerConfig defaults;
  EXPECT_TRUE(k.enabled);
  EXPECT_EQ(k.slo_p99, milliseconds(2000));
  EXPECT_DOUBLE_EQ(k.setpoint_ratio, 0.8);
  EXPECT_EQ(k.min_limit, defaults.min_limit);
  EXPECT_EQ(k.max_limit, defaults.max_limit);
  EXPECT_EQ(k.initial_limit, 20u);
  EXPECT_EQ(k.mode, PolicyMode::kEnforce);
}

TEST(ControllerConfigTest, DefaultInitialLimitIsTwentyClampedIntoTheRange) {
  EXPECT_EQ(LoadCluster("    controller: {slo_p99: 1s, min_limit: 50}\n").controller.initial_limit,
            50u);
  EXPECT_EQ(LoadCluster("    controller: {slo_p99: 1s, max_limit: 8}\n").controller.initial_limit,
            8u);
  EXPECT_EQ(LoadCluster("    controller: {slo_p99: 1s, min_limit: 10, max_limit: 30}\n")
                .controller.initial_limit,
            20u);
  EXPECT_EQ(LoadCluster("    controller: {slo_p99: 1s, min_limit: 7, max_limit: 7}\n")
                .controller.initial_limit,
            7u);
}

TEST(ControllerConfigTest, AcceptsTheEdgesOfEveryRange) {
  const ControllerConfig low = LoadCluster(
                                   "    controller: {slo_p99: 1ms, setpoint_ratio: 0.100001, "
                                   "min_limit: 1, max_limit: 1, initial_limit: 1}\n")
                                   .controller;
  EXPECT_EQ(low.slo_p99, milliseconds(1));
  EXPECT_DOUBLE_EQ(low.setpoint_ratio, 0.100001);
  EXPECT_EQ(low.max_limit, 1u);
  const ControllerConfig high = LoadCluster(
                                    "    controller: {slo_p99: 10m, setpoint_ratio: 1, "
                                    "max_limit: 1000000, initial_limit: 1000000}\n")
                                    .controller;
  EXPECT_EQ(high.slo_p99, milliseconds(600'000));
  EXPECT_DOUBLE_EQ(high.setpoint_ratio, 1.0);
  EXPECT_EQ(high.max_limit, 1'000'000u);
  EXPECT_EQ(high.initial_limit, 1'000'000u);
}

TEST(ControllerConfigTest, ClusterWithoutABlockHasNoController) {
  const ClusterConfig c = LoadCluster("");
  EXPECT_FALSE(c.controller.enabled);
  EXPECT_EQ(c.controller.initial_limit, 0u);
}

TEST(ControllerConfigTest, ShadowControllerKeepsTheStaticLimit) {
  const ClusterConfig c =
      LoadCluster("    concurrency_limit: 64\n    controller: {slo_p99: 1s, mode: shadow}\n");
  EXPECT_EQ(c.concurrency_limit, 64u);
  EXPECT_EQ(c.controller.mode, PolicyMode::kShadow);
  EXPECT_EQ(c.controller.initial_limit, 20u);
}

TEST(ControllerConfigTest, EnforcingControllerRejectsAStaticLimitAtThatLimit) {
  EXPECT_EQ(LoadErrors("    concurrency_limit: 64\n    controller: {slo_p99: 1s}\n"),
            "test.yaml:7:24: clusters[0].concurrency_limit: concurrency_limit and controller are "
            "exclusive: the controller sets the limit; use controller.initial_limit\n");
}

TEST(ControllerConfigTest, SetpointRatioLowerBoundIsExclusive) {
  EXPECT_EQ(LoadErrors("    controller: {slo_p99: 1s, setpoint_ratio: 0.1}\n"),
            "test.yaml:7:47: clusters[0].controller.setpoint_ratio: must be > 0.1, got 0.1\n");
}

TEST(ControllerConfigTest, EmptyBlockAsksForTheObjective) {
  EXPECT_EQ(LoadErrors("    controller:\n"),
            "test.yaml:7:5: clusters[0].controller: missing required key \"slo_p99\"\n");
}

}  // namespace
}  // namespace sluice::config
