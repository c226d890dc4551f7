// The controller and admission against a model backend on simulated time (issue 4, "Tests").
// Backend (sim/model_setup.h): 40 slots, mean service 12 ms → capacity ≈ 3333 req/s, p99 ≈ 55 ms
// when not queueing (exponential). Objective: slo_p99 250 ms, setpoint 200 ms; the queue's
// max_wait (50 ms) is the rest of the objective. Arrivals are open-loop Poisson. Every run is
// deterministic (fixed seeds). The same scenarios against baseline algorithms:
// controller_comparison_test.cc.
//
// What holds for the seeds the tests run (42, 1, 2): 3× overload keeps ≥ 95 % of capacity with
// the admitted p99 within the objective and the limit's coefficient of variation ≤ 5 %
// (exponential and bimodal service); a backend 3× slower is back within the objective within
// 2 s; 0.7× load for ten minutes rejects nothing. Against the loadtest's stub (16 slots × 50 ms,
// fixed): 3× overload finds the slot count (limit ≤ 1.2 × 16, admitted p99 ≤ 115 ms); a 3×
// slowdown keeps ≥ 95 % of the slowed capacity within the objective, the admitted p99 of the
// whole slow phase within it too; 0.9× load turns away about as few as a limit hand-tuned to the
// slots. A backend 5× slower (its own p99 beyond the objective) is known as infeasible within
// 1 s, the limit holds within [0.7, 2] × its slots with ≥ 90 % of the slowed capacity served, and
// full throughput returns with the backend, the limit back near the knee (mean ≤ 1.3 × the slots
// over 30–40 s, as under overload); the stub 5× slower keeps its limit at the slots and serves
// the whole load again 5 s after it recovers.
// Not every seed passes every check: over seeds 1–30 (SIM_SEED=n), 22 runs miss a per-seed
// check, all with exponential or bimodal service. After the 5× slowdown ends, 14 keep the limit
// above 1.3 × the slots (52.3–79.4 for 40; a service time learnt from too few clean samples;
// seed 28's also passes 2 × the slots while slow), and seed 4 serves 88 % of the slowed
// capacity. Under 3× overload, 3 keep the limit above 1.3 × the slots, 3 have a coefficient of
// variation of 5.2–5.5 %, and seed 9 keeps 93 % of capacity. The stub's scenarios pass for all
// 30.
// SIM_TRACE=1 prints every window's decision.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <string>

#include "sim/baselines/static_limit.h"
#include "sim/model_setup.h"
#include "sim/sim_gateway.h"

namespace sluice::sim {
namespace {

using namespace std::chrono_literals;
using core::Duration;
using core::TimePoint;

// Every scenario runs with these seeds, so a pass is not the luck of one random stream; every
// run is still the same. SIM_SEED=n runs only seed n.
std::vector<uint64_t> Seeds() {
  if (const char* env = std::getenv("SIM_SEED")) return {std::strtoull(env, nullptr, 10)};
  return {42, 1, 2};
}

class Simulation {
 public:
  Simulation(ServiceTime service, uint64_t seed, int slots = kSlots)
      : rng_(seed),
        backend_(loop_, slots, std::move(service), rng_),
        gateway_(loop_, backend_, rng_, ModelConfig()),
        start_(loop_.now()) {}
  // `algorithm` sets the limit instead of sluice's controller.
  Simulation(ServiceTime service, uint64_t seed, int slots,
             std::unique_ptr<LimitAlgorithm> algorithm)
      : rng_(seed),
        backend_(loop_, slots, std::move(service), rng_),
        gateway_(loop_, backend_, rng_, ModelConfig(), std::move(algorithm)),
        start_(loop_.now()) {}
  // Pending events and backlogged jobs hold in-flight entries of the gateway's recorder: they
  // go first.
  ~Simulation() {
    backend_.DropAll();
    loop_.DropAll();
  }
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  void PrintLimits(Duration from, Duration to) const {
    if (std::getenv("SIM_TRACE") == nullptr) return;
    for (const auto& s : Limits(from, to)) {
      std::printf(
          "  t=%.2f limit=%.1f inf=%d %s signal=%.0fms p10=%.2fms mean=%.1fms base=%.1fms "
          "knee=%.1f tput=%.0f n=%lu limited=%lu fit=%d/%.1f/%.1fms [%.0f,%.0f]\n",
          core::ToSeconds(s.at - start_), s.limit, s.slo_infeasible,
          std::string(control::ActionName(s.decision.action)).c_str(), s.decision.signal_s * 1e3,
          core::ToSeconds(s.window.p10) * 1e3, core::ToSeconds(s.window.mean) * 1e3,
          s.base_mean_s * 1e3, s.knee, s.window.throughput(),
          static_cast<unsigned long>(s.window.samples),
          static_cast<unsigned long>(s.window.limited), static_cast<int>(s.decision.knee_fit.kind),
          s.decision.knee_fit.knee, s.decision.knee_fit.service_s * 1e3,
          s.decision.knee_fit.knee_low, s.decision.knee_fit.knee_high);
    }
  }

