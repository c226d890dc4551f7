// Configuration reload (SIGHUP, POST /reload; DESIGN §3 and §8, issue 6), on the control thread:
// load → validate → prepare everything that can fail (certificates, upstream addresses, new
// listening sockets) → reconcile the stateful registries → publish the next snapshot → start
// and stop listeners. Any error before the reconcile leaves the running generation untouched.
//
// What carries over, by stable name or address: tenant buckets (rescaled, never refilled), each
// gated cluster's in-flight count, queue and controller (AdmissionRegistry::Reconcile), upstream
// clusters whose settings did not change (and, for those that did, the idle connections to the
// endpoints they keep), and listening sockets whose address did not change (with their accept
// queues and open connections; new connections get the new settings).
#include <boost/asio/post.hpp>
#include <chrono>
#include <optional>

#include "app/gateway.h"
#include "config/key_location.h"
#include "config/loader.h"
#include "observability/logging.h"

namespace sluice::app {

namespace asio = boost::asio;

namespace {

// Freed this long after its close: far longer than an accept completion waits in its queue.
constexpr auto kRetiredSocketGrace = std::chrono::seconds(5);

// Errors found after loading point at the key in the file when it is written there.
core::ConfigError ErrorAt(const config::Config& cfg, std::string_view text, std::string path,
                          std::string message) {
  auto where = config::KeyLocation(text, cfg.source_file, path);
  return {std::move(where), std::move(path), std::move(message)};
}

}  // namespace

struct Gateway::ReloadPlan {
  ClusterRegistry clusters;
  std::vector<std::unique_ptr<ListenerTls>> tls;  // index = listener in the next config
  // Index = listener in the next config: the current socket with its address (index into
  // listeners_), or else a new socket, bound and not yet accepting, in `opened`.
  std::vector<std::optional<std::size_t>> kept;
  std::vector<std::unique_ptr<ListenerSocket>> opened;
};

ReloadOutcome Gateway::Reload() {
  ReloadOutcome outcome;
  const auto fail = [&](const core::ErrorList& errors) {
    for (const auto& e : errors.all()) outcome.errors.push_back(e.ToString());
    auto text = errors.ToString();
    if (!text.empty() && text.back() == '\n') text.pop_back();  // the logger ends the line
    log_->error("reload of {} rejected, generation {} keeps serving:\n{}", config_path_,
                generation_, text);
    reload_metrics_.Attempted(false);
    outcome.generation = generation_;
    outcome.config_hash = config_hash_;
    return outcome;
  };
  core::ErrorList errors;
  if (config_path_.empty()) {
    errors.Add({{}, "", "this gateway was started without a config file; nothing to reload"});
    return fail(errors);
  }
  if (draining_.load()) {  // listeners are closed for good: a reload must not open new ones
    errors.Add({{config_path_, 0, 0}, "", "draining (SIGTERM): reloads are refused"});
    return fail(errors);
  }
  auto loaded = config::LoadFile(config_path_);
  if (!loaded.errors.empty()) return fail(loaded.errors);
  const std::string hash = ConfigTextHash(loaded.text);
  auto next = std::make_shared<const config::Config>(std::move(*loaded.config));
  ReloadPlan plan;
  errors = Prepare(*next, loaded.text, plan);
  if (!errors.empty()) {
    // Sockets opened for the plan were never started: dropping the plan closes them.
    return fail(errors);
  }
  Commit(std::move(next), std::move(plan));
  config_hash_ = hash;
  reload_metrics_.Serving(generation_, config_hash_);
  reload_metrics_.Attempted(true);
  log_->info("reload of {}: generation {} serving (config {})", config_path_, generation_,
             config_hash_);
  outcome.ok = true;
  outcome.generation = generation_;
  outcome.config_hash = config_hash_;
  return outcome;
}

core::ErrorList Gateway::Prepare(const config::Config& next, std::string_view text,
                                 ReloadPlan& plan) {
  core::ErrorList errors;
  // What lives for the whole process is fixed at startup; say so rather than half-apply it.
  if (next.workers != config_->workers) {
    errors.Add(ErrorAt(next, text, "workers", "the worker count cannot change on reload; restart"));
  }
  if (!(next.admin.listen == config_->admin.listen) || next.admin.token != config_->admin.token) {
    errors.Add(ErrorAt(next, text, "admin", "the admin listener cannot change on reload; restart"));
  }
  if (next.log.access_log != config_->log.access_log) {
    errors.Add(
        ErrorAt(next, text, "log.access_log", "the access log cannot move on reload; restart"));
  }
  // Upstream clusters: unchanged ones are kept; new or changed ones resolve their endpoints.
  std::vector<asio::any_io_executor> executors;
  for (std::size_t w = 0; w < workers_->size(); ++w) {
    executors.push_back(workers_->context(w).get_executor());
  }
  for (std::size_t i = 0; i < next.clusters.size(); ++i) {
    const auto& c = next.clusters[i];
    const auto it = clusters_.find(c.name);
    if (it != clusters_.end() && it->second->config() == c) {
      plan.clusters.emplace(c.name, it->second);
      continue;
    }
    try {
      plan.clusters.emplace(c.name, std::make_shared<upstream::Cluster>(c, executors));
    } catch (const std::exception& e) {
      errors.Add(ErrorAt(next, text, "clusters[" + std::to_string(i) + "].endpoints", e.what()));
    }
  }
  // Listeners: certificates are read again for every TLS listener; sockets are kept by address.
  std::vector<bool> claimed(listeners_.size(), false);
  for (std::size_t i = 0; i < next.listeners.size(); ++i) {
    const auto& cfg = next.listeners[i];
    std::unique_ptr<ListenerTls> tls;
    if (cfg.tls.enabled) {
      tls = std::make_unique<ListenerTls>(cfg, i);
      const auto tls_errors = tls->Load();
      for (const auto& e : tls_errors.all()) errors.Add(e);
    }
    plan.tls.push_back(std::move(tls));
    std::optional<std::size_t> kept;
    for (std::size_t k = 0; k < listeners_.size() && !kept; ++k) {
      if (!claimed[k] && listeners_[k]->address == cfg.listen) kept = k;
    }
    std::unique_ptr<ListenerSocket> opened;
    if (kept) {
      claimed[*kept] = true;
    } else {
      try {
        opened = OpenSocket(cfg, nullptr);
      } catch (const std::exception& e) {
        errors.Add(ErrorAt(next, text, "listeners[" + std::to_string(i) + "].listen", e.what()));
      }
    }
    plan.kept.push_back(kept);
    plan.opened.push_back(std::move(opened));
  }
  return errors;
}

void Gateway::Commit(std::shared_ptr<const config::Config> next, ReloadPlan plan) {
  const auto now = std::chrono::steady_clock::now();
  config_ = std::move(next);
  admission_->Reconcile(*config_, now);
  // Clusters: replaced ones stay until their last request ends; idle connections to endpoints
  // the new cluster also has move over on each worker.
  for (auto& [name, cluster] : clusters_) {
    const auto it = plan.clusters.find(name);
    if (it != plan.clusters.end() && it->second == cluster) continue;
    if (it != plan.clusters.end()) {
      for (std::size_t w = 0; w < workers_->size(); ++w) {
        asio::post(workers_->context(w), [w, from = cluster, to = it->second] {
          to->pool(w).AdoptIdle(from->pool(w));
        });
      }
    }
    retired_clusters_.push_back(cluster);
  }
  clusters_ = std::move(plan.clusters);
  // Listeners: the new settings for every socket (new connections get them), by address.
  std::vector<std::unique_ptr<ListenerSocket>> sockets;
  for (std::size_t i = 0; i < config_->listeners.size(); ++i) {
    auto socket = plan.kept[i] ? std::move(listeners_[*plan.kept[i]]) : std::move(plan.opened[i]);
    socket->serving.store(MakeServing(config_->listeners[i], std::move(plan.tls[i])));
    sockets.push_back(std::move(socket));
  }
  // The snapshot first, so the first request on a new listener already routes by it.
  handler_->Publish(Snapshot(++generation_));
  for (std::size_t i = 0; i < sockets.size(); ++i) {
    if (!plan.kept[i]) sockets[i]->listener->Start();
  }
  for (auto& removed : listeners_) {
    if (!removed) continue;  // kept: moved into `sockets`
    log_->info("listener {} closed by reload; its open connections stay until they end",
               removed->listener->name());
    removed->listener->Close();
    retired_listeners_.push_back({std::chrono::steady_clock::now(), std::move(removed)});
  }
  listeners_ = std::move(sockets);
  observability::ConfigureLogger(
      *log_, {config_->log.level, config_->log.format == config::LogFormat::kJson});
}

// Control thread, periodically: frees what reloads retired once nothing can use it any more.
// A retired cluster is referenced only by snapshots; when this list holds its last reference,
// no request and no snapshot can reach it again.
void Gateway::SweepRetired() {
  std::erase_if(retired_clusters_, [](const auto& cluster) { return cluster.use_count() == 1; });
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(retired_listeners_, [now](const RetiredSocket& retired) {
    return now - retired.closed_at >= kRetiredSocketGrace;
  });
}

}  // namespace sluice::app
