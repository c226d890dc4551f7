#include "admission/fair_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <thread>
#include <vector>

namespace sluice::admission {
namespace {

using namespace std::chrono_literals;
using core::FakeClock;

// Records each waiter's outcome, and the order in which waiters were admitted.
struct Recorder {
  std::map<uint64_t, QueueOutcome> outcomes;
  std::vector<uint64_t> admitted;

  Waiter Make(uint64_t id, uint32_t tenant = 0, uint32_t cls = 0) {
    Waiter w;
    w.id = id;
    w.tenant = tenant;
    w.priority_class = cls;
    w.on_done = [this, id](QueueOutcome o) {
      outcomes[id] = o;
      if (o == QueueOutcome::kAdmitted) admitted.push_back(id);
    };
    return w;
  }
  std::optional<QueueOutcome> Of(uint64_t id) const {
    const auto it = outcomes.find(id);
    if (it == outcomes.end()) return std::nullopt;
    return it->second;
  }
};

FairQueueConfig Config() {
  FairQueueConfig c;
  c.class_count = 1;
  c.sheddable_from = 1;
  c.tenant_weights = {1};
  c.capacity = 100;
  c.low_watermark = 80;
  c.high_watermark = 90;
  c.max_wait = 10s;
  c.standing_after = 1h;  // tests opt in to the standing-queue regime
  return c;
}

// A waiter whose client's deadline has already passed: the queue turns it away at once, which
// is the evidence of overload a non-empty queue needs to stand.
void TurnOneAway(FairQueue& q, Recorder& r, uint64_t id, core::TimePoint now) {
  Waiter late = r.Make(id);
  late.deadline = now;
  ASSERT_EQ(q.Enqueue(std::move(late), now), EnqueueResult::kRejectedPredictive);
}

TEST(FairQueueTest, FifoWithinATenantByDefault) {
  FakeClock clock;
  Recorder r;
  FairQueue q(Config());
  for (uint64_t id = 1; id <= 3; ++id)
    ASSERT_EQ(q.Enqueue(r.Make(id), clock.Now()), EnqueueResult::kQueued);
  EXPECT_EQ(q.depth(), 3u);
  EXPECT_EQ(q.Dispatch(clock.Now(), 5), 3);
  EXPECT_EQ(r.admitted, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_EQ(q.Dispatch(clock.Now(), 1), 0);
}

TEST(FairQueueTest, DrrLongRunSharesFollowTenantWeights) {
  FakeClock clock;
  FairQueueConfig cfg = Config();
  cfg.tenant_weights = {1, 2, 5};
  cfg.capacity = 1000;
  cfg.low_watermark = 900;
  cfg.high_watermark = 950;
  FairQueue q(cfg);
  std::vector<int> served(3, 0);
  uint64_t next_id = 0;
  std::function<void(uint32_t)> enqueue = [&](uint32_t tenant) {
    Waiter w;
    w.id = next_id++;
    w.tenant = tenant;
    w.on_done = [&, tenant](QueueOutcome o) {
      if (o != QueueOutcome::kAdmitted) return;
      ++served[tenant];
      enqueue(tenant);  // stay backlogged; also shows callbacks may re-enter the queue
    };
    ASSERT_EQ(q.Enqueue(std::move(w), clock.Now()), EnqueueResult::kQueued);
  };
  for (uint32_t t = 0; t < 3; ++t) {
    for (int i = 0; i < 20; ++i) enqueue(t);
  }
  constexpr int kDispatches = 8000;
  for (int i = 0; i < kDispatches; ++i) ASSERT_EQ(q.Dispatch(clock.Now(), 1), 1);
  const double weights[] = {1.0 / 8, 2.0 / 8, 5.0 / 8};
  for (int t = 0; t < 3; ++t) {
    const double share = static_cast<double>(served[t]) / kDispatches;
    EXPECT_NEAR(share, weights[t], 0.02 * weights[t]) << "tenant " << t;
  }
}

TEST(FairQueueTest, IdleTenantDoesNotBankCredit) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.tenant_weights = {1, 1};
  FairQueue q(cfg);
  for (uint64_t id = 1; id <= 4; ++id) (void)q.Enqueue(r.Make(id, 0), clock.Now());
  EXPECT_EQ(q.Dispatch(clock.Now(), 2), 2);
  (void)q.Enqueue(r.Make(10, 1), clock.Now());
  (void)q.Enqueue(r.Make(11, 1), clock.Now());
  EXPECT_EQ(q.Dispatch(clock.Now(), 4), 4);
  // Tenant 1 does not catch up for its idle time: the two simply alternate from now on.
  EXPECT_EQ(r.admitted, (std::vector<uint64_t>{1, 2, 10, 3, 11, 4}));
}

TEST(FairQueueTest, HigherClassIsServedFirst) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.class_count = 3;
  cfg.sheddable_from = 3;
  FairQueue q(cfg);
  (void)q.Enqueue(r.Make(1, 0, 2), clock.Now());
  (void)q.Enqueue(r.Make(2, 0, 1), clock.Now());
  (void)q.Enqueue(r.Make(3, 0, 0), clock.Now());
  (void)q.Enqueue(r.Make(4, 0, 1), clock.Now());
  EXPECT_EQ(q.depth(1), 2u);
  EXPECT_EQ(q.Dispatch(clock.Now(), 4), 4);
  EXPECT_EQ(r.admitted, (std::vector<uint64_t>{3, 2, 4, 1}));
}

TEST(FairQueueTest, WithoutAgeingALowClassStarvesUnderConstantHighLoad) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.class_count = 3;
  cfg.sheddable_from = 3;
  cfg.max_wait = 1h;
  FairQueue q(cfg);
  (void)q.Enqueue(r.Make(0, 0, 2), clock.Now());
  for (uint64_t i = 1; i <= 1000; ++i) {
    clock.Advance(1ms);
    (void)q.Enqueue(r.Make(i, 0, 0), clock.Now());
    (void)q.Dispatch(clock.Now(), 1);
  }
  EXPECT_FALSE(r.Of(0).has_value());
}

