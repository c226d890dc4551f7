#pragma once
// The composition root: builds every component from a validated config, owns them, and runs
// the control thread (signals, admin listener, drain). Nothing else includes app.
//
// Threads: Run() turns the calling thread into the control thread; workers run the data path.
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
  Gateway(std::shared_ptr<const config::Config> config, std::shared_ptr<spdlog::logger> log);
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

  [[nodiscard]] uint16_t listener_port(std::size_t index) const;
  [[nodiscard]] uint16_t admin_port() const { return admin_->port(); }
  [[nodiscard]] const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }
  [[nodiscard]] std::size_t open_connections() const {
    return open_connections_.load(std::memory_order_relaxed);
  }

 private:
  struct ListenerRuntime {
    config::ListenerProtocols protocols;
    http1::SessionContext http1;
    http2::SessionContext http2;
    std::chrono::milliseconds sniff_timeout{10'000};  // for the first bytes: the header timeout
    net::CidrSet trusted;
    // TLS listeners only: the current certificates (a reload swaps them) and failed handshakes.
    std::unique_ptr<ListenerTls> tls;
    prometheus::Counter* tls_failures = nullptr;
    std::unique_ptr<net::Listener> listener;
  };

  // Loads the certificates of every TLS listener (index = listener); throws with every error.
  [[nodiscard]] std::vector<std::unique_ptr<ListenerTls>> LoadTls() const;
  void BuildListener(const config::ListenerConfig& cfg, std::size_t index,
                     std::unique_ptr<ListenerTls> tls);
  void Accept(ListenerRuntime& rt, std::size_t index, boost::asio::ip::tcp::socket socket,
              std::size_t worker);
  // Both http1 and h2c on one port: the first bytes decide (app/protocol_sniffer.h).
  void SniffThenServe(ListenerRuntime& rt, boost::asio::ip::tcp::socket socket,
                      http::ConnectionInfo info);
  // TLS listeners: the handshake, then the session of the protocol ALPN agreed on.
  void HandshakeThenServe(ListenerRuntime& rt, boost::asio::ip::tcp::socket socket,
                          http::ConnectionInfo info);
  void WaitForSignal();
  void BeginDrain();
  void CheckDrained();
  void StopNow();
  void RefreshGaugesPeriodically();
  void TickControllersPeriodically();

  std::shared_ptr<const config::Config> config_;
  std::shared_ptr<spdlog::logger> log_;
  std::shared_ptr<prometheus::Registry> registry_;
  observability::GatewayMetrics metrics_;
  observability::AdmissionMetrics admission_metrics_;
  http2::H2Metrics h2_metrics_;
  std::unique_ptr<AdmissionRegistry> admission_;
  std::unique_ptr<observability::AccessLog> access_log_;
  std::unique_ptr<net::WorkerPool> workers_;
  std::unique_ptr<proxy::GatewayHandler> handler_;
  ClusterRegistry clusters_;
  std::atomic<std::size_t> open_connections_{0};
  std::vector<std::unique_ptr<net::ConnectionTracker>> trackers_;  // one per worker
  std::vector<std::unique_ptr<ListenerRuntime>> listeners_;

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
