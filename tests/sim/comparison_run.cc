#include "sim/comparison_run.h"

#include <algorithm>
#include <cmath>

#include "sim/event_loop.h"
#include "sim/model_setup.h"

namespace sluice::sim {
namespace {

using core::Duration;
using core::TimePoint;

// Completions and rejections are recorded in time order (the loop's time never goes back).
std::pair<std::size_t, std::size_t> Span(const std::vector<Completion>& c, TimePoint from,
                                         TimePoint to) {
  const auto by_time = [](const Completion& x, TimePoint t) { return x.at < t; };
  const auto first = std::lower_bound(c.begin(), c.end(), from, by_time);
  const auto last = std::lower_bound(first, c.end(), to, by_time);
  return {static_cast<std::size_t>(first - c.begin()), static_cast<std::size_t>(last - c.begin())};
}

// nullopt when nothing completed in the span.
std::optional<Duration> P99(const std::vector<Completion>& c, TimePoint from, TimePoint to) {
  const auto [first, last] = Span(c, from, to);
  if (first == last) return std::nullopt;
  std::vector<Duration> latencies;
  latencies.reserve(last - first);
  for (std::size_t i = first; i < last; ++i) latencies.push_back(c[i].latency);
  const auto k =
      static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(latencies.size()))) - 1;
  std::nth_element(latencies.begin(), latencies.begin() + static_cast<long>(k), latencies.end());
  return latencies[k];
}

std::size_t CountIn(const std::vector<TimePoint>& times, TimePoint from, TimePoint to) {
  return static_cast<std::size_t>(std::lower_bound(times.begin(), times.end(), to) -
                                  std::lower_bound(times.begin(), times.end(), from));
}

// The limit in force over [from, to), weighted by how long it was: mean and CV.
void LimitStats(const std::vector<LimitSample>& limits, double initial, TimePoint from,
                TimePoint to, RunResult& r) {
  double in_force = initial, sum = 0, sum_sq = 0;
  TimePoint t = from;
  const auto add = [&](TimePoint until) {
    const double dt = core::ToSeconds(until - t);
    sum += in_force * dt;
    sum_sq += in_force * in_force * dt;
    t = until;
  };
  for (const auto& s : limits) {
    if (s.at >= to) break;
    if (s.at > from) {
      add(s.at);
      ++r.windows;
    }
    in_force = s.limit;
  }
  add(to);
  const double span = core::ToSeconds(to - from);
  r.mean_limit = sum / span;
  const double variance = std::max(0.0, sum_sq / span - r.mean_limit * r.mean_limit);
  r.limit_cv = r.mean_limit > 0 ? std::sqrt(variance) / r.mean_limit : 0;
}

std::optional<Duration> BackWithinObjective(const std::vector<Completion>& c, TimePoint slowed,
                                            TimePoint end) {
  constexpr Duration kBucket = std::chrono::milliseconds(500);
  TimePoint back = slowed;  // the end of the last bucket outside the objective
  for (TimePoint b = slowed; b < end; b += kBucket) {
    const auto p99 = P99(c, b, b + kBucket);
    if (!p99 || *p99 > kSlo) back = b + kBucket;  // nothing completed: a stall, not a pass
  }
  if (back >= end) return std::nullopt;
  return back - slowed;
}

}  // namespace

RunResult RunScenario(const Scenario& scenario, const AlgorithmFactory& make, uint64_t seed) {
  EventLoop loop;
  Rng rng(seed);
  ModelBackend backend(loop, kSlots, scenario.service, rng);
  const SimConfig config = ModelConfig();
  const TimePoint start = loop.now();
  auto algorithm = make(config, start);

  RunResult r;
  r.algorithm = algorithm ? std::string(algorithm->name()) : "sluice (ClusterController)";
  const double initial = algorithm ? algorithm->initial_limit() : config.controller.initial_limit;
  SimGateway gateway(loop, backend, rng, config, std::move(algorithm));
  const double rate = scenario.load * kCapacity;
  gateway.StartArrivals([rate](TimePoint) { return rate; }, start + scenario.duration);
  if (scenario.slows()) {
    loop.At(start + scenario.slow_at,
            [&backend, factor = scenario.slowdown] { backend.SetSlowdown(factor); });
  }
  const TimePoint end = start + scenario.duration;
  loop.RunUntil(end);

  const TimePoint from = start + scenario.judged_from;
  const auto& done = gateway.completions();
  const auto [first, last] = Span(done, from, end);
  r.completions = last - first;
  const bool slowed = scenario.slows() && scenario.judged_from >= scenario.slow_at;
  const double capacity = kCapacity / (slowed ? scenario.slowdown : 1.0);
  r.goodput_share = static_cast<double>(r.completions) / core::ToSeconds(end - from) / capacity;
  r.p99 = P99(done, from, end).value_or(Duration::zero());
  r.rejections = CountIn(gateway.rejections(), from, end);
  const std::size_t answered = r.completions + r.rejections;
  r.rejected_share = answered > 0 ? static_cast<double>(r.rejections) / answered : 0;
  LimitStats(gateway.limits(), initial, from, end, r);
  if (scenario.slows()) {
    r.back_within_objective = BackWithinObjective(done, start + scenario.slow_at, end);
  }
  r.limits = gateway.limits();

  // Pending events and backlogged jobs hold in-flight entries of the gateway's recorder.
  backend.DropAll();
  loop.DropAll();
  return r;
}

}  // namespace sluice::sim
