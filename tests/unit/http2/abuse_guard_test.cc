#include "http2/abuse_guard.h"

#include <gtest/gtest.h>

#include "core/clock.h"

namespace sluice::http2 {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

AbuseLimits Limits(uint32_t events) {
  AbuseLimits l;
  l.rapid_reset = {events, milliseconds(10'000)};
  l.settings = {events, milliseconds(10'000)};
  l.ping = {events, milliseconds(10'000)};
  l.empty_data = {events, milliseconds(10'000)};
  l.max_continuations = events;
  return l;
}

class AbuseGuardKinds : public ::testing::TestWithParam<AbuseKind> {};

TEST_P(AbuseGuardKinds, TripsOnTheEventPastTheLimitAndNotBefore) {
  core::FakeClock clock;
  AbuseGuard guard(Limits(5));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(guard.Record(GetParam(), clock.Now()).ok()) << i;
  const auto verdict = guard.Record(GetParam(), clock.Now());
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(*verdict.tripped, GetParam());
}

TEST_P(AbuseGuardKinds, WindowSlidesAtLimitPerWindow) {
  core::FakeClock clock;
  AbuseGuard guard(Limits(5));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(guard.Record(GetParam(), clock.Now()).ok());
  clock.Advance(seconds(2));  // 5 per 10 s drains one event in 2 s
  EXPECT_TRUE(guard.Record(GetParam(), clock.Now()).ok());
  EXPECT_FALSE(guard.Record(GetParam(), clock.Now()).ok());
}

TEST_P(AbuseGuardKinds, AFullWindowLaterTheBurstIsAvailableAgain) {
  core::FakeClock clock;
  AbuseGuard guard(Limits(5));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(guard.Record(GetParam(), clock.Now()).ok());
  clock.Advance(seconds(10));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(guard.Record(GetParam(), clock.Now()).ok()) << i;
}

TEST_P(AbuseGuardKinds, SteadyRateBelowTheLimitNeverTrips) {
  core::FakeClock clock;
  AbuseGuard guard(Limits(5));
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(guard.Record(GetParam(), clock.Now()).ok()) << i;
    clock.Advance(milliseconds(2'100));  // just under 5 per 10 s
  }
}

INSTANTIATE_TEST_SUITE_P(Windowed, AbuseGuardKinds,
                         ::testing::Values(AbuseKind::kRapidReset, AbuseKind::kSettingsFlood,
                                           AbuseKind::kPingFlood, AbuseKind::kEmptyDataFlood),
                         [](const auto& info) { return std::string(ToString(info.param)); });

TEST(AbuseGuard, KindsAreCountedSeparately) {
  core::FakeClock clock;
  AbuseGuard guard(Limits(2));
  ASSERT_TRUE(guard.Record(AbuseKind::kPingFlood, clock.Now()).ok());
  ASSERT_TRUE(guard.Record(AbuseKind::kPingFlood, clock.Now()).ok());
  EXPECT_TRUE(guard.Record(AbuseKind::kSettingsFlood, clock.Now()).ok());
  EXPECT_TRUE(guard.Record(AbuseKind::kRapidReset, clock.Now()).ok());
  EXPECT_FALSE(guard.Record(AbuseKind::kPingFlood, clock.Now()).ok());
}

TEST(AbuseGuard, ZeroEventsDisablesALimit) {
  core::FakeClock clock;
  AbuseGuard guard(Limits(0));
  for (int i = 0; i < 10'000; ++i)
    ASSERT_TRUE(guard.Record(AbuseKind::kPingFlood, clock.Now()).ok());
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(guard.RecordContinuation().ok());
}

TEST(AbuseGuard, ContinuationsAreCountedPerHeaderBlock) {
  AbuseGuard guard(Limits(3));
  guard.StartHeaderBlock();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(guard.RecordContinuation().ok());
  guard.StartHeaderBlock();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(guard.RecordContinuation().ok());
  const auto verdict = guard.RecordContinuation();
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(*verdict.tripped, AbuseKind::kContinuationFlood);
}

TEST(AbuseGuard, KindNamesAreMetricLabels) {
  EXPECT_EQ(ToString(AbuseKind::kRapidReset), "rapid_reset");
  EXPECT_EQ(ToString(AbuseKind::kSettingsFlood), "settings_flood");
  EXPECT_EQ(ToString(AbuseKind::kPingFlood), "ping_flood");
  EXPECT_EQ(ToString(AbuseKind::kEmptyDataFlood), "empty_data_flood");
  EXPECT_EQ(ToString(AbuseKind::kContinuationFlood), "continuation_flood");
  EXPECT_EQ(ToString(AbuseKind::kHeaderListTooLarge), "header_list_too_large");
  EXPECT_EQ(ToString(AbuseKind::kTooManyStreams), "too_many_streams");
}

}  // namespace
}  // namespace sluice::http2
