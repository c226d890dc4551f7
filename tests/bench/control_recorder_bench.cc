// The controller's per-request sample collection (DESIGN §5 "Samples"; control::ClusterRecorder):
// what a worker pays per dispatched request, and what the control thread pays per window.
//   - InflightEntry construct + Complete + destroy, the per-request cost: with nothing else in
//     flight (every entry is the list's head, so each link and unlink publishes the oldest
//     dispatch time) and behind 1000 older requests (the head stays; nothing is published);
//   - a cancelled request (destroyed without Complete: unlink only);
//   - LatencyHistogram::Record alone, and its bucket index next to the std::log2 formula it
//     replaces;
//   - CloseWindow over 2 and 16 worker shards.
// Time is a stepped fake time point: runs are reproducible.
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "control/cluster_recorder.h"
#include "control/latency_histogram.h"
#include "core/clock.h"

namespace sluice::bench {
namespace {

using namespace std::chrono_literals;
using core::Duration;
using core::TimePoint;

const TimePoint kStart = core::FakeClock().Now();

// Latencies cycled through so that samples spread over many buckets (ms to s), as in service.
constexpr std::size_t kLatencyCount = 64;
const std::array<Duration, kLatencyCount> kLatencies = [] {
  std::array<Duration, kLatencyCount> latencies{};
  uint64_t x = 88172645463325252ULL;  // xorshift64, fixed seed
  for (auto& latency : latencies) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    latency = Duration(200'000 + static_cast<int64_t>(x % 2'000'000'000));  // 0.2 ms .. 2 s
  }
  return latencies;
}();

void DispatchAndComplete(control::ClusterRecorder& recorder, benchmark::State& state) {
  TimePoint now = kStart + 1h;
  std::size_t i = 0;
  for ([[maybe_unused]] auto _ : state) {
    now += 1us;
    const Duration latency = kLatencies[i % kLatencyCount];
    const bool drop = i % 32 == 0;
    ++i;
    control::InflightEntry entry(recorder, 0, now, 8);
    entry.Complete(now + latency, drop);
  }
  state.counters["samples"] = static_cast<double>(recorder.PendingSamples());
}

void BM_InflightEntry_CompleteAlone(benchmark::State& state) {
  control::ClusterRecorder recorder(1, kStart);
  DispatchAndComplete(recorder, state);
}
BENCHMARK(BM_InflightEntry_CompleteAlone);

void BM_InflightEntry_CompleteBehind1000Older(benchmark::State& state) {
  control::ClusterRecorder recorder(1, kStart);
  std::vector<std::unique_ptr<control::InflightEntry>> older;
  for (int i = 0; i < 1000; ++i) {
    older.push_back(std::make_unique<control::InflightEntry>(recorder, 0, kStart, 8));
  }
  DispatchAndComplete(recorder, state);
}
BENCHMARK(BM_InflightEntry_CompleteBehind1000Older);

void BM_InflightEntry_Cancelled(benchmark::State& state) {
  control::ClusterRecorder recorder(1, kStart);
  TimePoint now = kStart;
  for ([[maybe_unused]] auto _ : state) {
    now += 1us;
    control::InflightEntry entry(recorder, 0, now, 8);
    benchmark::DoNotOptimize(&entry);
  }
  if (recorder.PendingSamples() != 0) state.SkipWithError("a cancelled entry left a sample");
}
BENCHMARK(BM_InflightEntry_Cancelled);

void BM_LatencyHistogram_Record(benchmark::State& state) {
  control::LatencyHistogram histogram;
  std::size_t i = 0;
  for ([[maybe_unused]] auto _ : state) histogram.Record(kLatencies[i++ % kLatencyCount]);
  benchmark::DoNotOptimize(histogram.Read().Count());
}
BENCHMARK(BM_LatencyHistogram_Record);

void BM_LatencyHistogram_BucketIndex(benchmark::State& state) {
  std::size_t i = 0;
  for ([[maybe_unused]] auto _ : state) {
    benchmark::DoNotOptimize(
        control::LatencyHistogram::BucketIndex(kLatencies[i++ % kLatencyCount]));
  }
}
BENCHMARK(BM_LatencyHistogram_BucketIndex);

// The obvious alternative to reading the double's bits: floor(8·log2(µs)), for comparison.
void BM_LatencyHistogram_BucketIndexByLog2(benchmark::State& state) {
  std::size_t i = 0;
  for ([[maybe_unused]] auto _ : state) {
    const double micros = static_cast<double>(kLatencies[i++ % kLatencyCount].count()) * 1e-3;
    const auto index = micros < 1.0 ? 0 : 1 + static_cast<std::size_t>(8.0 * std::log2(micros));
    benchmark::DoNotOptimize(index);
  }
}
BENCHMARK(BM_LatencyHistogram_BucketIndexByLog2);

void BM_ClusterRecorder_CloseWindow(benchmark::State& state) {
  const auto workers = static_cast<std::size_t>(state.range(0));
  control::ClusterRecorder recorder(workers, kStart);
  for (std::size_t w = 0; w < workers; ++w) {
    for (const Duration latency : kLatencies) {
      control::InflightEntry(recorder, w, kStart, 8).Complete(kStart + latency, false);
    }
  }
  TimePoint now = kStart;
  for ([[maybe_unused]] auto _ : state) benchmark::DoNotOptimize(recorder.CloseWindow(now += 1s));
}
BENCHMARK(BM_ClusterRecorder_CloseWindow)->Arg(2)->Arg(16);

}  // namespace
}  // namespace sluice::bench
