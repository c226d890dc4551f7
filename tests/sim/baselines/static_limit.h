#pragma once
// A fixed concurrency limit, never changed: what an operator who measured the backend would
// configure (HAProxy's `maxconn` at the slot count, as loadtest/'s tuned HAProxy). A reference
// for the adaptive controller near full use of a backend, on the same gate and queue.
//
// Thread-safety: owned by one SimGateway.
#include <chrono>

#include "sim/baselines/limit_algorithm.h"

namespace sluice::sim::baselines {

class StaticLimit final : public LimitAlgorithm {
 public:
  explicit StaticLimit(double limit) : limit_(limit) {}

  [[nodiscard]] std::string_view name() const override { return "static (hand-tuned)"; }
  [[nodiscard]] double initial_limit() const override { return limit_; }
  [[nodiscard]] bool WindowDue(core::Duration open_for, uint64_t /*samples*/,
                               core::TimePoint /*now*/) const override {
    return open_for >= std::chrono::seconds(1);  // windows only so the run records the limit
  }
  [[nodiscard]] WindowOutcome OnWindow(const SimWindow& /*window*/,
                                       core::TimePoint /*now*/) override {
    return {.limit = limit_};
  }

 private:
  double limit_;
};

}  // namespace sluice::sim::baselines
