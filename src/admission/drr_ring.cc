#include "admission/drr_ring.h"

#include <algorithm>

namespace sluice::admission {

DrrRing::DrrRing(const std::vector<uint32_t>& weights) : flows_(weights.size()) {
  for (std::size_t t = 0; t < weights.size(); ++t) {
    flows_[t].quantum = std::max<uint32_t>(weights[t], 1);
  }
}

void DrrRing::Activate(uint32_t tenant) {
  Flow& f = flows_[tenant];
  if (f.active) return;
  f.active = true;
  f.deficit = 0;
  f.credited = false;
  if (current_ == kNone) {
    f.prev = f.next = tenant;
    current_ = tenant;
    return;
  }
  // Insert just before the current tenant: the last place of this round.
  const uint32_t last = flows_[current_].prev;
  f.prev = last;
  f.next = current_;
  flows_[last].next = tenant;
  flows_[current_].prev = tenant;
}

void DrrRing::Deactivate(uint32_t tenant) {
  Flow& f = flows_[tenant];
  if (!f.active) return;
  if (f.next == tenant) {
    current_ = kNone;
  } else {
    flows_[f.prev].next = f.next;
    flows_[f.next].prev = f.prev;
    if (current_ == tenant) current_ = f.next;
  }
  f.prev = f.next = kNone;
  f.deficit = 0;
  f.credited = false;
  f.active = false;
}

uint32_t DrrRing::PickNext() {
  for (;;) {
    Flow& f = flows_[current_];
    if (!f.credited) {
      f.deficit += f.quantum;
      f.credited = true;
    }
    if (f.deficit >= 1) {
      --f.deficit;
      return current_;
    }
    f.credited = false;  // turn over: credited again on its next visit
    current_ = f.next;
  }
}

}  // namespace sluice::admission
