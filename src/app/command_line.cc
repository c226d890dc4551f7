#include "app/command_line.h"

namespace sluice::app {

std::string UsageText() {
  return "usage: sluice <command> [options]\n"
         "\n"
         "commands:\n"
         "  run   -c FILE   run the gateway with the config FILE\n"
         "  check -c FILE   validate FILE and exit 0 (valid) or 1 (errors listed)\n"
         "\n"
         "options:\n"
         "  -c, --config FILE   config file (default: config/sluice.yaml)\n"
         "  -h, --help          show this help\n"
         "  -V, --version       show the version\n"
         "\n"
         "signals (run): SIGTERM drains in-flight requests then exits 0; SIGINT exits at once.\n";
}

CommandLine ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine cl;
  if (args.empty()) {
    cl.error = "missing command";
    return cl;
  }
  std::size_t i = 0;
  const auto& first = args[0];
  if (first == "-h" || first == "--help" || first == "help") return cl;
  if (first == "-V" || first == "--version" || first == "version") {
    cl.command = Command::kVersion;
    return cl;
  }
  if (first == "run") {
    cl.command = Command::kRun;
  } else if (first == "check") {
    cl.command = Command::kCheck;
  } else {
    cl.error = "unknown command \"" + first + "\"";
    return cl;
  }
  for (i = 1; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "-c" || a == "--config") {
      if (i + 1 >= args.size()) {
        cl.error = a + " needs a file name";
        return cl;
      }
      cl.config_path = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      cl.config_path = a.substr(9);
      if (cl.config_path.empty()) {
        cl.error = "--config= needs a file name";
        return cl;
      }
    } else if (a == "-h" || a == "--help") {
      cl.command = Command::kHelp;
      return cl;
    } else {
      cl.error = "unknown option \"" + a + "\"";
      return cl;
    }
  }
  return cl;
}

}  // namespace sluice::app
