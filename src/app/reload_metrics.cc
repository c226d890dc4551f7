#include "app/reload_metrics.h"

#include <chrono>

namespace sluice::app {

namespace {

prometheus::Family<prometheus::Counter>& ReloadsFamily(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("sluice_config_reloads_total")
      .Help("Configuration reloads attempted (SIGHUP, POST /reload), by result")
      .Register(registry);
}

prometheus::Gauge& SingleGauge(prometheus::Registry& registry, const std::string& name,
                               const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

ReloadMetrics::ReloadMetrics(prometheus::Registry& registry)
    : success_(ReloadsFamily(registry).Add({{"result", "success"}})),
      failure_(ReloadsFamily(registry).Add({{"result", "failure"}})),
      last_success_(SingleGauge(registry, "sluice_config_last_reload_success",
                                "1 if the last reload succeeded (or none was tried), else 0")),
      last_time_(SingleGauge(registry, "sluice_config_last_reload_timestamp_seconds",
                             "Unix time of the last reload attempt (0: none yet)")),
      generation_(SingleGauge(registry, "sluice_config_generation",
                              "Generation of the serving configuration (1 at startup)")),
      info_(prometheus::BuildGauge()
                .Name("sluice_config_info")
                .Help("The serving configuration: hash = SHA-256 of the file, first 16 hex digits")
                .Register(registry)) {
  last_success_.Set(1);
}

void ReloadMetrics::Serving(uint64_t generation, const std::string& hash) {
  generation_.Set(static_cast<double>(generation));
  if (info_child_ != nullptr) info_.Remove(info_child_);
  info_child_ = &info_.Add({{"hash", hash}});
  info_child_->Set(1);
}

void ReloadMetrics::Attempted(bool ok) {
  (ok ? success_ : failure_).Increment();
  last_success_.Set(ok ? 1 : 0);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  last_time_.Set(std::chrono::duration<double>(now).count());
}

}  // namespace sluice::app
