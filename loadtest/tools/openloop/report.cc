#include "openloop/report.h"

#include <cstdio>
#include <fstream>
#include <string>

namespace sluice::loadtest {
namespace {

std::string Fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// The columns, in order, with each value already formatted.
std::vector<std::pair<const char*, std::string>> Columns(const TenantSummary& t) {
  return {{"tenant", t.name},
          {"rate_rps", Fixed(t.rate, 2)},
          {"window_s", Fixed(t.window_s, 3)},
          {"scheduled", std::to_string(t.scheduled)},
          {"sent", std::to_string(t.sent)},
          {"ok_2xx", std::to_string(t.ok)},
          {"s429", std::to_string(t.too_many)},
          {"s503", std::to_string(t.unavailable)},
          {"other", std::to_string(t.other)},
          {"errors", std::to_string(t.errors)},
          {"unsent", std::to_string(t.unsent)},
          {"goodput_rps", Fixed(t.goodput, 2)},
          {"p50_ms", Fixed(t.p50_ms, 3)},
          {"p99_ms", Fixed(t.p99_ms, 3)},
          {"max_ms", Fixed(t.max_ms, 3)},
          {"lag_p99_ms", Fixed(t.lag_p99_ms, 3)}};
}

}  // namespace

void WriteTsv(std::ostream& out, const std::vector<TenantSummary>& tenants) {
  if (tenants.empty()) return;
  const char* separator = "";
  for (const auto& [name, value] : Columns(tenants.front())) {
    out << separator << name;
    separator = "\t";
  }
  out << "\n";
  for (const auto& tenant : tenants) {
    separator = "";
    for (const auto& [name, value] : Columns(tenant)) {
      out << separator << value;
      separator = "\t";
    }
    out << "\n";
  }
}

void WriteJson(std::ostream& out, const std::vector<TenantSummary>& tenants) {
  out << "[";
  const char* tenant_separator = "\n";
  for (const auto& tenant : tenants) {
    out << tenant_separator << "  {";
    const char* separator = "";
    for (const auto& [name, value] : Columns(tenant)) {
      out << separator << "\"" << name << "\": ";
      // Tenant names come from our own command line; only the name column is a string.
      if (std::string_view(name) == "tenant") {
        out << "\"" << value << "\"";
      } else {
        out << value;
      }
      separator = ", ";
    }
    out << "}";
    tenant_separator = ",\n";
  }
  out << "\n]\n";
}

bool WriteLatencies(const std::string& dir, const std::string& name,
                    const std::vector<std::chrono::nanoseconds>& latencies) {
  std::ofstream out(dir + "/" + name + ".ms");
  for (const auto latency : latencies)
    out << Fixed(static_cast<double>(latency.count()) / 1e6, 3) << "\n";
  return static_cast<bool>(out);
}

}  // namespace sluice::loadtest
