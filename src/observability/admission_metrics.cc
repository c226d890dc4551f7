#include "observability/admission_metrics.h"

#include "observability/gateway_metrics.h"

namespace sluice::observability {

namespace {

prometheus::Family<prometheus::Gauge>& Gauge(prometheus::Registry& registry, const char* name,
                                             const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

}  // namespace

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
                    .Register(registry)),
      controller_mode_(Gauge(registry, "sluice_controller_mode",
                             "A cluster controller's mode: 0 normal, 1 overload, 2 recovery.")),
      controller_p99_(Gauge(registry, "sluice_controller_p99_seconds",
                            "The smoothed upstream p99 latency a cluster controller acts on.")),
      controller_setpoint_(Gauge(registry, "sluice_controller_setpoint_seconds",
                                 "The upstream p99 a cluster controller aims at.")),
      controller_throughput_(Gauge(registry, "sluice_controller_throughput",
                                   "Upstream goodput (non-drop completions per second) in a "
                                   "cluster controller's last window.")),
      controller_slo_infeasible_(Gauge(registry, "sluice_controller_slo_infeasible",
                                       "1 while a cluster's backend is slower than its objective "
                                       "at any concurrency (the limit holds at the knee).")),
      tenant_refill_rate_(Gauge(registry, "sluice_tenant_refill_rate",
                                "A tenant's refill rate on a cluster, per second: its fair share "
                                "while the cluster's limit binds, else its configured rate.")) {
  queue_wait_ = &prometheus::BuildHistogram()
                     .Name("sluice_queue_wait_seconds")
                     .Help("Time admitted requests spent in an admission queue.")
                     .Register(registry)
                     .Add({}, DurationBuckets());
}

prometheus::Counter& AdmissionMetrics::DecisionCounter(std::string_view cluster,
                                                       std::string_view tenant,
                                                       std::string_view klass,
                                                       std::string_view decision,
                                                       std::string_view reason) {
  return decisions_.Add({{"cluster", std::string(cluster)},
                         {"tenant", std::string(tenant)},
                         {"class", std::string(klass)},
                         {"decision", std::string(decision)},
                         {"reason", std::string(reason)}});
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

prometheus::Gauge& AdmissionMetrics::ControllerMode(const std::string& cluster) {
  return controller_mode_.Add({{"cluster", cluster}});
}

prometheus::Gauge& AdmissionMetrics::ControllerP99(const std::string& cluster) {
  return controller_p99_.Add({{"cluster", cluster}});
}

prometheus::Gauge& AdmissionMetrics::ControllerSetpoint(const std::string& cluster) {
  return controller_setpoint_.Add({{"cluster", cluster}});
}

prometheus::Gauge& AdmissionMetrics::ControllerThroughput(const std::string& cluster) {
  return controller_throughput_.Add({{"cluster", cluster}});
}

prometheus::Gauge& AdmissionMetrics::ControllerSloInfeasible(const std::string& cluster) {
  return controller_slo_infeasible_.Add({{"cluster", cluster}});
}

prometheus::Gauge& AdmissionMetrics::TenantRefillRate(const std::string& cluster,
                                                      const std::string& tenant) {
  return tenant_refill_rate_.Add({{"cluster", cluster}, {"tenant", tenant}});
}

void AdmissionMetrics::ForgetClusterGauges(const std::string& cluster,
                                           const std::vector<std::string>& classes) {
  for (const auto& klass : classes) queue_depth_.Remove(&QueueDepth(cluster, klass));
  concurrency_limit_.Remove(&ConcurrencyLimit(cluster));
  shedding_.Remove(&Shedding(cluster));
}

void AdmissionMetrics::ForgetControllerGauges(const std::string& cluster,
                                              const std::vector<std::string>& tenants) {
  controller_mode_.Remove(&ControllerMode(cluster));
  controller_p99_.Remove(&ControllerP99(cluster));
  controller_setpoint_.Remove(&ControllerSetpoint(cluster));
  controller_throughput_.Remove(&ControllerThroughput(cluster));
  controller_slo_infeasible_.Remove(&ControllerSloInfeasible(cluster));
  for (const auto& tenant : tenants) tenant_refill_rate_.Remove(&TenantRefillRate(cluster, tenant));
}

}  // namespace sluice::observability
