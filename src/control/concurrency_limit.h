#pragma once
// The concurrency limit of one cluster's admission gate (DESIGN §3, §5). For now it holds the
// static `max_inflight` from config; the feedback controller (control thread) will Set() it
// every window, and workers read it on every admission decision.
//
// Thread-safety: lock-free; one writer (the control thread), any number of readers (workers).
#include <atomic>
#include <cstdint>

namespace sluice::control {

class ConcurrencyLimit {
 public:
  // A limit of 0 would stall the cluster for good (nothing in flight, so no completion ever
  // dispatches a waiter), so every value is clamped to at least 1.
  explicit ConcurrencyLimit(uint32_t initial);

  ConcurrencyLimit(const ConcurrencyLimit&) = delete;
  ConcurrencyLimit& operator=(const ConcurrencyLimit&) = delete;

  [[nodiscard]] uint32_t Get() const { return limit_.load(std::memory_order_relaxed); }
  void Set(uint32_t limit);

 private:
  // Writer: control thread; readers: workers. Relaxed is enough: the limit is a standalone
  // number that publishes no other data, and a reader that sees the old value for a moment
  // only admits (or holds back) one request by the previous limit, which the CAS in
  // admission::ConcurrencyGate still never overshoots.
  std::atomic<uint32_t> limit_;
};

}  // namespace sluice::control