TEST(FairQueueTest, AgeingEventuallyServesALowClassUnderConstantHighLoad) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.class_count = 3;
  cfg.sheddable_from = 3;
  cfg.max_wait = 1h;
  cfg.age_step = 50ms;
  FairQueue q(cfg);
  const auto start = clock.Now();
  (void)q.Enqueue(r.Make(0, 0, 2), clock.Now());
  std::optional<core::Duration> served_after;
  for (uint64_t i = 1; i <= 1000 && !served_after; ++i) {
    clock.Advance(1ms);
    (void)q.Enqueue(r.Make(i, 0, 0), clock.Now());
    (void)q.Dispatch(clock.Now(), 1);
    if (r.Of(0).has_value()) served_after = clock.Now() - start;
  }
  ASSERT_TRUE(served_after.has_value());
  EXPECT_EQ(*r.Of(0), QueueOutcome::kAdmitted);
  // Class 2 ranks as if it had arrived 2 × 50 ms later: it beats fresh class-0 arrivals then.
  EXPECT_GE(*served_after, 100ms);
  EXPECT_LE(*served_after, 102ms);
}

TEST(FairQueueTest, WatermarkShedsLowestClassesWithHysteresis) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.class_count = 2;
  cfg.sheddable_from = 1;
  cfg.capacity = 10;
  cfg.low_watermark = 2;
  cfg.high_watermark = 4;
  FairQueue q(cfg);
  for (uint64_t id = 1; id <= 4; ++id)
    ASSERT_EQ(q.Enqueue(r.Make(id, 0, 1), clock.Now()), EnqueueResult::kQueued);
  EXPECT_TRUE(q.shedding());
  EXPECT_EQ(q.Enqueue(r.Make(5, 0, 1), clock.Now()), EnqueueResult::kShed);
  EXPECT_EQ(q.Enqueue(r.Make(6, 0, 0), clock.Now()), EnqueueResult::kQueued);  // not sheddable
  EXPECT_FALSE(r.Of(5).has_value());         // a rejected waiter's callback is never called
  EXPECT_EQ(q.Dispatch(clock.Now(), 2), 2);  // depth 5 → 3: still above low
  EXPECT_TRUE(q.shedding());
  EXPECT_EQ(q.Enqueue(r.Make(7, 0, 1), clock.Now()), EnqueueResult::kShed);
  EXPECT_EQ(q.Dispatch(clock.Now(), 1), 1);  // depth 2 = low: off
  EXPECT_FALSE(q.shedding());
  EXPECT_EQ(q.Enqueue(r.Make(8, 0, 1), clock.Now()), EnqueueResult::kQueued);
  EXPECT_EQ(q.Enqueue(r.Make(9, 0, 1), clock.Now()), EnqueueResult::kQueued);  // depth 4: on
  EXPECT_TRUE(q.shedding());
}

