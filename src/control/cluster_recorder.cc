#include "control/cluster_recorder.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <limits>

namespace sluice::control {
namespace {

using core::Duration;
using core::TimePoint;

// Published when a worker has nothing in flight: larger than any dispatch time, so the minimum
// over shards ignores it.
constexpr int64_t kNothingInflight = std::numeric_limits<int64_t>::max();

// See LatencyHistogram: the owner is the only writer, so load + store loses nothing.
void AddAsOwner(std::atomic<uint64_t>& counter, uint64_t amount) {
  counter.store(counter.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
}

int64_t SinceEpochNs(TimePoint t) {
  return std::chrono::duration_cast<Duration>(t.time_since_epoch()).count();
}

}  // namespace

// One worker's part of the recorder. Aligned to a cache line so that two workers' shards never
// share one (no false sharing on the hot counters).
struct alignas(64) ClusterRecorder::Shard {
  // Counters: written by this shard's worker (AddAsOwner), read by the control thread; relaxed
  // suffices, each is a standalone cumulative number. Successes and drops are kept apart (rather
  // than samples and drops) so that every window's difference of each is >= 0 on its own and
  // samples - drops can never wrap, whatever the reader's timing.
  LatencyHistogram latency;
  LoadCurve load;
  std::atomic<uint64_t> successes{0};
  std::atomic<uint64_t> drops{0};
  std::atomic<uint64_t> limited{0};
  // Dispatch time (ns since the clock's epoch) of the head of the list, or kNothingInflight.
  // Written by this shard's worker whenever the head changes, read by the control thread;
  // relaxed suffices: a standalone timestamp that publishes no other data.
  std::atomic<int64_t> oldest_dispatch_ns{kNothingInflight};
  // This shard's worker only: in-flight entries in dispatch order, oldest first.
  InflightEntry* head = nullptr;
  InflightEntry* tail = nullptr;

  void Append(InflightEntry& entry);
  void Unlink(InflightEntry& entry);
  void RecordSample(Duration elapsed, bool drop, uint32_t concurrency);
  void PublishOldest();
  [[nodiscard]] uint64_t Samples() const {
    return successes.load(std::memory_order_relaxed) + drops.load(std::memory_order_relaxed);
  }
};

void ClusterRecorder::Shard::Append(InflightEntry& entry) {
  entry.prev_ = tail;
  entry.next_ = nullptr;
  if (tail != nullptr) {
    tail->next_ = &entry;
  } else {
    head = &entry;
  }
  tail = &entry;
  entry.linked_ = true;
  if (head == &entry) PublishOldest();
}

void ClusterRecorder::Shard::Unlink(InflightEntry& entry) {
  const bool was_head = head == &entry;
  if (entry.prev_ != nullptr) {
    entry.prev_->next_ = entry.next_;
  } else {
    head = entry.next_;
  }
  if (entry.next_ != nullptr) {
    entry.next_->prev_ = entry.prev_;
  } else {
    tail = entry.prev_;
  }
  entry.prev_ = entry.next_ = nullptr;
  entry.linked_ = false;
  if (was_head) PublishOldest();
}

void ClusterRecorder::Shard::RecordSample(Duration elapsed, bool drop, uint32_t concurrency) {
  latency.Record(elapsed);
  load.Record(concurrency, elapsed);
  AddAsOwner(drop ? drops : successes, 1);
}

void ClusterRecorder::Shard::PublishOldest() {
  const int64_t oldest = head != nullptr ? SinceEpochNs(head->dispatched_) : kNothingInflight;
  oldest_dispatch_ns.store(oldest, std::memory_order_relaxed);
}

// Cumulative counts over every shard, as read at one CloseWindow.
struct ClusterRecorder::Totals {
  LatencyHistogram::Snapshot latency;
  LoadCurve::Snapshot load;
  uint64_t successes = 0;
  uint64_t drops = 0;
  uint64_t limited = 0;
};

InflightEntry::InflightEntry(ClusterRecorder& recorder, std::size_t worker,
                             core::TimePoint dispatched, uint32_t concurrency)
    : recorder_(&recorder), worker_(worker), dispatched_(dispatched), concurrency_(concurrency) {
  recorder_->ShardOf(worker_).Append(*this);
}

InflightEntry::~InflightEntry() {
  if (linked_) recorder_->ShardOf(worker_).Unlink(*this);
}

void InflightEntry::Complete(core::TimePoint now, bool drop) {
  if (!linked_) return;  // already completed
  ClusterRecorder::Shard& shard = recorder_->ShardOf(worker_);
  shard.RecordSample(now - dispatched_, drop, concurrency_);
  shard.Unlink(*this);
}

ClusterRecorder::ClusterRecorder(std::size_t workers, core::TimePoint now)
    : previous_(std::make_unique<Totals>()), window_start_(now) {
  shards_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i) shards_.push_back(std::make_unique<Shard>());
}

ClusterRecorder::~ClusterRecorder() = default;

ClusterRecorder::Shard& ClusterRecorder::ShardOf(std::size_t worker) {
  assert(worker < shards_.size());
  return *shards_[worker];
}

void ClusterRecorder::NoteLimited(std::size_t worker) { AddAsOwner(ShardOf(worker).limited, 1); }

WindowStats ClusterRecorder::CloseWindow(core::TimePoint now) {
  const Totals current = ReadTotals();
  const LatencyHistogram::Snapshot latency = current.latency - previous_->latency;
  WindowStats stats;
  stats.duration = now - window_start_;
  stats.drops = current.drops - previous_->drops;
  stats.samples = current.successes - previous_->successes + stats.drops;
  stats.limited = current.limited - previous_->limited;
  stats.p99 = latency.Quantile(0.99);
  stats.p90 = latency.Quantile(0.90);
  stats.p10 = latency.Quantile(0.10);
  stats.p50 = latency.Quantile(0.50);
  stats.mean = latency.Mean();
  stats.oldest_inflight = OldestInflightAge(now);
  stats.load = current.load - previous_->load;
  *previous_ = current;
  window_start_ = now;
  return stats;
}

uint64_t ClusterRecorder::PendingSamples() const {
  uint64_t samples = 0;
  for (const auto& shard : shards_) samples += shard->Samples();
  return samples - previous_->successes - previous_->drops;
}

ClusterRecorder::Totals ClusterRecorder::ReadTotals() const {
  Totals totals;
  for (const auto& shard : shards_) {
    totals.latency += shard->latency.Read();
    totals.load += shard->load.Read();
    totals.successes += shard->successes.load(std::memory_order_relaxed);
    totals.drops += shard->drops.load(std::memory_order_relaxed);
    totals.limited += shard->limited.load(std::memory_order_relaxed);
  }
  return totals;
}

Duration ClusterRecorder::OldestInflightAge(core::TimePoint now) const {
  int64_t oldest = kNothingInflight;
  for (const auto& shard : shards_) {
    oldest = std::min(oldest, shard->oldest_dispatch_ns.load(std::memory_order_relaxed));
  }
  if (oldest == kNothingInflight) return Duration{0};
  return std::max(Duration{0}, Duration(SinceEpochNs(now) - oldest));
}

}  // namespace sluice::control
