#include "config/sections.h"

#include <limits>

#include "config/address.h"
#include "config/admission_sections.h"
#include "config/named_list.h"
#include "config/quote.h"

namespace sluice::config {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr int64_t kMaxUint32 = std::numeric_limits<uint32_t>::max();

void ReadListenerBody(MapReader& map, ListenerConfig& out) {
  if (auto f = map.Required("listen")) ReadHostPort(*f, /*allow_port_zero=*/true, out.listen);
  if (auto f = map.Optional("max_header_bytes")) {
    ReadSize(*f, kKiB, kMiB, out.max_header_bytes);
  }
  if (auto f = map.Optional("max_headers")) ReadInteger(*f, 1, 10'000, out.max_headers);
  if (auto f = map.Optional("header_timeout")) ReadMillis(*f, false, out.header_timeout);
  if (auto f = map.Optional("body_timeout")) ReadMillis(*f, false, out.body_timeout);
  if (auto f = map.Optional("idle_timeout")) ReadMillis(*f, false, out.idle_timeout);
  if (auto f = map.Optional("send_timeout")) ReadMillis(*f, false, out.send_timeout);
  if (auto f = map.Optional("max_requests_per_connection")) {
    ReadInteger(*f, 0, kMaxUint32, out.max_requests_per_connection);
  }
  if (auto f = map.Optional("trusted_proxies")) {
    ForEachItem(*f, [&](const Field& item) {
      Cidr cidr;
      if (ReadCidr(item, cidr)) out.trusted_proxies.push_back(std::move(cidr));
    });
  }
}

bool IsRouteHost(std::string_view host) {
  if (host == "*") return true;
  if (host.starts_with("*.")) host.remove_prefix(2);
  return IsHostName(host);
}

void ReadRouteMatch(const Field& field, RouteMatch& out) {
  MapReader map(field);
  if (auto f = map.Optional("host"); f && ReadString(*f, out.host) && !IsRouteHost(out.host)) {
    f->Error("expected a host name, \"*.suffix\" or \"*\", got " + Quote(out.host));
  }
  if (auto f = map.Optional("path_prefix");
      f && ReadString(*f, out.path_prefix) && !out.path_prefix.starts_with('/')) {
    f->Error("must start with \"/\", got " + Quote(out.path_prefix));
  }
}

void ReadEndpoint(const Field& field, EndpointConfig& out) {
  if (field.node.IsScalar()) {
    ReadHostPort(field, /*allow_port_zero=*/false, out.address);
    return;
  }
  if (!field.node.IsMap()) {
    field.Error("expected host:port or a map with address and weight, got " + Describe(field.node));
    return;
  }
  MapReader map(field);
  if (auto f = map.Required("address")) ReadHostPort(*f, false, out.address);
  if (auto f = map.Optional("weight")) ReadInteger(*f, 1, 1000, out.weight);
}

void ReadClusterBody(MapReader& map, ClusterConfig& out) {
  if (auto f = map.Required("endpoints")) {
    const auto count = ForEachItem(*f, [&](const Field& item) {
      EndpointConfig endpoint;
      ReadEndpoint(item, endpoint);
      out.endpoints.push_back(std::move(endpoint));
    });
    if (count == 0) f->Error("must list at least one endpoint");
  }
  if (auto f = map.Optional("lb")) {
    ReadEnum(
        *f,
        {{"p2c", LoadBalancing::kPowerOfTwoChoices}, {"round_robin", LoadBalancing::kRoundRobin}},
        out.lb);
  }
  if (auto f = map.Optional("connect_timeout")) ReadMillis(*f, false, out.connect_timeout);
  if (auto f = map.Optional("response_timeout")) ReadMillis(*f, false, out.response_timeout);
  if (auto f = map.Optional("idle_timeout")) ReadMillis(*f, false, out.idle_timeout);
  if (auto f = map.Optional("max_connections_per_endpoint")) {
    ReadInteger(*f, 1, 100'000, out.max_connections_per_endpoint);
  }
  if (auto f = map.Optional("max_idle_per_endpoint")) {
    ReadInteger(*f, 0, 100'000, out.max_idle_per_endpoint);
  }
  if (auto f = map.Optional("concurrency_limit")) {
    ReadInteger(*f, 0, 1'000'000, out.concurrency_limit);
  }
  if (auto f = map.Optional("queue")) ReadQueue(*f, out.queue);
}

}  // namespace

void ReadLog(const Field& field, LogConfig& out) {
  MapReader map(field);
  if (auto f = map.Optional("level")) {
    ReadWord(*f, {"trace", "debug", "info", "warn", "error", "off"}, out.level);
  }
  if (auto f = map.Optional("format")) {
    ReadEnum(*f, {{"text", LogFormat::kText}, {"json", LogFormat::kJson}}, out.format);
  }
  if (auto f = map.Optional("access_log")) ReadNonEmptyString(*f, out.access_log);
}

void ReadAdmin(const Field& field, AdminConfig& out) {
  MapReader map(field);
  bool listen_ok = true;
  if (auto f = map.Optional("listen")) listen_ok = ReadHostPort(*f, true, out.listen);
  const auto token = map.Optional("token");
  if (token) ReadString(*token, out.token);
  // The admin API can reload config and expose internals; off-box access needs a secret.
  if (listen_ok && out.token.empty() && !IsLoopbackHost(out.listen.host)) {
    const Field blame = token ? *token : Field{field.diag, field.node, "admin.token", field.mark};
    blame.Error("required when admin.listen is not a loopback address");
  }
}

void ReadListeners(const Field& field, std::vector<ListenerConfig>& out) {
  ReadNamedList(field, "listener", out, ReadListenerBody);
}

void ReadRoutes(const Field& field, std::vector<RouteConfig>& out,
                std::vector<Reference>& cluster_refs, std::vector<Reference>& class_refs) {
  ReadNamedList(field, "route", out, [&](MapReader& map, RouteConfig& route) {
    if (auto f = map.Optional("match")) ReadRouteMatch(*f, route.match);
    if (auto f = map.Required("cluster"); f && ReadNonEmptyString(*f, route.cluster)) {
      cluster_refs.push_back({route.cluster, *f});
    }
    if (auto f = map.Optional("max_body")) {
      ReadSize(*f, 0, std::numeric_limits<uint64_t>::max(), route.max_body_bytes);
    }
    if (auto f = map.Optional("cost")) ReadInteger(*f, 1, 1000, route.cost);
    if (auto f = map.Optional("class"); f && ReadNonEmptyString(*f, route.priority_class)) {
      class_refs.push_back({route.priority_class, *f});
    }
  });
}

bool ReadClusters(const Field& field, std::vector<ClusterConfig>& out) {
  return ReadNamedList(field, "cluster", out, ReadClusterBody);
}

}  // namespace sluice::config