TEST(FairQueueTest, NoFlappingWhenDepthOscillatesAroundTheHighWatermark) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.class_count = 2;
  cfg.sheddable_from = 1;
  cfg.low_watermark = 5;
  cfg.high_watermark = 10;
  FairQueue q(cfg);
  uint64_t id = 0;
  for (int i = 0; i < 10; ++i) (void)q.Enqueue(r.Make(id++, 0, 0), clock.Now());
  ASSERT_TRUE(q.shedding());
  for (int i = 0; i < 100; ++i) {
    (void)q.Dispatch(clock.Now(), 1);  // 9
    EXPECT_TRUE(q.shedding());
    EXPECT_EQ(q.Enqueue(r.Make(id++, 0, 1), clock.Now()), EnqueueResult::kShed);
    (void)q.Enqueue(r.Make(id++, 0, 0), clock.Now());  // 10
  }
}

TEST(FairQueueTest, CapacityBoundsTheQueue) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.capacity = 3;
  cfg.low_watermark = 1;
  cfg.high_watermark = 3;
  FairQueue q(cfg);
  for (uint64_t id = 1; id <= 3; ++id)
    ASSERT_EQ(q.Enqueue(r.Make(id), clock.Now()), EnqueueResult::kQueued);
  for (uint64_t id = 4; id <= 10; ++id)
    EXPECT_EQ(q.Enqueue(r.Make(id), clock.Now()), EnqueueResult::kRejectedFull);
  EXPECT_EQ(q.depth(), 3u);
}

TEST(FairQueueTest, HigherClassPushesOutTheNewestLowClassWaiterAtCapacity) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.class_count = 2;
  cfg.sheddable_from = 2;
  cfg.tenant_weights = {1, 1};
  cfg.capacity = 3;
  cfg.low_watermark = 1;
  cfg.high_watermark = 3;
  FairQueue q(cfg);
  (void)q.Enqueue(r.Make(1, 0, 1), clock.Now());
  (void)q.Enqueue(r.Make(2, 1, 1), clock.Now());
  (void)q.Enqueue(r.Make(3, 1, 1), clock.Now());  // tenant 1 is the most backlogged
  EXPECT_EQ(q.Enqueue(r.Make(4, 0, 0), clock.Now()), EnqueueResult::kQueued);
  EXPECT_EQ(r.Of(3), QueueOutcome::kShed);
  EXPECT_EQ(q.depth(), 3u);
  EXPECT_EQ(q.Enqueue(r.Make(5, 0, 1), clock.Now()), EnqueueResult::kRejectedFull);  // no lower
}

TEST(FairQueueTest, WaiterTimesOutAtMaxWait) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.max_wait = 1s;
  FairQueue q(cfg);
  (void)q.Enqueue(r.Make(1), clock.Now());
  clock.Advance(999ms);
  EXPECT_EQ(q.ExpireDeadlines(clock.Now()), 0u);
  clock.Advance(1ms);
  EXPECT_EQ(q.ExpireDeadlines(clock.Now()), 1u);
  EXPECT_EQ(r.Of(1), QueueOutcome::kTimedOut);
  EXPECT_EQ(q.depth(), 0u);
}

TEST(FairQueueTest, ClientDeadlineEarlierThanMaxWaitWins) {
  FakeClock clock;
  Recorder r;
  FairQueue q(Config());
  Waiter w = r.Make(1);
  w.deadline = clock.Now() + 200ms;
  (void)q.Enqueue(std::move(w), clock.Now());
  (void)q.Enqueue(r.Make(2), clock.Now());
  clock.Advance(200ms);
  // Dispatch expires overdue waiters before admitting anyone.
  EXPECT_EQ(q.Dispatch(clock.Now(), 2), 1);
  EXPECT_EQ(r.Of(1), QueueOutcome::kTimedOut);
  EXPECT_EQ(r.Of(2), QueueOutcome::kAdmitted);
}

