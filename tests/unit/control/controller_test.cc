#include "control/controller.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/load_curve_samples.h"

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
WindowStats Window(Duration p99, uint64_t samples = 400, uint64_t limited = 0, Duration p10 = 1ms) {
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

// A window with `limit` requests in flight on average (the limit full: X × mean = limit) and no
// queue in the backend (mean 50 ms, the service time; p99 100 ms).
// A low limit completes few requests a second: the window stays open until it has a p99's worth.
WindowStats Full(double limit, uint64_t limited = 10) {
  const double per_second = limit / 0.05;
  const double seconds = std::max(1.0, Controller::kMinSamplesP99 / per_second);
  WindowStats w = Window(100ms, static_cast<uint64_t>(std::ceil(per_second * seconds)), limited);
  w.duration = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
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

TEST(ControllerTest, LittlesLawSetsTheDecreaseWhenTheLimitBinds) {
  ControlLoop r;
  WindowStats w = Window(300ms, 100, 50);  // 100 samples: the p90 is the signal
  w.p90 = 300ms;
  w.mean = 100ms;
  // Little: 100 completions/s × 0.1 s mean × (0.2 / 0.3) ≈ 6.7, below ×0.5 of 40.
  EXPECT_EQ(r.Step(w), 20);
  ControlLoop lagging;
  w.mean = 500ms;
  // Little's 33.3, not the error rule's 40 / 1.5 = 26.7: an absolute figure from what the backend
  // completed, which a latency lagging behind an earlier cut does not drive lower still.
  EXPECT_NEAR(lagging.Step(w), 100 * 0.5 * 0.2 / 0.3, 1e-9);
}

TEST(ControllerTest, IncreasesOnlyWhenTheLimitBinds) {
  ControlLoop r;
  EXPECT_EQ(r.Step(Window(100ms, 400, 0)), 40);  // demand-bound: nothing to gain
  EXPECT_EQ(r.last.action, ControllerAction::kHold);
  EXPECT_EQ(r.Step(Full(40)), 40 * 1.1 + 1);
  EXPECT_EQ(r.last.action, ControllerAction::kIncrease);
}

TEST(ControllerTest, ALimitOnlyBurstsReachDoesNotGrow) {
  ControlLoop r;
  r.Step(Window(100ms, 400, 0));
  // 400/s × 50 ms = 20 in flight on average under a limit of 40: bursts found it full.
  EXPECT_EQ(r.Step(Window(100ms, 400, 10)), 40);
  EXPECT_EQ(r.last.action, ControllerAction::kHold);
}

TEST(ControllerTest, SlowStartDoublesUntilTheKneeShows) {
  ControlLoop r;
  r.state.starting = true;
  EXPECT_EQ(r.Step(Full(40)), 80);
  EXPECT_EQ(r.last.action, ControllerAction::kIncrease);
  EXPECT_EQ(r.Step(Full(80)), 160);
  // The mean rises 40 % over the service time (50 ms): requests wait inside the backend. Slow
  // start ends, the knee rule takes over.
  WindowStats queueing = Window(100ms, 4000, 10);
  queueing.mean = 70ms;
  r.Step(queueing);
  EXPECT_FALSE(r.state.starting);
  EXPECT_EQ(r.last.action, ControllerAction::kToKnee);
}

// Demand-bound at 600/s with a mean of 50 ms (the service time: 30 in flight under a limit of 40).
// A p10 above the baseline's 1 ms marks a window whose requests waited in the backend.
WindowStats AtSixHundred(uint64_t limited, Duration mean, Duration p10 = 1ms) {
  WindowStats w = Window(100ms, 600, limited, p10);
  w.mean = mean;
  return w;
}

TEST(ControllerTest, MovesHalfWayToTheKneeTheMeanShows) {
  ControlLoop r;
  r.Step(AtSixHundred(0, 50ms));  // the first window: its early finishers are short ones
  r.Step(AtSixHundred(0, 50ms));  // learns the service time: 50 ms
  ASSERT_EQ(r.state.base_mean_s, 0.05);
  // Limit full (600/s × 65 ms = 39 in flight), mean 30 % above the service time: the backend
  // queues. Its knee is 600/s × 50 ms = 30 (Little), the target 30 × 1.05 + 1 = 32.5; half way.
  EXPECT_NEAR(r.Step(AtSixHundred(1000, 65ms, 2ms)), 40 + 0.5 * (32.5 - 40), 1e-9);
  EXPECT_EQ(r.last.action, ControllerAction::kToKnee);
  EXPECT_NEAR(r.state.knee, 30, 1e-9);
}

TEST(ControllerTest, ALatencyAboveTheServiceTimeWithTheLimitNotFullIsNotTheKnee) {
  ControlLoop r;
  r.Step(AtSixHundred(0, 50ms));
  r.Step(AtSixHundred(0, 50ms));
  // 600/s × 58 ms = 35 in flight, under 90 % of the limit: a burst found it full, demand set X.
  EXPECT_EQ(r.Step(AtSixHundred(10, 58ms, 2ms)), 40);
  EXPECT_EQ(r.last.action, ControllerAction::kHold);
}

TEST(ControllerTest, GrowsWhileTheMeanShowsNoQueueing) {
  ControlLoop r;
  r.Step(AtSixHundred(0, 50ms));
  r.Step(AtSixHundred(0, 50ms));
  EXPECT_EQ(r.Step(AtSixHundred(1000, 54ms)), 45);  // within 10 % of the service time
  EXPECT_EQ(r.last.action, ControllerAction::kIncrease);
}

TEST(ControllerTest, GrowthStopsAtTheLastKnownKneeThenCreepsByOne) {
  ControlLoop r;
  r.Step(AtSixHundred(0, 50ms));
  r.Step(AtSixHundred(0, 50ms));
  r.Step(AtSixHundred(1000, 65ms, 2ms));  // knee 30, limit 36.25
  r.state.limit = 20;
  EXPECT_NEAR(r.Step(AtSixHundred(1000, 50ms)), 20 * 1.1 + 1, 1e-9);  // far below: + 10 % + 1
  r.state.limit = 32;
  EXPECT_NEAR(r.Step(AtSixHundred(1000, 50ms)), 33, 1e-9);  // at the known knee (32.5): + 1
}

// A backend whose service time barely varies (p10 ≈ mean: 50 ms both), its limit full at the
// knee, with a service time learnt too high (60 ms: a queue that came and went).
ControlLoop AtTheKneeOfAFixedServiceTime() {
  ControlLoop r;
  r.state.limit = 20;
  r.state.knee = 18;
  r.state.base_mean_s = 0.060;
  r.state.base_p10_s = r.state.epoch_min_p10_s = 0.050;
  r.state.base_epoch_start = r.now;
  return r;
}

// 20 in flight at 50 ms: 400/s, every request at the service time, limit full.
WindowStats FixedServiceFull(double in_flight, Duration mean = 50ms) {
  WindowStats w = Window(100ms, static_cast<uint64_t>(in_flight / core::ToSeconds(mean)), 10, 50ms);
  w.mean = mean;
  return w;
}

TEST(ControllerTest, ProbesTheServiceTimeBelowTheKneeEveryTenSeconds) {
  ControlLoop r = AtTheKneeOfAFixedServiceTime();
  r.Step(FixedServiceFull(20));  // schedules the first probe 10 s on
  ASSERT_NE(r.last.action, ControllerAction::kProbe);
  r.state.limit = 20;
  r.now += Controller::kProbeInterval;
  EXPECT_DOUBLE_EQ(r.Step(FixedServiceFull(20)), 20 * (1 - Controller::kProbeDepth));
  EXPECT_EQ(r.last.action, ControllerAction::kProbe);
  EXPECT_DOUBLE_EQ(r.Step(FixedServiceFull(18)), 18) << "held while the backend's queue drains";
  const double base_before = r.state.base_mean_s;
  r.Step(FixedServiceFull(18));  // the measuring window: the service time is 50 ms
  EXPECT_EQ(r.last.action, ControllerAction::kProbe);
  EXPECT_NEAR(r.state.base_mean_s, base_before + 0.5 * (0.050 - base_before), 1e-12);
  EXPECT_DOUBLE_EQ(r.state.limit, 20) << "back where it was; the knee rule takes it from there";
  EXPECT_EQ(r.state.probe_phase, 0);
}

TEST(ControllerTest, ABackendWithSpreadServiceTimesIsNotProbed) {
  ControlLoop r = AtTheKneeOfAFixedServiceTime();
  r.state.base_p10_s = 0.005;  // mean 60 ms, p10 5 ms: any queue lifts the p10
  r.Step(FixedServiceFull(20));
  r.now += 2 * Controller::kProbeInterval;
  r.Step(FixedServiceFull(20));
  EXPECT_NE(r.last.action, ControllerAction::kProbe);
}

// The load curve of a 16-slot backend (knee 16, 50 ms), seen from 4 to 22 in flight.
WindowStats WithKneeAtSixteen(WindowStats w) {
  w.load = test::FixedServiceCurve(16, 50, 4, 22);
  return w;
}

TEST(ControllerTest, ANarrowServiceTimeFollowsTheKneeTheLoadCurvePlaces) {
  ControlLoop r = AtTheKneeOfAFixedServiceTime();
  r.state.limit = 30;
  r.state.load_curve.settling = false;
  // 30 in flight at the 50 ms service time: the mean shows no queue against the 60 ms learnt,
  // so the mean's rule would grow the limit; the curve shows the rise from 16.
  r.Step(WithKneeAtSixteen(FixedServiceFull(30)));
  ASSERT_TRUE(r.last.knee_fit.Precise());
  EXPECT_NEAR(r.state.knee, 16, 0.5);
  EXPECT_EQ(r.last.action, ControllerAction::kToKnee);
  EXPECT_NEAR(r.state.limit, 30 + 0.5 * (16 - 30), 1e-9) << "half the way to 16 requests";
  EXPECT_NEAR(r.state.base_mean_s, 0.050, 0.001) << "the service time is the curve's flat part";
}

// The gate enforces whole numbers: a limit that rounds to the knee's whole number holds; one
// that rounds a request above it (17.06 for a knee of 16, which "within half a request" of
// 16.5 would have kept, one request waiting inside the backend) goes on down.
TEST(ControllerTest, TheLimitSettlesOnTheKneesWholeNumber) {
  ControlLoop r = AtTheKneeOfAFixedServiceTime();
  r.state.load_curve.settling = false;
  r.state.limit = 16.4;
  r.Step(WithKneeAtSixteen(FixedServiceFull(16)));
  EXPECT_EQ(r.last.action, ControllerAction::kHoldAtKnee);
  EXPECT_DOUBLE_EQ(r.state.limit, 16.4);
  r.state.limit = 17.06;
  r.Step(WithKneeAtSixteen(FixedServiceFull(17)));
  EXPECT_EQ(r.last.action, ControllerAction::kToKnee);
  EXPECT_DOUBLE_EQ(r.state.limit, 16.53) << "half the way: still 17 at the gate";
  r.Step(WithKneeAtSixteen(FixedServiceFull(17)));
  EXPECT_EQ(r.last.action, ControllerAction::kToKnee);
  EXPECT_EQ(std::round(r.state.limit), 16);
}

TEST(ControllerTest, AKneeTheLoadCurvePlacesNeedsNoProbe) {
  ControlLoop r = AtTheKneeOfAFixedServiceTime();
  r.state.load_curve.settling = false;
  r.state.limit = 16;
  r.Step(WithKneeAtSixteen(FixedServiceFull(16)));
  r.now += 2 * Controller::kProbeInterval;
  for (int i = 0; i < 3; ++i) {
    r.Step(WithKneeAtSixteen(FixedServiceFull(16)));
    EXPECT_NE(r.last.action, ControllerAction::kProbe) << "window " << i;
  }
  EXPECT_DOUBLE_EQ(r.state.limit, 16);
}

TEST(ControllerTest, ALocatedKneeIsNotGrownToFromAWindowThatQueued) {
  ControlLoop r = AtTheKneeOfAFixedServiceTime();
  r.state.load_curve.settling = false;
  r.state.limit = 12;
  // 70 ms against the 50–60 ms service time: requests waited in the backend, so this window
  // (say, one that straddles a slowdown) is no evidence that more would fit.
  r.Step(WithKneeAtSixteen(FixedServiceFull(12, 70ms)));
  ASSERT_TRUE(r.last.knee_fit.Precise());
  EXPECT_NE(r.last.action, ControllerAction::kIncrease);
  EXPECT_DOUBLE_EQ(r.state.limit, 12);
  r.Step(WithKneeAtSixteen(FixedServiceFull(12)));  // no queue: up to the knee
  EXPECT_EQ(r.last.action, ControllerAction::kIncrease);
  EXPECT_DOUBLE_EQ(r.state.limit, 12 * 1.1 + 1);
}

TEST(ControllerTest, ACurveRisingEverywhereSeenTakesTheLimitBelowIt) {
  ControlLoop r = AtTheKneeOfAFixedServiceTime();
  r.state.load_curve.settling = false;
  r.state.limit = 20;
  WindowStats w = FixedServiceFull(20);
  w.load = test::FixedServiceCurve(16, 50, 18, 22);  // only past the knee since it restarted
  r.Step(w);
  ASSERT_EQ(r.last.knee_fit.kind, KneeFit::Kind::kRising);
  EXPECT_EQ(r.last.action, ControllerAction::kToKnee);
  EXPECT_DOUBLE_EQ(r.state.limit, 17) << "one under the lowest concurrency seen";
}

TEST(ControllerTest, TheCurvesKneeIsNotGrownPastUntilTheCurveIsFlatThere) {
  ControlLoop r = AtTheKneeOfAFixedServiceTime();
  r.state.load_curve.settling = false;
  r.state.knee = 16;
  r.state.knee_from_curve = true;  // and then the curve restarted (the backend changed speed)
  r.state.limit = 16;
  r.Step(FixedServiceFull(16));  // full, no queue, nothing on the new curve yet
  EXPECT_EQ(r.last.action, ControllerAction::kHoldAtKnee);
  EXPECT_DOUBLE_EQ(r.state.limit, 16) << "no headroom, no creeping past a knee in requests";
  WindowStats at_the_limit_only = FixedServiceFull(16);
  at_the_limit_only.load = test::FixedServiceCurve(24, 50, 16, 16, 300);
  r.Step(at_the_limit_only);
  ASSERT_EQ(r.last.knee_fit.kind, KneeFit::Kind::kNoRise);
  EXPECT_EQ(r.last.action, ControllerAction::kHoldAtKnee) << "one concurrency is always flat";
  WindowStats flat = FixedServiceFull(16);
  flat.load = test::FixedServiceCurve(24, 50, 8, 16);  // flat up to the limit: room for more
  r.Step(flat);
  ASSERT_EQ(r.last.knee_fit.kind, KneeFit::Kind::kNoRise);
  EXPECT_EQ(r.last.action, ControllerAction::kIncrease);
  EXPECT_DOUBLE_EQ(r.state.limit, 17) << "one request more: the next window's curve tells";
}

TEST(ControllerTest, AWideServiceTimeLeavesTheKneeToTheMeanRule) {
  ControlLoop r = AtTheKneeOfAFixedServiceTime();
  r.state.base_p10_s = r.state.epoch_min_p10_s = 0.005;  // p10 5 ms, mean 60 ms
  r.state.limit = 30;
  r.state.load_curve.settling = false;
  WindowStats w = WithKneeAtSixteen(FixedServiceFull(30));
  w.p10 = 5ms;
  r.Step(w);
  EXPECT_TRUE(r.last.knee_fit.Precise());
  EXPECT_EQ(r.last.action, ControllerAction::kIncrease) << "no queue in the mean: it grows";
  EXPECT_GT(r.state.limit, 30);
}

TEST(ControllerTest, ABackendThatChangedSpeedStartsANewLoadCurve) {
  ControlLoop r;
  r.Step(AtSixHundred(0, 50ms));
  r.Step(WithKneeAtSixteen(AtSixHundred(0, 50ms)));
  ASSERT_GT(r.state.load_curve.Total(), 0);
  WindowStats slower = Window(300ms, 200, 1000, 3ms);  // a third of the throughput, 3× the mean
  slower.mean = 150ms;
  r.Step(WithKneeAtSixteen(slower));
  EXPECT_EQ(r.state.load_curve.Total(), 0) << "latencies at the old speed would read as a rise";
}

TEST(ControllerTest, ASlowerBackendStartsTheBaselinesAgain) {
  ControlLoop r;
  r.Step(AtSixHundred(0, 50ms));
  r.Step(AtSixHundred(0, 50ms));
  // Three times slower: a third of the throughput at three times the latency. Queueing would
  // keep the throughput; this is the backend's own speed.
  WindowStats slower = Window(300ms, 200, 1000, 3ms);
  slower.mean = 150ms;
  r.Step(slower);
  EXPECT_EQ(r.state.base_p10_s, 3e-3);
  EXPECT_EQ(r.state.base_mean_s, 0) << "relearnt from the next window without a queue";
  EXPECT_NEAR(r.state.knee, 30, 1e-9) << "as many at once as before (600/s × 50 ms)";
  r.Step(slower);
  EXPECT_EQ(r.state.base_mean_s, 0.15);
}

// The first clean window (slow start: a few dozen samples) only seeds the service time: until
// Controller::kBaseMeanWarmSamples stand behind it, it is the plain mean of the clean samples,
// not the slow-rising EWMA that a low first window would hold down for minutes.
TEST(ControllerTest, TheServiceTimeIsThePlainMeanOfItsFirstSamples) {
  ControlLoop r;
  r.Step(Window(40ms));  // learns the p10 baseline (1 ms, as every window here: all clean)
  WindowStats first = Window(40ms, 54);
  first.mean = Duration(8800us);
  r.Step(first);
  ASSERT_DOUBLE_EQ(r.state.base_mean_s, 0.0088);
  WindowStats next = Window(40ms, 400);
  next.mean = 12ms;
  r.Step(next);
  EXPECT_NEAR(r.state.base_mean_s, (0.0088 * 54 + 0.012 * 400) / 454, 1e-12);
  // Once warm, the EWMA takes over.
  for (int i = 0; i < 2; ++i) r.Step(next);
  const double warm = r.state.base_mean_s;
  ASSERT_GE(r.state.base_mean_samples, Controller::kBaseMeanWarmSamples);
  WindowStats slower_mean = Window(40ms, 400);
  slower_mean.mean = 13ms;
  r.Step(slower_mean);
  EXPECT_NEAR(r.state.base_mean_s, warm + Controller::kBaseMeanRise * (0.013 - warm), 1e-12);
}

// The service time learnt too low (40 ms for a backend that takes 50 ms and has no queue): the
// knee looks lower than the limit, the knee rule lowers it, the backend completes less at the
// same 50 ms, and the limit would spiral down. The descent itself shows there was no queue.
TEST(ControllerTest, ADescentThatLowersOnlyTheThroughputCorrectsTheServiceTime) {
  ControlLoop r;
  r.Step(AtSixHundred(0, 50ms));
  r.Step(AtSixHundred(0, 50ms));
  r.state.base_mean_s = 0.04;  // as if learnt from slow start's early finishers
  // Full windows at whatever the limit is: limit ÷ 50 ms completions, mean 50 ms, p10 above its
  // baseline (a spread of service times), never a queue.
  const auto at_limit = [&] {
    WindowStats w = Window(100ms, static_cast<uint64_t>(r.state.limit / 0.05), 1000, 2ms);
    w.mean = 50ms;
    return w;
  };
  const double start = r.state.limit;
  int steps = 0;
  while (r.state.base_mean_s < 0.045 && steps < 20) {
    r.Step(at_limit());
    ++steps;
  }
  EXPECT_NEAR(r.state.base_mean_s, 0.05, 1e-9) << "after " << steps << " windows";
  EXPECT_GE(r.state.limit, 0.5 * start) << "caught before it collapsed";
  for (int i = 0; i < 10; ++i) r.Step(at_limit());
  EXPECT_GE(r.state.limit, start) << "and it climbs back";
}

// A queue that drains as the limit comes down is no sign of a wrong service time.
TEST(ControllerTest, ADescentThatDrainsAQueueKeepsTheServiceTime) {
  ControlLoop r;
  r.Step(AtSixHundred(0, 50ms));
  r.Step(AtSixHundred(0, 50ms));
  ASSERT_EQ(r.state.base_mean_s, 0.05);
  r.state.limit = 60;  // 30 served at once, 30 waiting in the backend
  for (int i = 0; i < 10; ++i) {
    // 600/s at its maximum; the mean is limit ÷ 600/s: it falls with the limit.
    WindowStats w = AtSixHundred(
        1000,
        std::chrono::duration_cast<Duration>(std::chrono::duration<double>(r.state.limit / 600)),
        2ms);
    r.Step(w);
    EXPECT_EQ(r.state.base_mean_s, 0.05);
  }
}

TEST(ControllerTest, TheP10BaselineIsTheLowestOfTheLastHorizonWithoutDrift) {
  ControlLoop r;
  r.Step(Window(100ms, 4000, 0, 1ms));
  for (int i = 0; i < 9; ++i) r.Step(Window(100ms, 4000, 0, 10ms));
  EXPECT_EQ(r.state.base_p10_s, 1e-3) << "a sustained overload cannot pass off its queueing";
  for (int i = 0; i < 12; ++i) r.Step(Window(100ms, 4000, 0, 10ms));
  EXPECT_EQ(r.state.base_p10_s, 10e-3) << "after one to two horizons the old minimum expires";
}

TEST(ControllerTest, EarlyP90WindowsMayDecreaseButNeverMoveUp) {
  ControlLoop r;
  r.Step(Window(100ms, 4000, 0, 1ms));
  WindowStats early = Window(100ms, Controller::kMinSamplesP99 - 1, 100);
  early.duration = 500ms;  // closed before its time was up: more samples were coming
  EXPECT_EQ(r.Step(early), 40);
  EXPECT_EQ(r.last.action, ControllerAction::kHold);
  // A window that ran its full time at a low rate is all the data there is: it may grow.
  r.state.limit = 10;  // 199/s × 50 ms = 10 in flight: the limit is full
  EXPECT_EQ(r.Step(Window(100ms, Controller::kMinSamplesP99 - 1, 100)), 12);
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

// A backend that served 600/s at 50 ms (30 at once, no queue) with the p99 `p99`, learnt.
void LearnBaseline(ControlLoop& r, Duration p99) {
  for (int i = 0; i < 3; ++i) {
    WindowStats w = AtSixHundred(0, 50ms);
    w.p99 = p99;
    r.Step(w);
  }
  ASSERT_EQ(r.state.base_mean_s, 0.05);
  ASSERT_EQ(r.state.base_p99_s, core::ToSeconds(p99));
}

// One second at `per_second` completions and `mean`, p99 300 ms, the limit binding.
WindowStats Slowed(uint64_t per_second, Duration mean) {
  WindowStats w = Window(300ms, per_second, 1000, 5ms);
  w.mean = mean;
  return w;
}

TEST(ControllerTest, ASlowerBackendWhoseOwnP99IsBeyondTheBandIsInfeasibleAtOnce) {
  ControlLoop r;
  LearnBaseline(r, 100ms);  // exponential-like: the p99 is twice the mean
  // Three times slower: 200/s, with 200 × 150 ms = 30 in flight, as many as it served before.
  r.Step(Slowed(200, 150ms));
  EXPECT_EQ(r.state.base_mean_s, 0) << "the slowdown is seen; its window is no evidence yet";
  EXPECT_FALSE(r.state.slo_infeasible);
  // 30 at once complete 200/s: the service time is at least 150 ms, the p99 at least 300 ms.
  EXPECT_EQ(r.Step(Slowed(200, 150ms)), 40) << "held, not cut";
  EXPECT_TRUE(r.state.slo_infeasible);
  EXPECT_TRUE(r.last.infeasible_changed);
  EXPECT_EQ(r.last.action, ControllerAction::kHoldInfeasible);
  EXPECT_NEAR(r.state.base_mean_s, 0.15, 1e-9) << "the knee rule starts from L ÷ X";
}

TEST(ControllerTest, ASlowerBackendWithANarrowTailStaysFeasible) {
  ControlLoop r;
  LearnBaseline(r, 52ms);  // a fixed service time: the p99 is the mean
  // Three times slower, and this window's latency (300 ms) still carries the queue built at the
  // old speed; without it the p99 is ≈ 156 ms, within the objective.
  r.Step(Slowed(200, 250ms));
  r.Step(Slowed(200, 250ms));
  EXPECT_FALSE(r.state.slo_infeasible);
  EXPECT_EQ(r.last.action, ControllerAction::kDecrease);
}

TEST(ControllerTest, ACutRightAfterAFeasibleSlowdownIsNotTakenForAnInfeasibleObjective) {
  ControlLoop r;
  LearnBaseline(r, 52ms);  // a fixed service time
  r.Step(Slowed(200, 150ms));
  r.Step(Slowed(200, 150ms));
  ASSERT_EQ(r.last.action, ControllerAction::kDecrease);
  const double cut_to = r.state.limit;
  ASSERT_LE(cut_to, 0.8 * 40);
  // The window after the cut still holds requests served at the old limit: its p10 and latency
  // barely moved and fewer completed. Not proof that the latency is the backend's own: after a
  // slowdown its own evidence is the judge (here: 30 at once complete 200/s, p99 ≈ 156 ms).
  WindowStats after_cut = Slowed(150, 150ms);
  after_cut.p90 = after_cut.p99;  // fewer than a p99's worth: the p90 is the signal
  EXPECT_LT(r.Step(after_cut), cut_to + 1e-9);
  EXPECT_FALSE(r.state.slo_infeasible);
  EXPECT_NE(r.last.action, ControllerAction::kSetToKnee);
}

TEST(ControllerTest, ASlowdownJudgedOnlyFromWindowsWithAsManyInFlightAsBefore) {
  ControlLoop r;
  LearnBaseline(r, 100ms);
  r.Step(Slowed(200, 150ms));
  // 200/s × 100 ms = 20 in flight, fewer than the 30 it served at once: the low throughput may
  // be demand's, not the backend's speed.
  r.Step(Slowed(200, 100ms));
  EXPECT_FALSE(r.state.slo_infeasible);
  EXPECT_EQ(r.state.slowdown.completions, 0);
}

TEST(ControllerTest, ACutWhileASlowdownIsJudgedStopsAtWhatTheBackendServedAtOnce) {
  ControlLoop r;
  LearnBaseline(r, 52ms);  // 600/s × 50 ms: 30 at once
  r.Step(Slowed(200, 150ms));
  // 200/s × 150 ms = 30 in flight, p99 300 ms: Little's law alone would cut to 20. But the
  // backend serves 30 at once still (slower, not smaller): fewer would idle it, and leave no
  // window with enough in flight to judge the slowdown by.
  r.Step(Slowed(200, 150ms));
  ASSERT_EQ(r.last.action, ControllerAction::kDecrease);
  EXPECT_NEAR(r.state.limit, 30, 1e-9);
  EXPECT_GT(r.state.slowdown.completions, 0);
}

TEST(ControllerTest, ASlowdownIsJudgedWithAFractionFewerInFlightThanTheKnee) {
  ControlLoop r;
  LearnBaseline(r, 100ms);
  r.state.knee = 30.4;  // as a load curve places it, a fraction above the gate's whole number
  r.Step(Slowed(200, 150ms));
  ASSERT_NEAR(r.state.slowdown.in_service, 30.4, 1e-9);
  r.Step(Slowed(200, 150ms));  // 30 in flight
  EXPECT_TRUE(r.state.slo_infeasible) << "30 at once complete 200/s: p99 at least 300 ms";
}

// `per_second` completions at `mean`, the limit binding, p10 2 ms (above the 1 ms baseline).
WindowStats Binding(uint64_t per_second, Duration mean) {
  WindowStats w = Window(100ms, per_second, 1000, 2ms);
  w.mean = mean;
  return w;
}

TEST(ControllerTest, AFasterBackendRestartsTheServiceTimeAtTheLowerBound) {
  ControlLoop r;
  LearnBaseline(r, 100ms);  // 600/s at 50 ms: 30 at once
  // 2.5 × the throughput at 30 ms: faster. It serves at least 30 at once and completes 1500/s:
  // its service time is at least 20 ms; the 30 ms mean (45 in flight) holds a queue.
  r.Step(Binding(1500, 30ms));
  EXPECT_NEAR(r.state.base_mean_s, 0.02, 1e-9);
  EXPECT_EQ(r.state.base_throughput, 1500);
  EXPECT_EQ(r.state.base_p10_s, 0.002);
  // So the knee rule sees the queue at once: knee 1500/s × 20 ms = 30, half way to 32.5.
  EXPECT_NEAR(r.state.knee, 30, 1e-9);
  EXPECT_NEAR(r.state.limit, 40 + 0.5 * (32.5 - 40), 1e-9);
}

TEST(ControllerTest, MoreThroughputOrALowerMeanAloneIsNoFasterBackend) {
  ControlLoop r;
  LearnBaseline(r, 100ms);
  r.Step(Binding(1500, 50ms));  // more throughput at the service time: a higher limit's doing
  EXPECT_EQ(r.state.base_mean_s, 0.05);
  ControlLoop drained;
  LearnBaseline(drained, 100ms);
  drained.Step(Binding(600, 30ms));  // a lower mean at the same throughput: a queue drained
  EXPECT_EQ(drained.state.base_mean_s, 0.05);
  EXPECT_EQ(drained.state.base_throughput, 600);
}

TEST(ControllerTest, InfeasibleObjectiveHoldsAtTheKneeInsteadOfCollapsing) {
  ControlLoop r;
  // The backend's own latency is 400 ms at any concurrency (p99; mean 200 ms); throughput
  // follows the limit: 40 in flight complete 200/s.
  WindowStats w = Window(400ms, 200, 100, 50ms);
  EXPECT_EQ(r.Step(w), 20);  // looks like queueing at first: Little says 20
  w.samples = 100;           // half the concurrency, half the throughput, same p10 and p99
  EXPECT_EQ(r.Step(w), 40);  // the decrease bought nothing: taken back
  EXPECT_EQ(r.last.action, ControllerAction::kSetToKnee);
  EXPECT_TRUE(r.state.slo_infeasible);
  EXPECT_TRUE(r.last.infeasible_changed);
  EXPECT_EQ(r.state.base_p10_s, 0.05) << "the backend's own p10 is the new baseline";
  w.samples = 200;
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

TEST(ControllerTest, ACutAfterWhichTheP10RoseIsNoInfeasibleObjective) {
  ControlLoop r;
  WindowStats w = Window(400ms, 200, 100, 50ms);
  EXPECT_EQ(r.Step(w), 20);  // Little says 20
  // Half the throughput, and the fast end 3× higher: the backend just became slower (a slowdown
  // the baselines did not catch), with the queue built at the old speed still in this window.
  w.samples = 100;
  w.p10 = 170ms;
  EXPECT_LE(r.Step(w), 20);
  EXPECT_FALSE(r.state.slo_infeasible);
  EXPECT_NE(r.last.action, ControllerAction::kSetToKnee);
}

TEST(ControllerTest, AnInfeasibleObjectiveClearsOnlyBelowTheBand) {
  ControlLoop r;
  WindowStats w = Window(400ms, 200, 100, 50ms);
  r.Step(w);
  w.samples = 100;
  r.Step(w);
  ASSERT_TRUE(r.state.slo_infeasible);
  // The backend's own p99 hovers about the setpoint (200 ms): windows on both sides of it.
  for (const auto p99 : {190ms, 210ms, 185ms, 195ms, 190ms}) {
    WindowStats near = Window(p99, 200, 0, 50ms);
    r.Step(near);
    EXPECT_TRUE(r.state.slo_infeasible) << "p99 " << p99.count() << " ms";
  }
  for (int i = 0; i < 5; ++i) r.Step(Window(100ms, 400, 0, 50ms));  // clearly fast again
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
  for (int i = 0; i < 200; ++i) r.Step(Full(r.state.limit));
  EXPECT_EQ(r.state.limit, Params().max_limit);
}

}  // namespace
}  // namespace sluice::control
