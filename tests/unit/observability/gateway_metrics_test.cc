#include "observability/gateway_metrics.h"

#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "core/version.h"
#include "observability/metrics_text.h"

namespace sluice::observability {
namespace {

// The value of the sample whose name and labels are exactly `series` (e.g.
// `sluice_inflight{cluster="a"}`), read from the text exposition.
std::optional<double> Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

class GatewayMetricsTest : public ::testing::Test {
 protected:
  // What a scrape does: flush the workers' shards, then collect.
  std::string Render() {
    metrics_.Flush();
    return RenderMetrics(*registry_);
  }

  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  GatewayMetrics metrics_{registry_};
};

TEST_F(GatewayMetricsTest, CountsRequestsByListenerRouteAndCode) {
  RouteStats& api = metrics_.Route("public", "api");
  api.Record(0, 200, 0.003);
  api.Record(0, 200, 0.004);
  api.Record(0, 503, 0.2);
  metrics_.Route("public", "static").Record(0, 404, 0.001);

  const std::string text = Render();
  EXPECT_EQ(Sample(text, R"(sluice_requests_total{code="200",listener="public",route="api"})"), 2);
  EXPECT_EQ(Sample(text, R"(sluice_requests_total{code="503",listener="public",route="api"})"), 1);
  EXPECT_EQ(Sample(text, R"(sluice_requests_total{code="404",listener="public",route="static"})"),
            1);
  EXPECT_EQ(Sample(text, R"(sluice_requests_total{code="404",listener="public",route="api"})"),
            std::nullopt);
  EXPECT_NE(text.find("# TYPE sluice_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("# TYPE sluice_request_duration_seconds histogram"), std::string::npos);
}

TEST_F(GatewayMetricsTest, DurationHistogramUsesLogSpacedBuckets) {
  RouteStats& api = metrics_.Route("public", "api");
  api.Record(0, 200, 0.003);
  api.Record(0, 200, 0.004);
  api.Record(0, 503, 0.2);

  const std::string text = Render();
  const std::string prefix = R"(sluice_request_duration_seconds_bucket{listener="public",)";
  EXPECT_EQ(Sample(text, prefix + R"(route="api",le="0.0005"})"), 0);
  EXPECT_EQ(Sample(text, prefix + R"(route="api",le="0.005"})"), 2);
  EXPECT_EQ(Sample(text, prefix + R"(route="api",le="0.25"})"), 3);
  EXPECT_EQ(Sample(text, prefix + R"(route="api",le="30"})"), 3);
  EXPECT_EQ(Sample(text, prefix + R"(route="api",le="+Inf"})"), 3);
  EXPECT_EQ(Sample(text, R"(sluice_request_duration_seconds_count{listener="public",route="api"})"),
            3);
  EXPECT_NEAR(
      *Sample(text, R"(sluice_request_duration_seconds_sum{listener="public",route="api"})"), 0.207,
      1e-9);
  EXPECT_EQ(DurationBuckets().front(), 0.0005);
  EXPECT_EQ(DurationBuckets().back(), 30.0);
}

TEST_F(GatewayMetricsTest, OutOfRangeStatusCodesShareTheOtherLabel) {
  RouteStats& api = metrics_.Route("public", "api");
  api.Record(0, 0, 0.1);
  api.Record(0, 99, 0.1);
  api.Record(0, 600, 0.1);
  api.Record(0, 599, 0.1);
  const std::string text = Render();
  EXPECT_EQ(Sample(text, R"(sluice_requests_total{code="other",listener="public",route="api"})"),
            3);
  EXPECT_EQ(Sample(text, R"(sluice_requests_total{code="599",listener="public",route="api"})"), 1);
}

TEST_F(GatewayMetricsTest, RouteAndClusterReturnStableReferences) {
  EXPECT_EQ(&metrics_.Route("l", "r"), &metrics_.Route("l", "r"));
  EXPECT_NE(&metrics_.Route("l", "r"), &metrics_.Route("l", "r2"));
  // The joined key must not confuse ("ab", "c") with ("a", "bc").
  EXPECT_NE(&metrics_.Route("ab", "c"), &metrics_.Route("a", "bc"));
  EXPECT_EQ(&metrics_.Cluster("c"), &metrics_.Cluster("c"));
  EXPECT_EQ(&metrics_.Connections("l", "h2"), &metrics_.Connections("l", "h2"));
}

TEST_F(GatewayMetricsTest, ClusterStatsExposeInflightLatencyAndErrorsByKind) {
  ClusterStats& backend = metrics_.Cluster("backend");
  backend.inflight->Add(0, 1);
  backend.inflight->Add(1, 1);
  backend.inflight->Add(0, -1);
  backend.upstream_latency->Observe(1, 0.02);
  backend.RecordError(UpstreamErrorKind::kTimeout);
  backend.RecordError(UpstreamErrorKind::kTimeout);
  backend.RecordError(UpstreamErrorKind::kBadResponse);

  const std::string text = Render();
  EXPECT_EQ(Sample(text, R"(sluice_inflight{cluster="backend"})"), 1);
  EXPECT_EQ(Sample(text, R"(sluice_upstream_latency_seconds_count{cluster="backend"})"), 1);
  EXPECT_EQ(Sample(text, R"(sluice_upstream_latency_seconds_bucket{cluster="backend",le="0.025"})"),
            1);
  EXPECT_EQ(Sample(text, R"(sluice_upstream_errors_total{cluster="backend",kind="timeout"})"), 2);
  EXPECT_EQ(Sample(text, R"(sluice_upstream_errors_total{cluster="backend",kind="bad_response"})"),
            1);
  // Every kind is exported from the start, so rate() works before the first failure.
  EXPECT_EQ(Sample(text, R"(sluice_upstream_errors_total{cluster="backend",kind="connect"})"), 0);
  EXPECT_EQ(Sample(text, R"(sluice_upstream_errors_total{cluster="backend",kind="reset"})"), 0);
}

TEST_F(GatewayMetricsTest, ErrorKindsHaveStableLabelValues) {
  EXPECT_EQ(ToString(UpstreamErrorKind::kConnect), "connect");
  EXPECT_EQ(ToString(UpstreamErrorKind::kTimeout), "timeout");
  EXPECT_EQ(ToString(UpstreamErrorKind::kReset), "reset");
  EXPECT_EQ(ToString(UpstreamErrorKind::kBadResponse), "bad_response");
}

TEST_F(GatewayMetricsTest, ConnectionsDrainingAndBuildInfo) {
  metrics_.Connections("public", "http/1.1").Increment(3);
  metrics_.Connections("public", "h2").Increment();
  metrics_.draining().Set(1);

  const std::string text = Render();
  EXPECT_EQ(Sample(text, R"(sluice_connections{listener="public",protocol="http/1.1"})"), 3);
  EXPECT_EQ(Sample(text, R"(sluice_connections{listener="public",protocol="h2"})"), 1);
  EXPECT_EQ(Sample(text, "sluice_draining"), 1);
  EXPECT_EQ(Sample(text, std::string("sluice_build_info{version=\"") + core::kVersion + "\"}"), 1);
}

TEST_F(GatewayMetricsTest, SecondInstanceOnSameRegistrySharesFamilies) {
  // A config reload may build a new GatewayMetrics on the process registry.
  GatewayMetrics again(registry_);
  metrics_.Route("l", "r").Record(0, 200, 0.01);
  again.Route("l", "r").Record(0, 200, 0.01);
  again.Flush();
  EXPECT_EQ(Sample(Render(), R"(sluice_requests_total{code="200",listener="l",route="r"})"), 2);
}

TEST_F(GatewayMetricsTest, ConcurrentFirstUseOfACodeLosesNoCounts) {
  RouteStats& api = metrics_.Route("public", "api");
  constexpr int kThreads = 8;
  constexpr int kPerThread = 1000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&api, t] {  // 8 threads on 5 workers' shards: some share one
      const auto worker = static_cast<std::size_t>(t % 5);
      for (int i = 0; i < kPerThread; ++i) api.Record(worker, 200 + i % 3, 0.001);
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string text = Render();
  double total = 0;
  for (const char* code : {"200", "201", "202"}) {
    total += Sample(text, std::string(R"(sluice_requests_total{code=")") + code +
                              R"(",listener="public",route="api"})")
                 .value_or(0);
  }
  EXPECT_EQ(total, kThreads * kPerThread);
}

TEST_F(GatewayMetricsTest, EachScrapeAddsOnlyWhatWasRecordedSinceTheLast) {
  RouteStats& api = metrics_.Route("public", "api");
  api.Record(0, 200, 0.25);
  api.Record(1, 200, 0.5);
  const std::string series = R"(sluice_requests_total{code="200",listener="public",route="api"})";
  const std::string sum = R"(sluice_request_duration_seconds_sum{listener="public",route="api"})";
  EXPECT_EQ(Sample(Render(), series), 2);
  EXPECT_EQ(Sample(Render(), series), 2) << "a second scrape adds nothing";
  api.Record(7, 200, 1.0);
  const std::string text = Render();
  EXPECT_EQ(Sample(text, series), 3);
  EXPECT_NEAR(*Sample(text, sum), 1.75, 1e-9);
}

TEST_F(GatewayMetricsTest, AValueOnABucketBoundCountsInThatBucket) {
  ClusterStats& backend = metrics_.Cluster("backend");
  backend.upstream_latency->Observe(0, 0.025);  // le="0.025" includes 0.025, as Prometheus says
  backend.upstream_latency->Observe(0, 31.0);   // above every bound: +Inf only
  const std::string text = Render();
  const std::string prefix = R"(sluice_upstream_latency_seconds_bucket{cluster="backend",le=")";
  EXPECT_EQ(Sample(text, prefix + R"(0.01"})"), 0);
  EXPECT_EQ(Sample(text, prefix + R"(0.025"})"), 1);
  EXPECT_EQ(Sample(text, prefix + R"(30"})"), 1);
  EXPECT_EQ(Sample(text, prefix + R"(+Inf"})"), 2);
}

TEST_F(GatewayMetricsTest, InflightIsReadAcrossWorkersWithoutAScrape) {
  ClusterStats& backend = metrics_.Cluster("backend");
  backend.inflight->Add(0, 1);
  backend.inflight->Add(1, 1);
  backend.inflight->Add(9, 1);  // beyond the shard count: shares a shard
  EXPECT_EQ(backend.inflight->Value(), 3) << "the forwarder reads it on the request path";
  backend.inflight->Add(1, -1);
  EXPECT_EQ(backend.inflight->Value(), 2);
}

}  // namespace
}  // namespace sluice::observability
