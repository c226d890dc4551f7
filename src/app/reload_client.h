#pragma once
// `sluice reload`: asks a running gateway, through its admin listener, to reload its config
// (POST /reload) and prints the outcome the gateway reports, so the operator sees the server's
// own verdict on the file: the same errors SIGHUP would log.
//
// Thread-safety: plain functions; PostReload runs an io_context of its own on the calling thread.
#include <chrono>
#include <ostream>
#include <string>

#include "app/admin_endpoint.h"
#include "app/command_line.h"

namespace sluice::app {

// Exit codes of `sluice reload`.
inline constexpr int kReloadApplied = 0;
inline constexpr int kReloadRejected = 1;     // the server refused the file; errors printed
inline constexpr int kReloadUnreachable = 2;  // no outcome: no connection, timeout, 401, ...

// Long enough for a reload that rebuilds many TLS contexts on a busy control thread.
inline constexpr std::chrono::seconds kReloadTimeout{30};

struct AdminReply {
  unsigned status = 0;  // 0 when no answer came
  std::string body;
  std::string error;  // why no answer came (connect refused, timed out, ...)
};

// One POST /reload on a fresh connection; the timeout bounds the whole exchange.
[[nodiscard]] AdminReply PostReload(const AdminEndpoint& endpoint,
                                    std::chrono::milliseconds timeout);

// Prints the outcome (errors one per line on err, like `sluice check`) and returns the exit code.
// `where` names the admin listener in messages.
[[nodiscard]] int ReportReload(const AdminReply& reply, const std::string& where, std::ostream& out,
                               std::ostream& err);

// The whole command: find the admin listener, ask, report.
[[nodiscard]] int RunReloadCommand(const CommandLine& command_line, std::ostream& out,
                                   std::ostream& err);

}  // namespace sluice::app
