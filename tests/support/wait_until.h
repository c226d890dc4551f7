#pragma once
// Predicate waits with a deadline: the only way tests wait for something asynchronous.
#include <chrono>
#include <functional>
#include <thread>

namespace sluice::testing {

// Polls `ready` every millisecond until it holds or `timeout` passes; returns its last value.
bool WaitUntil(const std::function<bool()>& ready,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace sluice::testing
