#include "app/cluster_controls.h"

#include <fmt/format.h>

#include "observability/json_text.h"

namespace sluice::app {

namespace {

control::ControllerParams ParamsOf(const config::ControllerConfig& c) {
  control::ControllerParams p;
  p.slo_p99 = c.slo_p99;
  p.setpoint_ratio = c.setpoint_ratio;
  p.min_limit = c.min_limit;
  p.max_limit = c.max_limit;
  p.initial_limit = c.initial_limit;
  return p;
}

// One share slot per configured tenant, then one for every dynamic tenant together.
std::vector<admission::TenantShareConfig> ShareSlots(const config::Config& cfg) {
  std::vector<admission::TenantShareConfig> slots;
  for (const auto& t : cfg.tenants) {
    slots.push_back(
        {static_cast<double>(std::max<uint32_t>(t.weight, 1)), t.rate.per_second, t.rate.burst});
  }
  slots.push_back({1.0, 0.0, cfg.identity.dynamic_rate.burst});
  return slots;
}

std::vector<std::string> ShareNames(const config::Config& cfg) {
  std::vector<std::string> names;
  for (const auto& t : cfg.tenants) names.push_back(t.name);
  names.emplace_back("other");
  return names;
}

}  // namespace

struct ClusterControls::Entry {
  Entry(std::string cluster_name, const control::ControllerParams& params, bool enforce,
        admission::ClusterAdmission& gate_admission, std::size_t workers, core::TimePoint now)
      : name(std::move(cluster_name)),
        gate(&gate_admission),
        recorder(workers, now),
        shadow_limit(static_cast<uint32_t>(params.initial_limit)),
        controller(params, enforce, enforce ? gate_admission.limit() : shadow_limit, recorder,
                   now) {}

