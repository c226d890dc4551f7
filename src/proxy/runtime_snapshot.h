#pragma once
// Everything a request needs from the configuration, resolved once per config generation:
// the router, and per route its cluster and pre-looked-up metric handles (no map lookups on the
// request path). A request captures the snapshot once and keeps it to the end (DESIGN §3).
//
// Thread-safety: immutable once published; shared by all workers through shared_ptr<const>.
#include <cstdint>
#include <memory>
#include <vector>

#include <atomic>
#include <string>
#include <unordered_map>

#include "admission/cluster_admission.h"
#include "admission/tenant_registry.h"
#include "admission/tenant_shares.h"
#include "config/schema/config.h"
#include "control/cluster_recorder.h"
#include "control/concurrency_limit.h"
#include "observability/admission_metrics.h"
#include "observability/gateway_metrics.h"
#include "proxy/router.h"
#include "upstream/cluster.h"

namespace sluice::proxy {

// Admission state shared by every route of a snapshot; what it points to is owned by the app's
// registries and kept alive by RuntimeSnapshot::keep_alive.
struct AdmissionRuntime {
  admission::TenantRegistry* tenants = nullptr;  // nullptr: no tenant step (no tenants/identity)
  const config::IdentityConfig* identity = nullptr;
  std::vector<std::string> class_names;          // index = priority class (0 = highest)
  std::unordered_map<std::string, uint32_t> class_index;
  uint32_t default_class = 0;
  bool tenant_class_wins = false;  // class_precedence: tenant
  observability::AdmissionMetrics* metrics = nullptr;
  std::atomic<uint64_t>* next_waiter_id = nullptr;
};

struct RouteRuntime {
  const config::RouteConfig* config = nullptr;
  admission::ClusterAdmission* admission = nullptr;  // the route's cluster gate and queue
  control::ClusterRecorder* recorder = nullptr;      // its controller's samples; nullptr: none
  const control::ConcurrencyLimit* shadow_limit = nullptr;  // a shadow controller's limit
  admission::TenantShares* shares = nullptr;  // tenants' shares while its limit binds
  bool has_class = false;                            // the route sets its priority class
  uint32_t class_index = 0;
  upstream::Cluster* cluster = nullptr;  // kept alive by RuntimeSnapshot::keep_alive
  observability::ClusterStats* cluster_stats = nullptr;
  std::vector<observability::RouteStats*> stats;  // index = listener slot
};

struct RuntimeSnapshot {
  uint64_t generation = 0;
  std::shared_ptr<const config::Config> config;
  Router router;
  std::vector<RouteRuntime> routes;                  // index = route index in config
  std::vector<observability::RouteStats*> no_route;  // index = listener slot
  AdmissionRuntime admission;
  // The clusters, gates, tenant buckets and controllers the raw pointers above point into: a
  // reload may replace them in the registries, and requests on this snapshot still use them.
  std::vector<std::shared_ptr<const void>> keep_alive;
};

}  // namespace sluice::proxy
