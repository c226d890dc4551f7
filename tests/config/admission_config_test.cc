// The admission sections (classes, tenants, identity, route cost/class, cluster queue) parse into
// the schema structs; error cases live in golden/admission_*.yaml.
#include <gtest/gtest.h>

#include <string>

#include "config/loader.h"

namespace sluice::config {
namespace {

using std::chrono::milliseconds;

constexpr const char* kKeyA =
    "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
constexpr const char* kKeyB =
    "sha256:fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9";

// Every admission key, each set away from its default so a missed key shows up.
const std::string kAdmissionConfig = std::string(R"yaml(
classes:
  - name: critical
    weight: 8
  - name: normal
    weight: 4
  - name: sheddable
    sheddable: true
    weight: 1
class_precedence: tenant
tenants:
  - name: acme
    rate: 100/s
    burst: 200
    weight: 2
    class: critical
    mode: shadow
    api_keys:
      - )yaml") + kKeyA + R"yaml(
      - )yaml" + kKeyB + R"yaml(
  - name: beta
    rate: 6000/min
    burst: 5
identity:
  sources:
    - api_key: X-Key
    - header: X-Tenant
    - client_address
    - api_key
  on_missing: beta
  ipv6_prefix: 56
  dynamic_rate: {rate: 5/s, burst: 7}
  max_dynamic_tenants: 500
  retry_after_jitter: 0.5
  retry_after_jitter_cap: 2s
  ratelimit_headers_on_success: true
listeners: [{name: main, listen: "127.0.0.1:8080"}]
routes:
  - name: bulk
    cluster: backend
    cost: 5
    class: sheddable
  - name: rest
    cluster: backend
clusters:
  - name: backend
    endpoints: [127.0.0.1:9000]
    concurrency_limit: 64
    queue:
      capacity: 100
      low_watermark: 10
      high_watermark: 100
      max_wait: 300ms
      age_step: 50ms
  - name: plain
    endpoints: [127.0.0.1:9001]
)yaml";

constexpr const char* kMinimalConfig = R"yaml(
listeners: [{name: main, listen: "127.0.0.1:8080"}]
routes: [{name: all, cluster: backend}]
clusters: [{name: backend, endpoints: [127.0.0.1:9000]}]
)yaml";

Config LoadOk(const std::string& yaml) {
  auto result = LoadString(yaml, "test.yaml");
  EXPECT_TRUE(result.errors.empty()) << result.errors.ToString();
  EXPECT_TRUE(result.config.has_value());
  return result.config.value_or(Config{});
}

std::string LoadErrors(const std::string& yaml) {
  return LoadString(yaml, "test.yaml").errors.ToString();
}

TEST(AdmissionConfigTest, FillsClassesInOrder) {
  const Config c = LoadOk(kAdmissionConfig);
  ASSERT_EQ(c.classes.size(), 3u);
  EXPECT_EQ(c.classes[0].name, "critical");
  EXPECT_FALSE(c.classes[0].sheddable);
  EXPECT_EQ(c.classes[1].name, "normal");
  EXPECT_EQ(c.classes[2].name, "sheddable");
  EXPECT_TRUE(c.classes[2].sheddable);
  EXPECT_EQ(c.classes[0].weight, 8u);
  EXPECT_EQ(c.classes[1].weight, 4u);
  EXPECT_EQ(c.classes[2].weight, 1u);
  EXPECT_EQ(c.class_precedence, ClassPrecedence::kTenant);
}

TEST(AdmissionConfigTest, FillsTenants) {
  const Config c = LoadOk(kAdmissionConfig);
  ASSERT_EQ(c.tenants.size(), 2u);
  const TenantConfig& t = c.tenants[0];
  EXPECT_EQ(t.name, "acme");
  EXPECT_DOUBLE_EQ(t.rate.per_second, 100);
  EXPECT_EQ(t.rate.burst, 200u);
  EXPECT_EQ(t.weight, 2u);
  EXPECT_EQ(t.priority_class, "critical");
  EXPECT_EQ(t.mode, PolicyMode::kShadow);
  ASSERT_EQ(t.api_keys.size(), 2u);
  EXPECT_EQ(t.api_keys[0], kKeyA);
  EXPECT_EQ(t.api_keys[1], kKeyB);
  const TenantConfig& beta = c.tenants[1];
  EXPECT_DOUBLE_EQ(beta.rate.per_second, 100);
  EXPECT_EQ(beta.rate.burst, 5u);  // equal to the largest route cost is enough
  EXPECT_EQ(beta.weight, 1u);
  EXPECT_EQ(beta.priority_class, "");
  EXPECT_EQ(beta.mode, PolicyMode::kEnforce);
  EXPECT_TRUE(beta.api_keys.empty());
}

TEST(AdmissionConfigTest, FillsIdentity) {
  const IdentityConfig id = LoadOk(kAdmissionConfig).identity;
  ASSERT_EQ(id.sources.size(), 4u);
  EXPECT_EQ(id.sources[0].source, IdentitySource::kApiKey);
  EXPECT_EQ(id.sources[0].header, "X-Key");
  EXPECT_EQ(id.sources[1].source, IdentitySource::kHeader);
  EXPECT_EQ(id.sources[1].header, "X-Tenant");
  EXPECT_EQ(id.sources[2].source, IdentitySource::kClientAddress);
  EXPECT_EQ(id.sources[3].source, IdentitySource::kApiKey);
  EXPECT_EQ(id.sources[3].header, "X-Api-Key");  // bare `api_key`
  EXPECT_EQ(id.on_missing, "beta");
  EXPECT_EQ(id.ipv6_prefix, 56u);
  EXPECT_DOUBLE_EQ(id.dynamic_rate.per_second, 5);
  EXPECT_EQ(id.dynamic_rate.burst, 7u);
  EXPECT_EQ(id.max_dynamic_tenants, 500u);
  EXPECT_DOUBLE_EQ(id.retry_after_jitter, 0.5);
  EXPECT_EQ(id.retry_after_jitter_cap, milliseconds(2000));
  EXPECT_TRUE(id.ratelimit_headers_on_success);
}

TEST(AdmissionConfigTest, FillsRouteCostAndClass) {
  const Config c = LoadOk(kAdmissionConfig);
  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].cost, 5u);
  EXPECT_EQ(c.routes[0].priority_class, "sheddable");
  EXPECT_EQ(c.routes[1].cost, 1u);
  EXPECT_EQ(c.routes[1].priority_class, "");
}

