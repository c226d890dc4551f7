#pragma once
// The client's own deadline, when it sent one: a queued request never waits past the point
// where its client stops caring (DESIGN §4 step 5).
//   grpc-timeout: 1–8 digits and a unit (H, M, S, m, u, n), per the gRPC over HTTP/2 spec.
//   X-Request-Timeout: seconds, integer or decimal ("2", "0.25"), or with a unit ("250ms",
//   "2s"). Several proxies accept this header under this name; there is no RFC for it.
// Malformed values are ignored (the request keeps the route's own limits), never rejected:
// a deadline can only shorten a wait.
//
// Thread-safety: pure functions.
#include <functional>
#include <optional>
#include <string_view>

#include "core/clock.h"

namespace sluice::admission {

// Longer timeouts than this are treated as this: no queue waits that long anyway, and it
// keeps `now + timeout` far from overflow.
inline constexpr core::Duration kMaxClientTimeout = std::chrono::hours(1);

[[nodiscard]] std::optional<core::Duration> ParseGrpcTimeout(std::string_view value);
[[nodiscard]] std::optional<core::Duration> ParseRequestTimeout(std::string_view value);

// The earliest deadline the request's headers ask for, counted from `received`; nullopt if none.
using HeaderLookup = std::function<std::optional<std::string_view>(std::string_view name)>;
[[nodiscard]] std::optional<core::TimePoint> ClientDeadline(const HeaderLookup& header,
                                                            core::TimePoint received);

}  // namespace sluice::admission
