#include "control/concurrency_limit.h"

#include <algorithm>

namespace sluice::control {

ConcurrencyLimit::ConcurrencyLimit(uint32_t initial) : limit_(std::max<uint32_t>(initial, 1)) {}

void ConcurrencyLimit::Set(uint32_t limit) {
  limit_.store(std::max<uint32_t>(limit, 1), std::memory_order_relaxed);
}

}  // namespace sluice::control
