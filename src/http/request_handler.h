#pragma once
// The seam between protocol front ends and the gateway: protocol code knows nothing of routes,
// tenants or pools; the handler knows nothing of framing.
#include <boost/asio/awaitable.hpp>

#include "http/server_exchange.h"

namespace sluice::http {

// Thread-safety: one instance is shared by all workers; Handle runs on the connection's worker
// and must not block it.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Must produce a complete response unless the client went away.
  virtual boost::asio::awaitable<void> Handle(ServerExchange& exchange) = 0;
};

}  // namespace sluice::http
