// Route choice (host exact > longest *.suffix > *, then longest path prefix), 404 when nothing
// matches, and load balancing across endpoints (weighted round robin exactly, p2c spreading);
// each over HTTP/1.1 (Host) and h2c (:authority).
#include <gtest/gtest.h>

#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

// Built from YAML so the loader's view of routes is what the gateway serves.
constexpr const char* kRoutingYaml = R"(
workers: 2
log: {level: warn, access_log: "off"}
admin: {listen: "127.0.0.1:0"}
listeners:
  - name: main
    listen: 127.0.0.1:0
    protocols: [http1, h2c]
routes:
  - name: catch_all
    match: {host: "*", path_prefix: /}
    cluster: fallback
  - name: api
    match: {host: "*", path_prefix: /api}
    cluster: api
  - name: api_v2
    match: {host: "*", path_prefix: /api/v2}
    cluster: api_v2
  - name: wildcard
    match: {host: "*.example.com", path_prefix: /}
    cluster: wildcard
  - name: deep_wildcard
    match: {host: "*.eu.example.com", path_prefix: /}
    cluster: deep_wildcard
  - name: exact
    match: {host: shop.example.com, path_prefix: /}
    cluster: exact
  - name: exact_static
    match: {host: shop.example.com, path_prefix: /static}
    cluster: exact_static
  - name: only_docs
    match: {host: docs.test, path_prefix: /docs}
    cluster: docs
clusters:
  - {name: fallback, endpoints: ["127.0.0.1:${FALLBACK}"]}
  - {name: api, endpoints: ["127.0.0.1:${API}"]}
  - {name: api_v2, endpoints: ["127.0.0.1:${API_V2}"]}
  - {name: wildcard, endpoints: ["127.0.0.1:${WILDCARD}"]}
  - {name: deep_wildcard, endpoints: ["127.0.0.1:${DEEP_WILDCARD}"]}
  - {name: exact, endpoints: ["127.0.0.1:${EXACT}"]}
  - {name: exact_static, endpoints: ["127.0.0.1:${EXACT_STATIC}"]}
  - {name: docs, endpoints: ["127.0.0.1:${DOCS}"]}
)";

class RoutingTest : public ::testing::TestWithParam<Protocol> {
 protected:
  RoutingTest() {
    std::map<std::string, std::string> vars;
    for (auto* u : {&fallback_, &api_, &api_v2_, &wildcard_, &deep_wildcard_, &exact_,
                    &exact_static_, &docs_}) {
      vars[u->name()] = std::to_string(u->port());
    }
    gateway_ = GatewayHarness::FromYaml(kRoutingYaml, vars);
  }

  // Which backend answered (each answers with its own name), or "<status> <reason>".
  std::string Route(const std::string& host, const std::string& target) {
    auto res = Send(GetParam(), gateway_->port(), "GET", target, {{"Host", host}});
    if (!res) return "no response";
    if (res->status != 200) {
      return std::to_string(res->status) + " " + res->Header("X-Sluice-Reason").value_or("");
    }
    return res->body;
  }

  FakeUpstream fallback_{"FALLBACK"}, api_{"API"}, api_v2_{"API_V2"}, wildcard_{"WILDCARD"},
      deep_wildcard_{"DEEP_WILDCARD"}, exact_{"EXACT"}, exact_static_{"EXACT_STATIC"},
      docs_{"DOCS"};
  std::unique_ptr<GatewayHarness> gateway_;
};

TEST_P(RoutingTest, CatchAllTakesUnmatchedHosts) {
  EXPECT_EQ(Route("other.test", "/"), "FALLBACK");
  EXPECT_EQ(Route("other.test", "/anything/else"), "FALLBACK");
}

TEST_P(RoutingTest, LongestPathPrefixWins) {
  EXPECT_EQ(Route("other.test", "/api"), "API");
  EXPECT_EQ(Route("other.test", "/api/users"), "API");
  EXPECT_EQ(Route("other.test", "/api/v2/users"), "API_V2");
  EXPECT_EQ(Route("other.test", "/api/v1"), "API");
  EXPECT_EQ(Route("other.test", "/ap"), "FALLBACK");
}

TEST_P(RoutingTest, PathPrefixIgnoresQueryString) {
  EXPECT_EQ(Route("other.test", "/?x=/api/v2"), "FALLBACK");
  EXPECT_EQ(Route("other.test", "/api/v2?x=1"), "API_V2");
}

TEST_P(RoutingTest, ExactHostBeatsWildcardAndCatchAll) {
  EXPECT_EQ(Route("shop.example.com", "/"), "EXACT");
  EXPECT_EQ(Route("shop.example.com", "/api/v2/x"), "EXACT") << "host specificity comes first";
  EXPECT_EQ(Route("shop.example.com", "/static/app.js"), "EXACT_STATIC");
}

TEST_P(RoutingTest, HostMatchIgnoresCasePortAndTrailingDot) {
  EXPECT_EQ(Route("SHOP.Example.COM", "/"), "EXACT");
  EXPECT_EQ(Route("shop.example.com:8080", "/"), "EXACT");
  EXPECT_EQ(Route("shop.example.com.", "/"), "EXACT");
}

TEST_P(RoutingTest, LongestWildcardSuffixWins) {
  EXPECT_EQ(Route("blog.example.com", "/"), "WILDCARD");
  EXPECT_EQ(Route("a.b.example.com", "/"), "WILDCARD");
  EXPECT_EQ(Route("paris.eu.example.com", "/"), "DEEP_WILDCARD");
}

