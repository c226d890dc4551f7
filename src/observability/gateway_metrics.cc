#include "observability/gateway_metrics.h"

#include <utility>

#include "core/version.h"

namespace sluice::observability {

const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0};
  return kBuckets;
}

std::string_view ToString(UpstreamErrorKind kind) {
  switch (kind) {
    case UpstreamErrorKind::kConnect:
      return "connect";
    case UpstreamErrorKind::kTimeout:
      return "timeout";
    case UpstreamErrorKind::kReset:
      return "reset";
    case UpstreamErrorKind::kBadResponse:
      return "bad_response";
    case UpstreamErrorKind::kPoolExhausted:
      return "pool_exhausted";
    case UpstreamErrorKind::kNoEndpoint:
      return "no_healthy_upstream";
  }
  return "unknown";
}

RouteStats::RouteStats(prometheus::Family<prometheus::Counter>& requests,
                       prometheus::Histogram& duration, std::string listener, std::string route)
    : requests_(requests),
      duration_(duration, DurationBuckets()),
      listener_(std::move(listener)),
      route_(std::move(route)) {}

void RouteStats::Record(std::size_t worker, int status_code, double duration_seconds) {
  CounterFor(status_code).Add(worker);
  duration_.Observe(worker, duration_seconds);
}

void RouteStats::Flush() {
  for (auto& slot : by_code_) {
    if (auto* counter = slot.load(std::memory_order_acquire)) counter->Flush();
  }
  duration_.Flush();
}

ShardedCounter& RouteStats::CounterFor(int status_code) {
  const bool in_range = status_code >= 100 && status_code <= 599;
  const std::size_t index = in_range ? static_cast<std::size_t>(status_code - 100) : kCodeSlots - 1;
  if (auto* counter = by_code_[index].load(std::memory_order_acquire)) return *counter;
  const std::lock_guard lock(mu_);
  if (!owned_[index]) {  // else a racing first use made it
    const std::string code = in_range ? std::to_string(status_code) : "other";
    owned_[index] = std::make_unique<ShardedCounter>(
        requests_.Add({{"listener", listener_}, {"route", route_}, {"code", code}}));
    by_code_[index].store(owned_[index].get(), std::memory_order_release);
  }
  return *owned_[index];
}

GatewayMetrics::GatewayMetrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(std::move(registry)),
      requests_(prometheus::BuildCounter()
                    .Name("sluice_requests_total")
                    .Help("Requests answered, by listener, route and status code.")
                    .Register(*registry_)),
      request_duration_(prometheus::BuildHistogram()
                            .Name("sluice_request_duration_seconds")
                            .Help("Time from request head received to response complete.")
                            .Register(*registry_)),
      upstream_latency_(prometheus::BuildHistogram()
                            .Name("sluice_upstream_latency_seconds")
                            .Help("Time from upstream request sent to response head received.")
                            .Register(*registry_)),
      upstream_errors_(prometheus::BuildCounter()
                           .Name("sluice_upstream_errors_total")
                           .Help("Upstream failures by kind: connect, timeout, reset, "
                                 "bad_response; and sluice's own 503s before any backend: "
                                 "pool_exhausted, no_healthy_upstream.")
                           .Register(*registry_)),
      inflight_(prometheus::BuildGauge()
                    .Name("sluice_inflight")
                    .Help("Requests currently sent to a cluster and not yet answered.")
                    .Register(*registry_)),
      connections_(prometheus::BuildGauge()
                       .Name("sluice_connections")
                       .Help("Open downstream connections by listener and protocol.")
                       .Register(*registry_)),
      tls_handshake_failures_(prometheus::BuildCounter()
                                  .Name("sluice_tls_handshake_failures_total")
                                  .Help("TLS handshakes that failed, timed out or agreed on no "
                                        "protocol the listener serves.")
                                  .Register(*registry_)),
      draining_(&prometheus::BuildGauge()
                     .Name("sluice_draining")
                     .Help("1 while the process drains before shutdown, else 0.")
                     .Register(*registry_)
                     .Add({})),
      build_info_(&prometheus::BuildGauge()
                       .Name("sluice_build_info")
                       .Help("Always 1; the version label identifies the running build.")
                       .Register(*registry_)
                       .Add({{"version", core::kVersion}})) {
  build_info_->Set(1);
}

RouteStats& GatewayMetrics::Route(const std::string& listener, const std::string& route) {
  // '\0' cannot occur in config names, so the joined key is unambiguous.
  std::string key = listener;
  key += '\0';
  key += route;
  std::lock_guard lock(mu_);
  auto& slot = routes_[key];
  if (!slot) {
    auto& duration =
        request_duration_.Add({{"listener", listener}, {"route", route}}, DurationBuckets());
    slot = std::make_unique<RouteStats>(requests_, duration, listener, route);
  }
  return *slot;
}

ClusterStats& GatewayMetrics::Cluster(const std::string& cluster) {
  std::lock_guard lock(mu_);
  auto& slot = clusters_[cluster];
  if (!slot) {
    auto stats = std::make_unique<ClusterStats>();
    stats->inflight = std::make_unique<ShardedGauge>(inflight_.Add({{"cluster", cluster}}));
    stats->upstream_latency = std::make_unique<ShardedHistogram>(
        upstream_latency_.Add({{"cluster", cluster}}, DurationBuckets()), DurationBuckets());
    for (std::size_t k = 0; k < kUpstreamErrorKinds; ++k) {
      const auto kind = static_cast<UpstreamErrorKind>(k);
      stats->errors[k] =
          &upstream_errors_.Add({{"cluster", cluster}, {"kind", std::string(ToString(kind))}});
    }
    slot = std::move(stats);
  }
  return *slot;
}

void GatewayMetrics::Flush() {
  std::lock_guard lock(mu_);
  for (auto& [key, route] : routes_) route->Flush();
  for (auto& [name, cluster] : clusters_) cluster->Flush();
}

prometheus::Gauge& GatewayMetrics::Connections(const std::string& listener,
                                               std::string_view protocol) {
  // Family::Add returns the existing gauge for known labels and is internally locked.
  return connections_.Add({{"listener", listener}, {"protocol", std::string(protocol)}});
}

prometheus::Counter& GatewayMetrics::TlsHandshakeFailures(const std::string& listener) {
  return tls_handshake_failures_.Add({{"listener", listener}});
}

}  // namespace sluice::observability
