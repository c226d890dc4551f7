// Admission over real sockets: tenant buckets (429), the cluster gate and queue (503); over
// HTTP/1.1 and h2c alike (issue 5: "429/503 with Retry-After and RateLimit headers all behave
// identically").

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "admission/api_key_hash.h"
#include "support/prometheus_text.h"
#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

std::string KeyRef(std::string_view raw_key) {
  return "sha256:" + admission::DigestHex(admission::Sha256(raw_key));
}

HeaderList Key(std::string_view key) { return {{"X-Api-Key", std::string(key)}}; }

class AdmissionFixture : public ProxyFixture {
 protected:
  // Tenant "acme" (key "k-acme") and "zeta" (key "k-zeta"); callers without a key get 401.
  void AddTenants(double acme_rate, uint32_t acme_burst, config::PolicyMode acme_mode) {
    config::TenantConfig acme;
    acme.name = "acme";
    acme.rate = {acme_rate, acme_burst};
    acme.mode = acme_mode;
    acme.api_keys = {KeyRef("k-acme")};
    config::TenantConfig zeta;
    zeta.name = "zeta";
    zeta.rate = {1000, 1000};
    zeta.api_keys = {KeyRef("k-zeta")};
    config.tenants = {acme, zeta};
    config.identity.sources = {{config::IdentitySource::kApiKey, "X-Api-Key"}};
    config.identity.on_missing = "reject";
  }

  // One slot, a queue of one; the upstream holds every reply until released.
  void GateWithQueueOfOne(std::chrono::milliseconds max_wait) {
    auto& cluster = config.clusters.at(0);
    cluster.concurrency_limit = 1;
    cluster.queue = {.capacity = 1,
                     .low_watermark = 0,
                     .high_watermark = 1,
                     .max_wait = max_wait,
                     .age_step = std::chrono::milliseconds(250)};
    upstream.SetHandler([](const RecordedRequest&) { return Reply::Held("done"); });
  }

  std::optional<double> Metric(std::string_view name,
                               const std::map<std::string, std::string>& labels) {
    return MetricValue(gateway().Scrape(), name, labels);
  }

  // After a queued client gave up while `first` holds the only slot: the give-up is counted,
  // its place is free again (a queue of one would answer 503 otherwise), and a new request
  // gets the slot when `first` ends; the one given up on never went upstream.
  void ExpectQueuedPlaceFreedAndNextServed(HttpClient& first) {
    ASSERT_TRUE(WaitUntil([&] {
      return Metric("sluice_admission_decisions_total",
                    {{"decision", "cancelled"}, {"reason", "client_gone"}}) == 1.0;
    }));
    HttpClient next(first.protocol(), port());
    ASSERT_TRUE(next.Start("GET", "/next"));
    ASSERT_TRUE(WaitUntil([&] {
      return Metric("sluice_queue_depth", {{"class", "default"}}) == 1.0;
    }));
    upstream.ReleaseHeld();
    ASSERT_TRUE(first.Finish());
    ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
    upstream.ReleaseHeld();
    auto res = next.Finish();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(upstream.request_count(), 2u) << "the request whose client left never went upstream";
  }
};

class AdmissionTest : public AdmissionFixture, public ::testing::WithParamInterface<Protocol> {
 protected:
  [[nodiscard]] Protocol protocol() const { return GetParam(); }
  [[nodiscard]] bool h2() const { return GetParam() == Protocol::kH2c; }
  std::optional<HttpResponse> Get(std::string_view path, const HeaderList& headers = {}) {
    return Send(GetParam(), port(), "GET", path, headers);
  }
};

