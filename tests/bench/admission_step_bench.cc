// The whole per-request admission decision, timed through the gateway's own code: the figure
// behind "admission adds < 20 µs per request".
//
// app::AdmissionRegistry and app::BuildSnapshot wire tenants, the cluster gate and the metrics
// from a config exactly as the running gateway does, and proxy::AdmissionStep::Run is the
// coroutine the forwarder awaits for every request: identity → tenant lookup → GCRA → gate
// enter → decision count. The step is destroyed at the end of each iteration, which is the end
// of the request: its slot leaves the gate. The clock is the real steady clock, read by the step
// itself. Only the sockets are missing: the request comes from an InMemoryExchange, and the
// coroutine runs on a local io_context (it never suspends on these paths).
//
// Not timed here: the queue path, where a request suspends until another one finishes; its
// data-structure cost is BM_ClusterQueue_EnqueueDispatch in admission_bench.cc.
#include <benchmark/benchmark.h>
#include <prometheus/registry.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "app/admission_builder.h"
#include "app/snapshot_builder.h"
#include "bench/bench_config.h"
#include "bench/in_memory_exchange.h"
#include "observability/admission_metrics.h"
#include "observability/gateway_metrics.h"
#include "proxy/admission_step.h"
#include "upstream/cluster.h"

namespace sluice::bench {
namespace {

namespace asio = boost::asio;

// What the gateway builds from its config for admission, minus listeners and workers.
class GatewayAdmission {
 public:
  GatewayAdmission()
      : config_(std::make_shared<const config::Config>(GatewayConfig())),
        registry_(std::make_shared<prometheus::Registry>()),
        gateway_metrics_(registry_),
        admission_metrics_(*registry_),
        admission_(*config_, admission_metrics_) {
    for (const auto& c : config_->clusters) {
      // No workers: admission reads only the cluster's name and queue settings, never a pool.
      clusters_.emplace(
          c.name, std::make_shared<upstream::Cluster>(c, std::vector<asio::any_io_executor>{}));
    }
    std::vector<std::string> listeners;
    for (const auto& l : config_->listeners) listeners.push_back(l.name);
    snapshot_ = app::BuildSnapshot(config_, 1, clusters_, gateway_metrics_, admission_, listeners);
  }

  [[nodiscard]] const proxy::RuntimeSnapshot& snapshot() const { return *snapshot_; }
  [[nodiscard]] const proxy::RouteRuntime& route() const { return snapshot_->routes.front(); }
  [[nodiscard]] uint32_t inflight() const { return route().admission->inflight(); }

 private:
  std::shared_ptr<const config::Config> config_;
  std::shared_ptr<prometheus::Registry> registry_;
  observability::GatewayMetrics gateway_metrics_;
  observability::AdmissionMetrics admission_metrics_;
  app::AdmissionRegistry admission_;
  app::ClusterRegistry clusters_;
  std::shared_ptr<const proxy::RuntimeSnapshot> snapshot_;
};

struct Outcomes {
  int64_t admitted = 0;
  int64_t rejected_429 = 0;
  int64_t rejected_other = 0;

  void Count(const std::optional<proxy::Rejection>& rejection) {
    if (!rejection) {
      ++admitted;
    } else if (rejection->status == http::Status::too_many_requests) {
      ++rejected_429;
    } else {
      ++rejected_other;
    }
  }
};

// One request per iteration: `next_request` changes the exchange if the benchmark varies it,
// then a fresh AdmissionStep decides. The first `warmup` requests are untimed and uncounted (they
// fill tenant tables).
template <typename NextRequest>
asio::awaitable<void> DecideEach(benchmark::State& state, const GatewayAdmission& gateway,
                                 InMemoryExchange& exchange, NextRequest next_request,
                                 std::size_t warmup, Outcomes& outcomes) {
  proxy::AdmissionWorkerState worker(42);
  for (std::size_t i = 0; i < warmup; ++i) {
    next_request(exchange);
    proxy::AdmissionStep step(gateway.snapshot(), gateway.route(), exchange, worker);
    benchmark::DoNotOptimize(co_await step.Run());
  }
  for ([[maybe_unused]] auto _ : state) {
    next_request(exchange);
    proxy::AdmissionStep step(gateway.snapshot(), gateway.route(), exchange, worker);
    outcomes.Count(co_await step.Run());
  }
}

// Runs the requests of one benchmark run on a fresh gateway, from `exchange` as the caller set
// it up (headers are parsed once per request by the front end, not by admission).
template <typename NextRequest>
Outcomes RunRequests(benchmark::State& state, InMemoryExchange& exchange, std::size_t warmup,
                     NextRequest next_request) {
  GatewayAdmission gateway;
  Outcomes outcomes;
  asio::io_context io;
  asio::co_spawn(io, DecideEach(state, gateway, exchange, next_request, warmup, outcomes),
                 [](std::exception_ptr e) {
                   if (e) std::rethrow_exception(e);
                 });
  io.run();
  if (gateway.inflight() != 0) state.SkipWithError("a finished request kept its gate slot");
  state.counters["admitted"] = static_cast<double>(outcomes.admitted);
  state.counters["rejected"] = static_cast<double>(outcomes.rejected_429 + outcomes.rejected_other);
  return outcomes;
}

// The same request every time.
void SameRequest(InMemoryExchange&) {}

void ExpectAllAdmitted(benchmark::State& state, const Outcomes& outcomes) {
  if (outcomes.admitted != static_cast<int64_t>(state.iterations())) {
    state.SkipWithError("expected every request to be admitted");
  }
}

// A configured tenant by API key (SHA-256 of the key on every request), admitted through the
// gate: the common path of an API gateway.
void BM_AdmissionStep_ApiKeyTenantAdmitted(benchmark::State& state) {
  InMemoryExchange exchange;
  exchange.request().set("X-Api-Key", kApiKey);
  ExpectAllAdmitted(state, RunRequests(state, exchange, /*warmup=*/0, SameRequest));
}
BENCHMARK(BM_AdmissionStep_ApiKeyTenantAdmitted);

// No key: each request comes from the next of kClientAddresses addresses and is charged to its
// own dynamic tenant (all known after the warm-up pass), then admitted through the gate.
void BM_AdmissionStep_ClientAddressTenantAdmitted(benchmark::State& state) {
  const auto addresses = ClientAddresses(kClientAddresses);
  auto from_next_address = [&addresses, next = std::size_t{0}](InMemoryExchange& exchange) mutable {
    exchange.mutable_connection().peer_address = addresses[next];
    next = next + 1 == addresses.size() ? 0 : next + 1;
  };
  InMemoryExchange exchange;
  ExpectAllAdmitted(state, RunRequests(state, exchange, kClientAddresses, from_next_address));
}
BENCHMARK(BM_AdmissionStep_ClientAddressTenantAdmitted);

// A tenant over its quota: the 429 with Retry-After, RateLimit headers and problem+json body is
// built, and the request never reaches the gate. The warm-up request takes the only token.
void BM_AdmissionStep_TenantOverQuota429(benchmark::State& state) {
  InMemoryExchange exchange;
  exchange.request().set("X-Api-Key", kThrottledKey);
  const auto outcomes = RunRequests(state, exchange, /*warmup=*/1, SameRequest);
  if (outcomes.rejected_429 != static_cast<int64_t>(state.iterations())) {
    state.SkipWithError("expected every request to get a 429");
  }
}
BENCHMARK(BM_AdmissionStep_TenantOverQuota429);

}  // namespace
}  // namespace sluice::bench
