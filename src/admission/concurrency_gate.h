#pragma once
// One cluster's admission gate (DESIGN §3, §4 step 4): the number of requests in flight to the
// cluster, shared by every worker, checked against the concurrency limit with a CAS so that the
// limit is never overshot whatever the number of threads. A slot is held by an InflightPermit,
// which gives it back when destroyed.
//
// Thread-safety: ConcurrencyGate is thread-safe and lock-free. An InflightPermit is owned by one
// request (move-only) and may be destroyed on any thread.
#include <atomic>
#include <cassert>
#include <cstdint>
#include <utility>

#include "control/concurrency_limit.h"

namespace sluice::admission {

class InflightPermit;

class ConcurrencyGate {
 public:
  ConcurrencyGate() = default;
  ConcurrencyGate(const ConcurrencyGate&) = delete;
  ConcurrencyGate& operator=(const ConcurrencyGate&) = delete;

  // Takes a slot if fewer than `limit` are in flight. A lowered limit takes effect as slots are
  // released: nothing in flight is revoked.
  [[nodiscard]] bool TryAcquire(uint32_t limit) {
    uint32_t current = inflight_.load(std::memory_order_relaxed);
    while (current < limit) {
      if (inflight_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed,
                                          std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }
  [[nodiscard]] bool TryAcquire(const control::ConcurrencyLimit& limit) {
    return TryAcquire(limit.Get());
  }

  // Same, as an RAII permit (empty when the gate is full).
  [[nodiscard]] InflightPermit TryAcquirePermit(uint32_t limit);

  void Release() {
    [[maybe_unused]] const uint32_t before = inflight_.fetch_sub(1, std::memory_order_relaxed);
    assert(before > 0 && "Release without a matching TryAcquire");
  }

  [[nodiscard]] uint32_t inflight() const { return inflight_.load(std::memory_order_relaxed); }

 private:
  // Writers: any worker (CAS up, fetch_sub down); readers: workers, metrics. Relaxed order is
  // enough: the counter guards no other memory, and the never-overshoot property only needs
  // each read-modify-write on this one location to be atomic.
  std::atomic<uint32_t> inflight_{0};
};

class InflightPermit {
 public:
  InflightPermit() = default;
  // Takes ownership of a slot already counted in `gate`, e.g. one handed from a finishing request
  // to the waiter the queue dispatched in its place.
  [[nodiscard]] static InflightPermit Adopt(ConcurrencyGate& gate) { return InflightPermit(&gate); }

  InflightPermit(InflightPermit&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
  InflightPermit& operator=(InflightPermit&& other) noexcept {
    if (this != &other) {
      Reset();
      gate_ = std::exchange(other.gate_, nullptr);
    }
    return *this;
  }
  InflightPermit(const InflightPermit&) = delete;
  InflightPermit& operator=(const InflightPermit&) = delete;
  ~InflightPermit() { Reset(); }

  explicit operator bool() const { return gate_ != nullptr; }

  // Gives the slot back now (idempotent).
  void Reset() {
    if (gate_ != nullptr) std::exchange(gate_, nullptr)->Release();
  }

 private:
  explicit InflightPermit(ConcurrencyGate* gate) : gate_(gate) {}
  ConcurrencyGate* gate_ = nullptr;
};

inline InflightPermit ConcurrencyGate::TryAcquirePermit(uint32_t limit) {
  return TryAcquire(limit) ? InflightPermit::Adopt(*this) : InflightPermit();
}

}  // namespace sluice::admission
