#include "sim/sim_gateway.h"

#include <algorithm>
#include <cmath>

namespace sluice::sim {

namespace {

config::ClusterConfig GatedCluster(const SimConfig& c) {
  config::ClusterConfig cluster;
  cluster.name = "sim";
  cluster.concurrency_limit = static_cast<uint32_t>(c.controller.initial_limit);
  cluster.queue = c.queue;
  return cluster;
}

// As ClusterController::computed_limit: rounded, at least 1.
uint32_t GateLimit(double limit) { return static_cast<uint32_t>(std::max(1.0, std::round(limit))); }

}  // namespace

SimGateway::SimGateway(EventLoop& loop, ModelBackend& backend, Rng& rng, const SimConfig& config)
    : SimGateway(loop, backend, rng, config, nullptr) {}

SimGateway::SimGateway(EventLoop& loop, ModelBackend& backend, Rng& rng, const SimConfig& config,
                       std::unique_ptr<LimitAlgorithm> algorithm)
    : loop_(loop),
      backend_(backend),
      rng_(rng),
      config_(config),
      admission_(std::make_unique<admission::ClusterAdmission>(
          GatedCluster(config), /*class_count=*/1, /*sheddable_from=*/1, std::vector<uint32_t>{1})),
      recorder_(/*workers=*/1, loop.now()),
      controller_(algorithm ? nullptr
                            : std::make_unique<control::ClusterController>(
                                  config.controller, /*enforce=*/true, admission_->limit(),
                                  recorder_, loop.now())),
      algorithm_(std::move(algorithm)),
      window_start_(loop.now()) {
  if (algorithm_) admission_->limit().Set(GateLimit(algorithm_->initial_limit()));
  loop_.After(config_.tick, [this] { Tick(); });
}

void SimGateway::StartArrivals(std::function<double(core::TimePoint)> rate, core::TimePoint until) {
  rate_ = std::move(rate);
  arrivals_until_ = until;
  ScheduleArrival();
}

void SimGateway::ScheduleArrival() {
  const double per_second = rate_(loop_.now());
  if (per_second <= 0) return;
  std::exponential_distribution<double> gap(per_second);
  const auto next = loop_.now() + std::chrono::duration_cast<core::Duration>(
                                      std::chrono::duration<double>(gap(rng_)));
  if (next > arrivals_until_) return;
  loop_.At(next, [this] {
    Arrive();
    ScheduleArrival();
  });
}

void SimGateway::Arrive() {
  const auto now = loop_.now();
  if (admission_->TryEnter()) {
    Dispatch(now);
    return;
  }
  recorder_.NoteLimited(0);
  Queue(now);
}

void SimGateway::Queue(core::TimePoint arrived) {
  admission::Waiter waiter;
  waiter.id = next_waiter_++;
  // As in the gateway: the outcome is delivered on the request's own turn, never re-entrantly.
  waiter.on_done = [this, arrived](admission::QueueOutcome outcome) {
    loop_.At(loop_.now(), [this, arrived, outcome] {
      if (outcome == admission::QueueOutcome::kAdmitted) {
        Dispatch(arrived);
      } else {
        rejections_.push_back(loop_.now());
      }
    });
  };
  if (admission_->Enqueue(std::move(waiter), loop_.now()) != admission::EnqueueResult::kQueued) {
    rejections_.push_back(loop_.now());
    return;
  }
  // The gateway's per-waiter timer: a queue nobody touches still answers on time.
  loop_.After(config_.queue.max_wait, [this] { admission_->queue().ExpireDeadlines(loop_.now()); });
}

void SimGateway::Dispatch(core::TimePoint arrived) {
  max_inflight_ = std::max(max_inflight_, admission_->inflight());
  auto entry =
      std::make_shared<control::InflightEntry>(recorder_, 0, loop_.now(), admission_->inflight());
  backend_.Submit([this, arrived, entry]() mutable {
    const auto now = loop_.now();
    entry->Complete(now, /*drop=*/false);
    entry.reset();
    completions_.push_back({now, now - arrived});
    admission_->Leave(now);
  });
}

void SimGateway::Tick() {
  if (algorithm_) {
    TickAlgorithm();
  } else if (auto step = controller_->Tick(loop_.now())) {
    limits_.push_back({loop_.now(), step->state.limit, step->state.slo_infeasible, step->decision,
                       controller_->last_window(), step->state.base_mean_s, step->state.knee});
  }
  loop_.After(config_.tick, [this] { Tick(); });
}

// The algorithm's own window rule decides when the recorder's window closes; requests still in
// flight at the close count towards the next window's peak.
void SimGateway::TickAlgorithm() {
  const auto now = loop_.now();
  if (!algorithm_->WindowDue(now - window_start_, recorder_.PendingSamples(), now)) return;
  const SimWindow window{recorder_.CloseWindow(now), max_inflight_};
  window_start_ = now;
  max_inflight_ = admission_->inflight();
  const auto outcome = algorithm_->OnWindow(window, now);
  admission_->limit().Set(GateLimit(outcome.limit));
  limits_.push_back({now, outcome.limit, outcome.slo_infeasible, outcome.decision, window.stats});
}

}  // namespace sluice::sim