TEST_P(AdmissionTest, AdmitsTheBurstThenAnswers429WithExactHeaders) {
  AddTenants(/*rate=*/0.5, /*burst=*/3, config::PolicyMode::kEnforce);
  HttpClient client(protocol(), port());
  for (int i = 0; i < 3; ++i) {
    auto res = client.Get("/", Key("k-acme"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->raw;
  }
  auto res = client.Get("/", Key("k-acme"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429) << res->raw;
  EXPECT_EQ(res->Header("X-Sluice-Reason"), "tenant_rate");
  // One token per 2 s: the next one is at most 2 s away, so Retry-After is 2 or 3 with jitter.
  const int retry_after = std::stoi(res->Header("Retry-After").value_or("0"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 3);
  EXPECT_EQ(res->Header("RateLimit-Policy"), "\"tenant\";q=3;w=6");
  EXPECT_EQ(res->Header("Content-Type"), "application/problem+json");
  EXPECT_NE(res->body.find("quota-exceeded"), std::string::npos);
  EXPECT_EQ(upstream.request_count(), 3u);  // the rejected request never reached the backend
}

TEST_P(AdmissionTest, MissingIdentityIsRejectedWith401) {
  AddTenants(100, 100, config::PolicyMode::kEnforce);
  auto res = Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(res->Header("X-Sluice-Reason"), "identity_missing");
  EXPECT_TRUE(res->HasHeader("WWW-Authenticate"));
  EXPECT_EQ(upstream.request_count(), 0u);
}

TEST_P(AdmissionTest, ShadowModePassesEverythingAndCountsWouldBeRejections) {
  AddTenants(/*rate=*/0.5, /*burst=*/2, config::PolicyMode::kShadow);
  HttpClient client(protocol(), port());
  for (int i = 0; i < 5; ++i) {
    auto res = client.Get("/", Key("k-acme"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  EXPECT_EQ(upstream.request_count(), 5u);
  EXPECT_EQ(
      Metric("sluice_admission_decisions_total",
             {{"tenant", "acme"}, {"decision", "shadow_rejected"}, {"reason", "tenant_rate"}}),
      3.0);
}

TEST_P(AdmissionTest, FloodingTenantIsLimitedWhileAnotherIsNot) {
  AddTenants(/*rate=*/0.5, /*burst=*/2, config::PolicyMode::kEnforce);
  HttpClient flood(protocol(), port());
  HttpClient polite(protocol(), port());
  int flood_429 = 0;
  for (int i = 0; i < 20; ++i) {
    auto res = flood.Get("/", Key("k-acme"));
    ASSERT_TRUE(res);
    if (res->status == 429) ++flood_429;
    auto ok = polite.Get("/", Key("k-zeta"));
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200) << "the polite tenant must never be limited by the flooder";
  }
  EXPECT_GE(flood_429, 17);
}

TEST_P(AdmissionTest, FullQueueAnswers503WithRetryAfterAndNoStore) {
  GateWithQueueOfOne(std::chrono::seconds(5));
  HttpClient first(protocol(), port());
  ASSERT_TRUE(first.Start("GET", "/one"));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  HttpClient second(protocol(), port());
  ASSERT_TRUE(second.Start("GET", "/two"));
  ASSERT_TRUE(WaitUntil([&] {
    return Metric("sluice_queue_depth", {{"class", "default"}}) == 1.0;
  }));
  auto third = Get("/three");
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 503);
  EXPECT_EQ(third->Header("X-Sluice-Reason"), "queue_full");
  EXPECT_EQ(third->Header("Cache-Control"), "no-store");
  const int retry_after = std::stoi(third->Header("Retry-After").value_or("0"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 60);
  // The slot passes from the first request to the queued one.
  upstream.ReleaseHeld();
  auto one = first.Finish();
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  upstream.ReleaseHeld();
  auto two = second.Finish();
  ASSERT_TRUE(two);
  EXPECT_EQ(two->status, 200);
  EXPECT_EQ(upstream.request_count(), 2u);
}

TEST_P(AdmissionTest, WaiterPastMaxWaitGets503QueueTimeout) {
  GateWithQueueOfOne(std::chrono::milliseconds(200));
  HttpClient first(protocol(), port());
  ASSERT_TRUE(first.Start("GET", "/one"));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  HttpClient second(protocol(), port());
  const auto start = std::chrono::steady_clock::now();
  auto res = second.Get("/two");
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->Header("X-Sluice-Reason"), "queue_timeout");
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  EXPECT_LT(waited, std::chrono::seconds(3));
  upstream.ReleaseHeld();
  auto one = first.Finish();
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
}

TEST_P(AdmissionTest, ClientThatDisconnectsWhileQueuedFreesItsPlaceAtOnce) {
  GateWithQueueOfOne(std::chrono::seconds(30));
  HttpClient first(protocol(), port());
  ASSERT_TRUE(first.Start("GET", "/one"));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  {
    HttpClient quitter(protocol(), port());
    ASSERT_TRUE(quitter.Start("GET", "/quitter"));
    ASSERT_TRUE(WaitUntil([&] {
      return Metric("sluice_queue_depth", {{"class", "default"}}) == 1.0;
    }));
  }  // closes its connection while queued
  ExpectQueuedPlaceFreedAndNextServed(first);
}

// HTTP/2's way to give up on one request without closing the connection: RST_STREAM.
TEST_P(AdmissionTest, StreamResetWhileQueuedFreesItsPlaceAtOnce) {
  if (!h2()) GTEST_SKIP() << "RST_STREAM is HTTP/2 only";
  GateWithQueueOfOne(std::chrono::seconds(30));
  HttpClient first(protocol(), port());
  ASSERT_TRUE(first.Start("GET", "/one"));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  H2Client quitter;
  ASSERT_TRUE(quitter.Connect(port()));
  const int32_t id = quitter.Submit("GET", "/quitter");
  ASSERT_GT(id, 0);
  ASSERT_TRUE(quitter.RunUntil(
      [&] { return Metric("sluice_queue_depth", {{"class", "default"}}) == 1.0; }, 10s));
  quitter.ResetStream(id);
  quitter.Pump();
  ExpectQueuedPlaceFreedAndNextServed(first);
  EXPECT_TRUE(quitter.connection_open()) << "a reset stream leaves its connection alone";
}

TEST_P(AdmissionTest, AQueuedFloodDoesNotDelayAnotherTenantsRequest) {
  AddTenants(/*rate=*/1000, /*burst=*/1000, config::PolicyMode::kEnforce);
  auto& cluster = config.clusters.at(0);
  cluster.concurrency_limit = 1;
  cluster.queue = {.capacity = 64, .low_watermark = 48, .high_watermark = 56,
                   .max_wait = std::chrono::seconds(30)};
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Held("done"); });
  const auto queued = [&](double depth) {
    return WaitUntil([&] { return Metric("sluice_queue_depth", {{"class", "default"}}) == depth; });
  };
  std::vector<std::unique_ptr<HttpClient>> flood;
  for (int i = 0; i < 11; ++i) {  // one in flight, ten queued
    flood.push_back(std::make_unique<HttpClient>(protocol(), port()));
    ASSERT_TRUE(flood.back()->Start("GET", "/flood", Key("k-acme")));
    if (i == 0) {
      ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
    }
  }
  ASSERT_TRUE(queued(10));
  HttpClient polite(protocol(), port());
  ASSERT_TRUE(polite.Start("GET", "/polite", Key("k-zeta")));
  ASSERT_TRUE(queued(11));
  // Deficit round robin across tenants: the polite request is next but at most one flood
  // request, not behind all ten.
  for (std::size_t served = 1; served <= 3; ++served) {
    upstream.ReleaseHeld();
    ASSERT_TRUE(WaitUntil([&] { return upstream.request_count() == served + 1; }));
    ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  }
  const auto requests = upstream.requests();
  const auto polite_at =
      std::find_if(requests.begin(), requests.end(),
                   [](const RecordedRequest& r) { return r.target == "/polite"; }) -
      requests.begin();
  EXPECT_LE(polite_at, 2) << "dispatch position of the polite tenant's request";
  upstream.ReleaseHeld();
  auto res = polite.Finish();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  for (int i = 0; i < 11; ++i) upstream.ReleaseHeld();  // let the rest finish
}

INSTANTIATE_TEST_SUITE_P(Protocols, AdmissionTest, BothProtocols(), ProtocolTestName);

// Route "batch", tenant "critical": which class a request is counted (and queued) under.
class ClassPrecedenceTest : public AdmissionFixture,
                            public ::testing::WithParamInterface<config::ClassPrecedence> {};

TEST_P(ClassPrecedenceTest, RouteWinsUnlessConfiguredOtherwise) {
  AddTenants(/*rate=*/100, /*burst=*/100, config::PolicyMode::kEnforce);
  config.classes = {{.name = "critical"}, {.name = "batch", .sheddable = true}};
  config.class_precedence = GetParam();
  config.tenants.at(0).priority_class = "critical";
  config.routes.at(0).priority_class = "batch";
  config.clusters.at(0).concurrency_limit = 4;
  auto ex = SendAndReadResponse(port(), MakeRequest("GET", "/", {"X-Api-Key: k-acme"}),
                                std::chrono::milliseconds(0));
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 200);
  const std::string expected =
      GetParam() == config::ClassPrecedence::kTenant ? "critical" : "batch";
  EXPECT_EQ(Metric("sluice_admission_decisions_total",
                   {{"tenant", "acme"}, {"class", expected}, {"decision", "admitted"}}),
            1.0);
}

INSTANTIATE_TEST_SUITE_P(Precedence, ClassPrecedenceTest,
                         ::testing::Values(config::ClassPrecedence::kRoute,
                                           config::ClassPrecedence::kTenant));

// The client's own deadline caps the queue wait; max_wait (30 s) would be far longer. Both
// headers over both protocols: grpc-timeout is what gRPC clients send, over HTTP/2.
struct DeadlineHeader {
  std::string test_name;
  std::string name;
  std::string value;
};

class ClientDeadlineTest
    : public AdmissionFixture,
      public ::testing::WithParamInterface<std::tuple<DeadlineHeader, Protocol>> {};

TEST_P(ClientDeadlineTest, QueuedRequestGivesUpAtTheClientsDeadline) {
  const auto& [header, protocol] = GetParam();
  GateWithQueueOfOne(std::chrono::seconds(30));
  HttpClient first(protocol, port());
  ASSERT_TRUE(first.Start("GET", "/one"));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  auto second = Send(protocol, port(), "GET", "/two", {{header.name, header.value}});
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 503);
  EXPECT_EQ(second->Header("X-Sluice-Reason"), "queue_timeout");
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(5));
  upstream.ReleaseHeld();
  ASSERT_TRUE(first.Finish());
}

INSTANTIATE_TEST_SUITE_P(
    Headers, ClientDeadlineTest,
    ::testing::Combine(::testing::Values(DeadlineHeader{"XRequestTimeout", "X-Request-Timeout",
                                                        "0.3"},
                                         DeadlineHeader{"GrpcTimeout", "grpc-timeout", "300m"}),
                       BothProtocols()),
    [](const auto& info) {
      return std::get<0>(info.param).test_name + "_" +
             std::string(ProtocolName(std::get<1>(info.param)));
    });

}  // namespace
}  // namespace sluice::testing