TEST(AdmissionConfigTest, FillsClusterGateAndQueue) {
  const Config c = LoadOk(kAdmissionConfig);
  ASSERT_EQ(c.clusters.size(), 2u);
  const ClusterConfig& k = c.clusters[0];
  EXPECT_EQ(k.concurrency_limit, 64u);
  EXPECT_EQ(k.queue.capacity, 100u);
  EXPECT_EQ(k.queue.low_watermark, 10u);
  EXPECT_EQ(k.queue.high_watermark, 100u);  // high == capacity is allowed
  EXPECT_EQ(k.queue.max_wait, milliseconds(300));
  EXPECT_EQ(k.queue.age_step, milliseconds(50));
  // No gate is fine even with tenants and identity sources configured.
  EXPECT_EQ(c.clusters[1].concurrency_limit, 0u);
  EXPECT_EQ(c.clusters[1].queue.capacity, QueueConfig{}.capacity);
}

TEST(AdmissionConfigTest, MinimalConfigKeepsAdmissionDefaults) {
  const Config c = LoadOk(kMinimalConfig);
  EXPECT_TRUE(c.classes.empty());
  EXPECT_TRUE(c.tenants.empty());
  const IdentityConfig defaults;
  EXPECT_TRUE(c.identity.sources.empty());
  EXPECT_EQ(c.identity.on_missing, "reject");
  EXPECT_EQ(c.identity.ipv6_prefix, defaults.ipv6_prefix);
  EXPECT_DOUBLE_EQ(c.identity.dynamic_rate.per_second, defaults.dynamic_rate.per_second);
  EXPECT_EQ(c.identity.dynamic_rate.burst, defaults.dynamic_rate.burst);
  EXPECT_EQ(c.identity.max_dynamic_tenants, defaults.max_dynamic_tenants);
  EXPECT_DOUBLE_EQ(c.identity.retry_after_jitter, defaults.retry_after_jitter);
  EXPECT_EQ(c.identity.retry_after_jitter_cap, defaults.retry_after_jitter_cap);
  EXPECT_FALSE(c.identity.ratelimit_headers_on_success);
  EXPECT_EQ(c.routes[0].cost, 1u);
  EXPECT_EQ(c.clusters[0].concurrency_limit, 0u);
  EXPECT_EQ(c.clusters[0].queue.high_watermark, QueueConfig{}.high_watermark);
}

