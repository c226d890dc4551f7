#include "admission/concurrency_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <utility>
#include <vector>

namespace sluice::admission {
namespace {

TEST(ConcurrencyGateTest, AdmitsUpToTheLimitThenRefuses) {
  ConcurrencyGate gate;
  EXPECT_TRUE(gate.TryAcquire(2));
  EXPECT_TRUE(gate.TryAcquire(2));
  EXPECT_FALSE(gate.TryAcquire(2));
  gate.Release();
  EXPECT_TRUE(gate.TryAcquire(2));
  EXPECT_EQ(gate.inflight(), 2u);
}

TEST(ConcurrencyGateTest, LoweredLimitRevokesNothingButAdmitsNoMore) {
  ConcurrencyGate gate;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(gate.TryAcquire(5));
  EXPECT_FALSE(gate.TryAcquire(3));
  EXPECT_EQ(gate.inflight(), 5u);
}

TEST(ConcurrencyGateTest, ReadsTheControlLimit) {
  ConcurrencyGate gate;
  control::ConcurrencyLimit limit(1);
  EXPECT_TRUE(gate.TryAcquire(limit));
  EXPECT_FALSE(gate.TryAcquire(limit));
  limit.Set(2);
  EXPECT_TRUE(gate.TryAcquire(limit));
}

TEST(InflightPermitTest, ReleasesOnDestruction) {
  ConcurrencyGate gate;
  {
    InflightPermit p = gate.TryAcquirePermit(1);
    EXPECT_TRUE(p);
    EXPECT_FALSE(gate.TryAcquirePermit(1));
  }
  EXPECT_EQ(gate.inflight(), 0u);
}

TEST(InflightPermitTest, MoveTransfersOwnershipAndReleasesOnce) {
  ConcurrencyGate gate;
  InflightPermit a = gate.TryAcquirePermit(3);
  InflightPermit b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  EXPECT_TRUE(b);
  InflightPermit c = gate.TryAcquirePermit(3);
  c = std::move(b);  // c's own slot is released, b's moves in
  EXPECT_EQ(gate.inflight(), 1u);
  c.Reset();
  c.Reset();
  EXPECT_EQ(gate.inflight(), 0u);
}

TEST(InflightPermitTest, AdoptTakesAnAlreadyCountedSlot) {
  ConcurrencyGate gate;
  ASSERT_TRUE(gate.TryAcquire(1));
  { const InflightPermit p = InflightPermit::Adopt(gate); }
  EXPECT_EQ(gate.inflight(), 0u);
}

TEST(ConcurrencyGateTest, ManyThreadsNeverOvershootTheLimit) {
  ConcurrencyGate gate;
  constexpr uint32_t kLimit = 3;
  constexpr int kThreads = 8;
  constexpr int kRounds = 20000;
  std::atomic<uint32_t> holders{0};
  std::atomic<uint32_t> max_seen{0};
  std::atomic<int> acquired{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      while (!go.load(std::memory_order_acquire)) {
      }
      for (int i = 0; i < kRounds; ++i) {
        InflightPermit p = gate.TryAcquirePermit(kLimit);
        if (!p) continue;
        acquired.fetch_add(1, std::memory_order_relaxed);
        const uint32_t now = holders.fetch_add(1) + 1;
        uint32_t seen = max_seen.load();
        while (now > seen && !max_seen.compare_exchange_weak(seen, now)) {
        }
        holders.fetch_sub(1);
      }
    });
  }
  go.store(true, std::memory_order_release);
  for (auto& th : threads) th.join();
  EXPECT_LE(max_seen.load(), kLimit);
  EXPECT_GT(acquired.load(), 0);
  EXPECT_EQ(gate.inflight(), 0u);
}

}  // namespace
}  // namespace sluice::admission
