#pragma once
// The run second by second, all tenants together, for a time series (loadtest/overload.sh,
// slowdown.sh): per second of *scheduled* arrival time (so a request is charged to the second it
// was due, however late it came back — no coordinated omission), the arrivals offered, 2xx within
// the latency objective, the responses by status, errors (unsent, connect, I/O, timeout) and the
// p50/p99 of the 2xx. Optional gauge samples (e.g. a proxy's limit scraped from its /metrics at
// the end of each second) are added as extra columns.
//
// Every second of the run is recorded, the warm-up included. Owned by the generator's one thread.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::loadtest {

class PerSecondStats {
 public:
  PerSecondStats(std::chrono::nanoseconds slo, std::vector<std::string> sample_names)
      : slo_(slo), sample_names_(std::move(sample_names)) {}

  // `at` is the arrival's scheduled time since the run started.
  void Offered(std::chrono::nanoseconds at) { Row(at).offered++; }
  void Error(std::chrono::nanoseconds at, std::chrono::nanoseconds latency) {
    Row(at).errors++;
    if (keep_events_) events_.push_back({at, 0, latency});
  }
  void Response(std::chrono::nanoseconds at, unsigned status, std::chrono::nanoseconds latency);
  // The value of sample_names()[index] at the end of `second`.
  void Sample(std::size_t second, std::size_t index, double value);

  [[nodiscard]] const std::vector<std::string>& sample_names() const { return sample_names_; }
  // CSV with a header line; sorts the latencies.
  void WriteCsv(std::ostream& out);
  // Keeps every arrival's outcome for WriteEvents (a few MB per minute at 1000 req/s).
  void KeepEvents() { keep_events_ = true; }
  // One line per arrival: scheduled time since the start in seconds, status (0: unsent or no
  // response) and latency in ms (0 when unsent). Lets a script take percentiles over any phase.
  void WriteEvents(std::ostream& out) const;

 private:
  struct Second {
    std::uint64_t offered = 0, within_slo = 0, ok = 0, too_many = 0, unavailable = 0, other = 0,
                  errors = 0;
    std::vector<std::chrono::nanoseconds> ok_latency;
    std::vector<std::optional<double>> samples;
  };
  Second& Row(std::chrono::nanoseconds at) {
    return RowAt(static_cast<std::size_t>(std::max<std::int64_t>(0, at.count()) / 1'000'000'000));
  }
  Second& RowAt(std::size_t second);

  std::chrono::nanoseconds slo_;
  std::vector<std::string> sample_names_;
  std::vector<Second> seconds_;
  struct Event {
    std::chrono::nanoseconds at;
    unsigned status;
    std::chrono::nanoseconds latency;
  };
  bool keep_events_ = false;
  std::vector<Event> events_;
};

// The value of the first series of `name` (with or without labels) in a Prometheus text
// exposition, or nullopt.
[[nodiscard]] std::optional<double> FindMetric(std::string_view exposition, std::string_view name);

}  // namespace sluice::loadtest
