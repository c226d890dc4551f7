#include "app/admission_builder.h"

#include <algorithm>

namespace sluice::app {

namespace {

std::vector<std::string> ClassNames(const config::Config& cfg) {
  std::vector<std::string> names;
  for (const auto& c : cfg.classes) names.push_back(c.name);
  if (names.empty()) names.push_back("default");
  return names;
}

// Classes from the first sheddable one down are shed above the high watermark.
uint32_t SheddableFrom(const config::Config& cfg) {
  for (uint32_t i = 0; i < cfg.classes.size(); ++i) {
    if (cfg.classes[i].sheddable) return i;
  }
  return static_cast<uint32_t>(std::max<std::size_t>(cfg.classes.size(), 1));
}

// Unless a route or tenant says otherwise, requests take the lowest class that is not
// sheddable: critical work must be marked as such, and nothing is shed by default.
uint32_t DefaultClass(const config::Config& cfg) {
  const auto from = SheddableFrom(cfg);
  return from == 0 ? 0 : from - 1;
}

// An enforcing controller gates the cluster (from its initial limit on) even without a static
// concurrency_limit, which config validation forbids alongside it.
config::ClusterConfig GateConfig(const config::ClusterConfig& c) {
  config::ClusterConfig gate = c;
  if (c.controller.enabled && c.controller.mode == config::PolicyMode::kEnforce) {
    gate.concurrency_limit = c.controller.initial_limit;
  }
  return gate;
}

std::vector<uint32_t> TenantWeights(const config::Config& cfg) {
  std::vector<uint32_t> weights;
  for (const auto& t : cfg.tenants) weights.push_back(t.weight);
  weights.push_back(1);  // every dynamic tenant shares one DRR slot
  return weights;
}

std::vector<uint32_t> ClassWeights(const config::Config& cfg) {
  std::vector<uint32_t> weights;  // stays empty unless weights are set (on every class)
  for (const auto& c : cfg.classes) {
    if (c.weight > 0) weights.push_back(c.weight);
  }
  return weights;
}

std::vector<std::string> TenantNames(const config::Config& cfg) {
  std::vector<std::string> names;
  for (const auto& t : cfg.tenants) names.push_back(t.name);
  return names;
}

// Old index → new index by name; what is gone maps to `gone`. The old dynamic slot (index
// old.size()) maps to the new one.
std::vector<uint32_t> IndexMap(const std::vector<std::string>& old_names,
                               const std::vector<std::string>& new_names, uint32_t gone,
                               bool with_dynamic_slot) {
  std::vector<uint32_t> map;
  for (const auto& name : old_names) {
    const auto it = std::find(new_names.begin(), new_names.end(), name);
    map.push_back(it == new_names.end() ? gone : static_cast<uint32_t>(it - new_names.begin()));
  }
  if (with_dynamic_slot) map.push_back(static_cast<uint32_t>(new_names.size()));
  return map;
}

}  // namespace

AdmissionRegistry::AdmissionRegistry(const config::Config& cfg,
                                     observability::AdmissionMetrics& metrics,
                                     std::size_t workers, std::shared_ptr<spdlog::logger> log)
    : metrics_(metrics),
      workers_(workers),
      class_names_(ClassNames(cfg)),
      tenant_names_(TenantNames(cfg)),
      // No logger (tests, benchmarks): one without sinks discards the transition lines.
      controls_(metrics, log ? std::move(log) : std::make_shared<spdlog::logger>("sluice")) {
  const bool has_tenants = !cfg.tenants.empty() || !cfg.identity.sources.empty();
  if (has_tenants)
    tenants_ = std::make_shared<admission::TenantRegistry>(cfg.tenants, cfg.identity);
  const auto now = std::chrono::steady_clock::now();
  for (const auto& c : cfg.clusters) {
    auto gate = MakeGate(c, cfg);
    controls_.Add(c, cfg, *gate, workers, now);
    clusters_.emplace(c.name, std::move(gate));
  }
}

std::shared_ptr<admission::ClusterAdmission> AdmissionRegistry::MakeGate(
    const config::ClusterConfig& c, const config::Config& cfg) const {
  return std::make_shared<admission::ClusterAdmission>(
      GateConfig(c), static_cast<uint32_t>(class_names_.size()), SheddableFrom(cfg),
      TenantWeights(cfg), ClassWeights(cfg));
}

void AdmissionRegistry::Reconcile(const config::Config& cfg, core::TimePoint now) {
  const auto new_classes = ClassNames(cfg);
  const auto new_tenants = TenantNames(cfg);
  const auto tenant_map = IndexMap(tenant_names_, new_tenants,
                                   static_cast<uint32_t>(new_tenants.size()), true);
  const auto class_map = IndexMap(class_names_, new_classes, DefaultClass(cfg), false);
  // Gauges of removed clusters and classes must not linger: RefreshGauges below sets again the
  // ones that still exist.
  for (const auto& [name, gate] : clusters_) metrics_.ForgetClusterGauges(name, class_names_);
  class_names_ = new_classes;
  tenant_names_ = new_tenants;

  const bool has_tenants = !cfg.tenants.empty() || !cfg.identity.sources.empty();
  std::shared_ptr<admission::TenantRegistry> tenants;
  if (has_tenants) {
    tenants = std::make_shared<admission::TenantRegistry>(cfg.tenants, cfg.identity);
    if (tenants_) tenants->InheritFrom(*tenants_, now);
  }
  tenants_ = std::move(tenants);

  std::map<std::string, std::shared_ptr<admission::ClusterAdmission>> next;
  for (const auto& c : cfg.clusters) {
    const auto gate_config = GateConfig(c);
    auto it = clusters_.find(c.name);
    if (it != clusters_.end() && it->second->gated() == (gate_config.concurrency_limit > 0)) {
      it->second->Reconfigure(gate_config, static_cast<uint32_t>(class_names_.size()),
                              SheddableFrom(cfg), TenantWeights(cfg), ClassWeights(cfg),
                              tenant_map, class_map, now);
      next.emplace(c.name, it->second);
    } else {
      next.emplace(c.name, MakeGate(c, cfg));
    }
  }
  for (auto& [name, gate] : clusters_) {
    auto it = next.find(name);
    if (it == next.end() || it->second != gate) replaced_.push_back(gate);
  }
  std::erase_if(replaced_, [](const auto& weak) { return weak.expired(); });
  clusters_ = std::move(next);
  controls_.Reconcile(cfg, clusters_, workers_, now);
  RefreshGauges();
}

std::vector<std::shared_ptr<const void>> AdmissionRegistry::KeepAlive() const {
  std::vector<std::shared_ptr<const void>> keep;
  if (tenants_) keep.push_back(tenants_);
  for (const auto& [name, gate] : clusters_) {
    keep.push_back(gate);
    for (auto& part : controls_.KeepAlive(name)) keep.push_back(std::move(part));
  }
  return keep;
}

void AdmissionRegistry::CloseAll() {
  for (auto& [name, cluster] : clusters_) cluster->Close();
  for (auto& weak : replaced_) {
    if (auto gate = weak.lock()) gate->Close();
  }
}

proxy::AdmissionRuntime AdmissionRegistry::Runtime(const config::Config& cfg) {
  proxy::AdmissionRuntime rt;
  rt.tenants = tenants_.get();
  rt.identity = &cfg.identity;
  rt.class_names = class_names_;
  for (uint32_t i = 0; i < class_names_.size(); ++i) rt.class_index[class_names_[i]] = i;
  rt.default_class = DefaultClass(cfg);
  rt.tenant_class_wins = cfg.class_precedence == config::ClassPrecedence::kTenant;
  rt.metrics = &metrics_;
  rt.next_waiter_id = &next_waiter_id_;
  return rt;
}

void AdmissionRegistry::RefreshGauges() {
  for (auto& [name, cluster] : clusters_) {
    if (!cluster->gated()) continue;
    // A controlled cluster's limit gauge shows the controller's limit (ClusterControls).
    if (controls_.Recorder(name) == nullptr) {
      metrics_.ConcurrencyLimit(name).Set(cluster->limit().Get());
    }
    metrics_.Shedding(name).Set(cluster->queue().shedding() ? 1 : 0);
    for (uint32_t c = 0; c < class_names_.size(); ++c) {
      metrics_.QueueDepth(name, class_names_[c])
          .Set(static_cast<double>(cluster->queue().depth(c)));
    }
  }
}

}  // namespace sluice::app
