#include "observability/decision_counters.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <string>

namespace sluice::observability {
namespace {

class DecisionCountersTest : public ::testing::Test {
 protected:
  // The family's own counter for a label set: what /metrics reports.
  double Value(std::string_view tenant, std::string_view klass = "default") {
    return metrics_.DecisionCounter("api", tenant, klass, "admitted", "").Value();
  }

  prometheus::Registry registry_;
  AdmissionMetrics metrics_{registry_};
  DecisionCounters counters_;
};

TEST_F(DecisionCountersTest, CountsIntoTheFamilysSeriesForTheLabelSet) {
  counters_.Count(metrics_, "api", "acme", "default", "admitted", "");
  counters_.Count(metrics_, "api", "acme", "default", "admitted", "");
  counters_.Count(metrics_, "api", "globex", "default", "admitted", "");
  EXPECT_EQ(Value("acme"), 2);
  EXPECT_EQ(Value("globex"), 1);
  EXPECT_EQ(counters_.size(), 2u);
}

TEST_F(DecisionCountersTest, LabelsThatJoinToTheSameTextStayApart) {
  counters_.Count(metrics_, "api", "a", "bc", "admitted", "");
  counters_.Count(metrics_, "api", "ab", "c", "admitted", "");
  EXPECT_EQ(Value("a", "bc"), 1);
  EXPECT_EQ(Value("ab", "c"), 1);
}

TEST_F(DecisionCountersTest, StartsAgainRatherThanGrowBeyondItsBound) {
  for (std::size_t i = 0; i <= DecisionCounters::kMaxEntries; ++i) {
    counters_.Count(metrics_, "api", "t" + std::to_string(i), "default", "admitted", "");
  }
  EXPECT_LE(counters_.size(), DecisionCounters::kMaxEntries);
  counters_.Count(metrics_, "api", "t0", "default", "admitted", "");  // looked up afresh
  EXPECT_EQ(Value("t0"), 2);
  EXPECT_EQ(Value("t" + std::to_string(DecisionCounters::kMaxEntries)), 1);
}

TEST_F(DecisionCountersTest, AnotherMetricsObjectIsNotServedFromTheMemo) {
  counters_.Count(metrics_, "api", "acme", "default", "admitted", "");
  prometheus::Registry other_registry;
  AdmissionMetrics other(other_registry);
  counters_.Count(other, "api", "acme", "default", "admitted", "");
  EXPECT_EQ(Value("acme"), 1);
  EXPECT_EQ(other.DecisionCounter("api", "acme", "default", "admitted", "").Value(), 1);
}

}  // namespace
}  // namespace sluice::observability
