#include "admission/cluster_admission.h"

#include <algorithm>

#include "admission/retry_after.h"

namespace sluice::admission {

namespace {

constexpr auto kRateWindow = std::chrono::seconds(1);

FairQueueConfig MakeQueueConfig(const config::ClusterConfig& cfg, uint32_t class_count,
                                uint32_t sheddable_from, std::vector<uint32_t> weights,
                                std::vector<uint32_t> class_weights) {
  FairQueueConfig q;
  q.class_count = class_count;
  q.sheddable_from = sheddable_from;
  q.tenant_weights = std::move(weights);
  q.class_weights = std::move(class_weights);
  q.capacity = cfg.queue.capacity;
  q.low_watermark = cfg.queue.low_watermark;
  q.high_watermark = cfg.queue.high_watermark;
  q.max_wait = cfg.queue.max_wait;
  q.age_step = cfg.queue.age_step;
  return q;
}

int64_t Nanos(core::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

ClusterAdmission::ClusterAdmission(const config::ClusterConfig& cfg, uint32_t class_count,
                                   uint32_t sheddable_from, std::vector<uint32_t> tenant_weights,
                                   std::vector<uint32_t> class_weights)
    : gated_(cfg.concurrency_limit > 0),
      low_watermark_(cfg.queue.low_watermark),
      limit_(cfg.concurrency_limit > 0 ? cfg.concurrency_limit : 1),
      queue_(MakeQueueConfig(cfg, class_count, sheddable_from, std::move(tenant_weights),
                             std::move(class_weights))) {}

void ClusterAdmission::Reconfigure(const config::ClusterConfig& cfg, uint32_t class_count,
                                   uint32_t sheddable_from, std::vector<uint32_t> tenant_weights,
                                   std::vector<uint32_t> class_weights,
                                   const std::vector<uint32_t>& tenant_map,
                                   const std::vector<uint32_t>& class_map,
                                   core::TimePoint now) {
  low_watermark_.store(cfg.queue.low_watermark, std::memory_order_relaxed);
  if (cfg.concurrency_limit > 0) limit_.Set(cfg.concurrency_limit);
  queue_.Reconfigure(MakeQueueConfig(cfg, class_count, sheddable_from, std::move(tenant_weights),
                                     std::move(class_weights)),
                     tenant_map, class_map);
  // A higher limit frees slots that queued waiters may take now, not at the next completion.
  while (queue_.depth() > 0 && gate_.TryAcquire(limit_)) {
    if (queue_.Dispatch(now, 1) == 0) {
      gate_.Release();
      break;
    }
  }
}

bool ClusterAdmission::TryEnter() {
  window_arrivals_.fetch_add(1, std::memory_order_relaxed);
  return gate_.TryAcquire(limit_);
}

EnqueueResult ClusterAdmission::Enqueue(Waiter waiter, core::TimePoint now) {
  const auto result = queue_.Enqueue(std::move(waiter), now);
  // A slot may have been freed between TryEnter and Enqueue, by a Leave that saw no waiter.
  if (result == EnqueueResult::kQueued) HandOffIfWaiting(now);
  return result;
}

void ClusterAdmission::Leave(core::TimePoint now) {
  if (closed_.load(std::memory_order_relaxed)) return;
  CountCompletion(now);
  // The slot moves straight to a waiter, unless the limit was lowered below what is in flight:
  // then in-flight must drain down to it first.
  if (gate_.inflight() <= limit_.Get() && queue_.Dispatch(now, 1) == 1) return;
  gate_.Release();
  // A waiter may have queued after the Dispatch above saw none.
  HandOffIfWaiting(now);
}

void ClusterAdmission::HandOffIfWaiting(core::TimePoint now) {
  if (queue_.depth() == 0 || !gate_.TryAcquire(limit_)) return;
  if (queue_.Dispatch(now, 1) == 0) gate_.Release();
}

void ClusterAdmission::CountCompletion(core::TimePoint now) {
  window_completions_.fetch_add(1, std::memory_order_relaxed);
  int64_t start = window_start_ns_.load(std::memory_order_relaxed);
  const int64_t now_ns = Nanos(now);
  if (start == 0) {
    window_start_ns_.compare_exchange_strong(start, now_ns, std::memory_order_relaxed);
    return;
  }
  const int64_t elapsed = now_ns - start;
  if (elapsed < std::chrono::nanoseconds(kRateWindow).count()) return;
  // One finisher wins the CAS and closes the window; the others just counted.
  if (!window_start_ns_.compare_exchange_strong(start, now_ns, std::memory_order_relaxed)) return;
  const auto count = window_completions_.exchange(0, std::memory_order_relaxed);
  // A window that spans an idle spell measures the idleness, not the backend: 1 completion in
  // 20 s would predict a 20 s wait for the next queued request. Such a window says "unknown"
  // (no predictive rejection) until a full one closes.
  const bool spans_idle = elapsed >= 2 * std::chrono::nanoseconds(kRateWindow).count();
  const double rate =
      spans_idle ? 0.0 : static_cast<double>(count) * 1e9 / static_cast<double>(elapsed);
  completion_rate_.store(rate, std::memory_order_relaxed);
  const auto arrivals = window_arrivals_.exchange(0, std::memory_order_relaxed);
  const auto rejections = window_rejections_.exchange(0, std::memory_order_relaxed);
  shed_fraction_.store(arrivals > 0 ? std::min(1.0, static_cast<double>(rejections) /
                                                        static_cast<double>(arrivals))
                                    : 0.0,
                       std::memory_order_relaxed);
  queue_.SetCompletionRate(rate);
}

int64_t ClusterAdmission::RetryAfterSeconds(double random01) const {
  return RetryAfterSeconds503(queue_.depth(), low_watermark_.load(std::memory_order_relaxed),
                              completion_rate(), random01,
                              shed_fraction_.load(std::memory_order_relaxed));
}

}  // namespace sluice::admission
