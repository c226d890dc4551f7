#pragma once
// sluice's admission path for one cluster, on simulated time: the real ClusterAdmission (gate and
// fair queue), the real ClusterRecorder and ClusterController, in front of a ModelBackend, fed
// by an open-loop Poisson arrival process. Records every outcome for the scenario checks.
// Given a LimitAlgorithm (sim/baselines/), that sets the limit instead of the ClusterController,
// on the same recorder and gate (the controller comparison).
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "admission/cluster_admission.h"
#include "control/cluster_controller.h"
#include "control/cluster_recorder.h"
#include "sim/baselines/limit_algorithm.h"
#include "sim/event_loop.h"
#include "sim/model_backend.h"

namespace sluice::sim {

struct Completion {
  core::TimePoint at;
  core::Duration latency;  // arrival → response, queue wait included (what the client sees)
};

struct LimitSample {
  core::TimePoint at;
  double limit;
  bool slo_infeasible;
  control::ControllerDecision decision;
  control::WindowStats window;
  double base_mean_s = 0;  // the controller's service-time baseline (0 for other algorithms)
  double knee = 0;         // the controller's knee estimate (0 for other algorithms)
};

struct SimConfig {
  control::ControllerParams controller;
  config::QueueConfig queue;
  core::Duration tick = std::chrono::milliseconds(10);
};

class SimGateway {
 public:
  SimGateway(EventLoop& loop, ModelBackend& backend, Rng& rng, const SimConfig& config);
  // `algorithm` sets the limit instead of the ClusterController (config.controller then only
  // seeds the gate before the algorithm's initial limit is applied).
  SimGateway(EventLoop& loop, ModelBackend& backend, Rng& rng, const SimConfig& config,
             std::unique_ptr<LimitAlgorithm> algorithm);

  // Open-loop arrivals: Poisson with rate(now) per second, until `until`.
  void StartArrivals(std::function<double(core::TimePoint)> rate, core::TimePoint until);

  // Everything recorded so far.
  [[nodiscard]] const std::vector<Completion>& completions() const { return completions_; }
  [[nodiscard]] const std::vector<core::TimePoint>& rejections() const { return rejections_; }
  [[nodiscard]] const std::vector<LimitSample>& limits() const { return limits_; }
  // Only without an algorithm.
  [[nodiscard]] const control::ClusterController& controller() const { return *controller_; }

 private:
  void ScheduleArrival();
  void Arrive();
  void Queue(core::TimePoint arrived);
  void Dispatch(core::TimePoint arrived);
  void Tick();
  void TickAlgorithm();

  EventLoop& loop_;
  ModelBackend& backend_;
  Rng& rng_;
  SimConfig config_;
  std::unique_ptr<admission::ClusterAdmission> admission_;
  control::ClusterRecorder recorder_;
  std::unique_ptr<control::ClusterController> controller_;  // null with an algorithm
  std::unique_ptr<LimitAlgorithm> algorithm_;
  core::TimePoint window_start_{};  // the algorithm's window
  uint32_t max_inflight_ = 0;       // in the algorithm's window
  std::function<double(core::TimePoint)> rate_;
  core::TimePoint arrivals_until_{};
  uint64_t next_waiter_ = 1;

  std::vector<Completion> completions_;
  std::vector<core::TimePoint> rejections_;
  std::vector<LimitSample> limits_;
};

}  // namespace sluice::sim
