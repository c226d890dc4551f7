#include "sim/model_backend.h"

namespace sluice::sim {

ServiceTime Exponential(core::Duration mean) {
  return [mean](Rng& rng) {
    std::exponential_distribution<double> d(1.0);
    return std::chrono::duration_cast<core::Duration>(mean * d(rng));
  };
}

ServiceTime Jittered(core::Duration base, core::Duration jitter) {
  return [=](Rng& rng) {
    std::uniform_real_distribution<double> d(0.0, 1.0);
    return base + std::chrono::duration_cast<core::Duration>(jitter * d(rng));
  };
}

ServiceTime Bimodal(core::Duration fast, core::Duration slow, double p_slow) {
  return [=](Rng& rng) { return std::bernoulli_distribution(p_slow)(rng) ? slow : fast; };
}

void ModelBackend::Submit(std::function<void()> done) {
  if (busy_ < slots_) {
    Start(std::move(done));
  } else {
    backlog_.push_back(std::move(done));
  }
}

void ModelBackend::Start(std::function<void()> done) {
  ++busy_;
  const auto service = std::chrono::duration_cast<core::Duration>(service_(rng_) * slowdown_);
  loop_.After(service, [this, done = std::move(done)] {
    --busy_;
    if (!backlog_.empty()) {
      auto next = std::move(backlog_.front());
      backlog_.pop_front();
      Start(std::move(next));
    }
    done();
  });
}

}  // namespace sluice::sim
