#include "admission/gcra.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

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

int64_t IntervalNs(const GcraBucket::Policy& p) {
  if (!(p.rate_per_second > 0.0)) return kMaxIntervalNs;  // also catches NaN
  const double ns = 1e9 / p.rate_per_second;
  if (ns >= static_cast<double>(kMaxIntervalNs)) return kMaxIntervalNs;
  return std::max<int64_t>(1, std::llround(ns));
}

// Whole tokens left when the bucket is `used_ns` ahead of now (at most τ / T, the burst).
uint32_t Remaining(int64_t used_ns, int64_t interval, int64_t tolerance) {
  if (used_ns >= tolerance) return 0;
  const int64_t left = (tolerance - std::max<int64_t>(used_ns, 0)) / interval;
  return static_cast<uint32_t>(std::min<int64_t>(left, std::numeric_limits<uint32_t>::max()));
}

// Held in the TAT while a Rescale swaps the policy (no real TAT is this low).
constexpr int64_t kRescaling = std::numeric_limits<int64_t>::min();

}  // namespace

GcraBucket::Shape GcraBucket::ShapeOf(const Policy& policy) {
  const int64_t interval = IntervalNs(policy);
  return {interval, SaturatingMul(interval, policy.burst)};
}

Duration GcraBucket::EmissionInterval(const Policy& policy) { return Duration(IntervalNs(policy)); }

Duration GcraBucket::RefillWindow(const Policy& policy) {
  return Duration(ShapeOf(policy).tolerance);
}

// The TAT, never kRescaling: a Rescale holds it for a few instructions, unless its thread is
// preempted in between, so yield rather than spin.
int64_t GcraBucket::LoadTat() const {
  for (;;) {
    const int64_t tat = tat_ns_.load(std::memory_order_acquire);
    if (tat != kRescaling) return tat;
    std::this_thread::yield();
  }
}

// The shape the TAT is measured in: the last Rescale's, else the caller's policy.
GcraBucket::Shape GcraBucket::ShapeFor(const Policy& policy) const {
  const int64_t interval = interval_ns_.load(std::memory_order_relaxed);
  if (interval == 0) return ShapeOf(policy);
  return {interval, tolerance_ns_.load(std::memory_order_relaxed)};
}

GcraDecision GcraBucket::TryTake(TimePoint now, uint32_t cost, const Policy& policy) {
  const int64_t now_ns = Nanos(now);
  int64_t tat = LoadTat();
  for (;;) {
    const Shape s = ShapeFor(policy);
    const int64_t increment = SaturatingMul(s.interval, cost);
    const int64_t base = std::max(tat, now_ns);
    const int64_t new_tat = SaturatingAdd(base, increment);
    const int64_t allow_at = new_tat - s.tolerance;
    if (allow_at > now_ns) {
      return {false, Duration(allow_at - now_ns), Remaining(base - now_ns, s.interval, s.tolerance),
              Duration(base - now_ns)};
    }
    if (tat_ns_.compare_exchange_weak(tat, new_tat, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      return {true, Duration::zero(), Remaining(new_tat - now_ns, s.interval, s.tolerance),
              Duration(new_tat - now_ns)};
    }
    if (tat == kRescaling) tat = LoadTat();
  }
}

GcraLevel GcraBucket::Peek(TimePoint now, const Policy& policy) const {
  const int64_t now_ns = Nanos(now);
  const int64_t used = std::max(LoadTat(), now_ns) - now_ns;
  const Shape s = ShapeFor(policy);
  return {Remaining(used, s.interval, s.tolerance), Duration(used)};
}

void GcraBucket::Rescale(const Policy& old_policy, const Policy& new_policy, TimePoint now) {
  const int64_t now_ns = Nanos(now);
  int64_t tat = LoadTat();
  while (!tat_ns_.compare_exchange_weak(tat, kRescaling, std::memory_order_acquire,
                                        std::memory_order_acquire)) {
    if (tat == kRescaling) tat = LoadTat();
  }
  const Shape from = ShapeFor(old_policy);
  const Shape to = ShapeOf(new_policy);
  const int64_t used = std::clamp<int64_t>(tat - now_ns, 0, from.tolerance);
  int64_t new_used = 0;
  if (from.tolerance > 0 && used > 0) {
    // new_used = ⌈used · τ_new / τ_old⌉ in 128 bits: rounding up never grants a token.
    const unsigned __int128 num =
        static_cast<unsigned __int128>(used) * static_cast<unsigned __int128>(to.tolerance);
    const auto den = static_cast<unsigned __int128>(from.tolerance);
    new_used = static_cast<int64_t>((num + den - 1) / den);
  }
  // A full bucket keeps its TAT (already in the past); otherwise now + what is in use. Never
  // the TAT a taker may have read before the swap, so that taker's CAS fails and it rereads
  // with the new policy (a nanosecond more in use, or a full bucket a nanosecond older).
  int64_t new_tat = used == 0 ? tat : SaturatingAdd(now_ns, new_used);
  if (new_tat == tat) new_tat += used == 0 ? -1 : 1;
  interval_ns_.store(to.interval, std::memory_order_relaxed);
  tolerance_ns_.store(to.tolerance, std::memory_order_relaxed);
  tat_ns_.store(new_tat, std::memory_order_release);
}

}  // namespace sluice::admission
