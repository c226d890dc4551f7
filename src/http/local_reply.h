#pragma once
// Canned responses that sluice itself produces (errors, rejections). Every one carries a reason
// code in X-Sluice-Reason so operators can tell a gateway decision from a backend answer.
#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>

#include "http/server_exchange.h"

namespace sluice::http {

struct LocalReply {
  Status status = Status::ok;
  std::string reason;  // X-Sluice-Reason value, e.g. "no_route", "upstream_timeout"
  std::string body;    // short text, a trailing newline is added
  std::string content_type = "text/plain; charset=utf-8";
  Fields extra_headers;
};

// Writes a complete local reply (HEAD gets headers only). Returns the write error, if any.
boost::asio::awaitable<error_code> SendLocalReply(ServerExchange& exchange, LocalReply reply);

}  // namespace sluice::http
