#include "upstream/upstream_error.h"

namespace sluice::upstream {

using http::Status;
using observability::UpstreamErrorKind;

ErrorReply ReplyFor(UpstreamError error) {
  switch (error) {
    case UpstreamError::kNone:
      return {Status::ok, ""};
    case UpstreamError::kNoEndpoint:
      return {Status::service_unavailable, "no_healthy_upstream"};
    case UpstreamError::kPoolExhausted:
      return {Status::service_unavailable, "upstream_pool_exhausted"};
    case UpstreamError::kConnectFailed:
      return {Status::bad_gateway, "upstream_connect_failed"};
    case UpstreamError::kConnectTimeout:
      return {Status::gateway_timeout, "upstream_connect_timeout"};
    case UpstreamError::kTimeout:
      return {Status::gateway_timeout, "upstream_timeout"};
    case UpstreamError::kReset:
      return {Status::bad_gateway, "upstream_reset"};
    case UpstreamError::kBadResponse:
      return {Status::bad_gateway, "upstream_bad_response"};
  }
  return {Status::bad_gateway, "upstream_error"};
}

bool IsBackendFailure(UpstreamError error) {
  return error != UpstreamError::kNone && error != UpstreamError::kNoEndpoint &&
         error != UpstreamError::kPoolExhausted;
}

UpstreamErrorKind MetricKind(UpstreamError error) {
  switch (error) {
    case UpstreamError::kConnectFailed:
      return UpstreamErrorKind::kConnect;
    case UpstreamError::kConnectTimeout:
    case UpstreamError::kTimeout:
      return UpstreamErrorKind::kTimeout;
    case UpstreamError::kBadResponse:
      return UpstreamErrorKind::kBadResponse;
    case UpstreamError::kPoolExhausted:
      return UpstreamErrorKind::kPoolExhausted;
    case UpstreamError::kNoEndpoint:
      return UpstreamErrorKind::kNoEndpoint;
    default:
      return UpstreamErrorKind::kReset;
  }
}

}  // namespace sluice::upstream
