#pragma once
// Prints the per-tenant summaries of an open-loop run as TSV (a header line, then one line per
// tenant) or as a JSON array, on the given stream.
#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "openloop/tenant_stats.h"

namespace sluice::loadtest {

void WriteTsv(std::ostream& out, const std::vector<TenantSummary>& tenants);
void WriteJson(std::ostream& out, const std::vector<TenantSummary>& tenants);
// One latency per line, in milliseconds, to DIR/NAME.ms: lets a script pool tenants or compute
// other percentiles. Returns false if the file cannot be written.
[[nodiscard]] bool WriteLatencies(const std::string& dir, const std::string& name,
                                  const std::vector<std::chrono::nanoseconds>& latencies);

}  // namespace sluice::loadtest
