#pragma once
// Metrics of admission decisions (issue 3): one struct, names per DESIGN §9. Tenant labels are
// configured tenant names or "other", so label cardinality stays bounded.
//
// Thread-safety: thread-safe (prometheus-cpp families and metrics are).
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>
#include <vector>

namespace sluice::observability {

class AdmissionMetrics {
 public:
  explicit AdmissionMetrics(prometheus::Registry& registry);

  // decision: "admitted" | "rejected" | "shadow_rejected"; reason: "" or a rejection reason.
  // Per request, count through a worker's DecisionCounters: this looks the label set up.
  prometheus::Counter& DecisionCounter(std::string_view cluster, std::string_view tenant,
                                       std::string_view klass, std::string_view decision,
                                       std::string_view reason);
  void ObserveQueueWait(double seconds) { queue_wait_->Observe(seconds); }

  prometheus::Gauge& QueueDepth(const std::string& cluster, const std::string& klass);
  prometheus::Gauge& ConcurrencyLimit(const std::string& cluster);
  prometheus::Gauge& Shedding(const std::string& cluster);
  // The feedback controller (issue 4), per cluster.
  prometheus::Gauge& ControllerMode(const std::string& cluster);  // 0 normal, 1 overload, 2 recovery
  prometheus::Gauge& ControllerP99(const std::string& cluster);   // smoothed upstream p99, s
  prometheus::Gauge& ControllerSetpoint(const std::string& cluster);
  prometheus::Gauge& ControllerThroughput(const std::string& cluster);  // goodput, per second
  prometheus::Gauge& ControllerSloInfeasible(const std::string& cluster);
  // A tenant's refill rate on a cluster: its share while the cluster's limit binds, else its
  // configured rate (0: none). Tenant: a configured name or "other".
  prometheus::Gauge& TenantRefillRate(const std::string& cluster, const std::string& tenant);

  // Reload: drops a cluster's gauges (queue depth per class, limit, shedding) and its
  // controller's (mode, p99, setpoint, throughput, infeasible, refill rate per tenant), so
  // /metrics does not go on reporting the last values of what a reload removed. The next
  // refresh recreates those of what still exists. Counters stay: they are totals.
  void ForgetClusterGauges(const std::string& cluster, const std::vector<std::string>& classes);
  void ForgetControllerGauges(const std::string& cluster, const std::vector<std::string>& tenants);

 private:
  prometheus::Family<prometheus::Counter>& decisions_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;
  prometheus::Family<prometheus::Gauge>& concurrency_limit_;
  prometheus::Family<prometheus::Gauge>& shedding_;
  prometheus::Family<prometheus::Gauge>& controller_mode_;
  prometheus::Family<prometheus::Gauge>& controller_p99_;
  prometheus::Family<prometheus::Gauge>& controller_setpoint_;
  prometheus::Family<prometheus::Gauge>& controller_throughput_;
  prometheus::Family<prometheus::Gauge>& controller_slo_infeasible_;
  prometheus::Family<prometheus::Gauge>& tenant_refill_rate_;
  prometheus::Histogram* queue_wait_;
};

}  // namespace sluice::observability
