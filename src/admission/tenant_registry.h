#pragma once
// Per-tenant token buckets for the whole gateway (DESIGN §3, §4 steps 2–3; issue 3 items 1–2).
//
// Configured tenants: one GcraBucket each, allocated at construction or inherited from the
// previous configuration's registry by name (stable addresses, shared between the two), with
// the tenant's own rate, mode, class and weight.
// Dynamic tenants (callers identified by a header value or address but not configured): one
// bucket per key with `identity.dynamic_rate`, in a bounded table of at most
// `max_dynamic_tenants` keys split over up to kShards shards. A shard is a mutex, a hash map
// and an LRU list (front = most recently seen); the mutex is held for one hash lookup, one list
// splice and at most kEvictionProbe bucket peeks, never across a call out. Keys are hashed with
// a secret random SipHash key, so callers cannot aim their keys at one shard or hash bucket.
//
// Eviction never hands out free tokens (DESIGN §4: "evicting an idle key never hands out free
// tokens"). A new key in a full shard may only take the slot of an entry whose bucket has
// completely refilled (TAT ≤ now), so forgetting that entry loses nothing: if the evicted key
// comes back it gets the full bucket it would have had anyway. The probe looks at the
// kEvictionProbe least recently seen entries. If none is full, the new key is not tracked and
// is charged to the shard's shared overflow bucket (same dynamic policy), so a flood of fresh
// keys shares one bucket instead of either evicting limited keys or getting a bucket each.
//
// Lifetime: configured buckets and every string_view in a TenantRef live as long as the
// registry. A dynamic bucket is heap-allocated and shared: TenantRef::keep_alive owns a
// reference, so the bucket stays valid while the request holds its ref even if the key is
// evicted meanwhile (the bucket is then simply forgotten by the table).
//
// Thread-safety: thread-safe; shared by all workers. Configured lookups take no lock; dynamic
// lookups take one shard mutex briefly. Buckets themselves are lock-free (GcraBucket).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "admission/gcra.h"
#include "admission/identity.h"
#include "config/schema/config.h"
#include "core/clock.h"
#include "core/keyed_hash.h"

namespace sluice::admission {

// The tenant a request is charged to. Empty (bucket == nullptr) only for a missing identity
// under `on_missing: reject`: the caller answers 401.
struct TenantRef {
  GcraBucket* bucket = nullptr;
  std::shared_ptr<GcraBucket> keep_alive;  // dynamic tenants only: holds `bucket` alive
  GcraBucket::Policy policy;
  std::string_view name;  // configured name, or "other" (bounded metric label)
  uint32_t index = 0;     // configured index, or dynamic_index() (one DRR slot)
  config::PolicyMode mode = config::PolicyMode::kEnforce;
  std::string_view priority_class;  // "" = the route's class, else the default class
  uint32_t weight = 1;              // DRR quantum
  bool dynamic = false;

  explicit operator bool() const { return bucket != nullptr; }
};

class TenantRegistry {
 public:
  static constexpr size_t kShards = 16;
  static constexpr size_t kEvictionProbe = 4;
  static constexpr std::string_view kDynamicName = "other";

  // `errors`, if given, receives TenantDirectory::Build's messages and an unknown on_missing.
  TenantRegistry(const std::vector<config::TenantConfig>& tenants,
                 const config::IdentityConfig& identity,
                 std::vector<std::string>* errors = nullptr);
  ~TenantRegistry();
  TenantRegistry(const TenantRegistry&) = delete;
  TenantRegistry& operator=(const TenantRegistry&) = delete;

  // Reload (issue 6), before this registry serves: every configured tenant that `previous` also
  // has (by name) shares its bucket, rescaled to the new rate and burst (GcraBucket::Rescale:
  // never refilled), and the dynamic keys move over with their buckets as far as the new bound
  // allows. Requests still on the previous configuration charge the same buckets meanwhile.
  // A dynamic key first seen by `previous` after this call starts afresh here, like any new key.
  // Call before the first Lookup.
  void InheritFrom(const TenantRegistry& previous, core::TimePoint now);

  // Identity → the bucket and policy to charge. kDynamic inserts or refreshes the key (LRU);
  // kMissing → the on_missing tenant, or an empty ref under "reject".
  [[nodiscard]] TenantRef Lookup(const Identity& identity, core::TimePoint now);

  [[nodiscard]] const TenantDirectory& directory() const { return directory_; }
  [[nodiscard]] uint32_t dynamic_index() const { return static_cast<uint32_t>(configured_count_); }
  [[nodiscard]] size_t configured_size() const { return configured_count_; }
  // Dynamic keys tracked now; never above max_dynamic_tenants.
  [[nodiscard]] size_t dynamic_size() const {
    return dynamic_size_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] uint64_t evictions_total() const {
    return evictions_.load(std::memory_order_relaxed);
  }
  // Lookups of new keys charged to an overflow bucket because no entry could be evicted.
  [[nodiscard]] uint64_t overflow_total() const {
    return overflow_.load(std::memory_order_relaxed);
  }

 private:
  struct Configured;
  struct Shard;

  [[nodiscard]] TenantRef ConfiguredRef(uint32_t index) const;
  [[nodiscard]] TenantRef DynamicRef(std::shared_ptr<GcraBucket> bucket) const;
  [[nodiscard]] TenantRef LookupDynamic(const std::string& key, core::TimePoint now);

  TenantDirectory directory_;
  size_t configured_count_ = 0;
  std::unique_ptr<Configured[]> configured_;
  std::optional<uint32_t> on_missing_;  // nullopt: reject
  GcraBucket::Policy dynamic_policy_;
  // Secret per registry, or inherited from the previous configuration's (InheritFrom).
  core::SipHash13 hasher_ = core::SipHash13::WithRandomKey();
  std::vector<std::unique_ptr<Shard>> shards_;
  // Counters: written by any worker under a shard mutex (or not), read by metrics. Relaxed:
  // each is a standalone statistic that publishes no other data.
  std::atomic<size_t> dynamic_size_{0};
  std::atomic<uint64_t> evictions_{0};
  std::atomic<uint64_t> overflow_{0};
};

}  // namespace sluice::admission
