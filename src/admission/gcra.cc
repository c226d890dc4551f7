#include "admission/gcra.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace sluice::admission {
namespace {

using core::Duration;
using core::TimePoint;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kMaxIntervalNs =
    std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::hours(24 * 365)).count();

int64_t SaturatingMul(int64_t a, int64_t b) {
  int64_t out = 0;
  return __builtin_mul_overflow(a, b, &out) ? kInt64Max : out;
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  return __builtin_add_overflow(a, b, &out) ? kInt64Max : out;
}

int64_t Nanos(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

struct Shape {
  int64_t interval;   // T
  int64_t tolerance;  // τ = burst·T
};

int64_t IntervalNs(const GcraBucket::Policy& p) {
  if (!(p.rate_per_second > 0.0)) return kMaxIntervalNs;  // also catches NaN
  const double ns = 1e9 / p.rate_per_second;
  if (ns >= static_cast<double>(kMaxIntervalNs)) return kMaxIntervalNs;
  return std::max<int64_t>(1, std::llround(ns));
}

Shape ShapeOf(const GcraBucket::Policy& p) {
  const int64_t interval = IntervalNs(p);
  return {interval, SaturatingMul(interval, p.burst)};
}

// Whole tokens left when the bucket is `used_ns` ahead of now.
uint32_t Remaining(int64_t used_ns, const Shape& s, uint32_t burst) {
  if (used_ns >= s.tolerance) return 0;
  const int64_t left = (s.tolerance - std::max<int64_t>(used_ns, 0)) / s.interval;
  return static_cast<uint32_t>(std::min<int64_t>(left, burst));
}

}  // namespace

Duration GcraBucket::EmissionInterval(const Policy& policy) { return Duration(IntervalNs(policy)); }

Duration GcraBucket::RefillWindow(const Policy& policy) {
  return Duration(ShapeOf(policy).tolerance);
}

GcraDecision GcraBucket::TryTake(TimePoint now, uint32_t cost, const Policy& policy) {
  const Shape s = ShapeOf(policy);
  const int64_t now_ns = Nanos(now);
  const int64_t increment = SaturatingMul(s.interval, cost);
  int64_t tat = tat_ns_.load(std::memory_order_relaxed);
  for (;;) {
    const int64_t base = std::max(tat, now_ns);
    const int64_t new_tat = SaturatingAdd(base, increment);
    const int64_t allow_at = new_tat - s.tolerance;
    if (allow_at > now_ns) {
      return {false, Duration(allow_at - now_ns), Remaining(base - now_ns, s, policy.burst),
              Duration(base - now_ns)};
    }
    if (tat_ns_.compare_exchange_weak(tat, new_tat, std::memory_order_relaxed,
                                      std::memory_order_relaxed)) {
      return {true, Duration::zero(), Remaining(new_tat - now_ns, s, policy.burst),
              Duration(new_tat - now_ns)};
    }
  }
}

GcraLevel GcraBucket::Peek(TimePoint now, const Policy& policy) const {
  const Shape s = ShapeOf(policy);
  const int64_t now_ns = Nanos(now);
  const int64_t used = std::max(tat_ns_.load(std::memory_order_relaxed), now_ns) - now_ns;
  return {Remaining(used, s, policy.burst), Duration(used)};
}

void GcraBucket::Rescale(const Policy& old_policy, const Policy& new_policy, TimePoint now) {
  const Shape from = ShapeOf(old_policy);
  const Shape to = ShapeOf(new_policy);
  const int64_t now_ns = Nanos(now);
  int64_t tat = tat_ns_.load(std::memory_order_relaxed);
  for (;;) {
    const int64_t used = std::clamp<int64_t>(tat - now_ns, 0, from.tolerance);
    int64_t new_used = 0;
    if (from.tolerance > 0 && used > 0) {
      // new_used = ⌈used · τ_new / τ_old⌉ in 128 bits: rounding up never grants a token.
      const unsigned __int128 num =
          static_cast<unsigned __int128>(used) * static_cast<unsigned __int128>(to.tolerance);
      const auto den = static_cast<unsigned __int128>(from.tolerance);
      new_used = static_cast<int64_t>((num + den - 1) / den);
    }
    const int64_t new_tat = SaturatingAdd(now_ns, new_used);
    if (new_used == 0 && tat <= now_ns) return;  // full before, full after
    if (tat_ns_.compare_exchange_weak(tat, new_tat, std::memory_order_relaxed,
                                      std::memory_order_relaxed)) {
      return;
    }
  }
}

}  // namespace sluice::admission
