#include "app/allocator.h"

// Why a second allocator: every HTTP/2 stream allocates and frees some forty small blocks
// (coroutine frames, header fields, timers), and at tens of streams per connection they are
// freed in bursts far larger than glibc's seven-entry per-thread cache, so most frees took
// glibc's slow path (consolidation, bin sorting): a fifth of sluice's user CPU per request.
// mimalloc's per-thread free lists have no such limit (loadtest/RESULTS.md, issue 5).
//
// Only in the executable, and only with SLUICE_MIMALLOC (off under the sanitizers, which must
// see every allocation): linking libmimalloc interposes malloc/free for the C libraries
// (nghttp2, OpenSSL) too, and the header below routes operator new/delete to it directly.
#if defined(SLUICE_MIMALLOC)
#include <mimalloc-new-delete.h>
#include <mimalloc.h>
#endif

namespace sluice::app {

std::string AllocatorName() {
#if defined(SLUICE_MIMALLOC)
  const int v = mi_version();  // major × 100 + minor
  return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v % 100 / 10) + "." +
         std::to_string(v % 10);
#else
  return "glibc malloc";
#endif
}

}  // namespace sluice::app
