#pragma once
// Every upstream failure is classified once, here, with the status and reason the client sees
// and whether the metric calls it a connect, timeout, reset or bad-response error.
#include <string_view>

#include "http/types.h"
#include "observability/gateway_metrics.h"

namespace sluice::upstream {

enum class UpstreamError {
  kNone,
  kNoEndpoint,      // cluster has no usable endpoint → 503
  kPoolExhausted,   // every connection slot of the chosen endpoint is busy → 503
  kConnectFailed,   // refused / unreachable → 502
  kConnectTimeout,  // → 504
  kTimeout,         // response headers not received in time → 504
  kReset,           // connection closed or reset mid-exchange → 502
  kBadResponse,     // unparsable or ambiguous framing → 502
};

struct ErrorReply {
  http::Status status;
  std::string_view reason;  // X-Sluice-Reason
};

[[nodiscard]] ErrorReply ReplyFor(UpstreamError error);
// A backend failed (reset, timeout, refused, bad answer): a drop for the controller. No endpoint
// and an exhausted pool are sluice's own limits and tell the controller nothing.
[[nodiscard]] bool IsBackendFailure(UpstreamError error);
// Its kind in sluice_upstream_errors_total (every error but kNone is counted there).
[[nodiscard]] observability::UpstreamErrorKind MetricKind(UpstreamError error);

}  // namespace sluice::upstream
