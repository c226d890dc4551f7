#pragma once
// Plain structs for every policy. Defaults live here, next to the field, with their units.
// The YAML loader (config/loader.h) fills these and validates ranges and cross-references;
// nothing here depends on YAML or on sockets. Sections a reload keeps when unchanged (listeners,
// clusters, rates) compare with ==.
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

  bool operator==(const HostPort&) const = default;
};

// An IPv4 or IPv6 network in CIDR form, kept as text plus parsed prefix; net parses the bytes.
struct Cidr {
  std::string text;  // as written, e.g. "10.0.0.0/8" or "::1/128"

  bool operator==(const Cidr&) const = default;
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

// Which application protocols a listener speaks (DESIGN §7). Cleartext listeners take http1
// and/or h2c; with both, the listener tells them apart by the HTTP/2 connection preface
// (RFC 9113 §3.4). TLS listeners take http1 and/or h2, offered by ALPN as "http/1.1" and "h2";
// sluice prefers h2 when the client offers both (the order written in YAML does not matter).
struct ListenerProtocols {
  bool http1 = true;  // the default when `protocols:` is not written
  bool h2c = false;   // HTTP/2 with prior knowledge over cleartext; never with tls
  bool h2 = false;    // HTTP/2 over TLS, by ALPN; only with tls
  [[nodiscard]] bool http2() const { return h2c || h2; }

  bool operator==(const ListenerProtocols&) const = default;
};

enum class TlsVersion { kTls12, kTls13 };

// Server-side TLS. The loader only checks that each file exists and is readable; the net module
// parses the PEM files when it builds the OpenSSL context (and reports its own errors), again on
// every reload so that rotated certificates are picked up. Relative paths in YAML are resolved
// against the config file's directory, so the paths here work from any working directory.
struct TlsConfig {
  bool enabled = false;   // a `tls:` block is present
  std::string cert_file;  // YAML `cert`: PEM certificate chain, leaf first; required
  std::string key_file;   // YAML `key`: PEM private key of the leaf; required
  // YAML `client_ca`: PEM bundle; when set, clients must present a certificate that verifies
  // against it (mTLS). Empty: no client certificate is asked for.
  std::string client_ca_file;
  // TLS 1.0/1.1 are deprecated by RFC 8996; 1.2 stays the floor for older clients.
  TlsVersion min_version = TlsVersion::kTls12;

  bool operator==(const TlsConfig&) const = default;
};

// Per-connection abuse guards (DESIGN §7). Each is a count of frames the client may send within
// `window`; one more ends the connection with GOAWAY (ENHANCE_YOUR_CALM) and counts
// sluice_h2_abuse_total{kind}. The defaults are far above what browsers, gRPC keepalives or
// service meshes send, and far below what the flood attacks need to hurt.
struct Http2AbuseConfig {
  Millis window{10'000};
  // Streams the client cancels with RST_STREAM (CVE-2023-44487 "rapid reset"). Browsers cancel a
  // few per navigation; the 2023 attacks ran thousands per second per connection.
  uint32_t max_resets = 200;
  uint32_t max_settings = 100;  // SETTINGS frames (each must be acknowledged: CVE-2019-9515)
  uint32_t max_pings = 100;     // PING frames (each must be answered: CVE-2019-9512)
  // DATA frames with no payload and no END_STREAM: they cost work and carry nothing
  // (CVE-2019-9518).
  uint32_t max_empty_data = 100;
  // CONTINUATION frames in one header block, not per window (the 2024 CONTINUATION flood,
  // CVE-2024-27316): a real client needs one or two at the default 16 KiB frame size.
  uint32_t max_continuations = 16;

  bool operator==(const Http2AbuseConfig&) const = default;
};

// HTTP/2 limits of one listener, used when its protocols include h2c or h2. Sizes in bytes.
// Invariants checked by the loader: initial_stream_window <= max_stream_buffer <=
// max_connection_buffer, so flow control alone bounds what a client can make sluice hold.
struct Http2Config {
  // SETTINGS_MAX_CONCURRENT_STREAMS; more → REFUSED_STREAM. RFC 9113 §6.5.2 advises >= 100 so
  // that clients are not serialised needlessly.
  uint32_t max_concurrent_streams = 100;
  // SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2 counts name + value + 32 per field). Resolved
  // by the loader: when not written, the listener's max_header_bytes, so both protocols accept
  // the same request heads.
  uint32_t max_header_list_bytes = 16 * 1024;
  // SETTINGS_INITIAL_WINDOW_SIZE: request body bytes a client may send on a stream before
  // sluice consumes them (as the upstream accepts them). 64 KiB rather than the RFC's 65535 so
  // that it reads as a round size; at most 2^31-1 (RFC 9113 §6.9.2).
  uint32_t initial_stream_window_bytes = 64 * 1024;
  // Body bytes held for one stream (either direction) while the other side is slow.
  uint32_t max_stream_buffer_bytes = 256 * 1024;
  // Bytes held for all streams of a connection; also the connection-level receive window
  // sluice advertises, so a stalled upstream cannot make a client fill more than this.
  uint32_t max_connection_buffer_bytes = 1024 * 1024;
  // SETTINGS_HEADER_TABLE_SIZE: the HPACK decoder table the client may fill (RFC 7541 default).
  uint32_t hpack_table_bytes = 4096;
  Http2AbuseConfig abuse;

  bool operator==(const Http2Config&) const = default;
};

struct ListenerConfig {
  std::string name;
  HostPort listen;
  ListenerProtocols protocols;  // YAML `protocols`, a list; default [http1]
  TlsConfig tls;
  Http2Config http2;
  // Protocol hygiene limits (DESIGN §7).
  uint64_t max_header_bytes = 16 * 1024;  // request line + headers; over → 431
  uint32_t max_headers = 100;             // header field count; over → 431
  Millis header_timeout{10'000};          // total deadline to receive the request head (slowloris)
  Millis body_timeout{60'000};            // total deadline to receive the whole request body
  Millis idle_timeout{60'000};            // keep-alive idle between requests
  Millis send_timeout{60'000};            // a client that reads nothing for this long is dropped
  uint32_t max_requests_per_connection = 0;  // 0 = unlimited
  std::vector<Cidr> trusted_proxies;      // whose X-Forwarded-For we keep

  bool operator==(const ListenerConfig&) const = default;
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

  bool operator==(const RateConfig&) const = default;
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

  bool operator==(const QueueConfig&) const = default;
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

  bool operator==(const ControllerConfig&) const = default;
};

enum class LoadBalancing { kPowerOfTwoChoices, kRoundRobin };

struct EndpointConfig {
  HostPort address;
  uint32_t weight = 1;  // 1..1000

  bool operator==(const EndpointConfig&) const = default;
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

  bool operator==(const ClusterConfig&) const = default;
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
