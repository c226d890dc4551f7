#pragma once
// Time source for everything time-based. Only SteadyClock reads the real clock; tests inject
// FakeClock so buckets, windows and deadlines are deterministic.
#include <atomic>
#include <chrono>

namespace sluice::core {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;

// Thread-safe: implementations must allow concurrent Now() from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint Now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  [[nodiscard]] TimePoint Now() const override { return std::chrono::steady_clock::now(); }
};

// Manually advanced clock for tests. Thread-safe: the time is one atomic; relaxed order is
// enough because tests advance it from the thread that then observes the effects.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{} + std::chrono::hours(1)) : now_(start) {}
  [[nodiscard]] TimePoint Now() const override { return now_.load(std::memory_order_relaxed); }
  void Advance(Duration d) { now_.store(Now() + d, std::memory_order_relaxed); }
  void Set(TimePoint t) { now_.store(t, std::memory_order_relaxed); }

 private:
  std::atomic<TimePoint> now_;
};

// Seconds as a double, for metrics and logs.
inline double ToSeconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace sluice::core
