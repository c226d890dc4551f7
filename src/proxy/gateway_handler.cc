#include "proxy/gateway_handler.h"

#include "proxy/forwarder.h"

namespace sluice::proxy {

GatewayHandler::GatewayHandler(std::size_t workers, observability::AccessLog& access_log,
                               std::shared_ptr<spdlog::logger> log)
    : access_log_(access_log), log_(std::move(log)) {
  workers_.reserve(workers);
  std::random_device seed_source;
  for (std::size_t i = 0; i < workers; ++i) {
    const uint64_t seed = (uint64_t{seed_source()} << 32) ^ seed_source();
    workers_.emplace_back(seed);
  }
}

void GatewayHandler::Publish(std::shared_ptr<const RuntimeSnapshot> snapshot) {
  snapshot_.store(std::move(snapshot), std::memory_order_release);
}

std::shared_ptr<const RuntimeSnapshot> GatewayHandler::snapshot() const {
  return snapshot_.load(std::memory_order_acquire);
}

boost::asio::awaitable<void> GatewayHandler::Handle(http::ServerExchange& exchange) {
  const auto snapshot = snapshot_.load(std::memory_order_acquire);
  Forwarder forwarder(*this, exchange, *snapshot);
  co_await forwarder.Run();
  forwarder.Record();
}

}  // namespace sluice::proxy
