#pragma once
// The composition root: builds every component from a validated config, owns them, and runs
// the control thread (signals, admin listener, drain). Nothing else includes app.
//
// Threads: Run() turns the calling thread into the control thread; workers run the data path.
// Reload (SIGHUP, POST /reload) runs on the control thread: gateway_reload.cc.
// How an accepted connection reaches its session (sniffing, TLS) is in gateway_accept.cc.
// Lifetime: components are torn down in a fixed order (see ~Gateway) so no coroutine frame
// outlives what it points to.
#include <prometheus/registry.h>
#include <spdlog/logger.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <vector>

#include "app/admin_server.h"
#include "app/listener_tls.h"
#include "app/reload_metrics.h"
#include "app/reload_outcome.h"
#include "app/snapshot_builder.h"
#include "config/schema/config.h"
#include "http1/server_session.h"
#include "http2/h2_metrics.h"
#include "http2/server_session.h"
#include "net/cidr_set.h"
#include "net/connection_tracker.h"
#include "net/listener.h"
#include "net/worker_pool.h"
#include "observability/access_log.h"
#include "observability/gateway_metrics.h"
#include "proxy/gateway_handler.h"

namespace sluice::app {

class Gateway {
 public:
  // config_path: the file a reload reads again ("" = reloads are refused; tests, embedding).
  Gateway(std::shared_ptr<const config::Config> config, std::shared_ptr<spdlog::logger> log,
          std::string config_path = "");
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Resolves upstreams and binds every listener and the admin port; throws on failure.
  void Start();
  // Serves until SIGTERM (after draining) or SIGINT; returns the process exit code.
  int Run();

  // Thread-safe triggers (the signal handlers call the same code), for tests and embedding.
  void RequestDrain();
  void RequestStop();
  // Reads the config file again and, if it is valid and everything it names can be built,
  // switches to it without dropping a connection or losing limiter state (issue 6). A rejected
  // file changes nothing. Control thread only (SIGHUP and POST /reload run it there).
  ReloadOutcome Reload();

  [[nodiscard]] uint16_t listener_port(std::size_t index) const;
  [[nodiscard]] uint16_t admin_port() const { return admin_->port(); }
  // GET /metrics: what the workers recorded, flushed into the registry, in the text format.
  [[nodiscard]] std::string MetricsText();
  [[nodiscard]] std::size_t open_connections() const {
    return open_connections_.load(std::memory_order_relaxed);
  }
  // Open connections served by one worker (any thread; a moment's snapshot).
  [[nodiscard]] std::size_t open_connections(std::size_t worker) const {
    return trackers_.at(worker)->open();
  }

 private:
  // What one generation's listener gives the connections it accepts (sessions keep it alive
  // through ConnectionInfo::keep_alive, so a reload that replaces it does not pull it away).
  struct ListenerServing {
    config::ListenerConfig config;
    std::size_t slot = 0;  // ConnectionInfo::listener_index
    http1::SessionContext http1;
    http2::SessionContext http2;
    std::chrono::milliseconds sniff_timeout{10'000};  // for the first bytes: the header timeout
    net::CidrSet trusted;
    // TLS listeners only: the certificates (loaded per generation) and failed handshakes.
    std::unique_ptr<ListenerTls> tls;
    prometheus::Counter* tls_failures = nullptr;
  };
  // A listening address. It outlives generations while its address stays: a reload that changes
  // a listener's settings swaps `serving` and keeps the socket (and its accept queue).
  struct ListenerSocket {
    config::HostPort address;
    std::unique_ptr<net::Listener> listener;
    std::atomic<std::shared_ptr<const ListenerServing>> serving;
  };
  // Closed sockets wait a while before they are freed: an accept that completed just before
  // the close may still be queued on its worker with a pointer to it.
  struct RetiredSocket {
    std::chrono::steady_clock::time_point closed_at;
    std::unique_ptr<ListenerSocket> socket;
  };
  // Everything a new configuration needs that can fail, built before anything changes.
  struct ReloadPlan;

