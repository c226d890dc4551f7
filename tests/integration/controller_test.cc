// The adaptive limit wired into the gateway over real sockets (issue 4): an enforcing controller
// gates its cluster from its initial limit, a shadow one gates nothing, both feed the metrics and
// /controller; requests over HTTP/1.1 and h2c are gated alike. How the limit moves is the
// simulation's job (tests/sim/).
#include <gtest/gtest.h>

#include "support/json_reader.h"
#include "support/prometheus_text.h"
#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

class ControllerFixture : public ProxyFixture {
 protected:
  void Controlled(config::PolicyMode mode, uint32_t initial_limit) {
    auto& cluster = config.clusters.at(0);
    cluster.controller = {.enabled = true,
                          .slo_p99 = std::chrono::milliseconds(250),
                          .min_limit = 1,
                          .max_limit = initial_limit,
                          .initial_limit = initial_limit,
                          .mode = mode};
    cluster.queue = {.capacity = 10,
                     .low_watermark = 5,
                     .high_watermark = 8,
                     .max_wait = std::chrono::seconds(5)};
  }
  std::optional<double> Metric(std::string_view name) {
    return MetricValue(gateway().Scrape(), name, {{"cluster", config.clusters.at(0).name}});
  }
};

class ControllerTest : public ControllerFixture, public ::testing::WithParamInterface<Protocol> {};
using ControllerAdminTest = ControllerFixture;

TEST_P(ControllerTest, AnEnforcingControllerGatesTheClusterAtItsLimit) {
  Controlled(config::PolicyMode::kEnforce, /*initial_limit=*/1);
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Held("done"); });
  HttpClient first(GetParam(), port());
  ASSERT_TRUE(first.Start("GET", "/one"));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  HttpClient second(GetParam(), port());
  ASSERT_TRUE(second.Start("GET", "/two"));
  ASSERT_TRUE(WaitUntil([&] {
    return MetricValue(gateway().Scrape(), "sluice_queue_depth", {{"class", "default"}}) == 1.0;
  })) << "the second request waits for the controller's single slot";
  EXPECT_EQ(upstream.request_count(), 1u);
  upstream.ReleaseHeld();
  ASSERT_TRUE(first.Finish());
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  upstream.ReleaseHeld();
  auto res = second.Finish();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(Metric("sluice_concurrency_limit"), 1.0);
  EXPECT_EQ(Metric("sluice_controller_mode"), 0.0);
  EXPECT_EQ(Metric("sluice_controller_slo_infeasible"), 0.0);
  EXPECT_NEAR(Metric("sluice_controller_setpoint_seconds").value_or(0), 0.2, 1e-9);
}

TEST_P(ControllerTest, AShadowControllerGatesNothing) {
  Controlled(config::PolicyMode::kShadow, /*initial_limit=*/1);
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Held("done"); });
  HttpClient first(GetParam(), port());
  HttpClient second(GetParam(), port());
  ASSERT_TRUE(first.Start("GET", "/one"));
  ASSERT_TRUE(second.Start("GET", "/two"));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 2; }))
      << "both reach the backend although the computed limit is 1";
  upstream.ReleaseHeld();
  ASSERT_TRUE(first.Finish());
  ASSERT_TRUE(second.Finish());
  EXPECT_EQ(Metric("sluice_concurrency_limit"), 1.0) << "computed and exported all the same";
}

INSTANTIATE_TEST_SUITE_P(Protocols, ControllerTest, BothProtocols(), ProtocolTestName);

TEST_F(ControllerAdminTest, ShowsEachControlledClustersState) {
  Controlled(config::PolicyMode::kEnforce, /*initial_limit=*/7);
  auto [status, body] = gateway().Admin("/controller");
  ASSERT_EQ(status, 200);
  const auto json = JsonReader::Parse(body);
  ASSERT_TRUE(json) << body;
  const auto& cluster = (*json)[config.clusters.at(0).name];
  EXPECT_EQ(cluster["mode"].text, "normal");
  EXPECT_EQ(cluster["enforce"].kind, Json::Kind::kBool);
  EXPECT_EQ(cluster["limit"].text, "7");
  EXPECT_EQ(cluster["starting"].kind, Json::Kind::kBool);
  EXPECT_EQ(cluster["last_window"]["samples"].text, "0");
  EXPECT_EQ(cluster["load_curve"]["verdict"].text, "unknown") << "nothing sent yet";
  EXPECT_EQ(cluster["load_curve"]["samples"].text, "0");
}

}  // namespace
}  // namespace sluice::testing
