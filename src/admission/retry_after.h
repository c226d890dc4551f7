#pragma once
// Retry-After values and RateLimit header fields for admission rejections (DESIGN §4 steps 3, 6).
// Randomness is passed in by the caller (no global RNG), so every value is reproducible.
//
// Thread-safety: pure functions.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace sluice::admission {

inline constexpr int64_t kRetryAfter503MinSeconds = 1;
inline constexpr int64_t kRetryAfter503MaxSeconds = 60;

// ⌈d⌉ in whole seconds; 0 for d ≤ 0.
[[nodiscard]] int64_t CeilSeconds(core::Duration d);

// 429 (tenant_rate). `wait` is the exact GCRA retry_after. The client is told
//   ⌈wait + j⌉ seconds (≥ 1),  j = random mod (J + 1) ns,  J = min(jitter_fraction·wait,
//   jitter_cap)
// so the jitter only ever moves the answer later: it is never below ⌈wait⌉, and a client that
// obeys it always finds the tokens there. (Jitter smaller than the rounding slack is absorbed by
// the ceiling, which is fine: the point is to spread long waits, where herds hurt.)
[[nodiscard]] int64_t RetryAfterSeconds429(core::Duration wait, double jitter_fraction,
                                           core::Duration jitter_cap, uint64_t random);

// 503 (queue_full, queue_timeout, overload_shed). Expected time to drain the queue down to its
// low watermark at the measured completion rate, plus the recovery time the shed fraction f
// implies (f/(1−f) seconds: for every second of overload at that fraction, that many seconds of
// capacity are owed to the clients sent away, DESIGN §4.6 and §5), spread upward by
// ×(1 + 0.5·random01) (so the clients rejected in one instant come back over a 1×–1.5× window
// instead of in one herd), then rounded up and clamped to [1 s, 60 s]:
//   ⌈((depth − low)⁺ / rate + f/(1−f)) · (1 + 0.5·random01)⌉ clamped to [1, 60]
// Nothing to drain and nothing shed → 1 s whatever the rate. Something to drain but no completion
// measured (rate ≤ 0 or NaN) → 60 s: the backend looks stalled, and the cap keeps the answer
// bounded. random01 and f are clamped to [0, 1].
[[nodiscard]] int64_t RetryAfterSeconds503(std::size_t queue_depth, std::size_t low_watermark,
                                           double completion_rate_per_s, double random01,
                                           double shed_fraction = 0.0);

// IETF httpapi RateLimit header fields, draft-ietf-httpapi-ratelimit-headers-10. The policy name
// is a Structured Field string: `"` and `\` are escaped, bytes outside printable ASCII become '?'.
// RateLimit-Policy: "<name>";q=<burst>;w=<window_seconds>   (window < 1 is sent as 1)
[[nodiscard]] std::string RateLimitPolicyHeader(std::string_view name, uint32_t burst,
                                                int64_t window_seconds);
// RateLimit: "<name>";r=<remaining>;t=<reset_seconds>        (negative reset is sent as 0)
[[nodiscard]] std::string RateLimitHeader(std::string_view name, uint32_t remaining,
                                          int64_t reset_seconds);

}  // namespace sluice::admission
