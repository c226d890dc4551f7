#pragma once
// The wait queue in front of one cluster (DESIGN §4 step 5), used when the concurrency gate is
// full. Each queued request is a Waiter whose callback later receives the outcome.
//
// Order of service, per Dispatch slot:
//  1. Class, one of two ways:
//     - without class weights: priority (index 0 highest) with ageing: a waiter's effective
//       class rises one step per `age_step` waited. Equivalently, a waiter of class c ranks as
//       if it had arrived c·age_step later than it did, and the class whose oldest waiter has
//       the earliest such virtual arrival is served (ties: the higher class). A low class thus
//       waits at most c·age_step longer than the high classes' oldest waiter and never starves.
//       age_step = 0: strict priority.
//     - with class weights: the backlogged classes share the slots in proportion to their
//       weights (stride scheduling, Waldspurger 1995: each class has a pass that advances by
//       1/weight per slot it gets; the lowest pass is served; a class that becomes backlogged
//       starts at the current pass so idle time earns no credit). Priority then only decides
//       who is shed and pushed out first.
//  2. Tenant, within that class: deficit round robin by tenant weight (DrrRing).
//  3. Waiter, within that tenant: oldest first; newest first under a standing queue.
// Standing queue (Facebook's adaptive LIFO, after CoDel: Nichols & Jacobson 2012): once the
// queue has been non-empty for `standing_after` (100 ms) while it turns away at least
// `standing_share` (10 %) of arrivals (rejected, shed, pushed out or timed out; shares decay over
// `share_window`, 1 s), service within a tenant turns LIFO and a waiter that arrives then waits
// at most `standing_max_wait` (default max_wait / 4): the oldest waiters are the ones whose
// clients most likely gave up, and a short cap keeps the standing queue from growing. (Those
// already waiting keep the wait they were admitted with.) Non-empty alone is not overload: near
// full use of the slots, Poisson bursts keep a queue for seconds that drains within max_wait,
// and the short cap there would turn away a few percent of a load the backend can carry.
// It stops standing only once it has stayed empty for `standing_after` too: under overload the
// short cap keeps the queue shallow, so it empties for an instant whenever a few slots free at
// once, and ending the regime there would flap back to FIFO with the long wait half the time.
// Admission of a new waiter, in order:
//  - kShed if the watermark says shed (depth reached high, not yet back to low) and its class is
//    one of the lowest (≥ sheddable_from);
//  - kRejectedPredictive if (ahead + 1) / completion_rate > wait budget, where `ahead` counts the
//    waiters of its class or higher (those served before it; with class weights: its class's
//    waiters scaled by the class's share of service) and the budget is max_wait (or the
//    standing cap, or the client's own deadline if sooner): it would only time out. No rate
//    known (0) → no prediction, except that a deadline already passed is always rejected;
//  - at capacity, a waiter of a strictly lower class is pushed out (on_done(kShed)): the newest
//    waiter of the most backlogged tenant in the lowest non-empty class; if none, kRejectedFull.
// A rejected waiter's on_done is never called: the result says it all. Deadline of a waiter =
// min(its client's deadline, enqueue time + max_wait).
//
// Thread-safety: thread-safe. One mutex guards all state and is held only for O(classes) work
// plus the waiters it removes; callbacks run after it is released, on the calling thread, so
// they may re-enter the queue (and should just post the outcome to the request's executor).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "admission/drr_ring.h"
#include "admission/watermark.h"
#include "core/clock.h"

namespace sluice::admission {

enum class QueueOutcome {
  kAdmitted,   // the caller now owns an in-flight slot for this waiter
  kTimedOut,   // deadline passed → 503 queue_timeout
  kCancelled,  // Cancel(id): the client went away
  kShed,       // pushed out by a higher-priority arrival at capacity → 503 overload_shed
};

enum class [[nodiscard]] EnqueueResult{
    kQueued,
    kRejectedFull,        // at capacity, nothing lower to push out → 503 queue_full
    kShed,                // lowest classes above the high watermark → 503 overload_shed
    kRejectedPredictive,  // would wait past its budget anyway → 503 queue_full
};

struct Waiter {
  uint64_t id = 0;                                    // unique among queued waiters
  uint32_t tenant = 0;                                // < tenant_weights.size()
  uint32_t priority_class = 0;                        // < class_count; 0 = highest
  core::TimePoint enqueued{};                         // set by Enqueue
  core::TimePoint deadline = core::TimePoint::max();  // the client's own deadline, if any
  std::function<void(QueueOutcome)> on_done;
};

struct FairQueueConfig {
  uint32_t class_count = 1;
  uint32_t sheddable_from = 1;                 // classes ≥ this are shed; == class_count: none
  std::vector<uint32_t> tenant_weights = {1};  // DRR quantum per tenant index
  std::vector<uint32_t> class_weights;         // empty: priority with ageing; else one per class
  std::size_t capacity = 1000;                 // hard bound on queued waiters
  std::size_t low_watermark = 500;
  std::size_t high_watermark = 800;
  core::Duration max_wait = std::chrono::seconds(1);
  core::Duration age_step = core::Duration::zero();  // zero: no ageing
  core::Duration standing_after = std::chrono::milliseconds(100);
  core::Duration standing_max_wait = core::Duration::zero();  // zero: max_wait / 4
  double standing_share = 0.10;  // of arrivals turned away, for a non-empty queue to stand
  core::Duration share_window = std::chrono::seconds(1);  // the shares' decay time constant
};

class FairQueue {
 public:
  explicit FairQueue(FairQueueConfig config);
  FairQueue(const FairQueue&) = delete;
  FairQueue& operator=(const FairQueue&) = delete;

