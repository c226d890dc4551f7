#include "admission/fair_queue.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cmath>

namespace sluice::admission {

using core::Duration;
using core::TimePoint;

FairQueue::FairQueue(FairQueueConfig config) : watermark_(0, 1) {
  ResetLocked(std::move(config));
  by_id_.reserve(std::min<std::size_t>(config_.capacity, 1 << 16));
}

// Sets the parameters and the shape from `config` and empties every structure (construction,
// and a reload before it re-inserts the waiters).
void FairQueue::ResetLocked(FairQueueConfig config) {
  config_ = std::move(config);
  tenant_count_ = static_cast<uint32_t>(std::max<std::size_t>(config_.tenant_weights.size(), 1));
  standing_max_wait_ = config_.standing_max_wait > Duration::zero() ? config_.standing_max_wait
                                                                     : config_.max_wait / 4;
  const std::size_t class_count = std::max<uint32_t>(config_.class_count, 1);
  slots_.clear();
  free_.clear();
  flows_.assign(class_count * tenant_count_, List{});
  classes_.assign(class_count, List{});
  std::vector<uint32_t> weights = config_.tenant_weights;
  weights.resize(tenant_count_, 1);
  rings_.clear();
  rings_.reserve(class_count);
  for (std::size_t c = 0; c < class_count; ++c) rings_.emplace_back(weights);
  pass_.clear();
  stride_.clear();
  if (!config_.class_weights.empty()) {
    assert(config_.class_weights.size() == class_count);
    pass_.assign(class_count, 0.0);
    for (std::size_t c = 0; c < class_count; ++c) {
      const auto w = c < config_.class_weights.size() ? config_.class_weights[c] : 1;
      stride_.push_back(1.0 / std::max<uint32_t>(w, 1));
    }
  }
  virtual_time_ = 0;
  by_id_.clear();
  by_deadline_.clear();
  watermark_ = Watermark(config_.low_watermark, config_.high_watermark);
  shedding_ = false;
  depth_ = 0;
}

// --- intrusive lists over slot indices ---

template <uint32_t FairQueue::Slot::*kPrev, uint32_t FairQueue::Slot::*kNext>
void FairQueue::PushBack(List& list, uint32_t index) {
  Slot& s = slots_[index];
  s.*kPrev = list.tail;
  s.*kNext = kNil;
  if (list.tail == kNil) {
    list.head = index;
  } else {
    slots_[list.tail].*kNext = index;
  }
  list.tail = index;
  ++list.size;
}

template <uint32_t FairQueue::Slot::*kPrev, uint32_t FairQueue::Slot::*kNext>
void FairQueue::Unlink(List& list, uint32_t index) {
  Slot& s = slots_[index];
  if (s.*kPrev == kNil) {
    list.head = s.*kNext;
  } else {
    slots_[s.*kPrev].*kNext = s.*kNext;
  }
  if (s.*kNext == kNil) {
    list.tail = s.*kPrev;
  } else {
    slots_[s.*kNext].*kPrev = s.*kPrev;
  }
  s.*kPrev = s.*kNext = kNil;
  --list.size;
}

// --- public operations ---

EnqueueResult FairQueue::Enqueue(Waiter waiter, TimePoint now) {
  Completions done;
  EnqueueResult result = EnqueueResult::kQueued;
  {
    const std::lock_guard lock(mu_);
    // A request that resolved its tenant and class under the previous configuration may arrive
    // just after a reload shrank the shape: it joins the last tenant slot (the dynamic one) or
    // the lowest class rather than indexing out of range.
    waiter.tenant = std::min(waiter.tenant, tenant_count_ - 1);
    waiter.priority_class =
        std::min(waiter.priority_class, static_cast<uint32_t>(classes_.size() - 1));
    ExpireLocked(now, done);
    const double ahead = ExpectedAheadLocked(waiter.priority_class);
    // A client that gave a shorter deadline than the queue's own budget gets that instead.
    const double budget_s =
        core::ToSeconds(std::min(WaitBudgetLocked(now), waiter.deadline - now));
    const double expected_wait_s =  // unknown rate (0): no prediction
        completion_rate_ > 0.0 ? (ahead + 1.0) / completion_rate_ : 0.0;
    if (by_id_.contains(waiter.id)) {
      assert(false && "duplicate waiter id");
      result = EnqueueResult::kRejectedFull;
    } else if (shedding_ && waiter.priority_class >= config_.sheddable_from) {
      result = EnqueueResult::kShed;
    } else if (budget_s <= 0.0 || expected_wait_s > budget_s) {
      result = EnqueueResult::kRejectedPredictive;
    } else if (depth_ >= config_.capacity) {
      const uint32_t victim = PushOutVictimLocked(waiter.priority_class);
      if (victim == kNil) {
        result = EnqueueResult::kRejectedFull;
      } else {
        RemoveLocked(victim, QueueOutcome::kShed, done);
        CountLocked(now, 0, 1);
      }
    }
    CountLocked(now, 1, result == EnqueueResult::kQueued ? 0 : 1);
    if (result == EnqueueResult::kQueued) InsertLocked(std::move(waiter), now);
  }
  Run(done);
  return result;
}

void FairQueue::Reconfigure(FairQueueConfig config, const std::vector<uint32_t>& tenant_map,
                            const std::vector<uint32_t>& class_map) {
  Completions done;
  {
    const std::lock_guard lock(mu_);
    std::vector<Waiter> waiting;
    waiting.reserve(depth_);
    for (const auto& [id, index] : by_id_) waiting.push_back(std::move(slots_[index].waiter));
    std::sort(waiting.begin(), waiting.end(),
              [](const Waiter& a, const Waiter& b) { return a.enqueued < b.enqueued; });
    const TimePoint non_empty_since = non_empty_since_;
    ResetLocked(std::move(config));
    const auto remap = [](uint32_t index, const std::vector<uint32_t>& map, uint32_t count) {
      return std::min(index < map.size() ? map[index] : count - 1, count - 1);
    };
    for (Waiter& w : waiting) {
      if (depth_ >= config_.capacity) {  // a smaller queue: the newest waiters do not fit
        done.emplace_back(std::move(w.on_done), QueueOutcome::kShed);
        continue;
      }
      w.tenant = remap(w.tenant, tenant_map, tenant_count_);
      w.priority_class = remap(w.priority_class, class_map, static_cast<uint32_t>(classes_.size()));
      // Keeps its place (enqueue time) and deadline; a shorter max_wait shortens the deadline.
      const TimePoint enqueued = w.enqueued;
      InsertLocked(std::move(w), enqueued);
    }
    if (depth_ > 0) non_empty_since_ = non_empty_since;
  }
  Run(done);
}

bool FairQueue::Cancel(uint64_t id) {
  Completions done;
  {
    const std::lock_guard lock(mu_);
    const auto it = by_id_.find(id);
    if (it == by_id_.end()) return false;
    RemoveLocked(it->second, QueueOutcome::kCancelled, done);
  }
  Run(done);
  return true;
}

int FairQueue::Dispatch(TimePoint now, int slots) {
  Completions done;
  int admitted = 0;
  {
    const std::lock_guard lock(mu_);
    ExpireLocked(now, done);
    const bool lifo = StandingLocked(now);
    for (; admitted < slots && depth_ > 0; ++admitted) {
      const uint32_t cls = BestClassLocked();
      ChargeClassLocked(cls);
      const uint32_t tenant = rings_[cls].PickNext();
      const List& flow = FlowList(cls, tenant);
      RemoveLocked(lifo ? flow.tail : flow.head, QueueOutcome::kAdmitted, done);
    }
  }
  Run(done);
  return admitted;
}

std::size_t FairQueue::ExpireDeadlines(TimePoint now) {
  Completions done;
  {
    const std::lock_guard lock(mu_);
    ExpireLocked(now, done);
  }
  Run(done);
  return done.size();
}

void FairQueue::SetCompletionRate(double per_second) {
  const std::lock_guard lock(mu_);
  completion_rate_ = per_second > 0.0 ? per_second : 0.0;  // NaN → 0
}

std::size_t FairQueue::depth() const {
  const std::lock_guard lock(mu_);
  return depth_;
}

std::size_t FairQueue::depth(uint32_t priority_class) const {
  const std::lock_guard lock(mu_);
  return priority_class < classes_.size() ? classes_[priority_class].size : 0;
}

bool FairQueue::shedding() const {
  const std::lock_guard lock(mu_);
  return shedding_;
}

bool FairQueue::standing(TimePoint now) const {
  const std::lock_guard lock(mu_);
  return StandingLocked(now);
}

// --- internals (mu_ held) ---

void FairQueue::InsertLocked(Waiter waiter, TimePoint now) {
  uint32_t index = 0;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  waiter.enqueued = now;
  if (config_.max_wait < waiter.deadline - now) waiter.deadline = now + config_.max_wait;
  // Arriving in a standing queue: the short cap. Those already waiting keep the wait they were
  // admitted with (cutting it short would turn away, say, slow start's first waiters at once).
  if (StandingLocked(now) && standing_max_wait_ < waiter.deadline - now) {
    waiter.deadline = now + standing_max_wait_;
  }
  const uint32_t cls = waiter.priority_class;
  const uint32_t tenant = waiter.tenant;
  by_id_.emplace(waiter.id, index);
  by_deadline_.emplace(waiter.deadline, index);
  slots_[index].waiter = std::move(waiter);
  List& flow = FlowList(cls, tenant);
  if (flow.size == 0) rings_[cls].Activate(tenant);
  // A class that was idle rejoins at the current pass: waiting earned it no credit.
  if (classes_[cls].size == 0 && !pass_.empty()) pass_[cls] = std::max(pass_[cls], virtual_time_);
  PushBack<&Slot::flow_prev, &Slot::flow_next>(flow, index);
  PushBack<&Slot::class_prev, &Slot::class_next>(classes_[cls], index);
  // After a brief empty spell a standing queue carries on standing (see the class comment).
  if (depth_++ == 0 && !StoodRecentlyLocked(now)) non_empty_since_ = now;
  shedding_ = watermark_.Update(depth_);
}

void FairQueue::RemoveLocked(uint32_t index, QueueOutcome outcome, Completions& done) {
  Waiter& w = slots_[index].waiter;
  List& flow = FlowList(w.priority_class, w.tenant);
  Unlink<&Slot::flow_prev, &Slot::flow_next>(flow, index);
  if (flow.size == 0) rings_[w.priority_class].Deactivate(w.tenant);
  Unlink<&Slot::class_prev, &Slot::class_next>(classes_[w.priority_class], index);
  by_deadline_.erase({w.deadline, index});
  by_id_.erase(w.id);
  done.emplace_back(std::move(w.on_done), outcome);
  w = Waiter{};
  free_.push_back(index);
  --depth_;
  shedding_ = watermark_.Update(depth_);
}

void FairQueue::ExpireLocked(TimePoint now, Completions& done) {
  const bool standing = StandingLocked(now);
  while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
    RemoveLocked(by_deadline_.begin()->second, QueueOutcome::kTimedOut, done);
    CountLocked(now, 0, 1);
  }
  if (!standing) return;
  last_standing_ = now;
}

