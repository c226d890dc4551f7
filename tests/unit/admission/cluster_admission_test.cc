#include "admission/cluster_admission.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::admission {
namespace {

using namespace std::chrono_literals;

config::ClusterConfig Gated(uint32_t limit) {
  config::ClusterConfig c;
  c.name = "c";
  c.concurrency_limit = limit;
  c.queue = {.capacity = 100, .low_watermark = 50, .high_watermark = 80, .max_wait = 10s};
  return c;
}

Waiter Counting(uint64_t id, int& admitted) {
  Waiter w;
  w.id = id;
  w.on_done = [&admitted](QueueOutcome o) {
    if (o == QueueOutcome::kAdmitted) ++admitted;
  };
  return w;
}

TEST(ClusterAdmissionTest, AFinishingRequestHandsItsSlotToTheNextWaiter) {
  core::FakeClock clock;
  ClusterAdmission cluster(Gated(2), 1, 1, {1});
  ASSERT_TRUE(cluster.TryEnter());
  ASSERT_TRUE(cluster.TryEnter());
  EXPECT_FALSE(cluster.TryEnter());
  int admitted = 0;
  ASSERT_EQ(cluster.Enqueue(Counting(1, admitted), clock.Now()), EnqueueResult::kQueued);
  cluster.Leave(clock.Now());
  EXPECT_EQ(admitted, 1);
  EXPECT_EQ(cluster.inflight(), 2u);
}

TEST(ClusterAdmissionTest, ALoweredLimitDrainsInFlightBeforeAdmittingWaiters) {
  core::FakeClock clock;
  ClusterAdmission cluster(Gated(4), 1, 1, {1});
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(cluster.TryEnter());
  int admitted = 0;
  for (uint64_t id = 1; id <= 3; ++id) {
    ASSERT_EQ(cluster.Enqueue(Counting(id, admitted), clock.Now()), EnqueueResult::kQueued);
  }
  cluster.limit().Set(2);  // the controller halves the limit
  cluster.Leave(clock.Now());
  cluster.Leave(clock.Now());
  EXPECT_EQ(admitted, 0) << "4 → 2 in flight before anyone else goes";
  EXPECT_EQ(cluster.inflight(), 2u);
  cluster.Leave(clock.Now());
  EXPECT_EQ(admitted, 1);
  EXPECT_EQ(cluster.inflight(), 2u);
}

TEST(ClusterAdmissionTest, AnIdleSpellDoesNotPassForASlowBackend) {
  core::FakeClock clock;
  ClusterAdmission cluster(Gated(1), 1, 1, {1});
  // A busy second: 100 completions.
  for (int i = 0; i < 101; ++i) {
    ASSERT_TRUE(cluster.TryEnter());
    clock.Advance(10ms);
    cluster.Leave(clock.Now());
  }
  EXPECT_NEAR(cluster.completion_rate(), 100, 1);
  // 20 s idle, then one completion: not a rate of 0.05/s.
  clock.Advance(20s);
  ASSERT_TRUE(cluster.TryEnter());
  cluster.Leave(clock.Now());
  EXPECT_EQ(cluster.completion_rate(), 0.0) << "unknown, not slow";
  // So a request that has to queue now is queued, not refused as if it would wait 20 s.
  ASSERT_TRUE(cluster.TryEnter());
  int admitted = 0;
  EXPECT_EQ(cluster.Enqueue(Counting(1, admitted), clock.Now()), EnqueueResult::kQueued);
  cluster.Leave(clock.Now());
  EXPECT_EQ(admitted, 1);
}

}  // namespace
}  // namespace sluice::admission

namespace sluice::admission {
namespace {

// Reload (issue 6): the gate keeps its in-flight count and queue; a raised limit admits
// waiters at once rather than at the next completion.
TEST(ClusterAdmissionReloadTest, ReconfigureKeepsInFlightAndAdmitsWaitersUpToANewLimit) {
  core::FakeClock clock;
  ClusterAdmission cluster(Gated(2), 1, 1, {1});
  ASSERT_TRUE(cluster.TryEnter());
  ASSERT_TRUE(cluster.TryEnter());
  int admitted = 0;
  for (uint64_t id = 1; id <= 3; ++id) {
    ASSERT_EQ(cluster.Enqueue(Counting(id, admitted), clock.Now()), EnqueueResult::kQueued);
  }
  cluster.Reconfigure(Gated(4), 1, 1, {1}, {}, {0}, {0}, clock.Now());
  EXPECT_EQ(admitted, 2);
  EXPECT_EQ(cluster.inflight(), 4u);
  EXPECT_EQ(cluster.queue().depth(), 1u);
  cluster.Reconfigure(Gated(1), 1, 1, {1}, {}, {0}, {0}, clock.Now());
  cluster.Leave(clock.Now());
  EXPECT_EQ(admitted, 2) << "a lowered limit drains in-flight first";
  EXPECT_EQ(cluster.inflight(), 3u);
}

}  // namespace
}  // namespace sluice::admission