TEST(FairQueueTest, CancelFreesThePlaceAtOnce) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.capacity = 1;
  cfg.low_watermark = 0;
  cfg.high_watermark = 1;
  FairQueue q(cfg);
  ASSERT_EQ(q.Enqueue(r.Make(1), clock.Now()), EnqueueResult::kQueued);
  ASSERT_EQ(q.Enqueue(r.Make(2), clock.Now()), EnqueueResult::kRejectedFull);
  EXPECT_TRUE(q.Cancel(1));
  EXPECT_EQ(r.Of(1), QueueOutcome::kCancelled);
  EXPECT_FALSE(q.Cancel(1));
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_EQ(q.Enqueue(r.Make(2), clock.Now()), EnqueueResult::kQueued);
  EXPECT_EQ(q.Dispatch(clock.Now(), 1), 1);
  EXPECT_EQ(r.admitted, (std::vector<uint64_t>{2}));
}

TEST(FairQueueTest, PredictiveRejectionWhenExpectedWaitExceedsMaxWait) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.class_count = 2;
  cfg.sheddable_from = 2;
  cfg.max_wait = 1s;
  FairQueue q(cfg);
  q.SetCompletionRate(10.0);
  for (uint64_t id = 1; id <= 10; ++id) {
    ASSERT_EQ(q.Enqueue(r.Make(id, 0, 1), clock.Now()), EnqueueResult::kQueued) << id;
  }
  EXPECT_EQ(q.Enqueue(r.Make(11, 0, 1), clock.Now()), EnqueueResult::kRejectedPredictive);
  // A higher class is served before all of them: its expected wait is short.
  EXPECT_EQ(q.Enqueue(r.Make(12, 0, 0), clock.Now()), EnqueueResult::kQueued);
  // Unknown rate: no prediction.
  q.SetCompletionRate(0.0);
  EXPECT_EQ(q.Enqueue(r.Make(13, 0, 1), clock.Now()), EnqueueResult::kQueued);
}

TEST(FairQueueTest, PredictionUsesTheClientsDeadlineWhenSooner) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.max_wait = 1s;
  FairQueue q(cfg);
  q.SetCompletionRate(10.0);
  for (uint64_t id = 1; id <= 3; ++id) {
    ASSERT_EQ(q.Enqueue(r.Make(id), clock.Now()), EnqueueResult::kQueued) << id;
  }
  // Fourth in line at 10/s: about 400 ms. A client giving up after 300 ms would only time out.
  Waiter hurried = r.Make(4);
  hurried.deadline = clock.Now() + 300ms;
  EXPECT_EQ(q.Enqueue(std::move(hurried), clock.Now()), EnqueueResult::kRejectedPredictive);
  Waiter patient = r.Make(5);
  patient.deadline = clock.Now() + 500ms;
  EXPECT_EQ(q.Enqueue(std::move(patient), clock.Now()), EnqueueResult::kQueued);
  // With no rate known, only a deadline already past is refused.
  q.SetCompletionRate(0.0);
  Waiter late = r.Make(6);
  late.deadline = clock.Now();
  EXPECT_EQ(q.Enqueue(std::move(late), clock.Now()), EnqueueResult::kRejectedPredictive);
  EXPECT_FALSE(r.Of(4).has_value());  // a refused waiter's callback never runs
}

FairQueueConfig WeightedClasses(std::vector<uint32_t> weights) {
  FairQueueConfig cfg = Config();
  cfg.class_count = static_cast<uint32_t>(weights.size());
  cfg.sheddable_from = cfg.class_count;
  cfg.class_weights = std::move(weights);
  cfg.capacity = cfg.low_watermark = cfg.high_watermark = 10'000;
  return cfg;
}

TEST(FairQueueTest, ClassWeightsShareTheSlotsWhileClassesWait) {
  FakeClock clock;
  Recorder r;
  FairQueue q(WeightedClasses({8, 4, 1}));
  std::map<uint64_t, uint32_t> class_of;
  uint64_t id = 0;
  for (uint32_t cls = 0; cls < 3; ++cls) {
    for (int i = 0; i < 2000; ++i) {
      class_of[++id] = cls;
      ASSERT_EQ(q.Enqueue(r.Make(id, 0, cls), clock.Now()), EnqueueResult::kQueued);
    }
  }
  ASSERT_EQ(q.Dispatch(clock.Now(), 1300), 1300);
  std::array<int, 3> served{};
  for (auto admitted : r.admitted) ++served[class_of[admitted]];
  EXPECT_NEAR(served[0], 800, 16);
  EXPECT_NEAR(served[1], 400, 8);
  EXPECT_NEAR(served[2], 100, 2);
}

