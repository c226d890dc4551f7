#include "upstream/cluster.h"

#include <boost/asio/ip/tcp.hpp>
#include <stdexcept>

namespace sluice::upstream {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

tcp::endpoint Resolve(const config::HostPort& hp) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(hp.host, ec);
  if (!ec) return {addr, hp.port};
  asio::io_context io;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(hp.host, std::to_string(hp.port), ec);
  if (ec || results.empty()) {
    throw std::runtime_error("cannot resolve upstream " + hp.ToString() + ": " + ec.message());
  }
  return results.begin()->endpoint();
}

}  // namespace

Cluster::Cluster(const config::ClusterConfig& cfg,
                 const std::vector<asio::any_io_executor>& workers)
    : cfg_(cfg) {
  std::vector<tcp::endpoint> addresses;
  for (const auto& e : cfg.endpoints) addresses.push_back(Resolve(e.address));
  for (std::size_t w = 0; w < workers.size(); ++w) {
    // Distinct fixed seeds: workers do not pick in lockstep, and runs are reproducible.
    pools_.push_back(std::make_unique<WorkerPool>(workers[w], cfg_, addresses, 0x5eed + w));
  }
}

}  // namespace sluice::upstream
