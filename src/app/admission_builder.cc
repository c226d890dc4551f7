#include "app/admission_builder.h"

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

}  // namespace

AdmissionRegistry::AdmissionRegistry(const config::Config& cfg,
                                     observability::AdmissionMetrics& metrics,
                                     std::size_t workers, std::shared_ptr<spdlog::logger> log)
    : metrics_(metrics),
      class_names_(ClassNames(cfg)),
      // No logger (tests, benchmarks): one without sinks discards the transition lines.
      controls_(metrics, log ? std::move(log) : std::make_shared<spdlog::logger>("sluice")) {
  const bool has_tenants = !cfg.tenants.empty() || !cfg.identity.sources.empty();
  if (has_tenants)
    tenants_ = std::make_unique<admission::TenantRegistry>(cfg.tenants, cfg.identity);
  std::vector<uint32_t> weights;
  for (const auto& t : cfg.tenants) weights.push_back(t.weight);
  weights.push_back(1);  // every dynamic tenant shares one DRR slot
  std::vector<uint32_t> class_weights;  // stays empty unless weights are set (on every class)
  for (const auto& c : cfg.classes) {
    if (c.weight > 0) class_weights.push_back(c.weight);
  }
  const auto now = std::chrono::steady_clock::now();
  for (const auto& c : cfg.clusters) {
    auto gate = std::make_unique<admission::ClusterAdmission>(
        GateConfig(c), static_cast<uint32_t>(class_names_.size()), SheddableFrom(cfg), weights,
        class_weights);
    controls_.Add(c, cfg, *gate, workers, now);
    clusters_.emplace(c.name, std::move(gate));
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