TEST(FairQueueTest, AWeightedClassThatWasIdleEarnsNoCredit) {
  FakeClock clock;
  Recorder r;
  FairQueue q(WeightedClasses({1, 1}));
  for (uint64_t id = 1; id <= 100; ++id) (void)q.Enqueue(r.Make(id, 0, 1), clock.Now());
  ASSERT_EQ(q.Dispatch(clock.Now(), 50), 50);  // class 1 alone: it takes every slot
  for (uint64_t id = 101; id <= 200; ++id) (void)q.Enqueue(r.Make(id, 0, 0), clock.Now());
  r.admitted.clear();
  ASSERT_EQ(q.Dispatch(clock.Now(), 20), 20);
  const auto from_class0 =
      std::count_if(r.admitted.begin(), r.admitted.end(), [](uint64_t id) { return id > 100; });
  // Equal weights alternate from here on; the newcomer does not get 50 slots in a row.
  EXPECT_NEAR(static_cast<double>(from_class0), 10.0, 1.0);
}

TEST(FairQueueTest, StandingQueueServesNewestFirstWithinATenant) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.standing_after = 100ms;
  FairQueue q(cfg);
  for (uint64_t id = 1; id <= 4; ++id) (void)q.Enqueue(r.Make(id), clock.Now());
  TurnOneAway(q, r, 99, clock.Now());
  clock.Advance(99ms);
  EXPECT_FALSE(q.standing(clock.Now()));
  EXPECT_EQ(q.Dispatch(clock.Now(), 1), 1);
  clock.Advance(1ms);
  EXPECT_TRUE(q.standing(clock.Now()));
  EXPECT_EQ(q.Dispatch(clock.Now(), 2), 2);
  EXPECT_EQ(r.admitted, (std::vector<uint64_t>{1, 4, 3}));
}

TEST(FairQueueTest, StandingQueueShortensTheWaitOfThoseWhoArriveInIt) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.max_wait = 4s;  // standing cap: 1 s
  cfg.standing_after = 100ms;
  FairQueue q(cfg);
  (void)q.Enqueue(r.Make(1), clock.Now());
  TurnOneAway(q, r, 99, clock.Now());
  clock.Advance(500ms);
  ASSERT_TRUE(q.standing(clock.Now()));
  (void)q.Enqueue(r.Make(2), clock.Now());
  clock.Advance(999ms);
  EXPECT_EQ(q.ExpireDeadlines(clock.Now()), 0u);
  clock.Advance(1ms);
  EXPECT_EQ(q.ExpireDeadlines(clock.Now()), 1u);
  EXPECT_EQ(r.Of(2), QueueOutcome::kTimedOut) << "arrived in the standing queue: 1 s";
  EXPECT_FALSE(r.Of(1).has_value()) << "admitted before it stood: keeps its 4 s";
  clock.Advance(2500ms);
  EXPECT_EQ(q.ExpireDeadlines(clock.Now()), 1u);
  EXPECT_EQ(r.Of(1), QueueOutcome::kTimedOut);
}

TEST(FairQueueTest, StandingSurvivesAnEmptySpellShorterThanStandingAfter) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.standing_after = 100ms;
  FairQueue q(cfg);
  (void)q.Enqueue(r.Make(1), clock.Now());
  TurnOneAway(q, r, 99, clock.Now());
  clock.Advance(150ms);
  EXPECT_TRUE(q.standing(clock.Now()));
  EXPECT_EQ(q.Dispatch(clock.Now(), 1), 1);
  EXPECT_FALSE(q.standing(clock.Now()));  // nothing to serve
  clock.Advance(99ms);
  (void)q.Enqueue(r.Make(2), clock.Now());
  (void)q.Enqueue(r.Make(3), clock.Now());
  EXPECT_TRUE(q.standing(clock.Now()));  // still under overload: newest first at once
  EXPECT_EQ(q.Dispatch(clock.Now(), 1), 1);
  EXPECT_EQ(r.admitted, (std::vector<uint64_t>{1, 3}));
}

