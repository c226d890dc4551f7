#include "upstream/upstream_error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sluice::upstream {
namespace {

using http::Status;
using observability::UpstreamErrorKind;

constexpr UpstreamError kAllErrors[] = {
    UpstreamError::kNoEndpoint,     UpstreamError::kPoolExhausted, UpstreamError::kConnectFailed,
    UpstreamError::kConnectTimeout, UpstreamError::kTimeout,       UpstreamError::kReset,
    UpstreamError::kBadResponse};

TEST(UpstreamErrorTest, NoUsableEndpointIs503) {
  EXPECT_EQ(ReplyFor(UpstreamError::kNoEndpoint).status, Status::service_unavailable);
  EXPECT_EQ(ReplyFor(UpstreamError::kNoEndpoint).reason, "no_healthy_upstream");
  EXPECT_EQ(ReplyFor(UpstreamError::kPoolExhausted).status, Status::service_unavailable);
  EXPECT_EQ(ReplyFor(UpstreamError::kPoolExhausted).reason, "upstream_pool_exhausted");
}

TEST(UpstreamErrorTest, ConnectFailureResetAndBadResponseAre502) {
  EXPECT_EQ(ReplyFor(UpstreamError::kConnectFailed).status, Status::bad_gateway);
  EXPECT_EQ(ReplyFor(UpstreamError::kConnectFailed).reason, "upstream_connect_failed");
  EXPECT_EQ(ReplyFor(UpstreamError::kReset).status, Status::bad_gateway);
  EXPECT_EQ(ReplyFor(UpstreamError::kReset).reason, "upstream_reset");
  EXPECT_EQ(ReplyFor(UpstreamError::kBadResponse).status, Status::bad_gateway);
  EXPECT_EQ(ReplyFor(UpstreamError::kBadResponse).reason, "upstream_bad_response");
}

TEST(UpstreamErrorTest, TimeoutsAre504) {
  EXPECT_EQ(ReplyFor(UpstreamError::kConnectTimeout).status, Status::gateway_timeout);
  EXPECT_EQ(ReplyFor(UpstreamError::kConnectTimeout).reason, "upstream_connect_timeout");
  EXPECT_EQ(ReplyFor(UpstreamError::kTimeout).status, Status::gateway_timeout);
  EXPECT_EQ(ReplyFor(UpstreamError::kTimeout).reason, "upstream_timeout");
}

TEST(UpstreamErrorTest, NoneIsOkWithoutReason) {
  EXPECT_EQ(ReplyFor(UpstreamError::kNone).status, Status::ok);
  EXPECT_EQ(ReplyFor(UpstreamError::kNone).reason, "");
}

TEST(UpstreamErrorTest, EveryErrorHasADistinctNonEmptyReason) {
  std::set<std::string> reasons;
  for (auto e : kAllErrors) {
    const auto reply = ReplyFor(e);
    EXPECT_FALSE(reply.reason.empty()) << static_cast<int>(e);
    EXPECT_GE(static_cast<unsigned>(reply.status), 500u) << static_cast<int>(e);
    EXPECT_TRUE(reasons.emplace(reply.reason).second) << reply.reason;
  }
}

TEST(UpstreamErrorTest, OnlyFailuresTalkingToABackendAreBackendFailures) {
  EXPECT_FALSE(IsBackendFailure(UpstreamError::kNone));
  EXPECT_FALSE(IsBackendFailure(UpstreamError::kNoEndpoint));
  EXPECT_FALSE(IsBackendFailure(UpstreamError::kPoolExhausted));
  EXPECT_TRUE(IsBackendFailure(UpstreamError::kConnectFailed));
  EXPECT_TRUE(IsBackendFailure(UpstreamError::kConnectTimeout));
  EXPECT_TRUE(IsBackendFailure(UpstreamError::kTimeout));
  EXPECT_TRUE(IsBackendFailure(UpstreamError::kReset));
  EXPECT_TRUE(IsBackendFailure(UpstreamError::kBadResponse));
}

TEST(UpstreamErrorTest, MetricKindClassifiesEachError) {
  EXPECT_EQ(MetricKind(UpstreamError::kPoolExhausted), UpstreamErrorKind::kPoolExhausted);
  EXPECT_EQ(MetricKind(UpstreamError::kNoEndpoint), UpstreamErrorKind::kNoEndpoint);
  EXPECT_EQ(MetricKind(UpstreamError::kConnectFailed), UpstreamErrorKind::kConnect);
  EXPECT_EQ(MetricKind(UpstreamError::kConnectTimeout), UpstreamErrorKind::kTimeout);
  EXPECT_EQ(MetricKind(UpstreamError::kTimeout), UpstreamErrorKind::kTimeout);
  EXPECT_EQ(MetricKind(UpstreamError::kReset), UpstreamErrorKind::kReset);
  EXPECT_EQ(MetricKind(UpstreamError::kBadResponse), UpstreamErrorKind::kBadResponse);
}

TEST(UpstreamErrorTest, EveryMetricKindIsReachable) {
  std::set<UpstreamErrorKind> kinds;
  for (auto e : kAllErrors) {
    kinds.insert(MetricKind(e));
  }
  EXPECT_EQ(kinds.size(), observability::kUpstreamErrorKinds);
}

}  // namespace
}  // namespace sluice::upstream