  TimePoint At(Duration since_start) const { return start_ + since_start; }
  void Load(double per_second, Duration until) {
    gateway_.StartArrivals([per_second](TimePoint) { return per_second; }, At(until));
  }
  void RunUntil(Duration since_start) { loop_.RunUntil(At(since_start)); }
  void SlowBackend(double factor, Duration at) {
    loop_.At(At(at), [this, factor] { backend_.SetSlowdown(factor); });
  }

  double Goodput(Duration from, Duration to) const {
    const auto n = std::count_if(Completions().begin(), Completions().end(),
                                 [&](const Completion& c) { return In(c.at, from, to); });
    return static_cast<double>(n) / core::ToSeconds(to - from);
  }
  // Completions within `slo` (arrival → response), per second.
  double GoodputWithin(Duration from, Duration to, Duration slo) const {
    const auto n =
        std::count_if(Completions().begin(), Completions().end(),
                      [&](const Completion& c) { return In(c.at, from, to) && c.latency <= slo; });
    return static_cast<double>(n) / core::ToSeconds(to - from);
  }
  Duration P99(Duration from, Duration to) const {
    std::vector<Duration> latencies;
    for (const auto& c : Completions()) {
      if (In(c.at, from, to)) latencies.push_back(c.latency);
    }
    if (latencies.empty()) return Duration::zero();
    const auto k =
        static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(latencies.size()))) - 1;
    std::nth_element(latencies.begin(), latencies.begin() + static_cast<long>(k), latencies.end());
    return latencies[k];
  }
  std::size_t Rejections(Duration from, Duration to) const {
    const auto& r = gateway_.rejections();
    return static_cast<std::size_t>(
        std::count_if(r.begin(), r.end(), [&](TimePoint t) { return In(t, from, to); }));
  }
  std::vector<LimitSample> Limits(Duration from, Duration to) const {
    std::vector<LimitSample> out;
    for (const auto& s : gateway_.limits()) {
      if (In(s.at, from, to)) out.push_back(s);
    }
    return out;
  }
  const SimGateway& gateway() const { return gateway_; }

 private:
  const std::vector<Completion>& Completions() const { return gateway_.completions(); }
  bool In(TimePoint t, Duration from, Duration to) const { return t >= At(from) && t < At(to); }

  EventLoop loop_;
  Rng rng_;
  ModelBackend backend_;
  SimGateway gateway_;
  TimePoint start_;
};

double CoefficientOfVariation(const std::vector<LimitSample>& samples) {
  double sum = 0, sum_sq = 0;
  for (const auto& s : samples) {
    sum += s.limit;
    sum_sq += s.limit * s.limit;
  }
  const double n = static_cast<double>(samples.size());
  const double mean = sum / n;
  return std::sqrt(std::max(0.0, sum_sq / n - mean * mean)) / mean;
}

struct Distribution {
  const char* name;
  ServiceTime service;
};

