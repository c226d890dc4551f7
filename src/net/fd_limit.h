#pragma once
#include <cstdint>

namespace sluice::net {

struct FdLimit {
  uint64_t soft = 0;
  uint64_t hard = 0;
};

// Raises the open-file soft limit to the hard limit: a proxy holds two descriptors per request.
// Returns the limits in force afterwards.
FdLimit RaiseFileLimit();

}  // namespace sluice::net
