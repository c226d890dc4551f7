#include "app/config_json.h"

#include <fmt/format.h>

#include "observability/json_text.h"

namespace sluice::app {
namespace {

std::string Ms(config::Millis d) {
  return observability::JsonString(fmt::format("{}ms", d.count()));
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out = "[";
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  return out + "]";
}

// The YAML spelling, in a fixed order (the written order carries no meaning).
std::string ProtocolsJson(const config::ListenerProtocols& p) {
  std::vector<std::string> names;
  if (p.http1) names.push_back(R"("http1")");
  if (p.h2c) names.push_back(R"("h2c")");
  if (p.h2) names.push_back(R"("h2")");
  return Join(names);
}

// File paths only: the key file's contents are never read here, let alone shown.
std::string TlsJson(const config::TlsConfig& t) {
  if (!t.enabled) return R"({"enabled":false})";
  const char* version = t.min_version == config::TlsVersion::kTls13 ? "TLSv1.3" : "TLSv1.2";
  return fmt::format(R"({{"enabled":true,"cert":{},"key":{},"client_ca":{},"min_version":"{}"}})",
                     observability::JsonString(t.cert_file), observability::JsonString(t.key_file),
                     observability::JsonString(t.client_ca_file), version);
}

std::string Http2Json(const config::Http2Config& h) {
  const auto& a = h.abuse;
  return fmt::format(
      R"({{"max_concurrent_streams":{},"max_header_list_bytes":{},"initial_stream_window":{},)"
      R"("max_stream_buffer":{},"max_connection_buffer":{},"hpack_table_bytes":{},)"
      R"("abuse":{{"window":{},"max_resets":{},"max_settings":{},"max_pings":{},)"
      R"("max_empty_data":{},"max_continuations":{}}}}})",
      h.max_concurrent_streams, h.max_header_list_bytes, h.initial_stream_window_bytes,
      h.max_stream_buffer_bytes, h.max_connection_buffer_bytes, h.hpack_table_bytes, Ms(a.window),
      a.max_resets, a.max_settings, a.max_pings, a.max_empty_data, a.max_continuations);
}

std::string ListenerJson(const config::ListenerConfig& l) {
  std::vector<std::string> proxies;
  for (const auto& c : l.trusted_proxies) proxies.push_back(observability::JsonString(c.text));
  return fmt::format(
      R"({{"name":{},"listen":{},"protocols":{},"tls":{},"max_header_bytes":{},"max_headers":{},)"
      R"("header_timeout":{},"body_timeout":{},"idle_timeout":{},"send_timeout":{},)"
      R"("max_requests_per_connection":{},"trusted_proxies":{},"http2":{}}})",
      observability::JsonString(l.name), observability::JsonString(l.listen.ToString()),
      ProtocolsJson(l.protocols), TlsJson(l.tls), l.max_header_bytes, l.max_headers,
      Ms(l.header_timeout), Ms(l.body_timeout), Ms(l.idle_timeout), Ms(l.send_timeout),
      l.max_requests_per_connection, Join(proxies), Http2Json(l.http2));
}

std::string RouteJson(const config::RouteConfig& r) {
  return fmt::format(R"({{"name":{},"match":{{"host":{},"path_prefix":{}}},"cluster":{},)"
                     R"("max_body":{},"cost":{},"class":{}}})",
                     observability::JsonString(r.name), observability::JsonString(r.match.host),
                     observability::JsonString(r.match.path_prefix),
                     observability::JsonString(r.cluster), r.max_body_bytes, r.cost,
                     observability::JsonString(r.priority_class));
}

std::string RateJson(const config::RateConfig& r) {
  return fmt::format(R"({{"rate_per_second":{},"burst":{}}})", r.per_second, r.burst);
}

std::string ClassJson(const config::PriorityClassConfig& c) {
  return fmt::format(R"({{"name":{},"sheddable":{},"weight":{}}})",
                     observability::JsonString(c.name), c.sheddable, c.weight);
}

// API key digests are not secrets, but nothing is gained by publishing them: only their count.
std::string TenantJson(const config::TenantConfig& t) {
  const char* mode = t.mode == config::PolicyMode::kShadow ? "shadow" : "enforce";
  return fmt::format(R"({{"name":{},"rate":{},"weight":{},"class":{},"mode":"{}","api_keys":{}}})",
                     observability::JsonString(t.name), RateJson(t.rate), t.weight,
                     observability::JsonString(t.priority_class), mode, t.api_keys.size());
}

std::string IdentityJson(const config::IdentityConfig& id) {
  std::vector<std::string> sources;
  for (const auto& step : id.sources) {
    switch (step.source) {
      case config::IdentitySource::kApiKey:
        sources.push_back(
            fmt::format(R"({{"api_key":{}}})", observability::JsonString(step.header)));
        break;
      case config::IdentitySource::kHeader:
        sources.push_back(
            fmt::format(R"({{"header":{}}})", observability::JsonString(step.header)));
        break;
      case config::IdentitySource::kClientAddress:
        sources.push_back(observability::JsonString("client_address"));
        break;
    }
  }
  return fmt::format(
      R"({{"sources":{},"on_missing":{},"ipv6_prefix":{},"dynamic_rate":{},)"
      R"("max_dynamic_tenants":{},"retry_after_jitter":{},"retry_after_jitter_cap":{},)"
      R"("ratelimit_headers_on_success":{}}})",
      Join(sources), observability::JsonString(id.on_missing), id.ipv6_prefix,
      RateJson(id.dynamic_rate), id.max_dynamic_tenants, id.retry_after_jitter,
      Ms(id.retry_after_jitter_cap), id.ratelimit_headers_on_success);
}

std::string QueueJson(const config::QueueConfig& q) {
  return fmt::format(
      R"({{"capacity":{},"low_watermark":{},"high_watermark":{},"max_wait":{},"age_step":{}}})",
      q.capacity, q.low_watermark, q.high_watermark, Ms(q.max_wait), Ms(q.age_step));
}

// Without a `controller:` block only {"enabled":false}: its zero objective and unresolved
// initial limit would read as settings.
std::string ControllerJson(const config::ControllerConfig& c) {
  if (!c.enabled) return R"({"enabled":false})";
  const char* mode = c.mode == config::PolicyMode::kShadow ? "shadow" : "enforce";
  return fmt::format(
      R"({{"enabled":true,"slo_p99":{},"setpoint_ratio":{},"min_limit":{},"max_limit":{},)"
      R"("initial_limit":{},"mode":"{}"}})",
      Ms(c.slo_p99), c.setpoint_ratio, c.min_limit, c.max_limit, c.initial_limit, mode);
}

std::string ClusterJson(const config::ClusterConfig& c) {
  std::vector<std::string> eps;
  for (const auto& e : c.endpoints) {
    eps.push_back(fmt::format(R"({{"address":{},"weight":{}}})",
                              observability::JsonString(e.address.ToString()), e.weight));
  }
  const char* lb = c.lb == config::LoadBalancing::kRoundRobin ? "round_robin" : "p2c";
  return fmt::format(
      R"({{"name":{},"endpoints":{},"lb":"{}","connect_timeout":{},"response_timeout":{},)"
      R"("idle_timeout":{},"max_connections_per_endpoint":{},"max_idle_per_endpoint":{},)"
      R"("concurrency_limit":{},"queue":{},"controller":{}}})",
      observability::JsonString(c.name), Join(eps), lb, Ms(c.connect_timeout),
      Ms(c.response_timeout), Ms(c.idle_timeout), c.max_connections_per_endpoint,
      c.max_idle_per_endpoint, c.concurrency_limit, QueueJson(c.queue),
      ControllerJson(c.controller));
}

}  // namespace

std::string ConfigToJson(const config::Config& cfg) {
  std::vector<std::string> classes, tenants, listeners, routes, clusters;
  for (const auto& c : cfg.classes) classes.push_back(ClassJson(c));
  for (const auto& t : cfg.tenants) tenants.push_back(TenantJson(t));
  for (const auto& l : cfg.listeners) listeners.push_back(ListenerJson(l));
  for (const auto& r : cfg.routes) routes.push_back(RouteJson(r));
  for (const auto& c : cfg.clusters) clusters.push_back(ClusterJson(c));
  const auto token =
      cfg.admin.token.empty() ? std::string("\"\"") : observability::JsonString("<redacted>");
  return fmt::format(
      R"({{"source_file":{},"workers":{},"drain_timeout":{},)"
      R"("log":{{"level":{},"format":"{}","access_log":{}}},)"
      R"("admin":{{"listen":{},"token":{}}},"classes":{},"class_precedence":"{}","tenants":{},)"
      R"("identity":{},"listeners":{},"routes":{},"clusters":{}}})",
      observability::JsonString(cfg.source_file), cfg.workers, Ms(cfg.drain_timeout),
      observability::JsonString(cfg.log.level),
      cfg.log.format == config::LogFormat::kJson ? "json" : "text",
      observability::JsonString(cfg.log.access_log),
      observability::JsonString(cfg.admin.listen.ToString()), token, Join(classes),
      cfg.class_precedence == config::ClassPrecedence::kTenant ? "tenant" : "route", Join(tenants),
      IdentityJson(cfg.identity), Join(listeners), Join(routes), Join(clusters));
}

}  // namespace sluice::app