Distribution ServiceTimes(int which) {
  if (which == 0) return {"exponential", Exponential(kMeanService)};
  // Mean 12 ms as well: 90 % at 6 ms, 10 % at 66 ms.
  return {"bimodal", Bimodal(6ms, 66ms, 0.1)};
}

std::vector<LimitSample> WithoutProbes(const std::vector<LimitSample>& limits) {
  std::vector<LimitSample> out;
  for (const auto& s : limits) {
    if (s.decision.action != control::ControllerAction::kProbe) out.push_back(s);
  }
  return out;
}

double MeanLimit(const std::vector<LimitSample>& limits) {
  double sum = 0;
  for (const auto& s : limits) sum += s.limit;
  return sum / static_cast<double>(limits.size());
}

// 3× the capacity offered for 30 s; judged from 5 s on (the limit starts at 20, half the knee).
void CheckThreeTimesOverload(int which, bool check_cv) {
  const auto dist = ServiceTimes(which);
  for (const uint64_t seed : Seeds()) {
    SCOPED_TRACE(::testing::Message() << dist.name << " seed " << seed);
    Simulation sim(dist.service, seed);
    sim.Load(3 * kCapacity, 30s);
    sim.RunUntil(30s);
    sim.PrintLimits(0s, 30s);
    const double goodput = sim.Goodput(5s, 30s);
    const auto p99 = sim.P99(5s, 30s);
    const auto limits = sim.Limits(10s, 30s);
    // The service-time probe's deliberate dips (two windows every 10 s) are not oscillation.
    const double cv = CoefficientOfVariation(WithoutProbes(limits));
    std::printf(
        "[%s seed %lu] goodput %.0f/s (%.1f %% of capacity), admitted p99 %.1f ms, "
        "limit mean %.1f cv %.3f\n",
        dist.name, static_cast<unsigned long>(seed), goodput, 100 * goodput / kCapacity,
        core::ToSeconds(p99) * 1e3, MeanLimit(limits), cv);
    EXPECT_GE(goodput, 0.95 * kCapacity);
    EXPECT_LE(p99, kSlo);
    EXPECT_LE(MeanLimit(limits), 1.3 * kSlots) << "near the knee, not queueing in the backend";
    if (check_cv) {
      EXPECT_LE(cv, 0.05) << "steady overload: the limit must not oscillate";
    }
  }
}

TEST(ControllerSimulation, ThreeTimesOverloadExponential) { CheckThreeTimesOverload(0, true); }

TEST(ControllerSimulation, ThreeTimesOverloadBimodal) { CheckThreeTimesOverload(1, true); }

TEST(ControllerSimulation, BackendThreeTimesSlowerIsBackWithinTheObjectiveInTwoSeconds) {
  for (const uint64_t seed : Seeds()) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    Simulation sim(Exponential(kMeanService), seed);
    sim.Load(1.5 * kCapacity, 30s);
    sim.SlowBackend(3.0, 10s);
    sim.RunUntil(30s);
    sim.PrintLimits(8s, 30s);
    for (auto from = 12s; from < 30s; from += 2s) {
      EXPECT_LE(sim.P99(from, from + 2s), kSlo) << "window starting at " << from.count() << " s";
    }
  }
}