TEST_P(RoutingTest, WildcardDoesNotMatchBareDomain) {
  EXPECT_EQ(Route("example.com", "/"), "FALLBACK");
  EXPECT_EQ(Route("notexample.com", "/"), "FALLBACK");
}

INSTANTIATE_TEST_SUITE_P(Protocols, RoutingTest, BothProtocols(), ProtocolTestName);

// A gateway speaking both protocols in front of the given upstreams.
config::Config BothProtocolsConfig(const std::vector<uint16_t>& upstream_ports) {
  auto config = MakeConfig(upstream_ports);
  config.listeners[0].protocols.h2c = true;
  return config;
}

class NoRouteTest : public ::testing::TestWithParam<Protocol> {};

TEST_P(NoRouteTest, UnmatchedRequestGets404NoRoute) {
  FakeUpstream docs("docs");
  auto config = BothProtocolsConfig({docs.port()});
  config.routes[0] = MakeRoute("docs", "docs.test", "/docs", "backend");
  GatewayHarness gateway(config);
  HttpClient client(GetParam(), gateway.port());
  for (const auto& [host, target] : std::vector<std::pair<std::string, std::string>>{
           {"docs.test", "/other"}, {"elsewhere.test", "/docs"}}) {
    auto res = client.Get(target, {{"Host", host}});
    ASSERT_TRUE(res) << host << target;
    EXPECT_EQ(res->status, 404);
    EXPECT_EQ(res->Header("X-Sluice-Reason"), "no_route");
    EXPECT_TRUE(res->HasHeader("X-Request-Id"));
  }
  auto ok = client.Get("/docs/index.html", {{"Host", "docs.test"}});
  ASSERT_TRUE(ok) << "a 404 must not end the connection";
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(docs.request_count(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Protocols, NoRouteTest, BothProtocols(), ProtocolTestName);

class LoadBalancingTest : public ::testing::TestWithParam<Protocol> {};

// Sequential requests on one client connection stay on one worker, so one balancer sees all
// of them and the smooth weighted round robin sequence is exact.
TEST_P(LoadBalancingTest, RoundRobinSplitsByWeightExactly) {
  FakeUpstream light("light"), heavy("heavy");
  auto config = BothProtocolsConfig({light.port(), heavy.port()});
  config.clusters[0].lb = config::LoadBalancing::kRoundRobin;
  config.clusters[0].endpoints[1].weight = 3;
  GatewayHarness gateway(config);
  HttpClient client(GetParam(), gateway.port());
  std::string sequence;
  for (int i = 0; i < 40; ++i) {
    auto res = client.Get("/");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
    sequence += res->body == "light" ? 'L' : 'H';
  }
  EXPECT_EQ(light.request_count(), 10u) << sequence;
  EXPECT_EQ(heavy.request_count(), 30u) << sequence;
  // Smooth: never more than three in a row to the heavy one, never two in a row to the light.
  EXPECT_EQ(sequence.find("HHHH"), std::string::npos) << sequence;
  EXPECT_EQ(sequence.find("LL"), std::string::npos) << sequence;
}

TEST_P(LoadBalancingTest, PowerOfTwoChoicesSpreadsAcrossBothEndpoints) {
  FakeUpstream a("a"), b("b");
  auto config = BothProtocolsConfig({a.port(), b.port()});
  config.clusters[0].lb = config::LoadBalancing::kPowerOfTwoChoices;
  GatewayHarness gateway(config);
  HttpClient client(GetParam(), gateway.port());
  for (int i = 0; i < 40; ++i) {
    auto res = client.Get("/");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
  }
  EXPECT_EQ(a.request_count() + b.request_count(), 40u);
  EXPECT_GE(a.request_count(), 5u);
  EXPECT_GE(b.request_count(), 5u);
}

TEST_P(LoadBalancingTest, PowerOfTwoChoicesAvoidsBusyEndpoint) {
  // One endpoint holds its first request; while it is outstanding, new requests on the same
  // worker go to the idle endpoint (its outstanding count is lower).
  FakeUpstream a("a"), b("b");
  a.SetHandler([](const RecordedRequest&) { return Reply::Held("a"); });
  b.SetHandler([](const RecordedRequest&) { return Reply::Held("b"); });
  auto config = BothProtocolsConfig({a.port(), b.port()});
  config.workers = 1;  // one balancer sees every request
  GatewayHarness gateway(config);
  HttpClient first(GetParam(), gateway.port());
  ASSERT_TRUE(first.Start("GET", "/"));
  ASSERT_TRUE(WaitUntil([&] { return a.held_count() + b.held_count() == 1; }, 5s));
  FakeUpstream& busy = a.held_count() == 1 ? a : b;
  FakeUpstream& idle = a.held_count() == 1 ? b : a;
  // Now every new request is a choice between 1 outstanding and 0: the idle one must win.
  idle.SetHandler([](const RecordedRequest& r) { return Reply::Ok(r.target); });
  for (int i = 0; i < 10; ++i) {
    auto res = Send(GetParam(), gateway.port(), "GET", "/" + std::to_string(i));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  EXPECT_EQ(idle.request_count(), 10u);
  EXPECT_EQ(busy.request_count(), 1u);
  busy.ReleaseHeld();
  auto res = first.Finish();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

INSTANTIATE_TEST_SUITE_P(Protocols, LoadBalancingTest, BothProtocols(), ProtocolTestName);

}  // namespace
}  // namespace sluice::testing
