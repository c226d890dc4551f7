#include "config/sections.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>

#include "config/address.h"
#include "config/admission_sections.h"
#include "config/named_list.h"
#include "config/quote.h"

namespace sluice::config {
namespace {

constexpr int64_t kMaxConcurrency = 1'000'000;  // concurrency_limit and controller limits
constexpr Millis kMaxSloP99 = std::chrono::minutes(10);
constexpr uint32_t kDefaultInitialLimit = 20;  // clamped into [min_limit, max_limit]

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

// A bound as shown in a message: "8", or "1000, the default" when it was not written.
std::string Shown(uint32_t value, const std::optional<Field>& written) {
  return std::to_string(value) + (written ? "" : ", the default");
}

// (0.1, 1]: the setpoint is the upstream's share of the objective, the rest being sluice's queue
// budget (DESIGN §5), so it cannot exceed the whole; the lower bound is issue 4's.
void ReadSetpointRatio(const Field& field, double& out) {
  double ratio = 0;
  if (!ReadNumber(field, std::numeric_limits<double>::lowest(), 1.0, ratio)) return;
  if (ratio <= 0.1) {
    field.Error("must be > 0.1, got " + field.node.Scalar());
    return;
  }
  out = ratio;
}

// min_limit <= initial_limit <= max_limit, each blamed where written; an unwritten
// initial_limit resolves to the default clamped into the range.
void ReadControllerLimits(MapReader& map, ControllerConfig& out) {
  const auto min = map.Optional("min_limit");
  const bool min_ok = !min || ReadInteger(*min, 1, kMaxConcurrency, out.min_limit);
  const auto max = map.Optional("max_limit");
  const bool max_ok = !max || ReadInteger(*max, 1, kMaxConcurrency, out.max_limit);
  const auto initial = map.Optional("initial_limit");
  const bool initial_ok = !initial || ReadInteger(*initial, 1, kMaxConcurrency, out.initial_limit);
  if (!min_ok || !max_ok || !initial_ok) return;  // already reported
  // The defaults are consistent, so a broken pair has at least one side written.
  if (out.min_limit > out.max_limit) {
    if (max) {
      max->Error("must be >= min_limit (" + Shown(out.min_limit, min) + "), got " +
                 std::to_string(out.max_limit));
    } else {
      min->Error("must be <= max_limit (" + Shown(out.max_limit, max) + "), got " +
                 std::to_string(out.min_limit));
    }
    return;  // no initial_limit could fit; one error says it
  }
  if (!initial) {
    out.initial_limit = std::clamp(kDefaultInitialLimit, out.min_limit, out.max_limit);
  } else if (out.initial_limit < out.min_limit) {
    initial->Error("must be >= min_limit (" + Shown(out.min_limit, min) + "), got " +
                   std::to_string(out.initial_limit));
  } else if (out.initial_limit > out.max_limit) {
    initial->Error("must be <= max_limit (" + Shown(out.max_limit, max) + "), got " +
                   std::to_string(out.initial_limit));
  }
}

// True when the block was read and enforces, the case that conflicts with concurrency_limit;
// false in shadow mode or when the block or its mode was unreadable (already reported).
bool ReadController(const Field& field, ControllerConfig& out) {
  out.enabled = true;
  MapReader map(field);
  if (auto f = map.Required("slo_p99");
      f && ReadMillis(*f, /*allow_zero=*/false, out.slo_p99) && out.slo_p99 > kMaxSloP99) {
    f->Error("must be <= 10m, got " + f->node.Scalar());
  }
  if (auto f = map.Optional("setpoint_ratio")) ReadSetpointRatio(*f, out.setpoint_ratio);
  ReadControllerLimits(map, out);
  bool mode_ok = true;
  if (auto f = map.Optional("mode")) {
    mode_ok = ReadEnum(*f, {{"enforce", PolicyMode::kEnforce}, {"shadow", PolicyMode::kShadow}},
                       out.mode);
  }
  return map.is_map() && mode_ok && out.mode == PolicyMode::kEnforce;
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
  const auto limit = map.Optional("concurrency_limit");
  if (limit) ReadInteger(*limit, 0, kMaxConcurrency, out.concurrency_limit);
  if (auto f = map.Optional("queue")) ReadQueue(*f, out.queue);
  // Two sources for one enforced limit would leave the operator guessing which applies. In shadow
  // mode the controller only computes, and the static limit (0 = no gate) is the one applied.
  if (auto f = map.Optional("controller"); f && ReadController(*f, out.controller) && limit) {
    limit->Error(
        "concurrency_limit and controller are exclusive: the controller sets the limit; use "
        "controller.initial_limit");
  }
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
