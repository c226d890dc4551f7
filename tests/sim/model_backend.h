#pragma once
// A backend with a fixed number of worker slots: a job holds a slot for its service time, and
// jobs beyond the slots wait in the backend's own FIFO (as a real server's accept backlog does).
// Its capacity is slots / mean service time; slowing it multiplies every service time started
// from then on.
#include <deque>
#include <functional>
#include <random>

#include "sim/event_loop.h"

namespace sluice::sim {

using Rng = std::mt19937_64;
using ServiceTime = std::function<core::Duration(Rng&)>;

// Exponential service times with the given mean.
ServiceTime Exponential(core::Duration mean);
// `base` plus a uniform jitter in [0, jitter): a server that sleeps a fixed time on a timer, as
// the loadtest stub does.
ServiceTime Jittered(core::Duration base, core::Duration jitter);
// `fast` with probability 1 − p_slow, else `slow`.
ServiceTime Bimodal(core::Duration fast, core::Duration slow, double p_slow);

class ModelBackend {
 public:
  ModelBackend(EventLoop& loop, int slots, ServiceTime service, Rng& rng)
      : loop_(loop), slots_(slots), service_(std::move(service)), rng_(rng) {}

  void SetSlowdown(double factor) { slowdown_ = factor; }
  // Forgets queued jobs without serving them (end of a simulation).
  void DropAll() { backlog_.clear(); }
  // Runs `done` when the job has been served.
  void Submit(std::function<void()> done);

 private:
  void Start(std::function<void()> done);

  EventLoop& loop_;
  const int slots_;
  ServiceTime service_;
  Rng& rng_;
  double slowdown_ = 1.0;
  int busy_ = 0;
  std::deque<std::function<void()>> backlog_;
};

}  // namespace sluice::sim
