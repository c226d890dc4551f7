#pragma once
// Request → response logic of the admin listener, kept free of sockets so every rule (auth
// first, then method, then path) is unit-tested directly. The server in admin_server.h only moves
// bytes.
//
// Thread-safety: HandleAdminRequest is reentrant; it is as thread-safe as the handlers given.
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/reload_outcome.h"

namespace sluice::app {

struct AdminHandlers {
  std::function<std::string()> metrics_text;     // Prometheus text exposition 0.0.4
  std::function<bool()> is_ready;                // false while draining
  std::function<std::string()> config_json;      // effective config, already redacted
  std::function<std::string()> controller_json;  // each cluster controller's state; may be empty
  // POST /reload: runs one reload and returns its outcome; empty = this server has no /reload.
  // Not called while is_ready() is false (503): a draining gateway does not reload.
  std::function<ReloadOutcome()> reload;
};

struct AdminRequest {
  std::string_view method;         // "GET", "HEAD", "POST" (only /reload), ...
  std::string_view target;         // origin-form, may carry a query string (ignored)
  std::string_view authorization;  // Authorization header value, "" when absent
};

struct AdminResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;  // the full body, also for HEAD (the server sends headers only)
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// token: required bearer token, "" = no authentication. A handler that throws yields 500.
[[nodiscard]] AdminResponse HandleAdminRequest(const AdminRequest& request, std::string_view token,
                                               const AdminHandlers& handlers);

// Compares a presented credential with the secret in time that depends only on the secret's
// length, so response timing does not reveal how many leading bytes were right.
[[nodiscard]] bool ConstantTimeEquals(std::string_view presented, std::string_view secret);

}  // namespace sluice::app
