#pragma once
// The admin listener (DESIGN §9): /metrics, /healthz, /readyz, /config, /controller and
// POST /reload over a small HTTP/1.1 server of its own, so operators can still scrape, probe and
// reload when the data path is saturated. Request rules live in admin_router.h; this file only
// moves bytes.
//
// Ownership: the server owns a shared State (acceptor, open connections); every coroutine holds
// that State, so a coroutine that outlives the AdminServer object still touches valid memory.
//
// Thread-safety: owned by the control thread. Start/Stop/port run on the thread that runs the
// io_context (or while it is not running), and that io_context must be run by one thread only.
#include <spdlog/logger.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "app/reload_outcome.h"

namespace sluice::app {

// Shared by the server object and its coroutines; defined in admin_server.cc.
struct AdminServerState;

struct AdminOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 9901;  // 0 = ephemeral, see AdminServer::port()
  std::string token;     // bearer token; "" = no authentication
};

class AdminServer {
 public:
  // Limits: a request head larger than this is answered 431; a body of any length but 0 is
  // refused with 413 (POST /reload carries none).
  static constexpr size_t kMaxHeaderBytes = 8 * 1024;
  // Each request must arrive, and each response be taken, within this deadline.
  static constexpr int kRequestTimeoutSeconds = 10;
  // Connections beyond this are closed at once; admin traffic is a few scrapers and probes.
  static constexpr size_t kMaxConnections = 64;

  // logger may be null (nothing is logged). io must outlive the server. metrics_text renders
  // GET /metrics (Prometheus text format). reload runs on the io_context's thread for each
  // POST /reload; null = /reload answers 404.
  AdminServer(boost::asio::io_context& io, AdminOptions options,
              std::function<std::string()> metrics_text, std::shared_ptr<spdlog::logger> logger,
              std::function<bool()> is_ready, std::function<std::string()> config_json,
              std::function<std::string()> controller_json = nullptr,
              std::function<ReloadOutcome()> reload = nullptr);
  // Calls Stop(), so destroying the server releases its port.
  ~AdminServer();

  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // Binds and starts accepting. Throws std::system_error naming the address when the host
  // does not resolve or the bind/listen fails. Does nothing once started or stopped.
  void Start();
  // The bound port (the ephemeral one when options.port was 0); 0 before Start.
  [[nodiscard]] uint16_t port() const;
  // Closes the acceptor and every open connection; idempotent.
  void Stop();

 private:
  std::shared_ptr<AdminServerState> state_;
};

}  // namespace sluice::app
