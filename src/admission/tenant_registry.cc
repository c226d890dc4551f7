#include "admission/tenant_registry.h"

#include <algorithm>
#include <utility>

namespace sluice::admission {
namespace {

GcraBucket::Policy PolicyOf(const config::RateConfig& rate) {
  return {rate.per_second, rate.burst};
}

// The shard takes the hash's high bits; the map's bucket index comes from the low ones.
size_t ShardOf(uint64_t hash, size_t shard_count) {
  return static_cast<size_t>((hash >> 32) % shard_count);
}

}  // namespace

struct TenantRegistry::Configured {
  std::string name;
  GcraBucket::Policy policy;
  config::PolicyMode mode = config::PolicyMode::kEnforce;
  std::string priority_class;
  uint32_t weight = 1;
  // Shared with the registry of the next configuration when the tenant survives a reload.
  std::shared_ptr<GcraBucket> bucket = std::make_shared<GcraBucket>();
};

// One slice of the dynamic table. `mu` guards everything but `overflow`'s pointee (lock-free).
struct TenantRegistry::Shard {
  struct Entry {
    std::string key;
    std::shared_ptr<GcraBucket> bucket;
  };
  using List = std::list<Entry>;
  // Keyed: the keys are client-chosen, and must not be able to pile into one hash bucket.
  using Index = std::unordered_map<std::string_view, List::iterator, core::KeyedStringHash>;

  Shard(size_t capacity, const core::SipHash13& hasher)
      : index(capacity, core::KeyedStringHash{&hasher}), capacity(capacity) {}