TEST(AdmissionConfigTest, EmptyListsAndPartialQueueKeepDefaults) {
  const std::string yaml = std::string(R"yaml(
classes: []
tenants: []
identity: {dynamic_rate: {rate: 1/s}}
listeners: [{name: main, listen: "127.0.0.1:8080"}]
routes: [{name: all, cluster: backend}]
clusters: [{name: backend, endpoints: [127.0.0.1:9000], queue: {max_wait: 2s}}]
)yaml");
  const Config c = LoadOk(yaml);
  EXPECT_DOUBLE_EQ(c.identity.dynamic_rate.per_second, 1);
  EXPECT_EQ(c.identity.dynamic_rate.burst, IdentityConfig{}.dynamic_rate.burst);
  EXPECT_EQ(c.clusters[0].queue.max_wait, milliseconds(2000));
  EXPECT_EQ(c.clusters[0].queue.capacity, QueueConfig{}.capacity);
}

TEST(AdmissionConfigTest, WithoutClassesOnlyDefaultMayBeReferenced) {
  const std::string yaml = std::string(R"yaml(
tenants: [{name: acme, rate: 1/s, burst: 1, class: default}]
listeners: [{name: main, listen: "127.0.0.1:8080"}]
routes: [{name: all, cluster: backend, class: default}]
clusters: [{name: backend, endpoints: [127.0.0.1:9000]}]
)yaml");
  const Config c = LoadOk(yaml);
  EXPECT_EQ(c.tenants[0].priority_class, "default");
  EXPECT_EQ(c.routes[0].priority_class, "default");
}

TEST(AdmissionConfigTest, OnMissingMayNameAConfiguredTenant) {
  const std::string yaml = std::string(R"yaml(
tenants: [{name: anonymous, rate: 1/s, burst: 1}]
identity: {sources: [{api_key: X-Api-Key}], on_missing: anonymous}
)yaml") + kMinimalConfig;
  EXPECT_EQ(LoadOk(yaml).identity.on_missing, "anonymous");
}

TEST(AdmissionConfigTest, RejectsUnknownOnMissingTenantAtItsNode) {
  const std::string yaml = std::string("identity: {on_missing: nobody}\n") + kMinimalConfig;
  EXPECT_EQ(LoadErrors(yaml),
            "test.yaml:1:24: identity.on_missing: unknown tenant \"nobody\" (expected \"reject\" "
            "or a configured tenant)\n");
}

TEST(AdmissionConfigTest, DefaultDynamicBurstIsCheckedOnlyWithDynamicSources) {
  const std::string routes = R"yaml(
listeners: [{name: main, listen: "127.0.0.1:8080"}]
routes: [{name: big, cluster: backend, cost: 50}]
clusters: [{name: backend, endpoints: [127.0.0.1:9000]}]
)yaml";
  // API keys only: no dynamic tenants, so the dynamic bucket never meets a request.
  LoadOk("identity: {sources: [api_key]}\n" + routes);
  EXPECT_EQ(LoadErrors("identity: {sources: [client_address]}\n" + routes),
            "test.yaml:1:11: identity.dynamic_rate.burst: must be >= the largest route cost (50, "
            "route \"big\"), got 20 (the default)\n");
}

TEST(AdmissionConfigTest, NeverEchoesAMalformedApiKey) {
  const std::string yaml =
      std::string("tenants: [{name: a, rate: 1/s, burst: 1, api_keys: [hunter2-raw]}]\n") +
      kMinimalConfig;
  const std::string errors = LoadErrors(yaml);
  EXPECT_NE(errors.find("tenants[0].api_keys[0]"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("hunter2"), std::string::npos) << errors;
}

}  // namespace
}  // namespace sluice::config
