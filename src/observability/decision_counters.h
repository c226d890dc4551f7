#pragma once
// One worker's memo of the admission-decision counters (sluice_admission_decisions_total).
// prometheus-cpp's Family::Add builds a label map, hashes it and takes the family's lock on every
// call: 5.2k instructions, an eighth of a proxied HTTP/2 request's with tenants configured
// (loadtest/RESULTS.md, issue 5), and a lock both workers contend for. A family never drops a
// counter it made, so the one it returned for a label set stays valid: each worker asks once.
//
// Thread-safety: not thread-safe; one per worker.
#include <prometheus/counter.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "observability/admission_metrics.h"

namespace sluice::observability {

class DecisionCounters {
 public:
  // Label sets are bounded by the configuration (tenant labels are configured names or "other"),
  // but reloads can rename; beyond this many the memo starts again rather than grow.
  static constexpr std::size_t kMaxEntries = 4096;

  // Counts one decision (labels as AdmissionMetrics::CountDecision).
  void Count(AdmissionMetrics& metrics, std::string_view cluster, std::string_view tenant,
             std::string_view klass, std::string_view decision, std::string_view reason);

  [[nodiscard]] std::size_t size() const { return counters_.size(); }

 private:
  AdmissionMetrics* metrics_ = nullptr;  // whose counters are memoised
  std::string key_;                      // reused: the labels joined by '\0'
  std::unordered_map<std::string, prometheus::Counter*> counters_;
};

}  // namespace sluice::observability
