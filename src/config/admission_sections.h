#pragma once
// Readers for the admission sections (DESIGN §4): priority classes, tenants, identity, and each
// cluster's wait queue. Cross-references (class names, the default tenant, burst vs. route cost)
// need every section read first, so the readers gather them in AdmissionRefs and
// CheckAdmissionReferences runs from loader.cc at the end.
// Thread-safety: single-threaded, like the rest of the loader.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/node_reader.h"
#include "config/schema/config.h"
#include "config/sections.h"

namespace sluice::config {

// A bucket depth to compare with the largest route cost once routes are read.
struct BurstRef {
  uint32_t burst = 0;
  Field field;       // where to blame
  std::string note;  // appended to the value in the message, e.g. " (the default)"
};

struct AdmissionRefs {
  std::vector<Reference> class_refs;    // tenants[i].class and routes[i].class
  bool classes_named = true;            // false: a class without a readable name was reported
  bool tenants_named = true;            // false: a tenant without a readable name was reported
  std::vector<BurstRef> bursts;         // every tenant's burst and identity.dynamic_rate.burst
  std::optional<Reference> on_missing;  // identity.on_missing when it names a tenant
};

void ReadClasses(const Field& field, std::vector<PriorityClassConfig>& out, AdmissionRefs& refs);
void ReadTenants(const Field& field, std::vector<TenantConfig>& out, AdmissionRefs& refs);
void ReadIdentity(const Field& field, IdentityConfig& out, AdmissionRefs& refs);
// Checks low_watermark < high_watermark <= capacity at whichever of them was written.
void ReadQueue(const Field& field, QueueConfig& out);

// Class references exist (with no classes listed only "default" does), identity.on_missing names
// a tenant, and every burst holds at least one request of the most expensive route.
void CheckAdmissionReferences(const Config& config, const AdmissionRefs& refs);

}  // namespace sluice::config
