#pragma once
// Every metric of the request path, declared in one place (STYLE rule 10). Label values are
// bounded: routes, clusters and listeners come from config; codes are HTTP status codes.
//
// Thread-safety: thread-safe. Lookups on the hot path are lock-free after the first use of a
// (route, code) pair; prometheus-cpp counters and histograms are themselves thread-safe.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "observability/sharded_metrics.h"

namespace sluice::observability {

// Histogram buckets for request and upstream durations: roughly log-spaced (1-2.5-5 steps) from
// 0.5 ms to 30 s, so both cache-speed backends and slow batch endpoints get resolution.
const prometheus::Histogram::BucketBoundaries& DurationBuckets();

// Kinds of upstream failure, as label values of sluice_upstream_errors_total. The last two are
// sluice's own 503s on the way to a backend (no endpoint to try, the endpoint's connection cap
// reached): no backend failed, but an operator must see them beside those that did.
enum class UpstreamErrorKind {
  kConnect,
  kTimeout,
  kReset,
  kBadResponse,
  kPoolExhausted,
  kNoEndpoint,  // the last: kUpstreamErrorKinds counts up to it
};
inline constexpr std::size_t kUpstreamErrorKinds =
    static_cast<std::size_t>(UpstreamErrorKind::kNoEndpoint) + 1;
std::string_view ToString(UpstreamErrorKind kind);

// Per (listener, route) request counters and duration histogram, sharded by worker
// (observability/sharded_metrics.h) and exported at each Flush.
// Thread-safety: thread-safe; after the first use of a code Record is lock-free.
class RouteStats {
 public:
  RouteStats(prometheus::Family<prometheus::Counter>& requests, prometheus::Histogram& duration,
             std::string listener, std::string route);
  RouteStats(const RouteStats&) = delete;
  RouteStats& operator=(const RouteStats&) = delete;

  void Record(std::size_t worker, int status_code, double duration_seconds);
  void Flush();

 private:
  ShardedCounter& CounterFor(int status_code);

  prometheus::Family<prometheus::Counter>& requests_;
  ShardedHistogram duration_;
  std::string listener_;
  std::string route_;
  // Index = status code 100..599, then one slot that codes outside it (a broken backend)
  // share as code="other", to keep labels bounded. Filled on first use under mu_ into owned_;
  // by_code_ publishes the pointer with release/acquire so a reader that sees it also sees the
  // constructed counter, and the request path reads it without the lock.
  static constexpr std::size_t kCodeSlots = 501;
  std::mutex mu_;  // guards owned_
  std::array<std::unique_ptr<ShardedCounter>, kCodeSlots> owned_;
  std::array<std::atomic<ShardedCounter*>, kCodeSlots> by_code_{};
};

// Per cluster: in-flight gauge and upstream latency histogram (sharded by worker, exported at
// each Flush), error counters (rare: plain prometheus counters).
// Thread-safety: immutable pointers to thread-safe metrics.
struct ClusterStats {
  std::unique_ptr<ShardedGauge> inflight;
  std::unique_ptr<ShardedHistogram> upstream_latency;
  std::array<prometheus::Counter*, kUpstreamErrorKinds> errors{};  // by UpstreamErrorKind
  void RecordError(UpstreamErrorKind kind) { errors[static_cast<int>(kind)]->Increment(); }
  void Flush() {
    inflight->Flush();
    upstream_latency->Flush();
  }
};

class GatewayMetrics {
 public:
  explicit GatewayMetrics(std::shared_ptr<prometheus::Registry> registry);

  [[nodiscard]] const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }
  // Hands what the workers recorded since the last call to the exported metrics: call before
  // collecting the registry.
  void Flush();

  // Stable for the process lifetime: callers may keep the references.
  RouteStats& Route(const std::string& listener, const std::string& route);
  ClusterStats& Cluster(const std::string& cluster);
  prometheus::Gauge& Connections(const std::string& listener, std::string_view protocol);
  // sluice_tls_handshake_failures_total{listener}: handshakes that failed or timed out, and
  // clients that agreed on no protocol the listener serves.
  prometheus::Counter& TlsHandshakeFailures(const std::string& listener);

  prometheus::Gauge& draining() { return *draining_; }
  // sluice_build_info{version} = 1, set at construction.
  prometheus::Gauge& build_info() { return *build_info_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& request_duration_;
  prometheus::Family<prometheus::Histogram>& upstream_latency_;
  prometheus::Family<prometheus::Counter>& upstream_errors_;
  prometheus::Family<prometheus::Gauge>& inflight_;
  prometheus::Family<prometheus::Gauge>& connections_;
  prometheus::Family<prometheus::Counter>& tls_handshake_failures_;
  prometheus::Gauge* draining_;
  prometheus::Gauge* build_info_;

  std::mutex mu_;  // guards the maps below (startup and first use only)
  std::map<std::string, std::unique_ptr<RouteStats>> routes_;
  std::map<std::string, std::unique_ptr<ClusterStats>> clusters_;
};

}  // namespace sluice::observability