// 1.5× the capacity; the backend 5× slower from 10 s to 25 s, so slow that its own p99
// (≈ 276 ms with no queue at all) is beyond the objective. Known within a second (the slowdown
// and the throughput since give a lower bound on that p99, see the controller's class comment),
// the limit holds at the knee instead of collapsing, serves the slowed capacity, and goes back to
// full throughput when the backend recovers, with the limit back at the knee (the service time
// learnt while slow must not stay: X × 60 ms put it at 5× the slots).
TEST(ControllerSimulation, InfeasibleObjectiveHoldsTheKneeAndRecovers) {
  for (const uint64_t seed : Seeds()) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    Simulation sim(Exponential(kMeanService), seed);
    sim.Load(1.5 * kCapacity, 40s);
    sim.SlowBackend(5.0, 10s);  // p99 ≈ 276 ms > 250 ms even without queueing
    sim.SlowBackend(1.0, 25s);
    sim.RunUntil(40s);
    sim.PrintLimits(8s, 40s);
    const double slow_capacity = kCapacity / 5;
    const auto settled = sim.Limits(11s, 25s);
    ASSERT_FALSE(settled.empty());
    const auto slow = sim.Limits(10s, 25s);
    const auto detected = std::find_if(slow.begin(), slow.end(),
                                       [](const LimitSample& s) { return s.slo_infeasible; });
    const auto recovered = sim.Limits(30s, 40s);
    ASSERT_FALSE(recovered.empty());
    const auto [low, high] = std::minmax_element(
        settled.begin(), settled.end(),
        [](const LimitSample& a, const LimitSample& b) { return a.limit < b.limit; });
    std::printf(
        "[infeasible seed %lu] detected at %.2f s, limit %.1f-%.1f over 11-25 s, goodput %.1f %% "
        "of the slowed capacity (11-25 s), %.1f %% of capacity (30-40 s), limit mean %.1f "
        "(30-40 s)\n",
        static_cast<unsigned long>(seed),
        detected == slow.end() ? -1.0 : core::ToSeconds(detected->at - sim.At(0s)), low->limit,
        high->limit, 100 * sim.Goodput(11s, 25s) / slow_capacity,
        100 * sim.Goodput(30s, 40s) / kCapacity, MeanLimit(WithoutProbes(recovered)));
    for (const auto& s : settled) {
      EXPECT_TRUE(s.slo_infeasible) << core::ToSeconds(s.at - sim.At(0s)) << " s";
      EXPECT_GE(s.limit, 0.7 * kSlots) << "held near the knee, not collapsed";
      EXPECT_LE(s.limit, 2.0 * kSlots);
    }
    EXPECT_GE(sim.Goodput(11s, 25s), 0.9 * slow_capacity);
    EXPECT_GE(sim.Goodput(30s, 40s), 0.95 * kCapacity) << "full throughput 5 s after recovery";
    EXPECT_FALSE(recovered.back().slo_infeasible);
    // The service time learnt while slow (5× the real one) must not carry the knee estimate
    // X × service time to 5× the slots once the backend is fast again.
    EXPECT_LE(MeanLimit(WithoutProbes(recovered)), 1.3 * kSlots) << "back near the knee";
  }
}

TEST(ControllerSimulation, SeventyPercentLoadForTenMinutesRejectsNothing) {
  for (const uint64_t seed : Seeds()) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    Simulation sim(Exponential(kMeanService), seed);
    sim.Load(0.7 * kCapacity, 600s);
    sim.RunUntil(600s);
    sim.PrintLimits(0s, 600s);
    EXPECT_EQ(sim.Rejections(0s, 600s), 0u);
    EXPECT_GE(sim.Goodput(0s, 600s), 0.69 * kCapacity);
  }
}

// The loadtest's backend (loadtest/overload.sh, slowdown.sh): 16 slots that each sleep 50 ms on a
// timer (capacity 320 req/s), a FIFO beyond them. A fixed service time is the hard case for a
// latency controller: nothing in the tail tells queueing from service, only the level does.
constexpr int kStubSlots = 16;
constexpr double kStubCapacity = kStubSlots / 0.050;
ServiceTime StubService() { return Jittered(50ms, 1ms); }

