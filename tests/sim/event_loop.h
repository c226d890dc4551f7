#pragma once
// A discrete-event scheduler on simulated time: events run in time order (ties in the order they
// were scheduled), and `now()` jumps from one event to the next. Nothing here sleeps or reads a
// real clock, so a simulated ten minutes takes a second and every run is identical.
#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "core/clock.h"

namespace sluice::sim {

class EventLoop {
 public:
  explicit EventLoop(core::TimePoint start = core::TimePoint{} + std::chrono::hours(1))
      : now_(start) {}

  [[nodiscard]] core::TimePoint now() const { return now_; }

  void At(core::TimePoint when, std::function<void()> fn) {
    events_.push({std::max(when, now_), next_seq_++, std::move(fn)});
  }
  void After(core::Duration delay, std::function<void()> fn) { At(now_ + delay, std::move(fn)); }

  // Drops every pending event (their captures are destroyed, nothing runs).
  void DropAll() { events_ = {}; }

  // Runs every event due up to `until`, then sets the time to `until`.
  void RunUntil(core::TimePoint until) {
    while (!events_.empty() && events_.top().when <= until) {
      Event e = events_.top();
      events_.pop();
      now_ = e.when;
      e.fn();
    }
    now_ = until;
  }

 private:
  struct Event {
    core::TimePoint when;
    uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return when != o.when ? when > o.when : seq > o.seq; }
  };
  core::TimePoint now_;
  uint64_t next_seq_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
};

}  // namespace sluice::sim
