#pragma once
// A deterministic change of the stub's speed over time, from a command-line or control value
// such as "10s:x3,25s:x1": 10 s after the schedule is armed every new request's service time is
// 3x the configured one, 25 s after it is back to 1x. Offsets are from the moment the schedule
// is armed (stub start for --schedule, the control request for POST /control?schedule=...).
//
// A plain value; parsing does not throw.
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

namespace sluice::loadtest {

struct ServiceStep {
  std::chrono::nanoseconds at{0};  // after the schedule is armed
  double factor = 1;               // multiplies the configured service time
};

// Steps in increasing time order, or nullopt when malformed (offsets must increase, factors be
// > 0; "x" before the factor is optional).
[[nodiscard]] std::optional<std::vector<ServiceStep>> ParseServiceSchedule(std::string_view text);

}  // namespace sluice::loadtest
