#pragma once
// Plain structs for every policy. Defaults live here, next to the field, with their units.
// The YAML loader (config/loader.h) fills these and validates ranges and cross-references;
// nothing here depends on YAML or on sockets.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::config {

using Millis = std::chrono::milliseconds;

// "host:port" as written by the operator; resolved by net/upstream, not here.
struct HostPort {
  std::string host;
  uint16_t port = 0;
  [[nodiscard]] std::string ToString() const {
    // IPv6 literals are stored bare (ready to resolve) and bracketed when printed.
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
};

// An IPv4 or IPv6 network in CIDR form, kept as text plus parsed prefix; net parses the bytes.
struct Cidr {
  std::string text;  // as written, e.g. "10.0.0.0/8" or "::1/128"
};

enum class LogFormat { kText, kJson };

struct LogConfig {
  std::string level = "info";           // trace|debug|info|warn|error|off
  LogFormat format = LogFormat::kText;  // error log format
  std::string access_log = "stdout";    // "stdout", "off", or a file path (JSON lines)
};

struct AdminConfig {
  HostPort listen{"127.0.0.1", 9901};
  std::string token;  // bearer token; required when listen is not a loopback address
};

struct ListenerConfig {
  std::string name;
  HostPort listen;
  // Protocol hygiene limits (DESIGN §7).
  uint64_t max_header_bytes = 16 * 1024;  // request line + headers; over → 431
  uint32_t max_headers = 100;             // header field count; over → 431
  Millis header_timeout{10'000};          // total deadline to receive the request head (slowloris)
  Millis body_timeout{60'000};            // total deadline to receive the whole request body
  Millis idle_timeout{60'000};            // keep-alive idle between requests
  Millis send_timeout{60'000};            // a client that reads nothing for this long is dropped
  uint32_t max_requests_per_connection = 0;  // 0 = unlimited
  std::vector<Cidr> trusted_proxies;      // whose X-Forwarded-For we keep
};

// ---- Admission (DESIGN §4) ----

enum class PolicyMode { kEnforce, kShadow };  // shadow: decide and count, never reject

// A priority class. Classes are listed highest first. Without weights a waiter of a lower
// class ages upward one class per `age_step` so it is never starved; with weights (set on every
// class or on none) waiting classes share the cluster's slots in proportion to them.
enum class ClassPrecedence { kRoute, kTenant };

struct PriorityClassConfig {
  std::string name;
  bool sheddable = false;  // shed first above a queue's high watermark
  uint32_t weight = 0;     // share of service while several classes wait; 0: not set
};

struct RateConfig {
  double per_second = 0;  // written "100/s", "6000/min"
  uint32_t burst = 1;     // bucket depth in requests (× cost); must be >= every route's cost
};

struct TenantConfig {
  std::string name;
  RateConfig rate;
  uint32_t weight = 1;          // share of a cluster's queue service (DRR quantum)
  std::string priority_class;   // YAML `class`; "" = the route's class, else the default class
  PolicyMode mode = PolicyMode::kEnforce;
  std::vector<std::string> api_keys;  // "sha256:<64 hex>" of each raw key; raw keys never stored
};

// How a request is mapped to a tenant: the first source in `sources` that yields an identity
// wins. X-Forwarded-For is used for client_address only when the peer is a trusted proxy.
enum class IdentitySource { kApiKey, kHeader, kClientAddress };

struct IdentityStep {
  IdentitySource source = IdentitySource::kClientAddress;
  std::string header;  // kApiKey: header carrying the key (default "X-Api-Key"); kHeader: name
};

struct IdentityConfig {
  std::vector<IdentityStep> sources;  // empty: every request is the default tenant
  // No source matched: "reject" (401) or the name of a configured tenant.
  std::string on_missing = "reject";
  uint32_t ipv6_prefix = 64;          // client addresses grouped by this prefix
  // Callers identified by header value or address, but not configured, become dynamic tenants
  // with this rate; at most max_dynamic_tenants are tracked (least recently seen evicted).
  RateConfig dynamic_rate{10, 20};
  uint32_t max_dynamic_tenants = 10000;
  double retry_after_jitter = 0.2;    // 429 Retry-After: up to this fraction more, upward only
  std::chrono::milliseconds retry_after_jitter_cap{1000};
  bool ratelimit_headers_on_success = false;
};

// Per-cluster admission: the concurrency gate and the wait queue in front of it.
struct QueueConfig {
  uint32_t capacity = 1000;        // hard bound on waiting requests
  uint32_t low_watermark = 500;    // shedding stops at or below this depth
  uint32_t high_watermark = 800;   // shedding of sheddable classes starts at this depth
  std::chrono::milliseconds max_wait{1000};  // a waiter past this gets 503 queue_timeout
  std::chrono::milliseconds age_step{250};   // one class of ageing per this much waiting
};

struct RouteMatch {
  std::string host = "*";        // exact, "*.suffix", or "*"
  std::string path_prefix = "/";
};

struct RouteConfig {
  std::string name;
  RouteMatch match;
  std::string cluster;               // must name a cluster
  uint64_t max_body_bytes = 1 << 20;  // request body limit; over → 413
  uint32_t cost = 1;                  // tokens one request takes from its tenant's bucket
  std::string priority_class;         // YAML `class`; "" = the tenant's class, else default
};

// A cluster's adaptive concurrency controller (DESIGN §5): it moves the cluster's in-flight limit
// within [min_limit, max_limit] to hold the upstream p99 near setpoint_ratio × slo_p99; the rest
// of the objective is the budget for waiting in sluice's own queue.
struct ControllerConfig {
  bool enabled = false;                    // a `controller:` block is present
  std::chrono::milliseconds slo_p99{0};    // required when enabled; 1ms..10m
  double setpoint_ratio = 0.8;             // (0.1, 1.0]
  uint32_t min_limit = 1;                  // >= 1
  uint32_t max_limit = 1000;               // >= min_limit, <= 1'000'000
  uint32_t initial_limit = 0;              // resolved by the loader; never 0 when enabled
  PolicyMode mode = PolicyMode::kEnforce;  // shadow: compute and export the limit, never apply it
};

enum class LoadBalancing { kPowerOfTwoChoices, kRoundRobin };

struct EndpointConfig {
  HostPort address;
  uint32_t weight = 1;  // 1..1000
};

struct ClusterConfig {
  std::string name;
  std::vector<EndpointConfig> endpoints;
  LoadBalancing lb = LoadBalancing::kPowerOfTwoChoices;
  Millis connect_timeout{1'000};
  Millis response_timeout{30'000};  // dispatch → response headers; over → 504
  Millis idle_timeout{60'000};      // pooled upstream connection idle; then closed
  uint32_t max_connections_per_endpoint = 1024;  // per worker
  uint32_t max_idle_per_endpoint = 64;           // per worker
  uint32_t concurrency_limit = 0;                // in-flight requests; 0 = no gate, no queue
  QueueConfig queue;
  // Enforcing, it sets the limit (and concurrency_limit may not be written); in shadow mode the
  // static concurrency_limit above stays the one applied.
  ControllerConfig controller;
};

struct Config {
  std::string source_file;  // for messages
  uint32_t workers = 0;     // 0 = one per core
  Millis drain_timeout{10'000};
  LogConfig log;
  AdminConfig admin;
  std::vector<PriorityClassConfig> classes;  // empty: one class, "default"
  // When both a route and the request's tenant set a class, which one applies.
  ClassPrecedence class_precedence = ClassPrecedence::kRoute;
  std::vector<TenantConfig> tenants;
  IdentityConfig identity;
  std::vector<ListenerConfig> listeners;
  std::vector<RouteConfig> routes;
  std::vector<ClusterConfig> clusters;
};

}  // namespace sluice::config
