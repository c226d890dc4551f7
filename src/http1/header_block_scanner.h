#pragma once
// Finds the end of an HTTP/1.1 request head in received bytes and rejects byte-level
// smuggling vectors before Beast's parser sees them: obs-fold (RFC 9112 §5.2), bare CR or LF,
// NUL and other control characters, and HTTP/0.9-style request lines. Beast tolerates some
// of these; a proxy must not, because the backend may read them differently.
#include <cstddef>
#include <string_view>

namespace sluice::http1 {

enum class ScanStatus {
  kNeedMore,  // no complete head yet; read more (subject to the size limit)
  kComplete,  // head ends at `size` (including the final CRLF CRLF)
  kMalformed  // reject with 400 and close
};

struct ScanResult {
  ScanStatus status = ScanStatus::kNeedMore;
  std::size_t size = 0;
  std::string_view error;  // for kMalformed: a short reason for logs
};

// `data` starts at the first byte of a request (leading empty lines, which RFC 9112 §2.2 says
// to ignore, are skipped and counted in `size`).
[[nodiscard]] ScanResult ScanRequestHead(std::string_view data);

}  // namespace sluice::http1
