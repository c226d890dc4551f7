#include "control/cluster_recorder.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

namespace sluice::control {
namespace {

using namespace std::chrono_literals;
using core::Duration;
using core::FakeClock;
using core::TimePoint;

const TimePoint kStart = FakeClock().Now();

Duration ReportedAs(Duration latency) {
  return LatencyHistogram::BucketUpperBound(LatencyHistogram::BucketIndex(latency));
}

TEST(ClusterRecorderTest, KeepsEachSampleUnderTheConcurrencyItWasDispatchedAt) {
  ClusterRecorder recorder(2, kStart);
  InflightEntry(recorder, 0, kStart, 3).Complete(kStart + 10ms, false);
  InflightEntry(recorder, 1, kStart, 3).Complete(kStart + 30ms, true);
  InflightEntry(recorder, 1, kStart, 40).Complete(kStart + 5ms, false);
  { InflightEntry cancelled(recorder, 0, kStart, 7); }  // no sample, no point on the curve

  const WindowStats stats = recorder.CloseWindow(kStart + 1s);
  const auto at3 = LoadCurve::BucketIndex(3);
  const auto at40 = LoadCurve::BucketIndex(40);
  EXPECT_EQ(stats.load.Count(), 3u);
  EXPECT_EQ(stats.load.counts[at3], 2u);
  EXPECT_EQ(stats.load.sum_us[at3], 40'000u);
  EXPECT_EQ(stats.load.sum_sq_us[at3], 10'000u * 10'000u + 30'000u * 30'000u);
  EXPECT_EQ(stats.load.counts[at40], 1u);
  EXPECT_EQ(stats.load.counts[LoadCurve::BucketIndex(7)], 0u);
  EXPECT_EQ(recorder.CloseWindow(kStart + 2s).load.Count(), 0u) << "the next window starts empty";
}

TEST(ClusterRecorderTest, CountsSamplesDropsAndLimitedInTheWindow) {
  ClusterRecorder recorder(2, kStart);
  InflightEntry(recorder, 0, kStart, 1).Complete(kStart + 10ms, false);
  InflightEntry(recorder, 1, kStart, 1).Complete(kStart + 20ms, true);
  InflightEntry(recorder, 1, kStart, 1).Complete(kStart + 30ms, false);
  recorder.NoteLimited(0);
  recorder.NoteLimited(1);
  recorder.NoteLimited(1);

  const WindowStats stats = recorder.CloseWindow(kStart + 1s);
  EXPECT_EQ(stats.duration, 1s);
  EXPECT_EQ(stats.samples, 3u);
  EXPECT_EQ(stats.drops, 1u);  // a drop is also a sample
  EXPECT_EQ(stats.limited, 3u);
  EXPECT_TRUE(stats.limit_binding());
  EXPECT_EQ(stats.mean, 20ms);
  EXPECT_EQ(stats.p99, ReportedAs(30ms));
  EXPECT_EQ(stats.p90, ReportedAs(30ms));
  EXPECT_EQ(stats.oldest_inflight, 0ns);
  EXPECT_DOUBLE_EQ(stats.throughput(), 2.0);
}

TEST(ClusterRecorderTest, CloseWindowStartsAFreshWindow) {
  ClusterRecorder recorder(1, kStart);
  InflightEntry(recorder, 0, kStart, 1).Complete(kStart + 5ms, true);
  recorder.NoteLimited(0);
  (void)recorder.CloseWindow(kStart + 1s);

  const WindowStats empty = recorder.CloseWindow(kStart + 1500ms);
  EXPECT_EQ(empty.duration, 500ms);
  EXPECT_EQ(empty.samples, 0u);
  EXPECT_EQ(empty.drops, 0u);
  EXPECT_EQ(empty.limited, 0u);
  EXPECT_EQ(empty.p99, 0ns);
  EXPECT_EQ(empty.mean, 0ns);

  InflightEntry(recorder, 0, kStart + 2s, 1).Complete(kStart + 2s + 40ms, false);
  const WindowStats next = recorder.CloseWindow(kStart + 3s);
  EXPECT_EQ(next.samples, 1u);
  EXPECT_EQ(next.mean, 40ms);  // the earlier 5 ms sample is not in this window
  EXPECT_EQ(next.p99, ReportedAs(40ms));
}

TEST(ClusterRecorderTest, WindowQuantilesComeFromEveryWorker) {
  ClusterRecorder recorder(2, kStart);
  for (int i = 0; i < 180; ++i)
    InflightEntry(recorder, 0, kStart, 1).Complete(kStart + 10ms, false);
  for (int i = 0; i < 20; ++i)
    InflightEntry(recorder, 1, kStart, 1).Complete(kStart + 300ms, false);
  const WindowStats stats = recorder.CloseWindow(kStart + 1s);
  EXPECT_EQ(stats.samples, 200u);
  EXPECT_EQ(stats.p90, ReportedAs(10ms));  // rank 180 of 200
  EXPECT_EQ(stats.p99, ReportedAs(300ms));
  EXPECT_EQ(stats.mean, 39ms);  // (180 × 10 + 20 × 300) / 200
}

TEST(ClusterRecorderTest, PendingSamplesCountsSinceTheLastClose) {
  ClusterRecorder recorder(2, kStart);
  EXPECT_EQ(recorder.PendingSamples(), 0u);
  InflightEntry(recorder, 0, kStart, 1).Complete(kStart + 1ms, false);
  InflightEntry(recorder, 1, kStart, 1).Complete(kStart + 1ms, true);
  EXPECT_EQ(recorder.PendingSamples(), 2u);
  (void)recorder.CloseWindow(kStart + 1s);
  EXPECT_EQ(recorder.PendingSamples(), 0u);
  InflightEntry(recorder, 1, kStart, 1).Complete(kStart + 1ms, false);
  EXPECT_EQ(recorder.PendingSamples(), 1u);
}

TEST(ClusterRecorderTest, OldestInflightFollowsTheHeadAsEntriesCompleteOutOfOrder) {
  ClusterRecorder recorder(1, kStart);
  std::optional<InflightEntry> first(std::in_place, recorder, 0, kStart, 1);
  InflightEntry second(recorder, 0, kStart + 10ms, 1);
  InflightEntry third(recorder, 0, kStart + 20ms, 1);
  EXPECT_EQ(recorder.CloseWindow(kStart + 100ms).oldest_inflight, 100ms);

  second.Complete(kStart + 110ms, false);  // not the head: the oldest stays
  EXPECT_EQ(recorder.CloseWindow(kStart + 120ms).oldest_inflight, 120ms);

  first->Complete(kStart + 130ms, false);  // the head: `third` is now the oldest
  EXPECT_EQ(recorder.CloseWindow(kStart + 140ms).oldest_inflight, 120ms);

  first.reset();  // destroying a completed entry changes nothing
  InflightEntry fourth(recorder, 0, kStart + 150ms, 1);
  third.Complete(kStart + 160ms, false);
  EXPECT_EQ(recorder.CloseWindow(kStart + 170ms).oldest_inflight, 20ms);

  fourth.Complete(kStart + 180ms, false);
  EXPECT_EQ(recorder.CloseWindow(kStart + 190ms).oldest_inflight, 0ns);
}

TEST(ClusterRecorderTest, OldestInflightIsTheOldestOverAllWorkers) {
  ClusterRecorder recorder(3, kStart);
  InflightEntry on_worker0(recorder, 0, kStart + 30ms, 1);
  InflightEntry on_worker2(recorder, 2, kStart + 5ms, 1);
  EXPECT_EQ(recorder.CloseWindow(kStart + 105ms).oldest_inflight, 100ms);
  on_worker2.Complete(kStart + 106ms, false);
  EXPECT_EQ(recorder.CloseWindow(kStart + 110ms).oldest_inflight, 80ms);
}

TEST(ClusterRecorderTest, EntryDestroyedWithoutCompleteLeavesNoSample) {
  ClusterRecorder recorder(1, kStart);
  {
    InflightEntry cancelled(recorder, 0, kStart, 1);
    InflightEntry kept(recorder, 0, kStart + 1ms, 1);
    kept.Complete(kStart + 2ms, false);
  }  // `cancelled` (the head) unlinks itself
  EXPECT_EQ(recorder.PendingSamples(), 1u);
  const WindowStats stats = recorder.CloseWindow(kStart + 1s);
  EXPECT_EQ(stats.samples, 1u);
  EXPECT_EQ(stats.mean, 1ms);
  EXPECT_EQ(stats.oldest_inflight, 0ns);
}

TEST(ClusterRecorderTest, CompleteIsIdempotent) {
  ClusterRecorder recorder(1, kStart);
  InflightEntry entry(recorder, 0, kStart, 1);
  entry.Complete(kStart + 3ms, true);
  entry.Complete(kStart + 9ms, false);
  const WindowStats stats = recorder.CloseWindow(kStart + 1s);
  EXPECT_EQ(stats.samples, 1u);
  EXPECT_EQ(stats.drops, 1u);
  EXPECT_EQ(stats.mean, 3ms);
}

// Two workers record on their own shards while the control thread closes windows. Data-race
// free by design: workers write only their shard's atomics and their own lists, the control
// thread alone touches the window totals. No sample, drop or limited mark is lost or counted
// twice across windows, and no window ever shows more drops than samples.
TEST(ClusterRecorderTest, ConcurrentWorkersAndControlThreadLoseNothing) {
  constexpr int kRequestsPerWorker = 100'000;
  constexpr std::size_t kWorkers = 2;
  constexpr std::size_t kOutstanding = 16;  // in flight at once per worker
  ClusterRecorder recorder(kWorkers, kStart);
  std::atomic<std::size_t> workers_done{0};
  std::atomic<uint64_t> closes{0};  // windows closed so far (control thread)

  const auto work = [&](std::size_t worker) {
    std::array<std::optional<InflightEntry>, kOutstanding> inflight;
    TimePoint now = kStart;
    for (int i = 0; i < kRequestsPerWorker; ++i) {
      now += 1us;
      // Completes out of dispatch order: slot i % 16 holds the request from 16 dispatches ago,
      // except that every fifth replaces the one from 4 dispatches ago.
      auto& slot = inflight[(i % 5 == 0 ? i / 4 : i) % kOutstanding];
      if (slot.has_value() && i % 13 == 0) {
        slot.reset();  // a cancelled request: unlinked, no sample
      } else if (slot.has_value()) {
        slot->Complete(now, /*drop=*/i % 10 == 0);
      }
      slot.emplace(recorder, worker, now, static_cast<uint32_t>(i % kOutstanding) + 1);
      if (i % 7 == 0) recorder.NoteLimited(worker);
      // Halfway, make sure a window closes while this worker is mid-stream (a fast worker
      // could otherwise finish before the control thread's first close).
      if (i == kRequestsPerWorker / 2) {
        while (closes.load(std::memory_order_acquire) == 0) std::this_thread::yield();
      }
    }
    for (auto& slot : inflight) {
      if (slot.has_value()) slot->Complete(now + 1ms, false);
    }
    workers_done.fetch_add(1, std::memory_order_release);
  };
  std::vector<std::thread> workers;
  for (std::size_t w = 0; w < kWorkers; ++w) workers.emplace_back(work, w);

  uint64_t samples = 0, drops = 0, limited = 0, windows = 0, by_concurrency = 0;
  bool drops_within_samples = true;
  const auto close = [&](TimePoint now) {
    const WindowStats stats = recorder.CloseWindow(now);
    samples += stats.samples;
    by_concurrency += stats.load.Count();
    drops += stats.drops;
    limited += stats.limited;
    drops_within_samples = drops_within_samples && stats.drops <= stats.samples;
    ++windows;
    closes.store(windows, std::memory_order_release);
  };
  TimePoint now = kStart;
  while (workers_done.load(std::memory_order_acquire) < kWorkers) close(now += 1s);
  for (auto& t : workers) t.join();
  close(now += 1s);

  EXPECT_GT(windows, 1u);
  EXPECT_TRUE(drops_within_samples);
  EXPECT_EQ(by_concurrency, samples) << "every sample also lands in the load curve, once";
  // What each worker's loop completed, replayed without the recorder.
  uint64_t expected_samples = 0, expected_drops = 0, expected_limited = 0;
  {
    std::array<bool, kOutstanding> occupied{};
    for (int i = 0; i < kRequestsPerWorker; ++i) {
      const std::size_t s = static_cast<std::size_t>((i % 5 == 0 ? i / 4 : i)) % kOutstanding;
      if (occupied[s] && i % 13 != 0) {
        ++expected_samples;
        expected_drops += i % 10 == 0 ? 1 : 0;
      }
      occupied[s] = true;
      expected_limited += i % 7 == 0 ? 1 : 0;
    }
    for (const bool o : occupied) expected_samples += o ? 1 : 0;
  }
  EXPECT_EQ(samples, kWorkers * expected_samples);
  EXPECT_EQ(drops, kWorkers * expected_drops);
  EXPECT_EQ(limited, kWorkers * expected_limited);
  EXPECT_EQ(recorder.CloseWindow(now += 1s).oldest_inflight, 0ns);
}

}  // namespace
}  // namespace sluice::control
