#include "admission/tenant_shares.h"

#include <algorithm>
#include <limits>

namespace sluice::admission {

namespace {

double Capped(const FairShareInput& t) {
  return t.cap > 0 ? std::min(t.demand, t.cap) : t.demand;
}

// Σ min(demand_i, cap_i, level·w_i): what the tenants take at a given level.
double Taken(double level, const std::vector<FairShareInput>& tenants) {
  double sum = 0;
  for (const auto& t : tenants) sum += std::min(Capped(t), level * t.weight);
  return sum;
}

}  // namespace

double FairShareLevel(double capacity, const std::vector<FairShareInput>& tenants) {
  // The level at which every capped demand is met; if that fits, nobody needs holding back.
  double full = 0;
  for (const auto& t : tenants) {
    if (t.weight > 0) full = std::max(full, Capped(t) / t.weight);
  }
  if (Taken(full, tenants) <= capacity) return std::numeric_limits<double>::infinity();
  // Taken() is continuous and increasing in the level: bisect (60 halvings: far below any
  // resolution a rate limit needs).
  double low = 0, high = full;
  for (int i = 0; i < 60; ++i) {
    const double mid = (low + high) / 2;
    (Taken(mid, tenants) <= capacity ? low : high) = mid;
  }
  return low;
}

struct TenantShares::Slot {
  TenantShareConfig config;
  GcraBucket bucket;
  std::atomic<uint64_t> arrivals{0};   // written by workers
  uint64_t arrivals_seen = 0;          // control thread
  std::atomic<double> share_rate{0};  // control thread writes, workers read
};

TenantShares::TenantShares(std::vector<TenantShareConfig> tenants)
    : count_(tenants.size()), slots_(std::make_unique<Slot[]>(tenants.size())) {
  for (std::size_t i = 0; i < count_; ++i) slots_[i].config = tenants[i];
}

TenantShares::~TenantShares() = default;

GcraDecision TenantShares::Admit(uint32_t index, core::TimePoint now) {
  if (index >= count_) return {true};
  Slot& slot = slots_[index];
  slot.arrivals.fetch_add(1, std::memory_order_relaxed);
  if (!sharing()) return {true};
  return slot.bucket.TryTake(now, 1, Policy(index));
}

GcraBucket::Policy TenantShares::Policy(uint32_t index) const {
  const Slot& slot = slots_[index];
  return {slot.share_rate.load(std::memory_order_relaxed), std::max<uint32_t>(slot.config.burst, 1)};
}

void TenantShares::Update(bool binding, double sustainable_rate, core::Duration window) {
  const double seconds = core::ToSeconds(window);
  std::vector<FairShareInput> inputs(count_);
  for (std::size_t i = 0; i < count_; ++i) {
    Slot& slot = slots_[i];
    const uint64_t total = slot.arrivals.load(std::memory_order_relaxed);
    const double demand =
        seconds > 0 ? static_cast<double>(total - slot.arrivals_seen) / seconds : 0.0;
    slot.arrivals_seen = total;
    inputs[i] = {demand, slot.config.weight, slot.config.configured_rate};
  }
  if (!binding || !(sustainable_rate > 0)) {
    sharing_.store(false, std::memory_order_relaxed);
    return;
  }
  const double level = FairShareLevel(sustainable_rate, inputs);
  for (std::size_t i = 0; i < count_; ++i) {
    const auto& in = inputs[i];
    // No one tenant can use more than the whole cluster (this also bounds an infinite level).
    double share = std::min(level * in.weight, sustainable_rate);
    if (in.cap > 0) share = std::min(share, in.cap);
    // Never zero: a tenant silent in this window may start sending in the next.
    slots_[i].share_rate.store(std::max(share, 1.0), std::memory_order_relaxed);
  }
  sharing_.store(true, std::memory_order_relaxed);
}

double TenantShares::rate(uint32_t index) const {
  if (index >= count_) return 0;
  if (sharing()) return slots_[index].share_rate.load(std::memory_order_relaxed);
  return std::max(slots_[index].config.configured_rate, 0.0);
}

}  // namespace sluice::admission
