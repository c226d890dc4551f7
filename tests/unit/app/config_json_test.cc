#include "app/config_json.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "support/json_reader.h"

namespace sluice::app {
namespace {

using sluice::testing::Json;
using sluice::testing::JsonReader;

config::Config FullConfig() {
  config::Config cfg;
  cfg.source_file = "/etc/sluice/sluice.yaml";
  cfg.workers = 4;
  cfg.drain_timeout = config::Millis{15'000};
  cfg.log.level = "debug";
  cfg.log.format = config::LogFormat::kJson;
  cfg.log.access_log = "/var/log/sluice/access.log";
  cfg.admin.listen = {"0.0.0.0", 9901};
  cfg.admin.token = "s3cr3t-t0ken";

  config::ListenerConfig pub;
  pub.name = "public";
  pub.listen = {"0.0.0.0", 8080};
  pub.trusted_proxies = {{"10.0.0.0/8"}, {"::1/128"}};
  pub.max_requests_per_connection = 1000;
  config::ListenerConfig internal;
  internal.name = "internal";
  internal.listen = {"127.0.0.1", 8081};
  internal.header_timeout = config::Millis{2'500};
  cfg.listeners = {pub, internal};

  config::RouteConfig api;
  api.name = "api";
  api.match = {"api.example.com", "/v1/"};
  api.cluster = "api-backends";
  api.max_body_bytes = 10'485'760;
  config::RouteConfig fallback;
  fallback.name = "fallback";
  fallback.cluster = "static";
  config::RouteConfig wild;
  wild.name = "wild";
  wild.match = {"*.example.com", "/"};
  wild.cluster = "static";
  cfg.routes = {api, fallback, wild};

  config::ClusterConfig backends;
  backends.name = "api-backends";
  backends.endpoints = {{{"10.0.1.1", 9000}, 1}, {{"10.0.1.2", 9000}, 3}};
  backends.lb = config::LoadBalancing::kRoundRobin;
  backends.connect_timeout = config::Millis{250};
  config::ClusterConfig statics;
  statics.name = "static";
  statics.endpoints = {{{"localhost", 8000}, 1}};
  cfg.clusters = {backends, statics};
  return cfg;
}

Json ParseOrFail(const std::string& text) {
  auto json = JsonReader::Parse(text);
  EXPECT_TRUE(json.has_value()) << "not valid JSON: " << text;
  return json.value_or(Json{});
}

TEST(ConfigJsonTest, DefaultConfigIsValidJson) {
  const auto json = ParseOrFail(ConfigToJson(config::Config{}));
  EXPECT_EQ(json.kind, Json::Kind::kObject);
  EXPECT_EQ(json["listeners"].kind, Json::Kind::kArray);
  EXPECT_TRUE(json["listeners"].array.empty());
  EXPECT_TRUE(json["routes"].array.empty());
  EXPECT_TRUE(json["clusters"].array.empty());
}

TEST(ConfigJsonTest, FullConfigIsValidJson) {
  const auto json = ParseOrFail(ConfigToJson(FullConfig()));
  EXPECT_EQ(json.kind, Json::Kind::kObject);
}

TEST(ConfigJsonTest, RedactsTheAdminToken) {
  const auto text = ConfigToJson(FullConfig());
  EXPECT_EQ(text.find("s3cr3t-t0ken"), std::string::npos);
  EXPECT_EQ(ParseOrFail(text)["admin"]["token"].text, "<redacted>");
}

TEST(ConfigJsonTest, EmptyTokenIsShownAsEmpty) {
  // Telling "no token configured" apart from "a token is set" matters to an operator.
  auto cfg = FullConfig();
  cfg.admin.token.clear();
  const auto json = ParseOrFail(ConfigToJson(cfg));
  EXPECT_EQ(json["admin"]["token"].kind, Json::Kind::kString);
  EXPECT_EQ(json["admin"]["token"].text, "");
}

TEST(ConfigJsonTest, TopLevelSettings) {
  const auto json = ParseOrFail(ConfigToJson(FullConfig()));
  EXPECT_EQ(json["source_file"].text, "/etc/sluice/sluice.yaml");
  EXPECT_EQ(json["workers"].number, 4);
  EXPECT_EQ(json["drain_timeout"].text, "15000ms");
  EXPECT_EQ(json["log"]["level"].text, "debug");
  EXPECT_EQ(json["log"]["format"].text, "json");
  EXPECT_EQ(json["log"]["access_log"].text, "/var/log/sluice/access.log");
  EXPECT_EQ(json["admin"]["listen"].text, "0.0.0.0:9901");
}

TEST(ConfigJsonTest, TextLogFormat) {
  const auto json = ParseOrFail(ConfigToJson(config::Config{}));
  EXPECT_EQ(json["log"]["format"].text, "text");
}

TEST(ConfigJsonTest, ListsEveryListenerInOrder) {
  const auto json = ParseOrFail(ConfigToJson(FullConfig()));
  const auto& listeners = json["listeners"];
  ASSERT_EQ(listeners.array.size(), 2u);
  EXPECT_EQ(listeners[0]["name"].text, "public");
  EXPECT_EQ(listeners[0]["listen"].text, "0.0.0.0:8080");
  EXPECT_EQ(listeners[0]["max_header_bytes"].number, 16 * 1024);
  EXPECT_EQ(listeners[0]["max_headers"].number, 100);
  EXPECT_EQ(listeners[0]["header_timeout"].text, "10000ms");
  EXPECT_EQ(listeners[0]["body_timeout"].text, "60000ms");
  EXPECT_EQ(listeners[0]["idle_timeout"].text, "60000ms");
  EXPECT_EQ(listeners[0]["send_timeout"].text, "60000ms");
  EXPECT_EQ(listeners[0]["max_requests_per_connection"].number, 1000);
  ASSERT_EQ(listeners[0]["trusted_proxies"].array.size(), 2u);
  EXPECT_EQ(listeners[0]["trusted_proxies"][0].text, "10.0.0.0/8");
  EXPECT_EQ(listeners[0]["trusted_proxies"][1].text, "::1/128");
  EXPECT_EQ(listeners[1]["name"].text, "internal");
  EXPECT_EQ(listeners[1]["listen"].text, "127.0.0.1:8081");
  EXPECT_EQ(listeners[1]["header_timeout"].text, "2500ms");
  EXPECT_TRUE(listeners[1]["trusted_proxies"].array.empty());
}

TEST(ConfigJsonTest, ListsEveryRouteInOrder) {
  const auto json = ParseOrFail(ConfigToJson(FullConfig()));
  const auto& routes = json["routes"];
  ASSERT_EQ(routes.array.size(), 3u);
  EXPECT_EQ(routes[0]["name"].text, "api");
  EXPECT_EQ(routes[0]["match"]["host"].text, "api.example.com");
  EXPECT_EQ(routes[0]["match"]["path_prefix"].text, "/v1/");
  EXPECT_EQ(routes[0]["cluster"].text, "api-backends");
  EXPECT_EQ(routes[0]["max_body"].number, 10'485'760);
  EXPECT_EQ(routes[1]["name"].text, "fallback");
  EXPECT_EQ(routes[1]["match"]["host"].text, "*");
  EXPECT_EQ(routes[1]["match"]["path_prefix"].text, "/");
  EXPECT_EQ(routes[1]["max_body"].number, 1 << 20);
  EXPECT_EQ(routes[2]["match"]["host"].text, "*.example.com");
}

TEST(ConfigJsonTest, ListsEveryClusterWithEndpoints) {
  auto cfg = FullConfig();
  auto& controller = cfg.clusters.at(0).controller;
  controller.enabled = true;
  controller.slo_p99 = config::Millis{250};
  controller.setpoint_ratio = 0.75;
  controller.min_limit = 4;
  controller.max_limit = 512;
  controller.initial_limit = 32;
  controller.mode = config::PolicyMode::kShadow;
  const auto json = ParseOrFail(ConfigToJson(cfg));
  const auto& clusters = json["clusters"];
  ASSERT_EQ(clusters.array.size(), 2u);
  const auto& a = clusters[0];
  EXPECT_EQ(a["name"].text, "api-backends");
  EXPECT_EQ(a["lb"].text, "round_robin");
  EXPECT_EQ(a["connect_timeout"].text, "250ms");
  EXPECT_EQ(a["response_timeout"].text, "30000ms");
  EXPECT_EQ(a["idle_timeout"].text, "60000ms");
  EXPECT_EQ(a["max_connections_per_endpoint"].number, 1024);
  EXPECT_EQ(a["max_idle_per_endpoint"].number, 64);
  ASSERT_EQ(a["endpoints"].array.size(), 2u);
  EXPECT_EQ(a["endpoints"][0]["address"].text, "10.0.1.1:9000");
  EXPECT_EQ(a["endpoints"][0]["weight"].number, 1);
  EXPECT_EQ(a["endpoints"][1]["address"].text, "10.0.1.2:9000");
  EXPECT_EQ(a["endpoints"][1]["weight"].number, 3);
  const auto& ac = a["controller"];
  EXPECT_EQ(ac["enabled"].kind, Json::Kind::kBool);
  EXPECT_TRUE(ac["enabled"].boolean);
  EXPECT_EQ(ac["slo_p99"].text, "250ms");
  EXPECT_EQ(ac["setpoint_ratio"].text, "0.75");
  EXPECT_EQ(ac["min_limit"].number, 4);
  EXPECT_EQ(ac["max_limit"].number, 512);
  EXPECT_EQ(ac["initial_limit"].number, 32);
  EXPECT_EQ(ac["mode"].text, "shadow");
  const auto& b = clusters[1];
  EXPECT_EQ(b["name"].text, "static");
  EXPECT_EQ(b["lb"].text, "p2c");
  ASSERT_EQ(b["endpoints"].array.size(), 1u);
  EXPECT_EQ(b["endpoints"][0]["address"].text, "localhost:8000");
  // No controller block: only that, not a zero objective that would read as a setting.
  std::vector<std::string> keys;
  for (const auto& [key, value] : b["controller"].object) keys.push_back(key);
  EXPECT_EQ(keys, std::vector<std::string>{"enabled"});
  EXPECT_EQ(b["controller"]["enabled"].kind, Json::Kind::kBool);
  EXPECT_FALSE(b["controller"]["enabled"].boolean);
}

TEST(ConfigJsonTest, EscapesQuotesBackslashesAndControlCharacters) {
  auto cfg = FullConfig();
  const std::string tricky = std::string(
                                 "a\"b\\c\nd\te\x01"
                                 "f\x1f/") +
                             "\x7f";
  cfg.source_file = tricky;
  cfg.routes[0].name = tricky;
  cfg.routes[0].match.path_prefix = "/\"}],{\"x\":";
  cfg.listeners[0].trusted_proxies = {{tricky}};
  const auto json = ParseOrFail(ConfigToJson(cfg));
  EXPECT_EQ(json["source_file"].text, tricky);
  EXPECT_EQ(json["routes"][0]["name"].text, tricky);
  EXPECT_EQ(json["routes"][0]["match"]["path_prefix"].text, "/\"}],{\"x\":");
  EXPECT_EQ(json["listeners"][0]["trusted_proxies"][0].text, tricky);
  EXPECT_EQ(json["routes"].array.size(), 3u);  // injected text did not add structure
}

// RFC 3629 well-formedness: no overlongs, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

TEST(IsValidUtf8SelfTest, AgreesWithRfc3629) {
  for (std::string_view good :
       {"", "abc", "caf\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF"}) {
    EXPECT_TRUE(IsValidUtf8(good)) << good;
  }
  for (std::string_view bad : {"\xFF", "\xC3", "\xC3(", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                               "\xF4\x90\x80\x80", "\x80"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << bad;
  }
}

TEST(ConfigJsonTest, PassesValidUtf8Through) {
  auto cfg = FullConfig();
  cfg.routes[0].name = "caf\xC3\xA9 \xE2\x82\xAC";
  const auto text = ConfigToJson(cfg);
  EXPECT_TRUE(IsValidUtf8(text));
  EXPECT_EQ(ParseOrFail(text)["routes"][0]["name"].text, "caf\xC3\xA9 \xE2\x82\xAC");
}

TEST(ConfigJsonTest, OutputIsValidUtf8EvenForInvalidInputBytes) {
  auto cfg = FullConfig();
  cfg.source_file = "/etc/\xFF\xC3(.yaml";
  const auto text = ConfigToJson(cfg);
  EXPECT_TRUE(IsValidUtf8(text));
  // Each stray byte is written as \u00XX, which reads back as that byte.
  EXPECT_EQ(ParseOrFail(text)["source_file"].text, cfg.source_file);
}

TEST(ConfigJsonTest, HasExactlyTheDocumentedTopLevelKeys) {
  const auto json = ParseOrFail(ConfigToJson(FullConfig()));
  std::vector<std::string> keys;
  for (const auto& [key, value] : json.object) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"admin", "class_precedence", "classes", "clusters",
                                            "drain_timeout", "identity", "listeners", "log",
                                            "routes", "source_file", "tenants", "workers"}));
}

TEST(ConfigJsonTest, ShowsAdmissionPoliciesButOnlyTheCountOfApiKeys) {
  auto cfg = FullConfig();
  cfg.classes = {{.name = "critical", .weight = 3}, {.name = "batch", .sheddable = true, .weight = 1}};
  cfg.class_precedence = config::ClassPrecedence::kTenant;
  config::TenantConfig acme;
  acme.name = "acme";
  acme.rate = {12.5, 40};
  acme.mode = config::PolicyMode::kShadow;
  acme.api_keys = {"sha256:" + std::string(64, 'a'), "sha256:" + std::string(64, 'b')};
  cfg.tenants = {acme};
  cfg.identity.sources = {{config::IdentitySource::kApiKey, "X-Api-Key"},
                          {config::IdentitySource::kClientAddress, ""}};
  cfg.clusters.at(0).concurrency_limit = 32;
  cfg.routes.at(0).cost = 3;
  const auto text = ConfigToJson(cfg);
  EXPECT_EQ(text.find(std::string(64, 'a')), std::string::npos) << "no key digests";
  const auto json = ParseOrFail(text);
  EXPECT_EQ(json["class_precedence"].text, "tenant");
  EXPECT_EQ(json["classes"][1]["name"].text, "batch");
  EXPECT_EQ(json["classes"][1]["sheddable"].kind, Json::Kind::kBool);
  EXPECT_EQ(json["classes"][0]["weight"].text, "3");
  const auto& tenant = json["tenants"][0];
  EXPECT_EQ(tenant["name"].text, "acme");
  EXPECT_EQ(tenant["rate"]["rate_per_second"].text, "12.5");
  EXPECT_EQ(tenant["rate"]["burst"].text, "40");
  EXPECT_EQ(tenant["mode"].text, "shadow");
  EXPECT_EQ(tenant["api_keys"].text, "2");
  EXPECT_EQ(json["identity"]["sources"][0]["api_key"].text, "X-Api-Key");
  EXPECT_EQ(json["identity"]["sources"][1].text, "client_address");
  EXPECT_EQ(json["clusters"][0]["concurrency_limit"].text, "32");
  EXPECT_EQ(json["clusters"][0]["queue"]["max_wait"].text, "1000ms");
  EXPECT_EQ(json["routes"][0]["cost"].text, "3");
}

TEST(ConfigJsonTest, ShowsListenerProtocolsTlsPathsAndHttp2Limits) {
  auto cfg = FullConfig();
  auto& pub = cfg.listeners.at(0);
  pub.protocols = {.http1 = true, .h2c = false, .h2 = true};
  pub.tls = {.enabled = true,
             .cert_file = "/etc/sluice/tls/cert.pem",
             .key_file = "/etc/sluice/tls/key.pem",
             .client_ca_file = "",
             .min_version = config::TlsVersion::kTls13};
  pub.http2.max_concurrent_streams = 250;
  pub.http2.initial_stream_window_bytes = 128 * 1024;
  pub.http2.abuse.window = config::Millis{30'000};
  pub.http2.abuse.max_continuations = 4;
  const auto json = ParseOrFail(ConfigToJson(cfg));
  const auto& l = json["listeners"][0];
  ASSERT_EQ(l["protocols"].array.size(), 2u);
  EXPECT_EQ(l["protocols"][0].text, "http1");
  EXPECT_EQ(l["protocols"][1].text, "h2");
  EXPECT_TRUE(l["tls"]["enabled"].boolean);
  EXPECT_EQ(l["tls"]["cert"].text, "/etc/sluice/tls/cert.pem");
  EXPECT_EQ(l["tls"]["key"].text, "/etc/sluice/tls/key.pem");
  EXPECT_EQ(l["tls"]["client_ca"].text, "");
  EXPECT_EQ(l["tls"]["min_version"].text, "TLSv1.3");
  EXPECT_EQ(l["http2"]["max_concurrent_streams"].number, 250);
  EXPECT_EQ(l["http2"]["max_header_list_bytes"].number, 16 * 1024);
  EXPECT_EQ(l["http2"]["initial_stream_window"].number, 128 * 1024);
  EXPECT_EQ(l["http2"]["max_stream_buffer"].number, 256 * 1024);
  EXPECT_EQ(l["http2"]["max_connection_buffer"].number, 1024 * 1024);
  EXPECT_EQ(l["http2"]["hpack_table_bytes"].number, 4096);
  EXPECT_EQ(l["http2"]["abuse"]["window"].text, "30000ms");
  EXPECT_EQ(l["http2"]["abuse"]["max_resets"].number, 200);
  EXPECT_EQ(l["http2"]["abuse"]["max_settings"].number, 100);
  EXPECT_EQ(l["http2"]["abuse"]["max_pings"].number, 100);
  EXPECT_EQ(l["http2"]["abuse"]["max_empty_data"].number, 100);
  EXPECT_EQ(l["http2"]["abuse"]["max_continuations"].number, 4);
  // The schema defaults: HTTP/1.1 only, no TLS block (and only that is said about it).
  const auto& internal = json["listeners"][1];
  ASSERT_EQ(internal["protocols"].array.size(), 1u);
  EXPECT_EQ(internal["protocols"][0].text, "http1");
  EXPECT_EQ(internal["tls"].object.size(), 1u);
  EXPECT_FALSE(internal["tls"]["enabled"].boolean);
}

}  // namespace
}  // namespace sluice::app
