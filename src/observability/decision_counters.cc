#include "observability/decision_counters.h"

namespace sluice::observability {

void DecisionCounters::Count(AdmissionMetrics& metrics, std::string_view cluster,
                             std::string_view tenant, std::string_view klass,
                             std::string_view decision, std::string_view reason) {
  if (metrics_ != &metrics || counters_.size() >= kMaxEntries) {
    counters_.clear();
    metrics_ = &metrics;
  }
  key_.clear();
  for (const std::string_view label : {cluster, tenant, klass, decision, reason}) {
    key_ += label;
    key_ += '\0';  // never inside a label value: keeps "a"+"bc" apart from "ab"+"c"
  }
  auto it = counters_.find(key_);
  if (it == counters_.end()) {
    it = counters_.emplace(key_, &metrics.DecisionCounter(cluster, tenant, klass, decision, reason))
             .first;
  }
  it->second->Increment();
}

}  // namespace sluice::observability