TEST(FairQueueTest, StandingEndsOnceTheQueueStaysEmptyForStandingAfter) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.standing_after = 100ms;
  FairQueue q(cfg);
  (void)q.Enqueue(r.Make(1), clock.Now());
  TurnOneAway(q, r, 99, clock.Now());
  clock.Advance(150ms);
  ASSERT_TRUE(q.standing(clock.Now()));
  EXPECT_EQ(q.Dispatch(clock.Now(), 1), 1);  // it stood until here
  clock.Advance(100ms);
  (void)q.Enqueue(r.Make(2), clock.Now());
  (void)q.Enqueue(r.Make(3), clock.Now());
  clock.Advance(50ms);
  EXPECT_FALSE(q.standing(clock.Now()));
  EXPECT_EQ(q.Dispatch(clock.Now(), 1), 1);
  EXPECT_EQ(r.admitted, (std::vector<uint64_t>{1, 2}));  // oldest first again
}

TEST(FairQueueTest, ANonEmptyQueueThatTurnsNobodyAwayDoesNotStand) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.standing_after = 100ms;
  FairQueue q(cfg);
  for (uint64_t id = 1; id <= 3; ++id) (void)q.Enqueue(r.Make(id), clock.Now());
  clock.Advance(5s);  // a long busy spell, but nobody so far was turned away
  EXPECT_FALSE(q.standing(clock.Now()));
  EXPECT_EQ(q.Dispatch(clock.Now(), 1), 1);
  EXPECT_EQ(r.admitted, (std::vector<uint64_t>{1}));  // oldest first
}

TEST(FairQueueTest, StandsOnceTheShareTurnedAwayReachesStandingShare) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.standing_after = 100ms;
  cfg.standing_share = 0.10;
  FairQueue q(cfg);
  for (uint64_t id = 1; id <= 20; ++id) (void)q.Enqueue(r.Make(id), clock.Now());
  clock.Advance(200ms);                 // the 20 weigh e^-0.2 each now: 16.4 arrivals
  TurnOneAway(q, r, 100, clock.Now());  // 1 of 17.4: 6 %
  EXPECT_FALSE(q.standing(clock.Now()));
  TurnOneAway(q, r, 101, clock.Now());  // 2 of 18.4: 11 %
  EXPECT_TRUE(q.standing(clock.Now()));
}

TEST(FairQueueTest, WaitersTimingOutCountAsTurnedAway) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.max_wait = 1s;
  cfg.standing_after = 100ms;
  FairQueue q(cfg);
  (void)q.Enqueue(r.Make(1), clock.Now());
  clock.Advance(500ms);
  (void)q.Enqueue(r.Make(2), clock.Now());
  EXPECT_FALSE(q.standing(clock.Now()));
  clock.Advance(500ms);
  EXPECT_EQ(q.ExpireDeadlines(clock.Now()), 1u);  // waiter 1: 1 of 2 arrivals turned away
  EXPECT_TRUE(q.standing(clock.Now()));
}

TEST(FairQueueTest, TheShareTurnedAwayFadesOverShareWindow) {
  FakeClock clock;
  Recorder r;
  FairQueueConfig cfg = Config();
  cfg.standing_after = 100ms;
  cfg.share_window = 1s;
  FairQueue q(cfg);
  TurnOneAway(q, r, 100, clock.Now());
  clock.Advance(3s);  // that one now weighs e^-3 = 0.05 of an arrival
  (void)q.Enqueue(r.Make(1), clock.Now());
  clock.Advance(150ms);
  EXPECT_FALSE(q.standing(clock.Now())) << "0.05 / 1.05 turned away: under 10 %";
}