  std::string name;
  const admission::ClusterAdmission* gate;  // whose limit an enforcing controller writes
  control::ClusterRecorder recorder;
  control::ConcurrencyLimit shadow_limit;
  control::ClusterController controller;
  // Enforcing with tenants only. Shared: snapshots hold it, and a reload replaces it.
  std::shared_ptr<admission::TenantShares> shares;
  std::vector<std::string> share_names;  // metric label per share slot
};

ClusterControls::ClusterControls(observability::AdmissionMetrics& metrics,
                                 std::shared_ptr<spdlog::logger> log)
    : metrics_(metrics), log_(std::move(log)) {}

ClusterControls::~ClusterControls() = default;

void ClusterControls::Add(const config::ClusterConfig& cluster, const config::Config& config,
                          admission::ClusterAdmission& gate, std::size_t workers,
                          core::TimePoint now) {
  if (!cluster.controller.enabled) return;
  auto entry = MakeEntry(cluster, config, gate, workers, now);
  Publish(*entry);
  entries_.emplace(cluster.name, std::move(entry));
}

std::shared_ptr<ClusterControls::Entry> ClusterControls::MakeEntry(
    const config::ClusterConfig& cluster, const config::Config& config,
    admission::ClusterAdmission& gate, std::size_t workers, core::TimePoint now) {
  const bool enforce = cluster.controller.mode == config::PolicyMode::kEnforce;
  auto entry = std::make_shared<Entry>(cluster.name, ParamsOf(cluster.controller), enforce, gate,
                                       workers, now);
  SetShares(*entry, config);
  return entry;
}

void ClusterControls::SetShares(Entry& entry, const config::Config& config) {
  const bool has_tenants = !config.tenants.empty() || !config.identity.sources.empty();
  entry.shares.reset();
  entry.share_names.clear();
  if (entry.controller.enforcing() && has_tenants) {
    entry.shares = std::make_shared<admission::TenantShares>(ShareSlots(config));
    entry.share_names = ShareNames(config);
  }
}

void ClusterControls::Reconcile(
    const config::Config& config,
    const std::map<std::string, std::shared_ptr<admission::ClusterAdmission>>& gates,
    std::size_t workers, core::TimePoint now) {
  // Gauges of what this reload removes must not linger; those of what stays are set again below.
  for (const auto& [name, entry] : entries_) {
    metrics_.ForgetControllerGauges(name, entry->share_names);
  }
  std::map<std::string, std::shared_ptr<Entry>> next;
  for (const auto& cluster : config.clusters) {
    if (!cluster.controller.enabled) continue;
    auto& gate = *gates.at(cluster.name);
    const bool enforce = cluster.controller.mode == config::PolicyMode::kEnforce;
    auto it = entries_.find(cluster.name);
    std::shared_ptr<Entry> entry;
    if (it != entries_.end() && it->second->controller.enforcing() == enforce &&
        it->second->gate == &gate) {
      entry = it->second;
      entry->controller.SetParams(ParamsOf(cluster.controller));
      // Shares are recomputed every window from the limit; the slots follow the tenants.
      SetShares(*entry, config);
    } else {
      entry = MakeEntry(cluster, config, gate, workers, now);
    }
    Publish(*entry);
    next.emplace(cluster.name, std::move(entry));
  }
  entries_ = std::move(next);
}

std::vector<std::shared_ptr<const void>> ClusterControls::KeepAlive(
    const std::string& cluster) const {
  auto it = entries_.find(cluster);
  if (it == entries_.end()) return {};
  return {it->second, it->second->shares};
}

control::ClusterRecorder* ClusterControls::Recorder(const std::string& cluster) {
  auto it = entries_.find(cluster);
  return it == entries_.end() ? nullptr : &it->second->recorder;
}

admission::TenantShares* ClusterControls::Shares(const std::string& cluster) {
  auto it = entries_.find(cluster);
  return it == entries_.end() ? nullptr : it->second->shares.get();
}

const control::ConcurrencyLimit* ClusterControls::ShadowLimit(const std::string& cluster) {
  auto it = entries_.find(cluster);
  if (it == entries_.end() || it->second->controller.enforcing()) return nullptr;
  return &it->second->shadow_limit;
}

void ClusterControls::Tick(core::TimePoint now) {
  for (auto& [name, entry] : entries_) {
    const auto before = entry->controller.state();
    const auto step = entry->controller.Tick(now);
    if (!step) continue;
    if (!entry->controller.enforcing()) entry->shadow_limit.Set(entry->controller.computed_limit());
    UpdateShares(*entry);
    Publish(*entry);
    if (step->decision.mode_changed || step->decision.infeasible_changed) {
      LogTransition(*entry, *step, before);
    }
  }
}

// While the limit binds, the cluster sustains about limit / mean latency requests per second
// (Little's law); that is what the tenants share.
void ClusterControls::UpdateShares(Entry& entry) {
  if (!entry.shares) return;
  const auto& w = entry.controller.last_window();
  const double mean = core::ToSeconds(w.mean);
  const double sustainable = mean > 0 ? entry.controller.computed_limit() / mean : 0.0;
  entry.shares->Update(w.limit_binding(), sustainable, w.duration);
}

void ClusterControls::Publish(Entry& entry) {
  const auto& c = entry.controller;
  const auto& state = c.state();
  const auto& w = c.last_window();
  metrics_.ConcurrencyLimit(entry.name).Set(c.computed_limit());
  metrics_.ControllerMode(entry.name).Set(static_cast<double>(state.mode));
  metrics_.ControllerP99(entry.name).Set(state.smoothed_s);
  metrics_.ControllerSetpoint(entry.name).Set(c.params().setpoint_seconds());
  metrics_.ControllerThroughput(entry.name).Set(w.throughput());
  metrics_.ControllerSloInfeasible(entry.name).Set(state.slo_infeasible ? 1 : 0);
  if (!entry.shares) return;
  for (uint32_t i = 0; i < entry.shares->size(); ++i) {
    metrics_.TenantRefillRate(entry.name, entry.share_names[i]).Set(entry.shares->rate(i));
  }
}

void ClusterControls::LogTransition(const Entry& entry, const control::ControllerStep& step,
                                    const control::ControllerState& before) const {
  const auto& w = entry.controller.last_window();
  log_->info(
      "controller {}: mode {} -> {}, slo_infeasible {} -> {}, limit {:.1f} -> {:.1f} ({}); "
      "window {:.0f} ms, {} samples, {} drops, {} limited, p99 {:.1f} ms (smoothed {:.1f}, "
      "setpoint {:.1f}), p10 {:.2f} ms, throughput {:.0f}/s",
      entry.name, control::ModeName(before.mode), control::ModeName(step.state.mode),
      before.slo_infeasible, step.state.slo_infeasible, before.limit, step.state.limit,
      control::ActionName(step.decision.action), core::ToSeconds(w.duration) * 1e3, w.samples,
      w.drops, w.limited, step.decision.signal_s * 1e3, step.state.smoothed_s * 1e3,
      entry.controller.params().setpoint_seconds() * 1e3, core::ToSeconds(w.p10) * 1e3,
      w.throughput());
}

std::string ClusterControls::Json() const {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, entry] : entries_) {
    const auto& c = entry->controller;
    const auto& s = c.state();
    const auto& w = c.last_window();
    const control::KneeFit fit = control::KneeFitter::Fit(s.load_curve);
    out += fmt::format(
        R"({}{}:{{"mode":"{}","enforce":{},"limit":{},"limit_exact":{:.3f},"slo_p99_seconds":{},)"
        R"("setpoint_seconds":{},"p99_smoothed_seconds":{},"slo_infeasible":{},"starting":{},)"
        R"("base_p10_seconds":{},"service_time_seconds":{},"knee":{:.3f},)"
        R"("load_curve":{{"verdict":"{}","knee":{:.1f},"knee_low":{:.1f},"knee_high":{:.1f},)"
        R"("service_time_seconds":{},"samples":{:.0f}}},)"
        R"("last_window":{{"seconds":{},"samples":{},"drops":{},"limited":{},"p99_seconds":{},)"
        R"("p10_seconds":{},"mean_seconds":{},"throughput":{}}}}})",
        first ? "" : ",", observability::JsonString(name), control::ModeName(s.mode), c.enforcing(),
        c.computed_limit(), s.limit, core::ToSeconds(c.params().slo_p99),
        c.params().setpoint_seconds(), s.smoothed_s, s.slo_infeasible, s.starting, s.base_p10_s,
        s.base_mean_s, s.knee, control::KindName(fit.kind), fit.knee, fit.knee_low, fit.knee_high,
        fit.service_s, s.load_curve.Total(), core::ToSeconds(w.duration), w.samples, w.drops,
        w.limited, core::ToSeconds(w.p99), core::ToSeconds(w.p10), core::ToSeconds(w.mean),
        w.throughput());
    first = false;
  }
  return out + "}";
}

}  // namespace sluice::app
