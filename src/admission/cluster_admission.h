#pragma once
// Admission in front of one cluster (DESIGN §4 steps 4–6): the concurrency gate, and the fair
// wait queue behind it. A finished request hands its slot straight to the next waiter, so the
// limit is never overshot and a queued request never waits while a slot is free: both the
// arrival and the release path re-check the other side after changing their own.
//
// Thread-safety: thread-safe. The gate is a lock-free CAS counter; the queue has its own short
// mutex; the completion-rate estimate uses atomics (writers: finishing requests on any worker).
#include <atomic>
#include <cstdint>
#include <memory>

#include "admission/concurrency_gate.h"
#include "admission/fair_queue.h"
#include "config/schema/config.h"
#include "control/concurrency_limit.h"
#include "core/clock.h"

namespace sluice::admission {

class ClusterAdmission {
 public:
  // tenant_weights: DRR weight per tenant index (configured tenants, then one for dynamic ones).
  // class_weights: empty (priority with ageing) or one share per class (see FairQueue).
  ClusterAdmission(const config::ClusterConfig& cfg, uint32_t class_count, uint32_t sheddable_from,
                   std::vector<uint32_t> tenant_weights, std::vector<uint32_t> class_weights = {});

  // Reload of a cluster that stays gated: new queue parameters and shape (see
  // FairQueue::Reconfigure for the maps), and the static limit when `cfg` sets one (a
  // controller sets its own). In-flight requests, queued waiters and the rate estimate stay.
  void Reconfigure(const config::ClusterConfig& cfg, uint32_t class_count, uint32_t sheddable_from,
                   std::vector<uint32_t> tenant_weights, std::vector<uint32_t> class_weights,
                   const std::vector<uint32_t>& tenant_map, const std::vector<uint32_t>& class_map,
                   core::TimePoint now);

  [[nodiscard]] bool gated() const { return gated_; }
  [[nodiscard]] control::ConcurrencyLimit& limit() { return limit_; }
  [[nodiscard]] uint32_t inflight() const { return gate_.inflight(); }
  [[nodiscard]] FairQueue& queue() { return queue_; }

  // Fast path: takes a slot if one is free right now. Every gated request calls it once, so it
  // also counts the arrivals the shed fraction is measured against.
  [[nodiscard]] bool TryEnter();
  // A request was answered 503 (queue_full, queue_timeout, overload_shed).
  void NoteRejected() { window_rejections_.fetch_add(1, std::memory_order_relaxed); }
  // Queues a waiter (after TryEnter failed). On kQueued, on_done fires exactly once, possibly
  // before this returns; kAdmitted means the waiter owns a slot.
  [[nodiscard]] EnqueueResult Enqueue(Waiter waiter, core::TimePoint now);
  // A request that held a slot finished: the slot goes to the next waiter, or back to the gate.
  void Leave(core::TimePoint now);
  // Shutdown: from now on Leave does nothing, so tearing requests down wakes no waiter.
  void Close() { closed_.store(true, std::memory_order_relaxed); }

  // Completions per second over the last full window (0 until one has closed).
  [[nodiscard]] double completion_rate() const {
    return completion_rate_.load(std::memory_order_relaxed);
  }
  // 503 Retry-After: drain time to the low watermark at the measured completion rate plus the
  // recovery the recent shed fraction implies, spread upward by ×[1, 1.5) with `random01`,
  // clamped to [1 s, 60 s] (RetryAfterSeconds503).
  [[nodiscard]] int64_t RetryAfterSeconds(double random01) const;

 private:
  void HandOffIfWaiting(core::TimePoint now);
  void CountCompletion(core::TimePoint now);

  const bool gated_;
  std::atomic<bool> closed_{false};
  std::atomic<std::size_t> low_watermark_;  // changes on reload
  control::ConcurrencyLimit limit_;
  ConcurrencyGate gate_;
  FairQueue queue_;

  // Completion-rate window: one finishing request closes it when a second has passed.
  std::atomic<uint64_t> window_completions_{0};
  std::atomic<int64_t> window_start_ns_{0};
  std::atomic<double> completion_rate_{0};
  // Shed fraction over the same window: 503s / arrivals.
  std::atomic<uint64_t> window_arrivals_{0};
  std::atomic<uint64_t> window_rejections_{0};
  std::atomic<double> shed_fraction_{0};
};

}  // namespace sluice::admission