  std::mutex mu;
  List lru;     // front = most recently seen
  Index index;  // views into Entry::key
  std::shared_ptr<GcraBucket> overflow = std::make_shared<GcraBucket>();
  size_t capacity = 0;
};

TenantRegistry::TenantRegistry(const std::vector<config::TenantConfig>& tenants,
                               const config::IdentityConfig& identity,
                               std::vector<std::string>* errors)
    : directory_(TenantDirectory::Build(tenants, errors)),
      configured_count_(tenants.size()),
      configured_(std::make_unique<Configured[]>(tenants.size())),
      dynamic_policy_(PolicyOf(identity.dynamic_rate)) {
  for (size_t i = 0; i < tenants.size(); ++i) {
    Configured& c = configured_[i];
    c.name = tenants[i].name;
    c.policy = PolicyOf(tenants[i].rate);
    c.mode = tenants[i].mode;
    c.priority_class = tenants[i].priority_class;
    c.weight = std::max<uint32_t>(1, tenants[i].weight);
  }
  if (identity.on_missing != "reject") {
    on_missing_ = directory_.FindByName(identity.on_missing);
    if (!on_missing_ && errors != nullptr) {
      errors->push_back("identity.on_missing: no tenant named '" + identity.on_missing + "'");
    }
  }
  // Fewer shards than keys would leave shards that can hold nothing; the capacities add up to
  // exactly max_dynamic_tenants, so the bound holds globally.
  const size_t max_dynamic = identity.max_dynamic_tenants;
  const size_t shard_count = std::clamp<size_t>(max_dynamic, 1, kShards);
  shards_.reserve(shard_count);
  for (size_t i = 0; i < shard_count; ++i) {
    const size_t capacity = max_dynamic / shard_count + (i < max_dynamic % shard_count ? 1 : 0);
    shards_.push_back(std::make_unique<Shard>(capacity, hasher_));
  }
}

TenantRegistry::~TenantRegistry() = default;

TenantRef TenantRegistry::ConfiguredRef(uint32_t index) const {
  Configured& c = configured_[index];
  TenantRef ref;
  ref.bucket = c.bucket.get();
  ref.policy = c.policy;
  ref.name = c.name;
  ref.index = index;
  ref.mode = c.mode;
  ref.priority_class = c.priority_class;
  ref.weight = c.weight;
  return ref;
}

TenantRef TenantRegistry::DynamicRef(std::shared_ptr<GcraBucket> bucket) const {
  TenantRef ref;
  ref.bucket = bucket.get();
  ref.keep_alive = std::move(bucket);
  ref.policy = dynamic_policy_;
  ref.name = kDynamicName;
  ref.index = dynamic_index();
  ref.dynamic = true;
  return ref;
}

void TenantRegistry::InheritFrom(const TenantRegistry& previous, core::TimePoint now) {
  // The same secret key: with the same bound every key lands in the shard of the same index, so
  // a table that fitted before fits again. (The maps are empty yet: nothing to rehash.)
  hasher_ = previous.hasher_;
  for (size_t i = 0; i < configured_count_; ++i) {
    Configured& c = configured_[i];
    const auto old = previous.directory_.FindByName(c.name);
    if (!old) continue;
    const Configured& was = previous.configured_[*old];
    c.bucket = was.bucket;
    c.bucket->Rescale(was.policy, c.policy, now);
  }
  for (const auto& shard : previous.shards_) {
    std::lock_guard old_lock(shard->mu);
    // Least recently seen first, so each new shard's LRU order matches the old one.
    for (auto it = shard->lru.rbegin(); it != shard->lru.rend(); ++it) {
      Shard& into = *shards_[ShardOf(hasher_.Hash(it->key), shards_.size())];
      std::lock_guard new_lock(into.mu);
      if (into.lru.size() >= into.capacity || into.index.contains(it->key)) continue;
      it->bucket->Rescale(previous.dynamic_policy_, dynamic_policy_, now);
      into.lru.push_front({it->key, it->bucket});
      into.index.emplace(into.lru.front().key, into.lru.begin());
      dynamic_size_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

TenantRef TenantRegistry::Lookup(const Identity& identity, core::TimePoint now) {
  switch (identity.kind) {
    case Identity::kConfigured:
      if (identity.tenant_index < configured_count_) return ConfiguredRef(identity.tenant_index);
      return {};
    case Identity::kDynamic:
      return LookupDynamic(identity.dynamic_key, now);
    case Identity::kMissing:
      break;
  }
  if (on_missing_) return ConfiguredRef(*on_missing_);
  return {};
}

TenantRef TenantRegistry::LookupDynamic(const std::string& key, core::TimePoint now) {
  Shard& shard = *shards_[ShardOf(hasher_.Hash(key), shards_.size())];
  std::shared_ptr<GcraBucket> bucket;
  {
    std::lock_guard lock(shard.mu);
    if (const auto hit = shard.index.find(key); hit != shard.index.end()) {
      shard.lru.splice(shard.lru.begin(), shard.lru, hit->second);
      bucket = hit->second->bucket;
    } else if (shard.lru.size() < shard.capacity) {
      shard.lru.push_front({key, std::make_shared<GcraBucket>()});
      shard.index.emplace(shard.lru.front().key, shard.lru.begin());
      dynamic_size_.fetch_add(1, std::memory_order_relaxed);
      bucket = shard.lru.front().bucket;
    } else {
      // Full shard: reuse the slot of a least-recently-seen entry whose bucket has refilled.
      auto victim = shard.lru.end();
      auto it = shard.lru.end();
      for (size_t probed = 0; probed < kEvictionProbe && it != shard.lru.begin(); ++probed) {
        --it;
        if (it->bucket->Peek(now, dynamic_policy_).reset <= core::Duration::zero()) {
          victim = it;
          break;
        }
      }
      if (victim != shard.lru.end()) {
        shard.index.erase(victim->key);
        victim->key = key;
        victim->bucket = std::make_shared<GcraBucket>();  // holders of the old one keep theirs
        shard.lru.splice(shard.lru.begin(), shard.lru, victim);
        shard.index.emplace(victim->key, victim);
        evictions_.fetch_add(1, std::memory_order_relaxed);
        bucket = victim->bucket;
      } else {
        overflow_.fetch_add(1, std::memory_order_relaxed);
        bucket = shard.overflow;
      }
    }
  }
  return DynamicRef(std::move(bucket));
}

}  // namespace sluice::admission
