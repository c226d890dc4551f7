#include "control/controller.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sluice::control {
namespace {

using namespace std::chrono_literals;
using core::Duration;

// slo 250 ms, setpoint 200 ms.
ControllerParams Params() {
  ControllerParams p;
  p.slo_p99 = 250ms;
  p.setpoint_ratio = 0.8;
  p.min_limit = 2;
  p.max_limit = 500;
  p.initial_limit = 40;
  return p;
}

// A window of 1 s with `samples` completions whose p99 is `p99` (p90 and mean below it) and
// whose p10 is `p10` (the backend's service time alone: 1 ms).
WindowStats Window(Duration p99, uint64_t samples = 400, uint64_t limited = 0,
                   Duration p10 = 1ms) {
  WindowStats w;
  w.duration = 1s;
  w.samples = samples;
  w.p99 = p99;
  w.p90 = p99 * 7 / 10;
  w.mean = p99 / 2;
  w.p10 = p10;
  w.limited = limited;
  return w;
}

struct ControlLoop {
  ControlLoop() { state.starting = false; }  // slow start has its own test
  ControllerParams params = Params();
  core::TimePoint now = core::TimePoint{} + 1h;
  ControllerState state = ControllerState::Initial(params, now);
  ControllerDecision last;

  double Step(const WindowStats& w) {
    now += w.duration;
    auto step = Controller::Update(state, w, now, params);
    state = step.state;
    last = step.decision;
    return state.limit;
  }
};

TEST(ControllerTest, HoldsInsideTheDeadBand) {
  ControlLoop r;
  EXPECT_EQ(r.Step(Window(205ms, 400, 100)), 40);
  EXPECT_EQ(r.last.action, ControllerAction::kHold);
  EXPECT_EQ(r.Step(Window(185ms, 400, 100)), 40);
}

TEST(ControllerTest, DecreasesByTheErrorButAtMostHalfPerWindow) {
  ControlLoop r;
  EXPECT_NEAR(r.Step(Window(250ms)), 40 * 200.0 / 250.0, 1e-9);  // e = 1.25 → limit / e
  EXPECT_EQ(r.last.action, ControllerAction::kDecrease);
  EXPECT_EQ(r.state.mode, ControllerMode::kOverload);
  EXPECT_TRUE(r.last.mode_changed);
  ControlLoop severe;
  EXPECT_EQ(severe.Step(Window(2s)), 20);  // e = 10, capped at ×0.5
}

TEST(ControllerTest, LittlesLawCapsTheDecreaseWhenTheLimitBinds) {
  ControlLoop r;
  WindowStats w = Window(300ms, 100, 50);  // e = 1.5 on p90? no: 100 samples → p90 = 210 ms
  w.p90 = 300ms;
  w.mean = 100ms;
  // Little: 100 completions/s × 0.1 s mean × (0.2 / 0.3) ≈ 6.7, below 40 / 1.5 but above ×0.5.
  EXPECT_EQ(r.Step(w), 20);
  ControlLoop loose;
  w.mean = 500ms;  // Little allows 33: the error rule (26.7) decides
  EXPECT_NEAR(loose.Step(w), 40 / 1.5, 1e-9);
}

TEST(ControllerTest, IncreasesOnlyWhenTheLimitBinds) {
  ControlLoop r;
  EXPECT_EQ(r.Step(Window(100ms, 400, 0)), 40);  // demand-bound: nothing to gain
  EXPECT_EQ(r.last.action, ControllerAction::kHold);
  EXPECT_EQ(r.Step(Window(100ms, 400, 10)), 40 * 1.1 + 1);
  EXPECT_EQ(r.last.action, ControllerAction::kIncrease);
}

TEST(ControllerTest, SlowStartDoublesUntilTheKneeShows) {
  ControlLoop r;
  r.state.starting = true;
  EXPECT_EQ(r.Step(Window(100ms, 400, 10)), 80);
  EXPECT_EQ(r.last.action, ControllerAction::kIncrease);
  EXPECT_EQ(r.Step(Window(100ms, 400, 10)), 160);
  // The p10 rises: requests wait inside the backend. Slow start ends, the knee rule takes over.
  r.Step(Window(100ms, 4000, 10, 2ms));
  EXPECT_FALSE(r.state.starting);
  EXPECT_EQ(r.last.action, ControllerAction::kToKnee);
}

TEST(ControllerTest, MovesHalfWayToTheKneeTheP10Shows) {
  ControlLoop r;
  r.Step(Window(100ms, 4000, 0, 1ms));  // not binding: holds, learns the p10 baseline (1 ms)
  ASSERT_EQ(r.state.limit, 40);
  // p10 3 ms: every request waited ~2 ms in the backend; at 4000/s that is 8 requests waiting
  // (Little), so the knee is 32 and the target 32 × 1.05 + 1 = 34.6; half the way from 40.
  EXPECT_NEAR(r.Step(Window(100ms, 4000, 1000, 3ms)), 40 + 0.5 * (34.6 - 40), 0.05);
  EXPECT_EQ(r.last.action, ControllerAction::kToKnee);
}

TEST(ControllerTest, GrowsWhileTheP10ShowsNoQueueing) {
  ControlLoop r;
  r.Step(Window(100ms, 4000, 0, 1ms));
  EXPECT_EQ(r.Step(Window(100ms, 4000, 1000, 1050us)), 45);  // within 10 % of the baseline
  EXPECT_EQ(r.last.action, ControllerAction::kIncrease);
}

TEST(ControllerTest, ABaselineThatIsTooOldDriftsUp) {
  ControlLoop r;
  r.Step(Window(100ms, 4000, 0, 1ms));
  for (int i = 0; i < 60; ++i) r.Step(Window(100ms, 4000, 0, 10ms));
  EXPECT_NEAR(r.state.base_p10_s, 1e-3 * std::pow(Controller::kBaseDriftPerSecond, 60), 1e-6);
}

TEST(ControllerTest, EarlyP90WindowsMayDecreaseButNeverMoveUp) {
  ControlLoop r;
  r.Step(Window(100ms, 4000, 0, 1ms));
  WindowStats early = Window(100ms, Controller::kMinSamplesP99 - 1, 100);
  early.duration = 500ms;  // closed before its time was up: more samples were coming
  EXPECT_EQ(r.Step(early), 40);
  EXPECT_EQ(r.last.action, ControllerAction::kHold);
  // A window that ran its full time at a low rate is all the data there is: it may grow.
  EXPECT_EQ(r.Step(Window(100ms, Controller::kMinSamplesP99 - 1, 100)), 45);
}

TEST(ControllerTest, TooFewSamplesHold) {
  ControlLoop r;
  EXPECT_EQ(r.Step(Window(1s, Controller::kMinSamplesP90 - 1)), 40);
  EXPECT_EQ(r.last.action, ControllerAction::kHoldNoSignal);
}

TEST(ControllerTest, FewSamplesUseTheP90) {
  ControlLoop r;
  WindowStats w = Window(1s, 100);  // p99 1 s would be severe; the p90 (300 ms) is what counts
  w.p90 = 300ms;
  EXPECT_NEAR(r.Step(w), 40 / 1.5, 1e-9);
}

TEST(ControllerTest, AStalledBackendIsSeenBeforeAnythingCompletes) {
  ControlLoop r;
  WindowStats w = Window(0ms, 0);
  w.oldest_inflight = 900ms;  // nothing completed, one request 900 ms in flight (> 2 × 200 ms)
  EXPECT_EQ(r.Step(w), 20);
  EXPECT_EQ(r.last.action, ControllerAction::kDecrease);
  ControlLoop calm;
  w.oldest_inflight = 300ms;  // within the normal spread: no signal from it
  EXPECT_EQ(calm.Step(w), 40);
}

TEST(ControllerTest, DropsAloneDecrease) {
  ControlLoop r;
  WindowStats w = Window(100ms);
  w.drops = 40;  // 10 % of samples
  EXPECT_EQ(r.Step(w), 36);
}

TEST(ControllerTest, InfeasibleObjectiveHoldsAtTheKneeInsteadOfCollapsing) {
  ControlLoop r;
  // The backend's own latency is 400 ms at any concurrency; throughput follows the limit.
  WindowStats w = Window(400ms, 400, 100, 50ms);
  EXPECT_EQ(r.Step(w), 20);  // looks like queueing at first: halve
  w.samples = 200;           // half the concurrency, half the throughput, same p10 and p99
  EXPECT_EQ(r.Step(w), 40);  // the decrease bought nothing: taken back
  EXPECT_EQ(r.last.action, ControllerAction::kSetToKnee);
  EXPECT_TRUE(r.state.slo_infeasible);
  EXPECT_TRUE(r.last.infeasible_changed);
  EXPECT_EQ(r.state.base_p10_s, 0.05) << "the backend's own p10 is the new baseline";
  w.samples = 400;
  w.limited = 0;
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(r.Step(w), 40.0) << "the latency is above the objective, yet no collapse";
    EXPECT_EQ(r.last.action, ControllerAction::kHoldInfeasible);
  }
  // Latency far above what the backend showed at detection is queueing again: it still counts.
  w.p99 = 1200ms;
  for (int i = 0; i < 3; ++i) r.Step(w);
  EXPECT_LT(r.state.limit, 40.0);
  EXPECT_EQ(r.last.action, ControllerAction::kDecrease);
  for (int i = 0; i < 5; ++i) r.Step(Window(100ms, 400, 0, 50ms));  // fast again; EWMA follows
  EXPECT_FALSE(r.state.slo_infeasible);
}

TEST(ControllerTest, ModeMachineWindsDownWithDwellTimes) {
  ControlLoop r;
  r.Step(Window(300ms));
  EXPECT_EQ(r.state.mode, ControllerMode::kOverload);
  r.Step(Window(100ms));  // 1 s after the decrease: dwell done → recovery
  EXPECT_EQ(r.state.mode, ControllerMode::kRecovery);
  r.Step(Window(100ms));
  EXPECT_EQ(r.state.mode, ControllerMode::kNormal);  // 2 s without a decrease
}

TEST(ControllerTest, StaysWithinBounds) {
  ControlLoop r;
  for (int i = 0; i < 50; ++i) r.Step(Window(5s));
  EXPECT_EQ(r.state.limit, Params().min_limit);
  for (int i = 0; i < 200; ++i) r.Step(Window(10ms, 400 + 40 * static_cast<uint64_t>(i), 10));
  EXPECT_EQ(r.state.limit, Params().max_limit);
}

}  // namespace
}  // namespace sluice::control
