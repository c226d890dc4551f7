#include "config/loader.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::config {
namespace {

using std::chrono::milliseconds;

// Every key the schema knows, each set away from its default so a missed key shows up.
constexpr const char* kFullConfig = R"yaml(
workers: 4
drain_timeout: 1.5s
log:
  level: debug
  format: json
  access_log: /var/log/sluice/access.log
admin:
  listen: 0.0.0.0:9902
  token: s3cret
listeners:
  - name: main
    listen: "[::1]:0"
    max_header_bytes: 32KiB
    max_headers: 50
    header_timeout: 5s
    body_timeout: 30s
    idle_timeout: 2m
    send_timeout: 250ms
    max_requests_per_connection: 1000
    trusted_proxies: [127.0.0.1/32, "::1", 10.0.0.0/8]
  - name: second
    listen: 127.0.0.1:8081
routes:
  - name: api
    match: {host: "*.example.com", path_prefix: /api}
    cluster: backend
    max_body: 2MB
  - name: default
    cluster: other
clusters:
  - name: backend
    endpoints:
      - 127.0.0.1:9000
      - {address: "backend.internal:9001", weight: 3}
    lb: round_robin
    connect_timeout: 200ms
    response_timeout: 5s
    idle_timeout: 30s
    max_connections_per_endpoint: 10
    max_idle_per_endpoint: 0
  - name: other
    endpoints: ["[2001:db8::1]:80"]
)yaml";

constexpr const char* kMinimalConfig = R"yaml(
listeners: [{name: main, listen: "127.0.0.1:8080"}]
routes: [{name: all, cluster: backend}]
clusters: [{name: backend, endpoints: [127.0.0.1:9000]}]
)yaml";

Config LoadOk(const char* yaml) {
  auto result = LoadString(yaml, "test.yaml");
  EXPECT_TRUE(result.errors.empty()) << result.errors.ToString();
  EXPECT_TRUE(result.config.has_value());
  return result.config.value_or(Config{});
}

TEST(LoaderTest, FullConfigFillsTopLevelLogAndAdmin) {
  const Config c = LoadOk(kFullConfig);
  EXPECT_EQ(c.source_file, "test.yaml");
  EXPECT_EQ(c.workers, 4u);
  EXPECT_EQ(c.drain_timeout, milliseconds(1500));
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, LogFormat::kJson);
  EXPECT_EQ(c.log.access_log, "/var/log/sluice/access.log");
  EXPECT_EQ(c.admin.listen.host, "0.0.0.0");
  EXPECT_EQ(c.admin.listen.port, 9902);
  EXPECT_EQ(c.admin.token, "s3cret");
}

