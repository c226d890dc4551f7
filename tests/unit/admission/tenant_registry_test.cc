#include "admission/tenant_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace sluice::admission {
namespace {

using namespace std::chrono_literals;
using config::IdentityConfig;
using config::PolicyMode;
using config::TenantConfig;
using core::FakeClock;

std::vector<TenantConfig> Tenants() {
  TenantConfig a;
  a.name = "acme";
  a.rate = {100, 50};
  a.weight = 3;
  a.priority_class = "critical";
  TenantConfig b;
  b.name = "globex";
  b.rate = {5, 10};
  b.mode = PolicyMode::kShadow;
  return {a, b};
}

// Dynamic tenants: 10/s, burst 2, so a drained bucket is full again after 200 ms.
IdentityConfig Dynamic(uint32_t max_dynamic, std::string on_missing = "reject") {
  IdentityConfig identity;
  identity.dynamic_rate = {10, 2};
  identity.max_dynamic_tenants = max_dynamic;
  identity.on_missing = std::move(on_missing);
  return identity;
}

Identity Configured(uint32_t index) { return {Identity::kConfigured, index, {}}; }
Identity Key(std::string key) { return {Identity::kDynamic, 0, std::move(key)}; }

void Drain(const TenantRef& ref, core::TimePoint now) {
  while (ref.bucket->TryTake(now, 1, ref.policy).allowed) {
  }
}

TEST(TenantRegistryTest, ConfiguredTenantsGetTheirOwnPolicyAndStableBucket) {
  FakeClock clock;
  TenantRegistry registry(Tenants(), Dynamic(100));
  const TenantRef acme = registry.Lookup(Configured(0), clock.Now());
  ASSERT_TRUE(acme);
  EXPECT_EQ(acme.name, "acme");
  EXPECT_EQ(acme.index, 0u);
  EXPECT_EQ(acme.policy.rate_per_second, 100);
  EXPECT_EQ(acme.policy.burst, 50u);
  EXPECT_EQ(acme.weight, 3u);
  EXPECT_EQ(acme.priority_class, "critical");
  EXPECT_EQ(acme.mode, PolicyMode::kEnforce);
  EXPECT_FALSE(acme.dynamic);
  EXPECT_EQ(registry.Lookup(Configured(0), clock.Now()).bucket, acme.bucket);

  const TenantRef globex = registry.Lookup(Configured(1), clock.Now());
  EXPECT_EQ(globex.name, "globex");
  EXPECT_EQ(globex.index, 1u);
  EXPECT_EQ(globex.policy.burst, 10u);
  EXPECT_EQ(globex.mode, PolicyMode::kShadow);
  EXPECT_NE(globex.bucket, acme.bucket);
  EXPECT_EQ(registry.dynamic_size(), 0u);
}

TEST(TenantRegistryTest, MissingIdentityIsRejectedOrGoesToTheDefaultTenant) {
  FakeClock clock;
  TenantRegistry rejecting(Tenants(), Dynamic(100));
  EXPECT_FALSE(rejecting.Lookup(Identity{}, clock.Now()));

  TenantRegistry defaulting(Tenants(), Dynamic(100, "globex"));
  const TenantRef ref = defaulting.Lookup(Identity{}, clock.Now());
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref.name, "globex");
  EXPECT_EQ(ref.bucket, defaulting.Lookup(Configured(1), clock.Now()).bucket);

  std::vector<std::string> errors;
  TenantRegistry unknown(Tenants(), Dynamic(100, "nobody"), &errors);
  EXPECT_EQ(errors.size(), 1u);
  EXPECT_FALSE(unknown.Lookup(Identity{}, clock.Now()));
}

TEST(TenantRegistryTest, DynamicTenantsHaveTheDynamicPolicyAndTheOtherLabel) {
  FakeClock clock;
  TenantRegistry registry(Tenants(), Dynamic(100));
  const TenantRef a = registry.Lookup(Key("ip:10.0.0.1"), clock.Now());
  const TenantRef b = registry.Lookup(Key("ip:10.0.0.2"), clock.Now());
  ASSERT_TRUE(a);
  EXPECT_TRUE(a.dynamic);
  EXPECT_EQ(a.name, "other");
  EXPECT_EQ(a.index, 2u);  // tenants.size(): one DRR slot for all dynamic tenants
  EXPECT_EQ(registry.dynamic_index(), 2u);
  EXPECT_EQ(a.policy.rate_per_second, 10);
  EXPECT_EQ(a.policy.burst, 2u);
  EXPECT_NE(a.bucket, b.bucket);
  EXPECT_EQ(registry.Lookup(Key("ip:10.0.0.1"), clock.Now()).bucket, a.bucket);
  EXPECT_EQ(registry.dynamic_size(), 2u);
}

