#include "openloop/per_second.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/cli_parse.h"

namespace sluice::loadtest {
namespace {

// Nearest-rank percentile of a sorted vector, in milliseconds (as in tenant_stats.cc).
double PercentileMs(const std::vector<std::chrono::nanoseconds>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  const auto index = std::clamp<std::size_t>(rank, 1, sorted.size()) - 1;
  return static_cast<double>(sorted[index].count()) / 1e6;
}

}  // namespace

PerSecondStats::Second& PerSecondStats::RowAt(std::size_t second) {
  if (seconds_.size() <= second) seconds_.resize(second + 1);
  return seconds_[second];
}

void PerSecondStats::Response(std::chrono::nanoseconds at, unsigned status,
                              std::chrono::nanoseconds latency) {
  Second& row = Row(at);
  if (keep_events_) events_.push_back({at, status, latency});
  if (status >= 200 && status < 300) {
    ++row.ok;
    row.ok_latency.push_back(latency);
    if (latency <= slo_) ++row.within_slo;
  } else if (status == 429) {
    ++row.too_many;
  } else if (status == 503) {
    ++row.unavailable;
  } else {
    ++row.other;
  }
}

void PerSecondStats::Sample(std::size_t second, std::size_t index, double value) {
  Second& row = RowAt(second);
  if (row.samples.size() <= index) row.samples.resize(sample_names_.size());
  row.samples[index] = value;
}

void PerSecondStats::WriteCsv(std::ostream& out) {
  out << "second,offered,goodput_slo,ok_2xx,s429,s503,other,errors,p50_ms,p99_ms";
  for (const auto& name : sample_names_) out << "," << name;
  out << "\n";
  char text[128];
  for (std::size_t i = 0; i < seconds_.size(); ++i) {
    Second& row = seconds_[i];
    std::sort(row.ok_latency.begin(), row.ok_latency.end());
    std::snprintf(
        text, sizeof text, "%zu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%.3f,%.3f", i,
        static_cast<unsigned long long>(row.offered),
        static_cast<unsigned long long>(row.within_slo), static_cast<unsigned long long>(row.ok),
        static_cast<unsigned long long>(row.too_many),
        static_cast<unsigned long long>(row.unavailable),
        static_cast<unsigned long long>(row.other), static_cast<unsigned long long>(row.errors),
        PercentileMs(row.ok_latency, 50), PercentileMs(row.ok_latency, 99));
    out << text;
    for (std::size_t j = 0; j < sample_names_.size(); ++j) {
      out << ",";
      if (j < row.samples.size() && row.samples[j]) {
        std::snprintf(text, sizeof text, "%g", *row.samples[j]);
        out << text;
      }
    }
    out << "\n";
  }
}

void PerSecondStats::WriteEvents(std::ostream& out) const {
  char text[96];
  for (const auto& event : events_) {
    std::snprintf(text, sizeof text, "%.6f %u %.3f\n", static_cast<double>(event.at.count()) / 1e9,
                  event.status, static_cast<double>(event.latency.count()) / 1e6);
    out << text;
  }
}

std::optional<double> FindMetric(std::string_view exposition, std::string_view name) {
  while (!exposition.empty()) {
    const auto newline = exposition.find('\n');
    const std::string_view line = exposition.substr(0, newline);
    exposition =
        newline == std::string_view::npos ? std::string_view{} : exposition.substr(newline + 1);
    if (line.size() <= name.size() || line.substr(0, name.size()) != name) continue;
    const char next = line[name.size()];
    if (next != '{' && next != ' ') continue;
    const auto space = line.rfind(' ');
    if (const auto value = ParseNumber(line.substr(space + 1))) return value;
  }
  return std::nullopt;
}

}  // namespace sluice::loadtest
