#pragma once
// Deficit round robin over the tenants of one priority class (Shreedhar & Varghese, "Efficient
// fair queuing using deficit round robin", SIGCOMM 1995). Each backlogged tenant, on its turn,
// is credited quantum = weight requests and is served while its deficit lasts; a tenant that
// runs dry leaves the ring and forgets its deficit. While tenants stay backlogged, tenant i gets
// exactly weight_i / Σ weights of the service, at O(1) work per pick.
//
// Thread-safety: not thread-safe; owned by one FairQueue and used under its mutex.
#include <cstdint>
#include <vector>

namespace sluice::admission {

class DrrRing {
 public:
  // weights[t] for every tenant index t; a weight of 0 is taken as 1.
  explicit DrrRing(const std::vector<uint32_t>& weights);

  // `tenant` became backlogged: it joins at the end of the current round.
  void Activate(uint32_t tenant);
  // `tenant` has nothing queued any more: it leaves the ring and its deficit is dropped.
  void Deactivate(uint32_t tenant);
  // The tenant to serve next, charged one request. Requires !empty().
  [[nodiscard]] uint32_t PickNext();

  [[nodiscard]] bool empty() const { return current_ == kNone; }
  [[nodiscard]] bool active(uint32_t tenant) const { return flows_[tenant].active; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Flow {
    uint32_t prev = kNone;
    uint32_t next = kNone;
    uint64_t deficit = 0;   // requests it may still send this turn
    uint32_t quantum = 1;   // = weight
    bool credited = false;  // this turn's quantum already added
    bool active = false;
  };

  std::vector<Flow> flows_;
  uint32_t current_ = kNone;  // the tenant whose turn it is; the ring is circular
};

}  // namespace sluice::admission