uint32_t FairQueue::BestClassLocked() const {
  if (!stride_.empty()) return LowestPassClassLocked();
  uint32_t best = kNil;
  TimePoint best_key{};
  for (uint32_t c = 0; c < classes_.size(); ++c) {
    if (classes_[c].size == 0) continue;
    if (config_.age_step <= Duration::zero()) return c;  // strict priority
    const TimePoint key = slots_[classes_[c].head].waiter.enqueued + c * config_.age_step;
    if (best == kNil || key < best_key) {
      best = c;
      best_key = key;
    }
  }
  return best;
}

double FairQueue::ExpectedAheadLocked(uint32_t cls) const {
  if (stride_.empty()) {  // by priority: every waiter of this class or a higher one goes first
    std::size_t ahead = 0;
    for (uint32_t c = 0; c <= cls; ++c) ahead += classes_[c].size;
    return static_cast<double>(ahead);
  }
  // By weight: its class gets weight/Σ(backlogged weights) of the slots, so it and its own
  // class's waiters take that much longer to pass.
  double total = 1.0 / stride_[cls];
  for (uint32_t c = 0; c < classes_.size(); ++c) {
    if (c != cls && classes_[c].size > 0) total += 1.0 / stride_[c];
  }
  return (static_cast<double>(classes_[cls].size) + 1.0) * total * stride_[cls] - 1.0;
}

