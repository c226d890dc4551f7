// Admission over real sockets: tenant buckets (429), the cluster gate and queue (503).
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

std::string GetWithKey(std::string_view key) {
  return MakeRequest("GET", "/", {"X-Api-Key: " + std::string(key)});
}

class AdmissionTest : public ProxyFixture {
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
};

TEST_F(AdmissionTest, AdmitsTheBurstThenAnswers429WithExactHeaders) {
  AddTenants(/*rate=*/0.5, /*burst=*/3, config::PolicyMode::kEnforce);
  RawClient client(port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.Send(GetWithKey("k-acme")));
    auto res = client.ReadResponse();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->raw;
  }
  ASSERT_TRUE(client.Send(GetWithKey("k-acme")));
  auto res = client.ReadResponse();
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

TEST_F(AdmissionTest, MissingIdentityIsRejectedWith401) {
  AddTenants(100, 100, config::PolicyMode::kEnforce);
  auto ex = SendAndReadResponse(port(), MakeRequest("GET", "/"), std::chrono::milliseconds(50));
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 401);
  EXPECT_EQ(ex.response->Header("X-Sluice-Reason"), "identity_missing");
  EXPECT_TRUE(ex.response->HasHeader("WWW-Authenticate"));
  EXPECT_EQ(upstream.request_count(), 0u);
}

TEST_F(AdmissionTest, ShadowModePassesEverythingAndCountsWouldBeRejections) {
  AddTenants(/*rate=*/0.5, /*burst=*/2, config::PolicyMode::kShadow);
  RawClient client(port());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.Send(GetWithKey("k-acme")));
    auto res = client.ReadResponse();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  EXPECT_EQ(upstream.request_count(), 5u);
  EXPECT_EQ(
      Metric("sluice_admission_decisions_total",
             {{"tenant", "acme"}, {"decision", "shadow_rejected"}, {"reason", "tenant_rate"}}),
      3.0);
}

TEST_F(AdmissionTest, FloodingTenantIsLimitedWhileAnotherIsNot) {
  AddTenants(/*rate=*/0.5, /*burst=*/2, config::PolicyMode::kEnforce);
  RawClient flood(port());
  RawClient polite(port());
  int flood_429 = 0;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(flood.Send(GetWithKey("k-acme")));
    auto res = flood.ReadResponse();
    ASSERT_TRUE(res);
    if (res->status == 429) ++flood_429;
    ASSERT_TRUE(polite.Send(GetWithKey("k-zeta")));
    auto ok = polite.ReadResponse();
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200) << "the polite tenant must never be limited by the flooder";
  }
  EXPECT_GE(flood_429, 17);
}

TEST_F(AdmissionTest, FullQueueAnswers503WithRetryAfterAndNoStore) {
  GateWithQueueOfOne(std::chrono::seconds(5));
  RawClient first(port());
  ASSERT_TRUE(first.Send(MakeRequest("GET", "/one")));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  RawClient second(port());
  ASSERT_TRUE(second.Send(MakeRequest("GET", "/two")));
  ASSERT_TRUE(WaitUntil([&] {
    return Metric("sluice_queue_depth", {{"class", "default"}}) == 1.0;
  }));
  auto third =
      SendAndReadResponse(port(), MakeRequest("GET", "/three"), std::chrono::milliseconds(50));
  ASSERT_TRUE(third.response);
  EXPECT_EQ(third.response->status, 503);
  EXPECT_EQ(third.response->Header("X-Sluice-Reason"), "queue_full");
  EXPECT_EQ(third.response->Header("Cache-Control"), "no-store");
  const int retry_after = std::stoi(third.response->Header("Retry-After").value_or("0"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 60);
  // The slot passes from the first request to the queued one.
  upstream.ReleaseHeld();
  auto one = first.ReadResponse();
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  upstream.ReleaseHeld();
  auto two = second.ReadResponse();
  ASSERT_TRUE(two);
  EXPECT_EQ(two->status, 200);
  EXPECT_EQ(upstream.request_count(), 2u);
}

TEST_F(AdmissionTest, WaiterPastMaxWaitGets503QueueTimeout) {
  GateWithQueueOfOne(std::chrono::milliseconds(200));
  RawClient first(port());
  ASSERT_TRUE(first.Send(MakeRequest("GET", "/one")));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  auto second =
      SendAndReadResponse(port(), MakeRequest("GET", "/two"), std::chrono::milliseconds(0));
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(second.response);
  EXPECT_EQ(second.response->status, 503);
  EXPECT_EQ(second.response->Header("X-Sluice-Reason"), "queue_timeout");
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  EXPECT_LT(waited, std::chrono::seconds(3));
  upstream.ReleaseHeld();
  auto one = first.ReadResponse();
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200);
}

