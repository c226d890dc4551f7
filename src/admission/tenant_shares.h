#pragma once
// Dynamic refill (DESIGN §5 "Dynamic refill", issue 4 item 5). While a cluster's limit binds,
// the cluster can sustain only about R = limit / mean latency requests per second (Little's law).
// That rate is shared among the tenants active on the cluster by weight, max-min fair: every
// tenant may use up to level × weight (never above its configured rate), where the water level
// is the highest at which the tenants' demands, so capped, still fit in R. A light tenant keeps
// all it asks for and its unused share raises the level for the others; a tenant above its share
// meets 429 `tenant_share`, so one tenant cannot push the others into 503. When the limit does
// not bind, nothing here limits anyone (configured rates apply unchanged).
//
// Per tenant index (configured tenants, then one slot for all dynamic tenants together) a GCRA
// bucket at the share rate, and an arrival counter the control thread turns into demand.
//
// Thread-safety: Admit from any worker (one relaxed counter increment and, while sharing, one
// lock-free GCRA step); Update and the getters from the control thread.
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "admission/gcra.h"
#include "core/clock.h"

namespace sluice::admission {

struct FairShareInput {
  double demand = 0;  // requests per second it offered
  double weight = 1;  // > 0
  double cap = 0;     // its configured rate; ≤ 0: no cap
};

// The water level L such that Σ min(demand_i, cap_i, L·weight_i) = capacity; infinity when all
// the (capped) demands fit. Each tenant's limit is then min(cap_i, L·w_i).
[[nodiscard]] double FairShareLevel(double capacity, const std::vector<FairShareInput>& tenants);

struct TenantShareConfig {
  double weight = 1;
  double configured_rate = 0;  // ≤ 0: none (dynamic tenants together)
  uint32_t burst = 1;          // the share bucket's depth
};

class TenantShares {
 public:
  explicit TenantShares(std::vector<TenantShareConfig> tenants);
  ~TenantShares();
  TenantShares(const TenantShares&) = delete;
  TenantShares& operator=(const TenantShares&) = delete;

  // A request of tenant `index` reaches the cluster. Allowed unless shares are in force and the
  // tenant's share bucket is empty.
  [[nodiscard]] GcraDecision Admit(uint32_t index, core::TimePoint now);

  // Control thread, once per controller window: binding → share `sustainable_rate` among the
  // tenants by the demand they showed since the previous call; not binding → lift the shares.
  void Update(bool binding, double sustainable_rate, core::Duration window);

  [[nodiscard]] bool sharing() const { return sharing_.load(std::memory_order_relaxed); }
  // The rate tenant `index` may use now: its share while sharing, else its configured rate
  // (0: unlimited here).
  [[nodiscard]] double rate(uint32_t index) const;
  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] GcraBucket::Policy Policy(uint32_t index) const;

 private:
  struct Slot;
  std::size_t count_;
  std::unique_ptr<Slot[]> slots_;
  // Writer: control thread; readers: workers. Relaxed: a worker that sees the old value for a
  // moment applies the previous window's shares to one request.
  std::atomic<bool> sharing_{false};
};

}  // namespace sluice::admission
