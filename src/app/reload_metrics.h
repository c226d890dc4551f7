#pragma once
// Configuration reload metrics (DESIGN §8, issue 6): how many reloads succeeded or failed,
// whether the last one did, which generation serves, and the serving file's hash as an info
// metric (`sluice_config_info{hash="…"} 1`, so a dashboard can tell which file is live).
//
// Thread-safety: control thread only (startup and reloads).
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <string>

namespace sluice::app {

class ReloadMetrics {
 public:
  explicit ReloadMetrics(prometheus::Registry& registry);

  // The configuration now serving (startup, or a reload that succeeded).
  void Serving(uint64_t generation, const std::string& hash);
  void Attempted(bool ok);

 private:
  prometheus::Counter& success_;
  prometheus::Counter& failure_;
  prometheus::Gauge& last_success_;
  prometheus::Gauge& last_time_;
  prometheus::Gauge& generation_;
  prometheus::Family<prometheus::Gauge>& info_;
  prometheus::Gauge* info_child_ = nullptr;
};

}  // namespace sluice::app
