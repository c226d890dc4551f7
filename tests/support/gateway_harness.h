#pragma once
// Runs a whole sluice gateway in-process for integration tests: builds it from a config::Config
// (made in code with MakeConfig, or from YAML with ${NAME} placeholders), calls Start(), runs
// Run() on a background thread (which becomes the gateway's control thread), and on
// destruction stops it and joins. Listener and admin bind 127.0.0.1 port 0; the bound ports are
// read back from the gateway.
//
// Thread-safety: construct, use and destroy from one test thread; the gateway itself runs on
// its own threads.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/gateway.h"
#include "config/schema/config.h"

namespace sluice::testing {

// One listener "main" (127.0.0.1:0), admin 127.0.0.1:0, workers 2, access log off, log level
// warn, drain timeout 5 s, and one route "default" (host "*", prefix "/") to cluster "backend"
// whose endpoints are 127.0.0.1:<port> for each of `upstream_ports` (weight 1).
[[nodiscard]] config::Config MakeConfig(const std::vector<uint16_t>& upstream_ports);
[[nodiscard]] config::ClusterConfig MakeCluster(const std::string& name,
                                                const std::vector<uint16_t>& ports);
[[nodiscard]] config::RouteConfig MakeRoute(const std::string& name, const std::string& host,
                                            const std::string& path_prefix,
                                            const std::string& cluster);

class GatewayHarness {
 public:
  // Builds, starts and runs the gateway; throws what Gateway::Start throws.
  explicit GatewayHarness(config::Config config);
  // Loads `yaml` after replacing every "${NAME}" by vars[NAME]; throws std::runtime_error with
  // the loader's messages when the config is invalid.
  static std::unique_ptr<GatewayHarness> FromYaml(std::string yaml,
                                                  const std::map<std::string, std::string>& vars);
  // RequestStop(), join the control thread, destroy the gateway.
  ~GatewayHarness();
  GatewayHarness(const GatewayHarness&) = delete;
  GatewayHarness& operator=(const GatewayHarness&) = delete;

  [[nodiscard]] uint16_t port(std::size_t listener = 0) const {
    return gateway_->listener_port(listener);
  }
  [[nodiscard]] uint16_t admin_port() const { return admin_port_; }
  [[nodiscard]] app::Gateway& gateway() { return *gateway_; }
  [[nodiscard]] const config::Config& config() const { return *config_; }
  // "http://127.0.0.1:<port><path>"
  [[nodiscard]] std::string Url(const std::string& path, std::size_t listener = 0) const;

  // Run()'s return value once it has returned within `timeout`, else nullopt.
  [[nodiscard]] std::optional<int> WaitForExit(std::chrono::milliseconds timeout);
  [[nodiscard]] bool exited() const { return exited_.load(std::memory_order_acquire); }

  // GET <path> on the admin port; returns {status, body} (status 0 when no answer).
  [[nodiscard]] std::pair<int, std::string> Admin(const std::string& path) const;
  // The /metrics exposition text ("" when the admin port did not answer 200).
  [[nodiscard]] std::string Scrape() const;

 private:
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<app::Gateway> gateway_;
  uint16_t admin_port_ = 0;
  std::thread control_;
  std::atomic<bool> exited_{false};  // written by the control thread after Run() returns
  int exit_code_ = -1;               // published by exited_ (release/acquire)
};

}  // namespace sluice::testing
