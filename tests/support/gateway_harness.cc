#include "support/gateway_harness.h"

#include <csignal>
#include <stdexcept>

#include "config/loader.h"
#include "observability/logging.h"
#include "support/raw_client.h"
#include "support/wait_until.h"

namespace sluice::testing {

config::ClusterConfig MakeCluster(const std::string& name, const std::vector<uint16_t>& ports) {
  config::ClusterConfig c;
  c.name = name;
  for (auto p : ports) c.endpoints.push_back({{"127.0.0.1", p}, 1});
  return c;
}

config::RouteConfig MakeRoute(const std::string& name, const std::string& host,
                              const std::string& path_prefix, const std::string& cluster) {
  config::RouteConfig r;
  r.name = name;
  r.match.host = host;
  r.match.path_prefix = path_prefix;
  r.cluster = cluster;
  return r;
}

config::Config MakeConfig(const std::vector<uint16_t>& upstream_ports) {
  config::Config c;
  c.source_file = "<integration test>";
  c.workers = 2;
  c.drain_timeout = std::chrono::seconds(5);
  c.log.level = "warn";
  c.log.access_log = "off";
  c.admin.listen = {"127.0.0.1", 0};
  config::ListenerConfig l;
  l.name = "main";
  l.listen = {"127.0.0.1", 0};
  c.listeners.push_back(l);
  c.routes.push_back(MakeRoute("default", "*", "/", "backend"));
  c.clusters.push_back(MakeCluster("backend", upstream_ports));
  return c;
}

GatewayHarness::GatewayHarness(config::Config config)
    : config_(std::make_shared<const config::Config>(std::move(config))) {
  std::signal(SIGPIPE, SIG_IGN);  // as main() does: a peer gone mid-write is an error code
  auto log = observability::MakeLogger({config_->log.level, false});
  gateway_ = std::make_unique<app::Gateway>(config_, log);
  gateway_->Start();
  admin_port_ = gateway_->admin_port();
  control_ = std::thread([this] {
    exit_code_ = gateway_->Run();
    exited_.store(true, std::memory_order_release);
  });
}

std::unique_ptr<GatewayHarness> GatewayHarness::FromYaml(
    std::string yaml, const std::map<std::string, std::string>& vars) {
  for (const auto& [name, value] : vars) {
    const std::string key = "${" + name + "}";
    for (auto pos = yaml.find(key); pos != std::string::npos; pos = yaml.find(key, pos)) {
      yaml.replace(pos, key.size(), value);
      pos += value.size();
    }
  }
  auto loaded = config::LoadString(yaml, "test.yaml");
  if (!loaded.errors.empty() || !loaded.config) {
    throw std::runtime_error("invalid test config:\n" + loaded.errors.ToString());
  }
  return std::make_unique<GatewayHarness>(std::move(*loaded.config));
}

GatewayHarness::~GatewayHarness() {
  gateway_->RequestStop();
  if (control_.joinable()) control_.join();
  gateway_.reset();
}

std::string GatewayHarness::Url(const std::string& path, std::size_t listener) const {
  return "http://127.0.0.1:" + std::to_string(port(listener)) + path;
}

std::optional<int> GatewayHarness::WaitForExit(std::chrono::milliseconds timeout) {
  if (!WaitUntil([this] { return exited(); }, timeout)) return std::nullopt;
  return exit_code_;
}

std::pair<int, std::string> GatewayHarness::Admin(const std::string& path) const {
  RawClient client(admin_port_);
  if (!client.Send("GET " + path + " HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n")) {
    return {0, ""};
  }
  auto res = client.ReadResponse(5s);
  if (!res) return {0, ""};
  return {res->status, res->body};
}

std::string GatewayHarness::Scrape() const {
  auto [status, body] = Admin("/metrics");
  return status == 200 ? body : std::string();
}

}  // namespace sluice::testing
