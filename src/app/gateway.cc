#include "app/gateway.h"

#include <boost/asio/post.hpp>
#include <algorithm>
#include <csignal>
#include <stdexcept>

#include "app/config_json.h"
#include "app/session_options.h"
#include "observability/metrics_text.h"

namespace sluice::app {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// How often the control thread lets the cluster controllers close their windows: windows close
// on sample counts, so this bounds how late one is seen, not how long it is.
constexpr auto kControllerTick = std::chrono::milliseconds(10);
// How often the control thread looks at the open-connection count while draining.
constexpr auto kDrainPollInterval = std::chrono::milliseconds(20);

}  // namespace

Gateway::Gateway(std::shared_ptr<const config::Config> config, std::shared_ptr<spdlog::logger> log,
                 std::string config_path)
    : config_(std::move(config)),
      config_path_(std::move(config_path)),
      log_(std::move(log)),
      registry_(std::make_shared<prometheus::Registry>()),
      metrics_(registry_),
      admission_metrics_(*registry_),
      h2_metrics_(*registry_),
      reload_metrics_(*registry_),
      signals_(control_, SIGINT, SIGTERM, SIGHUP),
      drain_timer_(control_),
      gauge_timer_(control_),
      controller_timer_(control_) {}

Gateway::~Gateway() {
  if (admin_) admin_->Stop();
  if (!workers_) return;
  workers_->Stop();
  workers_->Join();
  // Idle upstream sockets belong to the worker contexts: close them before those go away;
  // then destroying the contexts drops every suspended request while its pools still exist.
  for (auto& [name, cluster] : clusters_) {
    for (std::size_t w = 0; w < cluster->worker_count(); ++w) cluster->pool(w).CloseIdle();
  }
  for (auto& cluster : retired_clusters_) {
    for (std::size_t w = 0; w < cluster->worker_count(); ++w) cluster->pool(w).CloseIdle();
  }
  // Acceptors and their timers are I/O objects of the worker contexts too.
  listeners_.clear();
  retired_listeners_.clear();
  if (admission_) admission_->CloseAll();
  workers_->DestroyContexts();
}

void Gateway::Start() {
  access_log_ = observability::AccessLog::Open(config_->log.access_log);
  workers_ = std::make_unique<net::WorkerPool>(config_->workers);
  std::vector<asio::any_io_executor> executors;
  for (std::size_t w = 0; w < workers_->size(); ++w) {
    executors.push_back(workers_->context(w).get_executor());
    trackers_.push_back(std::make_unique<net::ConnectionTracker>(open_connections_));
  }
  for (const auto& c : config_->clusters) {
    clusters_.emplace(c.name, std::make_shared<upstream::Cluster>(c, executors));
  }
  handler_ = std::make_unique<proxy::GatewayHandler>(workers_->size(), *access_log_, log_);
  admission_ =
      std::make_unique<AdmissionRegistry>(*config_, admission_metrics_, workers_->size(), log_);
  auto tls = LoadTls();
  for (std::size_t i = 0; i < config_->listeners.size(); ++i) {
    const auto& cfg = config_->listeners[i];
    listeners_.push_back(OpenSocket(cfg, MakeServing(cfg, std::move(tls[i]))));
  }
  handler_->Publish(Snapshot(generation_));
  config_hash_ = ConfigFileHash(config_path_);
  reload_metrics_.Serving(generation_, config_hash_);
  AdminOptions admin{config_->admin.listen.host, config_->admin.listen.port, config_->admin.token};
  admin_ = std::make_unique<AdminServer>(
      control_, admin, [this] { return MetricsText(); }, log_, [this] { return !draining_.load(); },
      [this] { return ConfigToJson(*config_); },
      [this] { return admission_->controls().Json(); }, [this] { return Reload(); });
  admin_->Start();
}

std::string Gateway::MetricsText() {
  metrics_.Flush();
  h2_metrics_.Flush();
  return observability::RenderMetrics(*registry_);
}

std::shared_ptr<const proxy::RuntimeSnapshot> Gateway::Snapshot(uint64_t generation) {
  return BuildSnapshot(config_, generation, clusters_, metrics_, *admission_, listener_slots_);
}

std::size_t Gateway::ListenerSlot(const std::string& name) {
  const auto it = std::find(listener_slots_.begin(), listener_slots_.end(), name);
  if (it != listener_slots_.end()) return static_cast<std::size_t>(it - listener_slots_.begin());
  listener_slots_.push_back(name);
  return listener_slots_.size() - 1;
}

std::vector<std::unique_ptr<ListenerTls>> Gateway::LoadTls() const {
  std::vector<std::unique_ptr<ListenerTls>> out(config_->listeners.size());
  std::string errors;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto& cfg = config_->listeners[i];
    if (!cfg.tls.enabled) continue;
    out[i] = std::make_unique<ListenerTls>(cfg, i);
    errors += out[i]->Load().ToString();
  }
  // Every listener's problems at once, like the config loader (STYLE rule 5).
  if (!errors.empty()) {
    errors.pop_back();  // the last line's newline: the logger ends the message itself
    throw std::runtime_error("cannot load TLS certificates:\n" + errors);
  }
  return out;
}