TEST(LoaderTest, FullConfigFillsListeners) {
  const Config c = LoadOk(kFullConfig);
  ASSERT_EQ(c.listeners.size(), 2u);
  const ListenerConfig& l = c.listeners[0];
  EXPECT_EQ(l.name, "main");
  EXPECT_EQ(l.listen.host, "::1");
  EXPECT_EQ(l.listen.port, 0);
  EXPECT_EQ(l.max_header_bytes, 32u * 1024);
  EXPECT_EQ(l.max_headers, 50u);
  EXPECT_EQ(l.header_timeout, milliseconds(5000));
  EXPECT_EQ(l.body_timeout, milliseconds(30'000));
  EXPECT_EQ(l.idle_timeout, milliseconds(120'000));
  EXPECT_EQ(l.send_timeout, milliseconds(250));
  EXPECT_EQ(l.max_requests_per_connection, 1000u);
  ASSERT_EQ(l.trusted_proxies.size(), 3u);
  EXPECT_EQ(l.trusted_proxies[0].text, "127.0.0.1/32");
  EXPECT_EQ(l.trusted_proxies[1].text, "::1");
  EXPECT_EQ(l.trusted_proxies[2].text, "10.0.0.0/8");
  EXPECT_EQ(c.listeners[1].name, "second");
  EXPECT_EQ(c.listeners[1].listen.ToString(), "127.0.0.1:8081");
}

TEST(LoaderTest, FullConfigFillsRoutes) {
  const Config c = LoadOk(kFullConfig);
  ASSERT_EQ(c.routes.size(), 2u);
  EXPECT_EQ(c.routes[0].name, "api");
  EXPECT_EQ(c.routes[0].match.host, "*.example.com");
  EXPECT_EQ(c.routes[0].match.path_prefix, "/api");
  EXPECT_EQ(c.routes[0].cluster, "backend");
  EXPECT_EQ(c.routes[0].max_body_bytes, 2'000'000u);
  EXPECT_EQ(c.routes[1].name, "default");
  EXPECT_EQ(c.routes[1].cluster, "other");
}

TEST(LoaderTest, FullConfigFillsClusters) {
  const Config c = LoadOk(kFullConfig);
  ASSERT_EQ(c.clusters.size(), 2u);
  const ClusterConfig& k = c.clusters[0];
  EXPECT_EQ(k.name, "backend");
  ASSERT_EQ(k.endpoints.size(), 2u);
  EXPECT_EQ(k.endpoints[0].address.ToString(), "127.0.0.1:9000");
  EXPECT_EQ(k.endpoints[0].weight, 1u);
  EXPECT_EQ(k.endpoints[1].address.host, "backend.internal");
  EXPECT_EQ(k.endpoints[1].address.port, 9001);
  EXPECT_EQ(k.endpoints[1].weight, 3u);
  EXPECT_EQ(k.lb, LoadBalancing::kRoundRobin);
  EXPECT_EQ(k.connect_timeout, milliseconds(200));
  EXPECT_EQ(k.response_timeout, milliseconds(5000));
  EXPECT_EQ(k.idle_timeout, milliseconds(30'000));
  EXPECT_EQ(k.max_connections_per_endpoint, 10u);
  EXPECT_EQ(k.max_idle_per_endpoint, 0u);
  ASSERT_EQ(c.clusters[1].endpoints.size(), 1u);
  EXPECT_EQ(c.clusters[1].endpoints[0].address.host, "2001:db8::1");
  EXPECT_EQ(c.clusters[1].endpoints[0].address.port, 80);
}

TEST(LoaderTest, MinimalConfigKeepsSchemaDefaults) {
  const Config c = LoadOk(kMinimalConfig);
  const Config defaults;
  EXPECT_EQ(c.workers, defaults.workers);
  EXPECT_EQ(c.drain_timeout, defaults.drain_timeout);
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.log.format, LogFormat::kText);
  EXPECT_EQ(c.log.access_log, "stdout");
  EXPECT_EQ(c.admin.listen.ToString(), "127.0.0.1:9901");
  EXPECT_EQ(c.admin.token, "");
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].max_header_bytes, ListenerConfig{}.max_header_bytes);
  EXPECT_TRUE(c.listeners[0].trusted_proxies.empty());
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0].match.host, "*");
  EXPECT_EQ(c.routes[0].match.path_prefix, "/");
  EXPECT_EQ(c.routes[0].max_body_bytes, RouteConfig{}.max_body_bytes);
  ASSERT_EQ(c.clusters.size(), 1u);
  EXPECT_EQ(c.clusters[0].lb, LoadBalancing::kPowerOfTwoChoices);
  EXPECT_EQ(c.clusters[0].max_connections_per_endpoint, 1024u);
}

TEST(LoaderTest, EmptySectionValuesMeanDefaults) {
  const std::string yaml = std::string("log:\nadmin:\n") + kMinimalConfig;
  const Config c = LoadOk(yaml.c_str());
  EXPECT_EQ(c.log.level, "info");
  EXPECT_EQ(c.admin.listen.port, 9901);
}

TEST(LoaderTest, LoopbackAdminNeedsNoToken) {
  for (const char* listen : {"localhost:9901", "127.0.0.2:0", "\"[::1]:9901\""}) {
    const std::string yaml = std::string("admin: {listen: ") + listen + "}\n" + kMinimalConfig;
    EXPECT_EQ(LoadOk(yaml.c_str()).admin.token, "") << listen;
  }
}

TEST(LoaderTest, ErrorsLeaveNoConfig) {
  const auto result = LoadString("workers: -1\n", "bad.yaml");
  EXPECT_FALSE(result.config.has_value());
  EXPECT_FALSE(result.errors.empty());
}

TEST(LoaderTest, MissingFileIsOneErrorNamingThePath) {
  const auto result = LoadFile("/nonexistent/sluice.yaml");
  EXPECT_FALSE(result.config.has_value());
  EXPECT_EQ(result.errors.ToString(),
            "/nonexistent/sluice.yaml: cannot read config file: No such file or directory\n");
}

TEST(LoaderTest, DirectoryIsNotAConfigFile) {
  const auto result = LoadFile("/tmp");
  EXPECT_EQ(result.errors.ToString(), "/tmp: cannot read config file: is a directory\n");
}

}  // namespace
}  // namespace sluice::config
