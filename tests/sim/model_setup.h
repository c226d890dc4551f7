#pragma once
// The model every controller simulation runs against (controller_sim_test.cc and the
// comparison): 40 backend slots, mean service 12 ms → capacity ≈ 3333 req/s; objective
// slo_p99 250 ms with setpoint 200 ms; a fair queue whose max_wait (50 ms) is the rest of the
// objective.
#include <chrono>

#include "sim/sim_gateway.h"

namespace sluice::sim {

inline constexpr int kSlots = 40;
inline constexpr auto kMeanService = std::chrono::milliseconds(12);
inline constexpr double kCapacity = kSlots / 0.012;  // req/s
inline constexpr auto kSlo = std::chrono::milliseconds(250);

inline SimConfig ModelConfig() {
  SimConfig c;
  c.controller.slo_p99 = kSlo;
  c.controller.setpoint_ratio = 0.8;
  c.controller.min_limit = 1;
  c.controller.max_limit = 1000;
  c.controller.initial_limit = 20;
  c.queue = {.capacity = 1000,
             .low_watermark = 500,
             .high_watermark = 800,
             .max_wait = std::chrono::milliseconds(50),
             .age_step = std::chrono::milliseconds(250)};
  return c;
}

}  // namespace sluice::sim
