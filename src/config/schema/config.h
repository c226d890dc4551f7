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

struct RouteMatch {
  std::string host = "*";        // exact, "*.suffix", or "*"
  std::string path_prefix = "/";
};

struct RouteConfig {
  std::string name;
  RouteMatch match;
  std::string cluster;               // must name a cluster
  uint64_t max_body_bytes = 1 << 20;  // request body limit; over → 413
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
};

struct Config {
  std::string source_file;  // for messages
  uint32_t workers = 0;     // 0 = one per core
  Millis drain_timeout{10'000};
  LogConfig log;
  AdminConfig admin;
  std::vector<ListenerConfig> listeners;
  std::vector<RouteConfig> routes;
  std::vector<ClusterConfig> clusters;
};

}  // namespace sluice::config