// Tuned HAProxy (maxconn 16, timeout queue 50 ms) admits with p99 ≈ service + queue bound
// ≈ 106 ms at full goodput; without being told the slot count, sluice must come as close.
TEST(ControllerSimulation, StubThreeTimesOverloadFindsTheSlotCount) {
  for (const uint64_t seed : Seeds()) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    Simulation sim(StubService(), seed, kStubSlots);
    sim.Load(0.5 * kStubCapacity, 4s);
    sim.RunUntil(4s);
    sim.Load(3 * kStubCapacity, 34s);
    sim.RunUntil(34s);
    sim.PrintLimits(0s, 34s);
    const auto limits = sim.Limits(10s, 34s);
    const double goodput = sim.GoodputWithin(4s, 34s, kSlo);
    const auto p99 = sim.P99(10s, 34s);
    std::printf(
        "[stub overload seed %lu] goodput in SLO %.0f/s (%.1f %%), p99 %.1f ms, limit "
        "mean %.1f cv %.3f\n",
        static_cast<unsigned long>(seed), goodput, 100 * goodput / kStubCapacity,
        core::ToSeconds(p99) * 1e3, MeanLimit(limits), CoefficientOfVariation(limits));
    EXPECT_GE(goodput, 0.95 * kStubCapacity);
    EXPECT_LE(p99, 115ms) << "1.15 × (service 50 ms + queue bound 50 ms)";
    EXPECT_LE(MeanLimit(limits), 1.2 * kStubSlots);
  }
}

// 0.8× load; the backend 3× slower (150 ms, 107 req/s) from 10 s to 25 s. The objective stays
// feasible (150 ms < the 200 ms setpoint), so the slowed capacity must be served within it,
// without cutting the limit below the slots while the latency of the old queue drains. What
// decides the first second or two is how many wait inside the backend when it slows down: the
// load curve placed the knee at 16 during the 0.8× phase and the limit is there (without the
// curve, bursts and slow start left it at 21 to 40, and seeds 1–8 and 42 kept 89.9–96.3 %, with
// p99 263–287 ms). Seeds 1–30: 97.0–98.5 % of the slowed capacity, admitted p99 177–195 ms over
// the slow phase.
TEST(ControllerSimulation, StubThreeTimesSlowerKeepsTheSlowedCapacityWithinTheObjective) {
  for (const uint64_t seed : Seeds()) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    Simulation sim(StubService(), seed, kStubSlots);
    sim.Load(0.8 * kStubCapacity, 35s);
    sim.SlowBackend(3.0, 10s);
    sim.SlowBackend(1.0, 25s);
    sim.RunUntil(35s);
    sim.PrintLimits(8s, 30s);
    const double slow_capacity = kStubCapacity / 3;
    const double slowed = sim.GoodputWithin(11s, 25s, kSlo);
    const double after = sim.GoodputWithin(26s, 35s, kSlo);
    std::printf(
        "[stub slowdown seed %lu] goodput in SLO while slow %.0f/s (%.1f %% of %.0f), "
        "after %.0f/s; admitted p99 %.0f ms while slow, %.0f ms in its first 2 s\n",
        static_cast<unsigned long>(seed), slowed, 100 * slowed / slow_capacity, slow_capacity,
        after, core::ToSeconds(sim.P99(10s, 25s)) * 1e3, core::ToSeconds(sim.P99(10s, 12s)) * 1e3);
    EXPECT_GE(slowed, 0.95 * slow_capacity);
    EXPECT_LE(sim.P99(10s, 25s), kSlo) << "admitted requests within the objective while slow";
    EXPECT_GE(after, 0.95 * 0.8 * kStubCapacity);
  }
}

