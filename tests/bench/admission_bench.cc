// The pieces of the per-request admission decision (DESIGN §4), each timed alone, to show where
// the time of the composed path (admission_step_bench.cc) goes and to back the claim
// "admission adds < 20 µs per request":
//   - GcraBucket::TryTake: one CAS on the tenant's bucket, alone, and at the steady clock's
//     `now` with one and two threads on one bucket (the cost of a shared hot tenant);
//   - ResolveIdentity + TenantRegistry::Lookup: an API-key tenant (SHA-256 of the key, then a
//     digest lookup) and a per-address dynamic tenant among 10k known addresses (key string,
//     shard mutex, hash lookup, LRU splice);
//   - ClusterAdmission: the gate's fast path (TryEnter + Leave), and the queue path when the
//     gate is full (Enqueue, then the finishing request hands its slot to the waiter);
//   - the labelled decision counter bumped once per request: prometheus-cpp's lookup of the label
//     set, and the worker's memo (DecisionCounters) that the request path uses.
// Time is a fixed or stepped fake time point (the algorithms take `now` as an argument), so
// runs are reproducible: no deadline passes, no standing queue forms, no window closes. The one
// exception is the shared-bucket GCRA case, which needs a time coherent across threads.
#include <benchmark/benchmark.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "admission/cluster_admission.h"
#include "admission/gcra.h"
#include "admission/identity.h"
#include "admission/tenant_registry.h"
#include "bench/bench_config.h"
#include "core/clock.h"
#include "observability/admission_metrics.h"
#include "observability/decision_counters.h"

