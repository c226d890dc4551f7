#pragma once
// Collects the controller's inputs for one cluster without a lock on the request path
// (DESIGN §5 "Samples"; issue 4 item 2). Each worker writes only its own shard (relaxed atomic
// stores of counters it alone changes); the control thread reads every shard at a window's close
// and diffs against the previous read, so nothing is ever reset under a writer.
//
//   worker:   InflightEntry e(recorder, worker, now, k); // at dispatch, k in flight (RAII)
//             e.Complete(now, drop);                    // at the response head, or
//             (destroyed without Complete)              // cancelled / local reply: no sample
//             recorder.NoteLimited(worker);             // the gate was full for a request
//   control:  WindowStats w = recorder.CloseWindow(now);
//
// Latency is kept in a log-bucketed histogram (LatencyHistogram) per shard, and by the number in
// flight at dispatch (LoadCurve: where more concurrency stops buying throughput); the oldest
// in-flight request of each worker is the head of an intrusive list in dispatch order (requests
// start and end on the same worker), published as one atomic timestamp.
//
// Dispatch times on one worker never go backwards (one steady clock), so appending at the tail
// keeps the head the oldest; both link and unlink are O(1).
//
// Thread-safety: lock-free. A Shard is written by its own worker only (InflightEntry,
// NoteLimited); CloseWindow and PendingSamples from one control thread. Shared fields are
// atomics; the list pointers are touched by the owning worker alone and the window totals by
// the control thread alone, so there is no data race by construction.
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "control/latency_histogram.h"
#include "control/window_stats.h"
#include "core/clock.h"

namespace sluice::control {

class ClusterRecorder;

// One dispatched request, linked into its worker's in-flight list until it completes or dies.
// Thread-safety: owned by one worker (the `worker` it names); the recorder must outlive it.
class InflightEntry {
 public:
  // `concurrency`: requests in flight to the cluster at dispatch, this one included.
  InflightEntry(ClusterRecorder& recorder, std::size_t worker, core::TimePoint dispatched,
                uint32_t concurrency);
  ~InflightEntry();  // unlinks; without Complete() it leaves no sample (cancel, local reply)
  InflightEntry(const InflightEntry&) = delete;
  InflightEntry& operator=(const InflightEntry&) = delete;

  // The upstream answered (response head) at `now`; `drop`: reset, timeout, 5xx or 429. A drop
  // is a sample too (its latency is recorded). Idempotent: only the first call counts.
  void Complete(core::TimePoint now, bool drop);

 private:
  friend class ClusterRecorder;
  ClusterRecorder* recorder_;
  std::size_t worker_;
  core::TimePoint dispatched_;
  uint32_t concurrency_;
  InflightEntry* prev_ = nullptr;
  InflightEntry* next_ = nullptr;
  bool linked_ = false;
};

class ClusterRecorder {
 public:
  ClusterRecorder(std::size_t workers, core::TimePoint now);
  ~ClusterRecorder();  // out of line: Shard and Totals are complete only in the .cc
  ClusterRecorder(const ClusterRecorder&) = delete;
  ClusterRecorder& operator=(const ClusterRecorder&) = delete;

  // Worker `worker` only: a request found the gate full (it queued or was turned away).
  void NoteLimited(std::size_t worker);

  // Control thread: everything since the previous call (or construction).
  [[nodiscard]] WindowStats CloseWindow(core::TimePoint now);
  // Control thread: samples since the previous CloseWindow (to decide when to close).
  [[nodiscard]] uint64_t PendingSamples() const;

 private:
  friend class InflightEntry;
  struct Shard;
  struct Totals;
  [[nodiscard]] Shard& ShardOf(std::size_t worker);
  [[nodiscard]] Totals ReadTotals() const;
  [[nodiscard]] core::Duration OldestInflightAge(core::TimePoint now) const;

  std::vector<std::unique_ptr<Shard>> shards_;
  // Control thread only: totals as of the previous CloseWindow.
  std::unique_ptr<Totals> previous_;
  core::TimePoint window_start_;
};

}  // namespace sluice::control
