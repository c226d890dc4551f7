#include "app/admin_router.h"

#include <exception>

#include "observability/metrics_text.h"

namespace sluice::app {
namespace {

constexpr std::string_view kReloadPath = "/reload";

AdminResponse Text(unsigned status, std::string body) {
  AdminResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The credential of "Bearer <token>"; the scheme is case-insensitive (RFC 7235 §2.1) and
// surrounding whitespace is tolerated. Returns false for any other scheme.
bool ExtractBearer(std::string_view header, std::string_view& credential) {
  constexpr std::string_view kScheme = "bearer";
  const auto first = header.find_first_not_of(" \t");
  if (first == std::string_view::npos) return false;
  header.remove_prefix(first);
  if (header.size() <= kScheme.size() ||
      !EqualsIgnoreCase(header.substr(0, kScheme.size()), kScheme) ||
      (header[kScheme.size()] != ' ' && header[kScheme.size()] != '\t')) {
    return false;
  }
  header.remove_prefix(kScheme.size());
  const auto begin = header.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return false;
  const auto end = header.find_last_not_of(" \t");
  credential = header.substr(begin, end - begin + 1);
  return true;
}

bool Authorized(std::string_view authorization, std::string_view token) {
  if (token.empty()) return true;
  std::string_view credential;
  // Still compare on a malformed header so its timing matches a wrong token.
  const bool well_formed = ExtractBearer(authorization, credential);
  return ConstantTimeEquals(credential, token) && well_formed;
}

AdminResponse Json(std::string body) {
  AdminResponse response = Text(200, std::move(body));
  response.content_type = "application/json";
  return response;
}

AdminResponse Route(std::string_view path, const AdminHandlers& handlers) {
  if (path == "/metrics") {
    AdminResponse response = Text(200, handlers.metrics_text());
    response.content_type = observability::kMetricsContentType;
    return response;
  }
  if (path == "/healthz") return Text(200, "ok");
  if (path == "/readyz") return handlers.is_ready() ? Text(200, "ready") : Text(503, "draining");
  if (path == "/config") return Json(handlers.config_json());
  if (path == "/controller")
    return Json(handlers.controller_json ? handlers.controller_json() : "{}");
  return Text(404, "not found");
}

// Runs the reload now, on the caller's thread, so the reply tells what the reload did.
AdminResponse Reload(const AdminHandlers& handlers) {
  const ReloadOutcome outcome = handlers.reload();
  AdminResponse response = Json(outcome.Json());
  // 422: the request was fine, the file it made the server read is not a valid config.
  if (!outcome.ok) response.status = 422;
  return response;
}

AdminResponse MethodNotAllowed(std::string allow) {
  AdminResponse response = Text(405, "method not allowed");
  response.headers.emplace_back("Allow", std::move(allow));
  return response;
}

}  // namespace

bool ConstantTimeEquals(std::string_view presented, std::string_view secret) {
  // Length difference folds into the result; the loop runs over the secret's length only, and
  // reads past the presented string as 0 instead of branching out early.
  unsigned diff = presented.size() == secret.size() ? 0u : 1u;
  for (size_t i = 0; i < secret.size(); ++i) {
    const auto p = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0u;
    diff |= p ^ static_cast<unsigned char>(secret[i]);
  }
  return diff == 0;
}

AdminResponse HandleAdminRequest(const AdminRequest& request, std::string_view token,
                                 const AdminHandlers& handlers) {
  // Authentication comes first so an unauthenticated client cannot even probe which paths exist.
  if (!Authorized(request.authorization, token)) {
    AdminResponse response = Text(401, "unauthorized");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  }
  std::string_view path = request.target;
  if (const auto query = path.find('?'); query != std::string_view::npos) {
    path = path.substr(0, query);
  }
  // /reload changes the running config, so it takes POST only (a GET must stay safe to retry
  // or prefetch); every other path only reads.
  const bool is_reload = path == kReloadPath;
  if (is_reload && !handlers.reload) return Text(404, "not found");
  if (is_reload && request.method != "POST") return MethodNotAllowed("POST");
  if (!is_reload && request.method != "GET" && request.method != "HEAD") {
    return MethodNotAllowed("GET, HEAD");
  }
  // A draining gateway is on its way out: a reload would reopen what the drain closed (SIGHUP
  // is ignored then too).
  if (is_reload && !handlers.is_ready()) return Text(503, "draining: not reloading");
  try {
    return is_reload ? Reload(handlers) : Route(path, handlers);
  } catch (const std::exception& e) {
    return Text(500, std::string("internal error: ") + e.what());
  } catch (...) {
    return Text(500, "internal error");
  }
}

}  // namespace sluice::app
