#include "openloop/tenant_stats.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace sluice::loadtest {
namespace {

// Nearest-rank percentile (no interpolation) of a sorted vector, in milliseconds.
double PercentileMs(const std::vector<std::chrono::nanoseconds>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  const auto index = std::clamp<std::size_t>(rank, 1, sorted.size()) - 1;
  return static_cast<double>(sorted[index].count()) / 1e6;
}

}  // namespace

void TenantStats::RecordStatus(unsigned status, std::chrono::nanoseconds latency) {
  if (status >= 200 && status < 300) {
    ++ok;
    ok_latency.push_back(latency);
  } else if (status == 429) {
    ++too_many;
  } else if (status == 503) {
    ++unavailable;
  } else {
    ++other;
  }
}

TenantSummary Summarize(std::string name, double rate, double window_s, TenantStats& stats) {
  std::sort(stats.ok_latency.begin(), stats.ok_latency.end());
  std::sort(stats.send_lag.begin(), stats.send_lag.end());
  TenantSummary s;
  s.name = std::move(name);
  s.rate = rate;
  s.window_s = window_s;
  s.scheduled = stats.scheduled;
  s.sent = stats.scheduled - stats.unsent;
  s.ok = stats.ok;
  s.too_many = stats.too_many;
  s.unavailable = stats.unavailable;
  s.other = stats.other;
  s.unsent = stats.unsent;
  s.errors = stats.unsent + stats.failed;
  s.goodput = window_s > 0 ? static_cast<double>(stats.ok) / window_s : 0;
  s.p50_ms = PercentileMs(stats.ok_latency, 50);
  s.p99_ms = PercentileMs(stats.ok_latency, 99);
  s.max_ms = PercentileMs(stats.ok_latency, 100);
  s.lag_p99_ms = PercentileMs(stats.send_lag, 99);
  return s;
}

}  // namespace sluice::loadtest