TEST(FairQueueTest, ConcurrentUseCallsEveryCallbackExactlyOnce) {
  FakeClock clock;
  FairQueueConfig cfg = Config();
  cfg.tenant_weights = {1, 2, 3, 4};
  cfg.capacity = 64;
  cfg.low_watermark = 32;
  cfg.high_watermark = 48;
  FairQueue q(cfg);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 5000;
  std::atomic<int> callbacks{0};
  std::atomic<int> queued{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Waiter w;
        w.id = static_cast<uint64_t>(t) * kPerThread + i;
        w.tenant = static_cast<uint32_t>(i % 4);
        w.on_done = [&](QueueOutcome) { callbacks.fetch_add(1); };
        if (q.Enqueue(std::move(w), clock.Now()) == EnqueueResult::kQueued) queued.fetch_add(1);
        if (i % 3 == 0) (void)q.Cancel(static_cast<uint64_t>(t) * kPerThread + i - 1);
        (void)q.Dispatch(clock.Now(), 1);
      }
    });
  }
  for (auto& th : threads) th.join();
  while (q.Dispatch(clock.Now(), 100) > 0) {
  }
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_EQ(callbacks.load(), queued.load());
}

}  // namespace
}  // namespace sluice::admission

namespace sluice::admission {
namespace {

// Reload (issue 6): the queue takes a new shape and keeps its waiters.
TEST(FairQueueReconfigureTest, WaitersSurviveANewShapeWithTheirTenantsRemapped) {
  FakeClock clock;
  Recorder r;
  auto config = Config();
  config.tenant_weights = {1, 1, 1};  // a, b, dynamic
  FairQueue q(config);
  ASSERT_EQ(q.Enqueue(r.Make(1, 0), clock.Now()), EnqueueResult::kQueued);
  clock.Advance(1ms);
  ASSERT_EQ(q.Enqueue(r.Make(2, 1), clock.Now()), EnqueueResult::kQueued);
  clock.Advance(1ms);
  ASSERT_EQ(q.Enqueue(r.Make(3, 2), clock.Now()), EnqueueResult::kQueued);

  // New tenants: c, b, a, dynamic. Old a → 2, b → 1, dynamic → 3.
  auto next = Config();
  next.tenant_weights = {1, 1, 1, 1};
  q.Reconfigure(next, {2, 1, 3}, {0});
  EXPECT_EQ(q.depth(), 3u);
  EXPECT_TRUE(r.outcomes.empty()) << "nobody is dropped";
  // A straggler resolved under the old shape still fits (index clamped into the new one).
  EXPECT_EQ(q.Enqueue(r.Make(4, 7), clock.Now()), EnqueueResult::kQueued);
  EXPECT_EQ(q.Dispatch(clock.Now(), 4), 4);
  EXPECT_EQ(r.admitted.size(), 4u);
}

TEST(FairQueueReconfigureTest, ShorterMaxWaitShortensDeadlinesFromTheOriginalEnqueueTime) {
  FakeClock clock;
  Recorder r;
  FairQueue q(Config());  // max_wait 10 s
  ASSERT_EQ(q.Enqueue(r.Make(1), clock.Now()), EnqueueResult::kQueued);
  clock.Advance(2s);
  auto next = Config();
  next.max_wait = 3s;
  q.Reconfigure(next, {0, 1}, {0});
  clock.Advance(999ms);
  EXPECT_EQ(q.ExpireDeadlines(clock.Now()), 0u);
  clock.Advance(1ms);  // 3 s after it was queued, not after the reload
  EXPECT_EQ(q.ExpireDeadlines(clock.Now()), 1u);
  EXPECT_EQ(r.Of(1), QueueOutcome::kTimedOut);
}

TEST(FairQueueReconfigureTest, SmallerCapacityShedsTheNewestWaiters) {
  FakeClock clock;
  Recorder r;
  FairQueue q(Config());
  for (uint64_t id = 1; id <= 5; ++id) {
    ASSERT_EQ(q.Enqueue(r.Make(id), clock.Now()), EnqueueResult::kQueued);
    clock.Advance(1ms);
  }
  auto next = Config();
  next.capacity = 3;
  next.low_watermark = 1;
  next.high_watermark = 2;
  q.Reconfigure(next, {0, 1}, {0});
  EXPECT_EQ(q.depth(), 3u);
  EXPECT_EQ(r.Of(4), QueueOutcome::kShed);
  EXPECT_EQ(r.Of(5), QueueOutcome::kShed);
  EXPECT_EQ(q.Dispatch(clock.Now(), 3), 3);
  EXPECT_EQ(r.admitted, (std::vector<uint64_t>{1, 2, 3}));
}

}  // namespace
}  // namespace sluice::admission