  EnqueueResult Enqueue(Waiter waiter, core::TimePoint now);
  // Removes a queued waiter at once (on_done(kCancelled)); false if it is no longer queued.
  bool Cancel(uint64_t id);
  // Expires overdue waiters first, then admits up to `slots` waiters (on_done(kAdmitted) each).
  // Returns the number admitted.
  int Dispatch(core::TimePoint now, int slots);
  // on_done(kTimedOut) for every overdue waiter; returns how many.
  std::size_t ExpireDeadlines(core::TimePoint now);
  // Recent completions per second of the cluster (control thread, every window); ≤ 0 = unknown.
  void SetCompletionRate(double per_second);
  // Reload: new parameters and shape, keeping every queued waiter in arrival order with its
  // enqueue time and deadline (capped by the new max_wait). tenant_map[old] / class_map[old]
  // give a waiter's new tenant and class index; one that is gone (or unmapped) maps to the last
  // tenant slot (the dynamic tenants') or the lowest class. Waiters beyond a smaller capacity
  // are shed (newest first). The watermark starts again from the re-inserted depth.
  void Reconfigure(FairQueueConfig config, const std::vector<uint32_t>& tenant_map,
                   const std::vector<uint32_t>& class_map);

  [[nodiscard]] std::size_t depth() const;
  [[nodiscard]] std::size_t depth(uint32_t priority_class) const;
  [[nodiscard]] bool shedding() const;
  [[nodiscard]] bool standing(core::TimePoint now) const;

 private:
  static constexpr uint32_t kNil = UINT32_MAX;
  struct Slot {
    Waiter waiter;                                  // waiter.deadline holds the effective deadline
    uint32_t flow_prev = kNil, flow_next = kNil;    // same (class, tenant), arrival order
    uint32_t class_prev = kNil, class_next = kNil;  // same class, arrival order
  };
  struct List {
    uint32_t head = kNil;  // oldest
    uint32_t tail = kNil;  // newest
    std::size_t size = 0;
  };
  using Completions = std::vector<std::pair<std::function<void(QueueOutcome)>, QueueOutcome>>;

  template <uint32_t Slot::*kPrev, uint32_t Slot::*kNext>
  void PushBack(List& list, uint32_t index);
  template <uint32_t Slot::*kPrev, uint32_t Slot::*kNext>
  void Unlink(List& list, uint32_t index);

  List& FlowList(uint32_t cls, uint32_t tenant) { return flows_[cls * tenant_count_ + tenant]; }
  void ResetLocked(FairQueueConfig config);
  void InsertLocked(Waiter waiter, core::TimePoint now);
  void RemoveLocked(uint32_t index, QueueOutcome outcome, Completions& done);
  void ExpireLocked(core::TimePoint now, Completions& done);
  [[nodiscard]] uint32_t BestClassLocked() const;
  [[nodiscard]] uint32_t LowestPassClassLocked() const;
  // Waiters served before a new one of class `cls`, in units of its own service slots.
  [[nodiscard]] double ExpectedAheadLocked(uint32_t cls) const;
  void ChargeClassLocked(uint32_t cls);
  [[nodiscard]] uint32_t PushOutVictimLocked(uint32_t arriving_class) const;
  [[nodiscard]] bool StandingLocked(core::TimePoint now) const;
  // Whether the queue was standing less than standing_after ago (it has only emptied briefly).
  [[nodiscard]] bool StoodRecentlyLocked(core::TimePoint now) const;
  [[nodiscard]] core::Duration WaitBudgetLocked(core::TimePoint now) const;
  // Counts an arrival (turned_away: 0 or 1) or, with arrived = 0, a waiter that left unserved.
  void CountLocked(core::TimePoint now, double arrived, double turned_away);
  static void Run(Completions& done);

  mutable std::mutex mu_;  // guards everything below (the parameters change on reload)
  FairQueueConfig config_;
  uint32_t tenant_count_ = 1;
  core::Duration standing_max_wait_{};
  std::vector<Slot> slots_;     // grows up to capacity, never beyond
  std::vector<uint32_t> free_;  // free slot indices
  std::vector<List> flows_;     // [class × tenant]
  std::vector<List> classes_;   // [class]
  std::vector<DrrRing> rings_;  // [class]
  std::vector<double> pass_;    // [class], stride scheduling (class weights set)
  std::vector<double> stride_;  // [class], 1 / weight; empty without class weights
  double virtual_time_ = 0;     // pass of the class served last
  std::unordered_map<uint64_t, uint32_t> by_id_;
  std::set<std::pair<core::TimePoint, uint32_t>> by_deadline_;  // (waiter.deadline, slot)
  Watermark watermark_;
  bool shedding_ = false;
  std::size_t depth_ = 0;
  core::TimePoint non_empty_since_{};  // valid while depth_ > 0
  std::optional<core::TimePoint> last_standing_;  // the last time it was seen standing
  double completion_rate_ = 0.0;
  // Arrivals and those turned away, each decayed by exp(-age / share_window): only their ratio
  // is used, so both decay together and need no update to be read.
  double arrivals_decayed_ = 0.0;
  double turned_away_decayed_ = 0.0;
  core::TimePoint counted_at_{};
};

}  // namespace sluice::admission