std::shared_ptr<const Gateway::ListenerServing> Gateway::MakeServing(
    const config::ListenerConfig& cfg, std::unique_ptr<ListenerTls> tls) {
  auto rt = std::make_shared<ListenerServing>();
  rt->config = cfg;
  rt->slot = ListenerSlot(cfg.name);
  if (tls) {
    rt->tls = std::move(tls);
    rt->tls_failures = &metrics_.TlsHandshakeFailures(cfg.name);
  }
  rt->sniff_timeout = cfg.header_timeout;
  rt->http1.options = Http1Options(cfg);
  rt->http1.handler = handler_.get();
  rt->http1.protocol_errors = &metrics_.Route(cfg.name, "");
  rt->http1.access_log = access_log_.get();
  rt->http1.connections = &metrics_.Connections(cfg.name, "http1");
  rt->http1.log = log_;
  rt->http2.options = Http2Options(cfg);
  rt->http2.handler = handler_.get();
  rt->http2.metrics = &h2_metrics_;
  rt->http2.protocol_errors = rt->http1.protocol_errors;
  rt->http2.access_log = access_log_.get();
  rt->http2.connections = &metrics_.Connections(cfg.name, cfg.tls.enabled ? "h2" : "h2c");
  rt->http2.log = log_;
  std::vector<std::string> cidrs;
  for (const auto& c : cfg.trusted_proxies) cidrs.push_back(c.text);
  rt->trusted = net::CidrSet::Parse(cidrs).value_or(net::CidrSet{});
  return rt;
}

std::unique_ptr<Gateway::ListenerSocket> Gateway::OpenSocket(
    const config::ListenerConfig& cfg, std::shared_ptr<const ListenerServing> serving) {
  auto socket = std::make_unique<ListenerSocket>();
  socket->address = cfg.listen;
  socket->serving.store(std::move(serving));
  auto* raw = socket.get();
  socket->listener = std::make_unique<net::Listener>(
      cfg.name, *workers_, log_, [this, raw](asio::ip::tcp::socket s, std::size_t worker) {
        Accept(*raw, std::move(s), worker);
      });
  socket->listener->Open(cfg.listen.host, cfg.listen.port);
  log_->info("listener {} on {}:{}{} ({} workers)", cfg.name, cfg.listen.host,
             socket->listener->port(), cfg.tls.enabled ? " with TLS" : "", workers_->size());
  return socket;
}

uint16_t Gateway::listener_port(std::size_t index) const {
  return listeners_.at(index)->listener->port();
}

int Gateway::Run() {
  workers_->Start();
  for (auto& l : listeners_) l->listener->Start();
  WaitForSignal();
  RefreshGaugesPeriodically();
  TickControllersPeriodically();
  control_.run();
  return exit_code_;
}

void Gateway::WaitForSignal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    if (signo == SIGINT) {
      log_->info("SIGINT: stopping now");
      StopNow();
      return;
    }
    if (signo == SIGTERM) {
      BeginDrain();
    } else if (signo == SIGHUP && !draining_.load()) {
      log_->info("SIGHUP: reloading {}", config_path_);
      (void)Reload();  // Reload logs the outcome
    }
    WaitForSignal();
  });
}

void Gateway::TickControllersPeriodically() {
  admission_->controls().Tick(std::chrono::steady_clock::now());
  controller_timer_.expires_after(kControllerTick);
  controller_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) TickControllersPeriodically();
  });
}

void Gateway::RefreshGaugesPeriodically() {
  admission_->RefreshGauges();
  SweepRetired();
  gauge_timer_.expires_after(std::chrono::milliseconds(250));
  gauge_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) RefreshGaugesPeriodically();
  });
}

void Gateway::RequestDrain() {
  asio::post(control_, [this] { BeginDrain(); });
}

void Gateway::RequestStop() {
  asio::post(control_, [this] { StopNow(); });
}

void Gateway::BeginDrain() {
  if (draining_.exchange(true)) return;
  metrics_.draining().Set(1);
  log_->info("draining: stopped accepting; waiting up to {} ms for {} connection(s)",
             config_->drain_timeout.count(), open_connections());
  for (auto& l : listeners_) l->listener->Close();
  for (std::size_t w = 0; w < workers_->size(); ++w) {
    asio::post(workers_->context(w), [t = trackers_[w].get()] { t->DrainAll(); });
  }
  drain_deadline_ = Clock::now() + config_->drain_timeout;
  CheckDrained();
}

void Gateway::CheckDrained() {
  if (open_connections() == 0 || Clock::now() >= drain_deadline_) {
    if (open_connections() != 0) {
      log_->warn("drain timeout: closing {} connection(s)", open_connections());
    }
    log_->info("drained; exiting");
    StopNow();
    return;
  }
  drain_timer_.expires_after(kDrainPollInterval);
  drain_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) CheckDrained();
  });
}

void Gateway::StopNow() {
  signals_.cancel();
  drain_timer_.cancel();
  gauge_timer_.cancel();
  controller_timer_.cancel();
  if (admin_) admin_->Stop();
  for (auto& l : listeners_) l->listener->Close();
  workers_->Stop();
  control_.stop();
}

}  // namespace sluice::app
