#pragma once
// Which allocator serves sluice's heap, for the start-up log line (README, "Performance").
#include <string>

namespace sluice::app {

// "mimalloc 2.0.9" when the binary was built with SLUICE_MIMALLOC, else "glibc malloc".
[[nodiscard]] std::string AllocatorName();

}  // namespace sluice::app