namespace sluice::bench {
namespace {

using namespace std::chrono_literals;

const core::TimePoint kStart = core::FakeClock().Now();

// ---- 1. GCRA -------------------------------------------------------------------------------

// One token per nanosecond, a burst worth one second: beyond what the config accepts, so that
// even two threads taking back to back never run the bucket dry, and a thread preempted between
// reading the clock and taking stays within the tolerance. The arithmetic costs the same at any
// rate; only the admitted/rejected branch depends on it, and these time the admitted one.
const admission::GcraBucket::Policy kUnlimitedPolicy{1e9, 1'000'000'000};

// The algorithm alone: time steps 1 µs per take and the bucket refills 1000 tokens per µs, so
// every take is admitted (one load, one CAS).
void BM_GcraTryTake(benchmark::State& state) {
  admission::GcraBucket bucket;
  core::TimePoint now = kStart;
  int64_t rejected = 0;
  for ([[maybe_unused]] auto _ : state) {
    now += 1us;
    rejected += bucket.TryTake(now, 1, kUnlimitedPolicy).allowed ? 0 : 1;
  }
  if (rejected > 0) state.SkipWithError("the bucket ran dry: not the admitted path");
}
BENCHMARK(BM_GcraTryTake);

// One bucket shared by the threads of a run (a hot tenant served by every worker), fresh for
// each run.
class SharedBucket : public benchmark::Fixture {
 public:
  using benchmark::Fixture::SetUp;
  void SetUp(const benchmark::State& state) override {
    // Threads reach the timed loop together (a barrier), so the reset is seen by all of them.
    if (state.thread_index() == 0) bucket = std::make_unique<admission::GcraBucket>();
  }
  std::unique_ptr<admission::GcraBucket> bucket;
};

// As the gateway calls it: `now` read from the steady clock per take. Threads need one coherent
// time here (per-thread fake times drift apart and would turn the lagging thread's takes into
// rejections), so this is the real clock; with 1 thread it also shows what the clock read adds
// to BM_GcraTryTake. With 2 threads every CAS contends for the bucket's cache line.
BENCHMARK_DEFINE_F(SharedBucket, GcraTryTakeAtSteadyNow)(benchmark::State& state) {
  const core::SteadyClock clock;
  int64_t rejected = 0;
  for ([[maybe_unused]] auto _ : state) {
    rejected += bucket->TryTake(clock.Now(), 1, kUnlimitedPolicy).allowed ? 0 : 1;
  }
  state.counters["rejected"] = static_cast<double>(rejected);
}
BENCHMARK_REGISTER_F(SharedBucket, GcraTryTakeAtSteadyNow)->Threads(1)->Threads(2);

// ---- 2. Identity and tenant lookup ---------------------------------------------------------

admission::IdentityInput ApiKeyRequest(std::string_view key) {
  admission::IdentityInput in;
  in.header = [key](std::string_view name) -> std::optional<std::string_view> {
    if (name == "X-Api-Key") return key;
    return std::nullopt;
  };
  return in;
}

void BM_IdentityAndLookup_ApiKeyTenant(benchmark::State& state) {
  const auto identity_config = Identity();
  admission::TenantRegistry registry(Tenants(), identity_config);
  const auto input = ApiKeyRequest(kApiKey);
  for ([[maybe_unused]] auto _ : state) {
    const auto identity = admission::ResolveIdentity(identity_config, registry.directory(), input);
    auto tenant = registry.Lookup(identity, kStart);
    benchmark::DoNotOptimize(tenant);
  }
  if (registry
          .Lookup(admission::ResolveIdentity(identity_config, registry.directory(), input), kStart)
          .name != "acme") {
    state.SkipWithError("the API key did not resolve to its tenant");
  }
}
BENCHMARK(BM_IdentityAndLookup_ApiKeyTenant);

// Requests without a key, from kClientAddresses distinct addresses in turn, all already known
// to the registry (primed before timing): the steady state of a busy per-address limit.
void BM_IdentityAndLookup_ClientAddressTenant(benchmark::State& state) {
  const auto identity_config = Identity();
  admission::TenantRegistry registry(Tenants(), identity_config);
  const auto addresses = ClientAddressesV6(kClientAddresses);
  admission::IdentityInput input;
  input.client_is_v4 = true;
  auto resolve_next = [&, next = std::size_t{0}]() mutable {
    input.client_address_v6 = addresses[next];
    next = next + 1 == addresses.size() ? 0 : next + 1;
    const auto identity = admission::ResolveIdentity(identity_config, registry.directory(), input);
    return registry.Lookup(identity, kStart);
  };
  for (std::size_t i = 0; i < addresses.size(); ++i) benchmark::DoNotOptimize(resolve_next());

  for ([[maybe_unused]] auto _ : state) {
    auto tenant = resolve_next();
    benchmark::DoNotOptimize(tenant);
  }
  state.counters["dynamic_tenants"] = static_cast<double>(registry.dynamic_size());
  if (registry.dynamic_size() != kClientAddresses || registry.overflow_total() != 0) {
    state.SkipWithError("client addresses were evicted or overflowed: not the steady state");
  }
}
BENCHMARK(BM_IdentityAndLookup_ClientAddressTenant);

// ---- 3. Cluster gate and fair queue --------------------------------------------------------

constexpr uint32_t kQueueTenants = 4;  // waiters spread over a few tenants, as DRR sees them

admission::ClusterAdmission MakeCluster(uint32_t concurrency_limit) {
  return admission::ClusterAdmission(GatedCluster(concurrency_limit), /*class_count=*/1,
                                     /*sheddable_from=*/1, std::vector<uint32_t>(kQueueTenants, 1));
}

// A free slot: take it, finish, give it back (no waiter, so it returns to the gate).
void BM_ClusterGate_EnterLeave(benchmark::State& state) {
  auto cluster = MakeCluster(1000);
  int64_t refused = 0;
  for ([[maybe_unused]] auto _ : state) {
    if (cluster.TryEnter()) {
      cluster.Leave(kStart);
    } else {
      ++refused;
    }
  }
  if (refused > 0) state.SkipWithError("the gate refused a slot below its limit");
}
BENCHMARK(BM_ClusterGate_EnterLeave);

// The gate is full (limit 1, its slot held throughout). Per iteration, one arrival finds no slot
// and queues behind `backlog` waiters; then a request finishes and its slot goes straight to the
// oldest waiter. The queue depth stays at backlog + 1 at the peak. Time is fixed, so no waiter
// expires and the queue never turns "standing" (LIFO).
void BM_ClusterQueue_EnqueueDispatch(benchmark::State& state) {
  const auto backlog = static_cast<std::size_t>(state.range(0));
  auto cluster = MakeCluster(1);
  if (!cluster.TryEnter()) return state.SkipWithError("could not take the only slot");
  int64_t admitted = 0;
  uint64_t next_id = 1;
  auto next_waiter = [&] {
    admission::Waiter waiter;
    waiter.id = next_id++;
    waiter.tenant = static_cast<uint32_t>(waiter.id % kQueueTenants);
    waiter.on_done = [&admitted](admission::QueueOutcome outcome) {
      admitted += outcome == admission::QueueOutcome::kAdmitted ? 1 : 0;
    };
    return waiter;
  };
  for (std::size_t i = 0; i < backlog; ++i) {
    if (cluster.Enqueue(next_waiter(), kStart) != admission::EnqueueResult::kQueued) {
      return state.SkipWithError("could not build the backlog");
    }
  }
  int64_t not_queued = 0;
  for ([[maybe_unused]] auto _ : state) {
    benchmark::DoNotOptimize(cluster.TryEnter());  // fails: the gate is full
    if (cluster.Enqueue(next_waiter(), kStart) != admission::EnqueueResult::kQueued) ++not_queued;
    cluster.Leave(kStart);  // hands the slot to the oldest waiter
  }
  if (not_queued > 0 || admitted != static_cast<int64_t>(state.iterations())) {
    state.SkipWithError("a waiter was not queued or not dispatched");
  }
}
BENCHMARK(BM_ClusterQueue_EnqueueDispatch)->Arg(0)->Arg(100);

// ---- 4. Decision counter -------------------------------------------------------------------

// sluice_admission_decisions_total{cluster,tenant,class,decision,reason}: the label set exists
// already (steady state), so this is the family's lookup plus the increment...
void BM_AdmissionMetrics_DecisionCounterLookup(benchmark::State& state) {
  prometheus::Registry registry;
  observability::AdmissionMetrics metrics(registry);
  for ([[maybe_unused]] auto _ : state) {
    metrics.DecisionCounter(kClusterName, "acme", "default", "admitted", "").Increment();
  }
}
BENCHMARK(BM_AdmissionMetrics_DecisionCounterLookup);

// ...and this the worker's memo of it, as the request path counts.
void BM_DecisionCounters_Count(benchmark::State& state) {
  prometheus::Registry registry;
  observability::AdmissionMetrics metrics(registry);
  observability::DecisionCounters counters;
  for ([[maybe_unused]] auto _ : state) {
    counters.Count(metrics, kClusterName, "acme", "default", "admitted", "");
  }
}
BENCHMARK(BM_DecisionCounters_Count);

}  // namespace
}  // namespace sluice::bench
