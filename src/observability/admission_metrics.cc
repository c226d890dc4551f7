#include "observability/admission_metrics.h"

#include "observability/gateway_metrics.h"

namespace sluice::observability {

AdmissionMetrics::AdmissionMetrics(prometheus::Registry& registry)
    : decisions_(prometheus::BuildCounter()
                     .Name("sluice_admission_decisions_total")
                     .Help("Admission decisions by cluster, tenant, class, decision and reason.")
                     .Register(registry)),
      queue_depth_(prometheus::BuildGauge()
                       .Name("sluice_queue_depth")
                       .Help("Requests waiting in a cluster's admission queue, by class.")
                       .Register(registry)),
      concurrency_limit_(prometheus::BuildGauge()
                             .Name("sluice_concurrency_limit")
                             .Help("A cluster's current concurrency limit.")
                             .Register(registry)),
      shedding_(prometheus::BuildGauge()
                    .Name("sluice_shedding")
                    .Help("1 while a cluster's queue is above its high watermark (hysteresis).")
                    .Register(registry)) {
  queue_wait_ = &prometheus::BuildHistogram()
                     .Name("sluice_queue_wait_seconds")
                     .Help("Time admitted requests spent in an admission queue.")
                     .Register(registry)
                     .Add({}, DurationBuckets());
}

void AdmissionMetrics::CountDecision(std::string_view cluster, std::string_view tenant,
                                     std::string_view klass, std::string_view decision,
                                     std::string_view reason) {
  decisions_
      .Add({{"cluster", std::string(cluster)},
            {"tenant", std::string(tenant)},
            {"class", std::string(klass)},
            {"decision", std::string(decision)},
            {"reason", std::string(reason)}})
      .Increment();
}

prometheus::Gauge& AdmissionMetrics::QueueDepth(const std::string& cluster,
                                                const std::string& klass) {
  return queue_depth_.Add({{"cluster", cluster}, {"class", klass}});
}

prometheus::Gauge& AdmissionMetrics::ConcurrencyLimit(const std::string& cluster) {
  return concurrency_limit_.Add({{"cluster", cluster}});
}

prometheus::Gauge& AdmissionMetrics::Shedding(const std::string& cluster) {
  return shedding_.Add({{"cluster", cluster}});
}

}  // namespace sluice::observability