// loadtest/slowdown.sh with SLOW_FACTOR=5: 0.8× load; the stub 5× slower (250 ms, 64 req/s)
// from 10 s to 25 s, its service time alone the whole objective. The limit must hold at the
// slots and serve the slowed capacity (latency is no lever), and once the backend recovers
// serve the whole load again within 5 s. Seeds 1–30: 97.2–99.2 % of the slowed capacity, limit
// mean 15.8–16.5; 0–6 of ~1280 rejected 5 s after. (Before, the infeasible objective was never
// known here: each cut by Little's law went below the 16 the stub served at once, so no window
// had enough in flight to judge the slowdown by, and the limit fell to 4: 32–46 %.)
TEST(ControllerSimulation, StubFiveTimesSlowerHoldsTheSlotsAndRecovers) {
  for (const uint64_t seed : Seeds()) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    Simulation sim(StubService(), seed, kStubSlots);
    sim.Load(0.8 * kStubCapacity, 35s);
    sim.SlowBackend(5.0, 10s);
    sim.SlowBackend(1.0, 25s);
    sim.RunUntil(35s);
    sim.PrintLimits(8s, 35s);
    const double slow_capacity = kStubCapacity / 5;
    const auto slow = sim.Limits(12s, 25s);
    const auto after = sim.Limits(30s, 35s);
    ASSERT_FALSE(slow.empty());
    ASSERT_FALSE(after.empty());
    const std::size_t rejected_after = sim.Rejections(30s, 35s);
    std::printf(
        "[stub infeasible seed %lu] served %.0f/s while slow (%.1f %% of %.0f), limit mean %.1f; "
        "after %.0f/s with %zu rejected, limit mean %.1f\n",
        static_cast<unsigned long>(seed), sim.Goodput(12s, 25s),
        100 * sim.Goodput(12s, 25s) / slow_capacity, slow_capacity, MeanLimit(slow),
        sim.Goodput(30s, 35s), rejected_after, MeanLimit(after));
    EXPECT_GE(sim.Goodput(12s, 25s), 0.9 * slow_capacity);
    EXPECT_GE(MeanLimit(slow), 0.9 * kStubSlots) << "held at the slots, not collapsed";
    // All of the load 5 s after (the Poisson arrivals of 5 s vary by ±3 %: rejections tell).
    EXPECT_GE(sim.Goodput(30s, 35s), 0.9 * 0.8 * kStubCapacity);
    EXPECT_LE(static_cast<double>(rejected_after), 0.01 * 0.8 * kStubCapacity * 5);
    EXPECT_LE(MeanLimit(after), 1.3 * kStubSlots);
  }
}

// 0.9× load for a minute. Near full use of the slots, Poisson bursts queue in sluice; with the
// limit at the slot count a few waiters pass the queue's 50 ms bound, as they do behind a limit
// hand-tuned to the slots (HAProxy's maxconn 16 + timeout queue 50 ms) on the same queue. Over
// the seeds run, sluice must turn away at most 1.15 × what that turns away (seeds 1–30: 2752
// against 2715; per seed 0.33–0.99 % of arrivals, the hand-tuned limit 0.28–0.99 %). Overload's
// standing-queue regime must not start here: with it on after 100 ms non-empty alone, 2.6–3.5 %
// were turned away; so would the service-time probe's dips, had the load curve not replaced it
// (1.17 × with them).
TEST(ControllerSimulation, StubNinetyPercentLoadRejectsAboutAsFewAsAHandTunedLimit) {
  const auto run = [](Simulation& sim) {
    sim.Load(0.9 * kStubCapacity, 65s);
    sim.RunUntil(65s);
    return sim.Rejections(5s, 65s);
  };
  std::size_t rejected = 0, rejected_tuned = 0;
  for (const uint64_t seed : Seeds()) {
    Simulation sim(StubService(), seed, kStubSlots);
    const std::size_t n = run(sim);
    sim.PrintLimits(0s, 65s);
    Simulation tuned(StubService(), seed, kStubSlots,
                     std::make_unique<baselines::StaticLimit>(kStubSlots));
    const std::size_t n_tuned = run(tuned);
    const double offered = 0.9 * kStubCapacity * 60;
    std::printf(
        "[stub 0.9x seed %lu] rejected %zu of ~%.0f (%.2f %%), hand-tuned limit %zu; p99 %.0f "
        "ms, limit mean %.1f\n",
        static_cast<unsigned long>(seed), n, offered, 100 * n / offered, n_tuned,
        core::ToSeconds(sim.P99(5s, 65s)) * 1e3, MeanLimit(sim.Limits(5s, 65s)));
    rejected += n;
    rejected_tuned += n_tuned;
  }
  EXPECT_LE(static_cast<double>(rejected), 1.15 * static_cast<double>(rejected_tuned) + 20);
}

}  // namespace
}  // namespace sluice::sim
