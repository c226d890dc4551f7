#pragma once
// Error/event log setup: spdlog to stderr, text or JSON lines, level by name.
//
// Thread-safety: MakeLogger and ConfigureLogger may be called from any thread; the returned
// logger is thread-safe (spdlog _mt sink), and ConfigureLogger may run while others log.
#include <spdlog/logger.h>

#include <memory>
#include <string>

namespace sluice::observability {

struct LogOptions {
  std::string level = "info";  // trace|debug|info|warn|error|critical|off; unknown → info
  bool json = false;           // one {"time","level","msg"} object per line
};

// Creates the process logger ("sluice", stderr); never registered globally: the app passes it
// where needed.
std::shared_ptr<spdlog::logger> MakeLogger(const LogOptions& options);
// Applies level/format changes (for reloads).
void ConfigureLogger(spdlog::logger& logger, const LogOptions& options);

// The level for a name; unknown names give info (a typo must not silence the log).
spdlog::level::level_enum ParseLogLevel(const std::string& name);

}  // namespace sluice::observability
