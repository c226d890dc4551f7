#pragma once
// What one tenant saw during the measured window, and its summary. Only arrivals scheduled after
// the warm-up are recorded.
//
// Owned by one tenant driver (one thread).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::loadtest {

struct TenantStats {
  std::uint64_t scheduled = 0;
  std::uint64_t unsent = 0;       // every connection was busy and the cap was reached
  std::uint64_t failed = 0;       // connect, I/O or timeout before a full response
  std::uint64_t ok = 0;           // 2xx
  std::uint64_t too_many = 0;     // 429
  std::uint64_t unavailable = 0;  // 503
  std::uint64_t other = 0;        // any other status
  // From the scheduled send time to the last byte of the response, for 2xx only.
  std::vector<std::chrono::nanoseconds> ok_latency;
  // From the scheduled send time to the moment the request was handed to a connection: shows
  // whether the generator itself kept up.
  std::vector<std::chrono::nanoseconds> send_lag;
  std::string first_error;  // message of the first failure, for the operator

  void RecordStatus(unsigned status, std::chrono::nanoseconds latency);
};

struct TenantSummary {
  std::string name;
  double rate = 0;      // offered, per second
  double window_s = 0;  // measured window
  std::uint64_t scheduled = 0, sent = 0, ok = 0, too_many = 0, unavailable = 0, other = 0;
  std::uint64_t errors = 0;  // unsent + failed
  std::uint64_t unsent = 0;
  double goodput = 0;  // 2xx per second
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  double lag_p99_ms = 0;
};

// Sorts the latency vectors in place.
[[nodiscard]] TenantSummary Summarize(std::string name, double rate, double window_s,
                                      TenantStats& stats);

}  // namespace sluice::loadtest