TEST(TenantRegistryTest, DynamicTableIsBoundedAtMax) {
  FakeClock clock;
  constexpr uint32_t kMax = 100;
  TenantRegistry registry({}, Dynamic(kMax));
  // Keys spread over the shards by a secret random hash: 1000 extra keys fill every shard
  // (a shard left short has probability far below 1e-15).
  for (int i = 0; i < static_cast<int>(kMax) + 1000; ++i) {
    const TenantRef ref = registry.Lookup(Key("h:" + std::to_string(i)), clock.Now());
    ASSERT_TRUE(ref);
    EXPECT_LE(registry.dynamic_size(), kMax);
  }
  EXPECT_EQ(registry.dynamic_size(), kMax);
  // Untouched buckets are full, so the extra keys evicted idle entries.
  EXPECT_GT(registry.evictions_total(), 0u);
}

TEST(TenantRegistryTest, BoundHoldsWhenEveryKeyIsLimited) {
  FakeClock clock;
  constexpr uint32_t kMax = 100;
  TenantRegistry registry({}, Dynamic(kMax));
  for (int i = 0; i < static_cast<int>(kMax) + 1000; ++i) {  // enough to fill every shard
    Drain(registry.Lookup(Key("h:" + std::to_string(i)), clock.Now()), clock.Now());
  }
  EXPECT_EQ(registry.dynamic_size(), kMax);
  EXPECT_EQ(registry.evictions_total(), 0u);  // nothing was full: no slot could be taken
  EXPECT_EQ(registry.overflow_total(), 1000u);
}

TEST(TenantRegistryTest, EvictsTheLeastRecentlySeenBucketOnceItHasRefilled) {
  FakeClock clock;
  TenantRegistry registry({}, Dynamic(2));  // two shards of one entry each
  // One entry per shard: a new key competes with exactly the entry of its shard. Fill both
  // slots and drain them.
  std::vector<std::string> keys;
  for (int i = 0; registry.dynamic_size() < 2; ++i) {
    keys.push_back("h:" + std::to_string(i));
    Drain(registry.Lookup(Key(keys.back()), clock.Now()), clock.Now());
  }
  // A new key now cannot evict (both drained) …
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(registry.Lookup(Key("h:new" + std::to_string(i)), clock.Now()));
  }
  EXPECT_EQ(registry.evictions_total(), 0u);
  // … but once the buckets are full again (burst 2 at 10/s: 200 ms), it may.
  clock.Advance(200ms);
  const TenantRef fresh = registry.Lookup(Key("h:after-refill"), clock.Now());
  EXPECT_EQ(registry.evictions_total(), 1u);
  EXPECT_EQ(registry.dynamic_size(), 2u);
  EXPECT_EQ(registry.Lookup(Key("h:after-refill"), clock.Now()).bucket, fresh.bucket);
}

TEST(TenantRegistryTest, EvictionPicksTheLeastRecentlySeenEntry) {
  FakeClock clock;
  TenantRegistry registry({}, Dynamic(1));  // one shard, one entry: the LRU order is explicit
  const TenantRef a = registry.Lookup(Key("h:a"), clock.Now());
  EXPECT_TRUE(a.bucket->TryTake(clock.Now(), 1, a.policy).allowed);
  clock.Advance(1s);  // a is full again and idle
  const TenantRef b = registry.Lookup(Key("h:b"), clock.Now());
  EXPECT_EQ(registry.evictions_total(), 1u);
  EXPECT_EQ(registry.dynamic_size(), 1u);
  EXPECT_NE(b.bucket, a.bucket);
  EXPECT_EQ(registry.Lookup(Key("h:b"), clock.Now()).bucket, b.bucket);  // b is tracked now
}

