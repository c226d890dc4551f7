#pragma once
// `sluice run -c FILE`, `sluice check -c FILE`, `sluice reload [-c FILE] [--admin HOST:PORT]
// [--token TOKEN]`, `sluice --version`, `sluice --help`.
#include <optional>
#include <string>
#include <vector>

namespace sluice::app {

enum class Command { kRun, kCheck, kReload, kVersion, kHelp };

struct CommandLine {
  Command command = Command::kHelp;
  std::string config_path = "config/sluice.yaml";
  // reload only: where the admin listener is and its token, instead of the config file's.
  std::string admin_address;               // "HOST:PORT"; "" = admin.listen
  std::optional<std::string> admin_token;  // nullopt = admin.token
  std::string error;                       // non-empty: print it with the usage and exit 2
};

[[nodiscard]] CommandLine ParseCommandLine(const std::vector<std::string>& args);
[[nodiscard]] std::string UsageText();

}  // namespace sluice::app
