#pragma once
// One tenant of an open-loop run, from a command-line value such as
//   name=alice,rate=40,header=X-Api-Key:alice-key,connections=64,start=2s
// (header= may repeat; connections defaults to 64, start to 0).
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sluice::loadtest {

struct TenantSpec {
  std::string name;
  double rate = 0;  // arrivals per second
  std::vector<std::pair<std::string, std::string>> headers;
  std::size_t max_connections = 64;   // open at once; an arrival finding none free is an error
  std::chrono::nanoseconds start{0};  // first arrival this long after the run starts
};

// The spec, or an error message naming the bad part.
[[nodiscard]] std::variant<TenantSpec, std::string> ParseTenantSpec(std::string_view text);

}  // namespace sluice::loadtest