TEST(TenantRegistryTest, BusyKeySurvivesAFloodWhileIdleOnesAreEvicted) {
  FakeClock clock;
  TenantRegistry registry({}, Dynamic(16));  // 16 shards of one entry each
  // Fill the table, then keep one key busy (recently seen, drained) while time passes.
  std::vector<std::string> keys;
  for (int i = 0; registry.dynamic_size() < 16; ++i) {
    keys.push_back("h:" + std::to_string(i));
    (void)registry.Lookup(Key(keys.back()), clock.Now());
  }
  clock.Advance(1s);
  const std::string busy = keys[0];
  const TenantRef busy_ref = registry.Lookup(Key(busy), clock.Now());
  Drain(busy_ref, clock.Now());
  for (int i = 0; i < 200; ++i) (void)registry.Lookup(Key("h:x" + std::to_string(i)), clock.Now());
  EXPECT_GT(registry.evictions_total(), 0u);  // the idle, refilled entries made room
  // The busy key was never evicted: same bucket, still empty.
  const TenantRef again = registry.Lookup(Key(busy), clock.Now());
  EXPECT_EQ(again.bucket, busy_ref.bucket);
  EXPECT_FALSE(again.bucket->TryTake(clock.Now(), 1, again.policy).allowed);
}

TEST(TenantRegistryTest, JustLimitedKeyIsNeverEvictedIntoAFreshBucket) {
  FakeClock clock;
  TenantRegistry registry({}, Dynamic(4));
  const TenantRef limited = registry.Lookup(Key("ip:203.0.113.9"), clock.Now());
  Drain(limited, clock.Now());
  // A flood of new keys over 10 ms in all: far too little time for the limited bucket to refill.
  for (int i = 0; i < 1000; ++i) {
    clock.Advance(10us);
    (void)registry.Lookup(Key("ip:198.51.100." + std::to_string(i)), clock.Now());
  }
  const TenantRef again = registry.Lookup(Key("ip:203.0.113.9"), clock.Now());
  EXPECT_EQ(again.bucket, limited.bucket);
  const auto decision = again.bucket->TryTake(clock.Now(), 1, again.policy);
  EXPECT_FALSE(decision.allowed);
  EXPECT_LE(registry.dynamic_size(), 4u);
}

TEST(TenantRegistryTest, NewKeysShareTheOverflowBucketWhenNothingCanBeEvicted) {
  FakeClock clock;
  TenantRegistry registry({}, Dynamic(1));  // one shard, one slot
  Drain(registry.Lookup(Key("h:tracked"), clock.Now()), clock.Now());
  const TenantRef first = registry.Lookup(Key("h:flood-1"), clock.Now());
  const TenantRef second = registry.Lookup(Key("h:flood-2"), clock.Now());
  EXPECT_EQ(first.bucket, second.bucket);
  EXPECT_EQ(registry.overflow_total(), 2u);
  EXPECT_EQ(registry.dynamic_size(), 1u);
  // The flood shares one burst (2): the third request over all fresh keys is limited.
  EXPECT_TRUE(first.bucket->TryTake(clock.Now(), 1, first.policy).allowed);
  EXPECT_TRUE(second.bucket->TryTake(clock.Now(), 1, second.policy).allowed);
  const TenantRef third = registry.Lookup(Key("h:flood-3"), clock.Now());
  EXPECT_FALSE(third.bucket->TryTake(clock.Now(), 1, third.policy).allowed);
}

TEST(TenantRegistryTest, RefKeepsAnEvictedBucketAlive) {
  FakeClock clock;
  TenantRegistry registry({}, Dynamic(1));
  const TenantRef held = registry.Lookup(Key("h:a"), clock.Now());
  (void)registry.Lookup(Key("h:b"), clock.Now());  // a is full: evicted
  ASSERT_EQ(registry.evictions_total(), 1u);
  EXPECT_TRUE(held.bucket->TryTake(clock.Now(), 1, held.policy).allowed);  // still valid memory
}