  // Loads the certificates of every TLS listener (index = listener); throws with every error.
  [[nodiscard]] std::vector<std::unique_ptr<ListenerTls>> LoadTls() const;
  [[nodiscard]] std::shared_ptr<const ListenerServing> MakeServing(
      const config::ListenerConfig& cfg, std::unique_ptr<ListenerTls> tls);
  // Binds a new socket for `cfg` serving `serving`; throws std::system_error on failure.
  [[nodiscard]] std::unique_ptr<ListenerSocket> OpenSocket(
      const config::ListenerConfig& cfg, std::shared_ptr<const ListenerServing> serving);
  [[nodiscard]] std::size_t ListenerSlot(const std::string& name);
  // A connection its worker's acceptor took: handed to the next worker in turn (see
  // gateway_accept.cc), then served there.
  void Accept(ListenerSocket& socket, boost::asio::ip::tcp::socket peer, std::size_t worker);
  void Serve(std::shared_ptr<const ListenerServing> serving, boost::asio::ip::tcp::socket socket,
             std::size_t worker);
  // Both http1 and h2c on one port: the first bytes decide (app/protocol_sniffer.h).
  void SniffThenServe(const ListenerServing& rt, boost::asio::ip::tcp::socket socket,
                      http::ConnectionInfo info);
  // TLS listeners: the handshake, then the session of the protocol ALPN agreed on.
  void HandshakeThenServe(const ListenerServing& rt, boost::asio::ip::tcp::socket socket,
                          http::ConnectionInfo info);
  [[nodiscard]] std::shared_ptr<const proxy::RuntimeSnapshot> Snapshot(uint64_t generation);
  // Reload steps (gateway_reload.cc).
  [[nodiscard]] core::ErrorList Prepare(const config::Config& next, std::string_view text,
                                        ReloadPlan& plan);
  void Commit(std::shared_ptr<const config::Config> next, ReloadPlan plan);
  void SweepRetired();
  void WaitForSignal();
  void BeginDrain();
  void CheckDrained();
  void StopNow();
  void RefreshGaugesPeriodically();
  void TickControllersPeriodically();

  std::shared_ptr<const config::Config> config_;
  std::string config_path_;
  uint64_t generation_ = 1;
  std::string config_hash_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<prometheus::Registry> registry_;
  observability::GatewayMetrics metrics_;
  observability::AdmissionMetrics admission_metrics_;
  http2::H2Metrics h2_metrics_;
  ReloadMetrics reload_metrics_;
  std::unique_ptr<AdmissionRegistry> admission_;
  std::unique_ptr<observability::AccessLog> access_log_;
  std::unique_ptr<net::WorkerPool> workers_;
  std::unique_ptr<proxy::GatewayHandler> handler_;
  ClusterRegistry clusters_;
  std::atomic<std::size_t> open_connections_{0};
  std::vector<std::unique_ptr<net::ConnectionTracker>> trackers_;  // one per worker
  std::atomic<std::size_t> next_worker_{0};  // round robin over accepted connections (relaxed)
  std::vector<std::unique_ptr<ListenerSocket>> listeners_;  // the current config's, in order
  std::vector<RetiredSocket> retired_listeners_;
  std::vector<std::string> listener_slots_;  // slot → listener name; a name keeps its slot
  // Clusters a reload replaced, until the last request holding one ends (SweepRetired).
  std::vector<std::shared_ptr<upstream::Cluster>> retired_clusters_;

  boost::asio::io_context control_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer drain_timer_;
  boost::asio::steady_timer gauge_timer_;
  boost::asio::steady_timer controller_timer_;
  std::chrono::steady_clock::time_point drain_deadline_;
  std::unique_ptr<AdminServer> admin_;
  std::atomic<bool> draining_{false};
  int exit_code_ = 0;
};

}  // namespace sluice::app