TEST_F(AdmissionTest, ClientThatDisconnectsWhileQueuedFreesItsPlaceAtOnce) {
  GateWithQueueOfOne(std::chrono::seconds(30));
  RawClient first(port());
  ASSERT_TRUE(first.Send(MakeRequest("GET", "/one")));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  {
    RawClient quitter(port());
    ASSERT_TRUE(quitter.Send(MakeRequest("GET", "/quitter")));
    ASSERT_TRUE(WaitUntil([&] {
      return Metric("sluice_queue_depth", {{"class", "default"}}) == 1.0;
    }));
  }  // closes its connection while queued
  ASSERT_TRUE(WaitUntil([&] {
    return Metric("sluice_admission_decisions_total",
                  {{"decision", "cancelled"}, {"reason", "client_gone"}}) == 1.0;
  }));
  // Its place is free again: a new request queues (a queue of one would answer 503 otherwise)
  // and gets the slot when the first request ends.
  RawClient next(port());
  ASSERT_TRUE(next.Send(MakeRequest("GET", "/next")));
  ASSERT_TRUE(WaitUntil([&] {
    return Metric("sluice_queue_depth", {{"class", "default"}}) == 1.0;
  }));
  upstream.ReleaseHeld();
  ASSERT_TRUE(first.ReadResponse());
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  upstream.ReleaseHeld();
  auto res = next.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(upstream.request_count(), 2u) << "the request whose client left never went upstream";
}

TEST_F(AdmissionTest, AQueuedFloodDoesNotDelayAnotherTenantsRequest) {
  AddTenants(/*rate=*/1000, /*burst=*/1000, config::PolicyMode::kEnforce);
  auto& cluster = config.clusters.at(0);
  cluster.concurrency_limit = 1;
  cluster.queue = {.capacity = 64, .low_watermark = 48, .high_watermark = 56,
                   .max_wait = std::chrono::seconds(30)};
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Held("done"); });
  const auto queued = [&](double depth) {
    return WaitUntil([&] { return Metric("sluice_queue_depth", {{"class", "default"}}) == depth; });
  };
  std::vector<std::unique_ptr<RawClient>> flood;
  for (int i = 0; i < 11; ++i) {  // one in flight, ten queued
    flood.push_back(std::make_unique<RawClient>(port()));
    ASSERT_TRUE(flood.back()->Send(MakeRequest("GET", "/flood", {"X-Api-Key: k-acme"})));
    if (i == 0) {
      ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
    }
  }
  ASSERT_TRUE(queued(10));
  RawClient polite(port());
  ASSERT_TRUE(polite.Send(MakeRequest("GET", "/polite", {"X-Api-Key: k-zeta"})));
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
  auto res = polite.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  for (int i = 0; i < 11; ++i) upstream.ReleaseHeld();  // let the rest finish
}

// Route "batch", tenant "critical": which class a request is counted (and queued) under.
class ClassPrecedenceTest : public AdmissionTest,
                            public ::testing::WithParamInterface<config::ClassPrecedence> {};

TEST_P(ClassPrecedenceTest, RouteWinsUnlessConfiguredOtherwise) {
  AddTenants(/*rate=*/100, /*burst=*/100, config::PolicyMode::kEnforce);
  config.classes = {{.name = "critical"}, {.name = "batch", .sheddable = true}};
  config.class_precedence = GetParam();
  config.tenants.at(0).priority_class = "critical";
  config.routes.at(0).priority_class = "batch";
  config.clusters.at(0).concurrency_limit = 4;
  auto ex = SendAndReadResponse(port(), GetWithKey("k-acme"), std::chrono::milliseconds(0));
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

// The client's own deadline caps the queue wait; max_wait (30 s) would be far longer.
class ClientDeadlineTest : public AdmissionTest,
                           public ::testing::WithParamInterface<std::string> {};

TEST_P(ClientDeadlineTest, QueuedRequestGivesUpAtTheClientsDeadline) {
  GateWithQueueOfOne(std::chrono::seconds(30));
  RawClient first(port());
  ASSERT_TRUE(first.Send(MakeRequest("GET", "/one")));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  auto second = SendAndReadResponse(port(), MakeRequest("GET", "/two", {GetParam()}),
                                    std::chrono::milliseconds(0));
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(second.response);
  EXPECT_EQ(second.response->status, 503);
  EXPECT_EQ(second.response->Header("X-Sluice-Reason"), "queue_timeout");
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(5));
  upstream.ReleaseHeld();
  ASSERT_TRUE(first.ReadResponse());
}

INSTANTIATE_TEST_SUITE_P(Headers, ClientDeadlineTest,
                         ::testing::Values("X-Request-Timeout: 0.3", "grpc-timeout: 300m"));

}  // namespace
}  // namespace sluice::testing