TEST(TenantRegistryTest, ConcurrentLookupsKeepTheBound) {
  constexpr uint32_t kMax = 64;
  constexpr int kThreads = 4;
  constexpr int kLookups = 20000;
  TenantRegistry registry(Tenants(), Dynamic(kMax));
  const core::TimePoint start = FakeClock().Now();
  std::atomic<bool> over_bound{false};
  std::atomic<uint64_t> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLookups; ++i) {
        const core::TimePoint now = start + std::chrono::microseconds(i * 100);
        const Identity id = i % 10 == 0 ? Configured(static_cast<uint32_t>(i / 10 % 2))
                                        : Key("h:" + std::to_string((t * 7919 + i) % 500));
        const TenantRef ref = registry.Lookup(id, now);
        if (ref.bucket->TryTake(now, 1, ref.policy).allowed) admitted.fetch_add(1);
        if (registry.dynamic_size() > kMax) over_bound.store(true);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(over_bound.load());
  EXPECT_LE(registry.dynamic_size(), kMax);
  EXPECT_GT(admitted.load(), 0u);
}

}  // namespace
}  // namespace sluice::admission

namespace sluice::admission {
namespace {

// Reload (issue 6): a tenant that survives keeps its bucket, rescaled, never refilled.
TEST(TenantRegistryReloadTest, SurvivingTenantKeepsItsDrainedBucketUnderANewRate) {
  FakeClock clock;
  TenantRegistry before(Tenants(), Dynamic(10));
  const TenantRef acme = before.Lookup(Configured(0), clock.Now());
  Drain(acme, clock.Now());

  // acme moves to index 1 and doubles its rate and burst; a new tenant takes index 0.
  auto tenants = Tenants();
  std::swap(tenants[0], tenants[1]);
  tenants[1].rate = {200, 100};
  TenantRegistry after(tenants, Dynamic(10));
  after.InheritFrom(before, clock.Now());

  const TenantRef moved = after.Lookup(Configured(1), clock.Now());
  EXPECT_EQ(moved.name, "acme");
  EXPECT_EQ(moved.bucket, acme.bucket) << "the same bucket, shared with the old registry";
  EXPECT_FALSE(moved.bucket->TryTake(clock.Now(), 1, moved.policy).allowed)
      << "an empty bucket stays empty: a reload grants no tokens";
  // 2 tokens at the new 200/s. (And a nanosecond: the same 500 ms tolerance would have left the
  // TAT where it was, and a Rescale always moves it, by one nanosecond towards "more used".)
  clock.Advance(10ms + 1ns);
  EXPECT_EQ(moved.bucket->Peek(clock.Now(), moved.policy).remaining, 2u);
}

TEST(TenantRegistryReloadTest, RemovedTenantsAreForgottenAndNewOnesStartFull) {
  FakeClock clock;
  TenantRegistry before(Tenants(), Dynamic(10));
  Drain(before.Lookup(Configured(1), clock.Now()), clock.Now());  // globex
  TenantConfig initech;
  initech.name = "initech";
  initech.rate = {1, 3};
  TenantRegistry after({Tenants()[0], initech}, Dynamic(10));
  after.InheritFrom(before, clock.Now());
  const TenantRef fresh = after.Lookup(Configured(1), clock.Now());
  EXPECT_EQ(fresh.name, "initech");
  EXPECT_EQ(fresh.bucket->Peek(clock.Now(), fresh.policy).remaining, 3u);
  EXPECT_FALSE(after.directory().FindByName("globex"));
}

TEST(TenantRegistryReloadTest, DynamicKeysMoveOverWithTheirBucketsWithinTheNewBound) {
  FakeClock clock;
  TenantRegistry before({}, Dynamic(1000));  // room for all 50 in every shard
  std::vector<GcraBucket*> buckets;
  for (int i = 0; i < 50; ++i) {
    const TenantRef ref = before.Lookup(Key("k" + std::to_string(i)), clock.Now());
    Drain(ref, clock.Now());
    buckets.push_back(ref.bucket);
  }
  ASSERT_EQ(before.dynamic_size(), 50u);
  TenantRegistry after({}, Dynamic(1000));
  after.InheritFrom(before, clock.Now());
  EXPECT_EQ(after.dynamic_size(), 50u);
  for (int i = 0; i < 50; ++i) {
    const TenantRef ref = after.Lookup(Key("k" + std::to_string(i)), clock.Now());
    EXPECT_EQ(ref.bucket, buckets[i]) << "key k" << i;
    EXPECT_FALSE(ref.bucket->TryTake(clock.Now(), 1, ref.policy).allowed);
  }
  TenantRegistry smaller({}, Dynamic(20));
  smaller.InheritFrom(before, clock.Now());
  EXPECT_LE(smaller.dynamic_size(), 20u) << "the new bound holds";
}

}  // namespace
}  // namespace sluice::admission