uint32_t FairQueue::LowestPassClassLocked() const {
  uint32_t best = kNil;
  for (uint32_t c = 0; c < classes_.size(); ++c) {
    if (classes_[c].size == 0) continue;
    if (best == kNil || pass_[c] < pass_[best]) best = c;  // ties: the higher class
  }
  return best;
}

void FairQueue::ChargeClassLocked(uint32_t cls) {
  if (stride_.empty()) return;
  virtual_time_ = pass_[cls];
  pass_[cls] += stride_[cls];
}

uint32_t FairQueue::PushOutVictimLocked(uint32_t arriving_class) const {
  for (uint32_t c = static_cast<uint32_t>(classes_.size()) - 1; c > arriving_class; --c) {
    if (classes_[c].size == 0) continue;
    const List* fattest = nullptr;
    for (uint32_t t = 0; t < tenant_count_; ++t) {
      const List& flow = flows_[c * tenant_count_ + t];
      if (fattest == nullptr || flow.size > fattest->size) fattest = &flow;
    }
    return fattest->tail;
  }
  return kNil;
}

bool FairQueue::StandingLocked(TimePoint now) const {
  return depth_ > 0 && now - non_empty_since_ >= config_.standing_after &&
         turned_away_decayed_ >= config_.standing_share * arrivals_decayed_ &&
         turned_away_decayed_ > 0;
}

void FairQueue::CountLocked(TimePoint now, double arrived, double turned_away) {
  if (now > counted_at_) {
    const double decay = std::exp(-core::ToSeconds(now - counted_at_) /
                                  std::max(core::ToSeconds(config_.share_window), 1e-3));
    arrivals_decayed_ *= decay;
    turned_away_decayed_ *= decay;
    counted_at_ = now;
  }
  arrivals_decayed_ += arrived;
  turned_away_decayed_ += turned_away;
}

bool FairQueue::StoodRecentlyLocked(TimePoint now) const {
  return last_standing_ && now - *last_standing_ < config_.standing_after;
}

Duration FairQueue::WaitBudgetLocked(TimePoint now) const {
  return StandingLocked(now) ? std::min(config_.max_wait, standing_max_wait_) : config_.max_wait;
}

void FairQueue::Run(Completions& done) {
  for (auto& [on_done, outcome] : done) {
    if (on_done) on_done(outcome);
  }
}

}  // namespace sluice::admission
