#pragma once
// One tenant's token bucket, written as GCRA (Generic Cell Rate Algorithm, ATM Forum Traffic
// Management 4.0, the "virtual scheduling" / theoretical-arrival-time form; DESIGN §4 step 3).
//
// With emission interval T = 1/rate (whole nanoseconds) and tolerance τ = burst·T, the bucket is
// one number, the theoretical arrival time TAT. A request of cost c at time `now`:
//   base = max(TAT, now); new_tat = base + c·T
//   admitted  iff  new_tat − τ ≤ now   (then TAT := new_tat)
//   retry_after = new_tat − τ − now when rejected: the exact time until c tokens are there.
// Tokens left = ⌊(τ − (TAT − now)) / T⌋; the bucket is full again at TAT (reset = TAT − now).
// Because base never goes below `now`, a long idle spell leaves at most `burst` tokens.
// cost > burst is never admitted; retry_after is then what the same formula gives (the time
// c tokens would take to accrue from the current level if the bucket had no cap), which is > 0
// and deterministic. Config validation forbids such routes (burst ≥ cost).
//
// Thread-safety: thread-safe, lock-free for takers (one CAS loop on one atomic word; a Rescale,
// on the control thread, holds the word for a few instructions); any worker may call
// any method concurrently. The policy is passed in by the caller, so the bucket survives a reload.
// Once a reload has rescaled the bucket, its TAT is measured in the new policy's terms, and the
// new policy wins over the caller's: a request that looked its tenant up in the configuration
// before the reload, and reaches the bucket after, must not spend it at the old rate (one such
// request at 5/s, on a bucket rescaled to 20/s, took a 200 ms token: four new ones).
#include <atomic>
#include <cstdint>

#include "core/clock.h"

namespace sluice::admission {

struct [[nodiscard]] GcraDecision {
  bool allowed = false;
  core::Duration retry_after{};  // 0 when allowed
  uint32_t remaining = 0;        // whole tokens left after the decision
  core::Duration reset{};        // time until the bucket is full again
};

struct [[nodiscard]] GcraLevel {
  uint32_t remaining = 0;
  core::Duration reset{};
};

class GcraBucket {
 public:
  struct Policy {
    double rate_per_second = 1.0;  // > 0 (validated); tokens refilled per second
    uint32_t burst = 1;            // ≥ 1 (validated); bucket capacity in tokens
  };

  GcraBucket() = default;  // starts full
  GcraBucket(const GcraBucket&) = delete;
  GcraBucket& operator=(const GcraBucket&) = delete;

  GcraDecision TryTake(core::TimePoint now, uint32_t cost, const Policy& policy);

  // The current level without taking anything (RateLimit headers on success paths).
  GcraLevel Peek(core::TimePoint now, const Policy& policy) const;

  // Reload: keeps the fraction of the burst in use (rounded towards "more used"), so an empty
  // bucket stays empty and no reload ever refills a bucket. From then on the bucket measures in
  // `new_policy`, whatever policy a caller passes (see the class comment).
  void Rescale(const Policy& old_policy, const Policy& new_policy, core::TimePoint now);

  // T = 1/rate rounded to whole nanoseconds (≥ 1 ns; rate ≤ 0 or NaN → one token a year).
  [[nodiscard]] static core::Duration EmissionInterval(const Policy& policy);
  // τ = burst·T: time for an empty bucket to refill completely (the `w` of RateLimit-Policy).
  [[nodiscard]] static core::Duration RefillWindow(const Policy& policy);

 private:
  struct Shape {
    int64_t interval;   // T
    int64_t tolerance;  // τ = burst·T
  };
  static Shape ShapeOf(const Policy& policy);
  [[nodiscard]] int64_t LoadTat() const;
  [[nodiscard]] Shape ShapeFor(const Policy& policy) const;

  // TAT in nanoseconds since the clock's epoch. Writers and readers: any worker. The CAS
  // read-modify-write on this one location is totally ordered, which is all the admission count
  // needs; acquire/release only so a reader of a rescaled TAT also sees the policy below.
  std::atomic<int64_t> tat_ns_{0};
  // The policy of the last Rescale as T and τ in nanoseconds (0: none yet, the caller's applies).
  // Written only while tat_ns_ holds kRescaling, read after an acquire load of tat_ns_: a taker
  // that read the TAT before a Rescale fails its CAS, as the Rescale always changes the TAT.
  std::atomic<int64_t> interval_ns_{0};
  std::atomic<int64_t> tolerance_ns_{0};
};

}  // namespace sluice::admission
