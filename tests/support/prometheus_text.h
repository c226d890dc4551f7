#pragma once
// Reads sample values out of Prometheus text exposition, for tests that assert on metrics.
//
// Thread-safety: pure functions.
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::testing {

// Sum of the samples named exactly `name` whose labels include every pair in `labels` (other
// labels may be present); nullopt when no sample matches.
[[nodiscard]] std::optional<double> MetricValue(std::string_view exposition, std::string_view name,
                                                const std::map<std::string, std::string>& labels);

}  // namespace sluice::testing
