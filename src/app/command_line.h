#pragma once
// `sluice run -c FILE`, `sluice check -c FILE`, `sluice --version`, `sluice --help`.
#include <string>
#include <vector>

namespace sluice::app {

enum class Command { kRun, kCheck, kVersion, kHelp };

struct CommandLine {
  Command command = Command::kHelp;
  std::string config_path = "config/sluice.yaml";
  std::string error;  // non-empty: print it with the usage and exit 2
};

[[nodiscard]] CommandLine ParseCommandLine(const std::vector<std::string>& args);
[[nodiscard]] std::string UsageText();

}  // namespace sluice::app
