#include "app/command_line.h"

namespace sluice::app {
namespace {

std::string OptionName(const std::string& arg) { return arg.substr(0, arg.find('=')); }

bool IsReloadOption(const std::string& arg) {
  const std::string name = OptionName(arg);
  return name == "--admin" || name == "--token";
}

// --admin HOST:PORT, --admin=HOST:PORT, --token TOKEN, --token=TOKEN (an empty token is allowed:
// it overrides the file's with "send none"). Advances i past a separate value.
bool ReadReloadOption(const std::vector<std::string>& args, std::size_t& i, CommandLine& cl) {
  const std::string& arg = args[i];
  const std::string name = OptionName(arg);
  std::string value;
  if (name.size() < arg.size()) {
    value = arg.substr(name.size() + 1);
  } else if (i + 1 < args.size()) {
    value = args[++i];
  } else {
    cl.error = name + " needs a value";
    return false;
  }
  if (name == "--token") {
    cl.admin_token = std::move(value);
    return true;
  }
  if (value.empty()) {
    cl.error = "--admin needs HOST:PORT";
    return false;
  }
  cl.admin_address = std::move(value);
  return true;
}

}  // namespace

std::string UsageText() {
  return "usage: sluice <command> [options]\n"
         "\n"
         "commands:\n"
         "  run    -c FILE   run the gateway with the config FILE\n"
         "  check  -c FILE   validate FILE and exit 0 (valid) or 1 (errors listed)\n"
         "  reload -c FILE   ask the gateway running FILE to read it again (POST /reload on\n"
         "                   its admin listener); exit 0 (reloaded), 1 (file rejected, the\n"
         "                   server's errors listed; the old config keeps serving) or 2 (no\n"
         "                   answer)\n"
         "\n"
         "options:\n"
         "  -c, --config FILE     config file (default: config/sluice.yaml)\n"
         "  --admin HOST:PORT     reload: the admin listener (default: admin.listen of FILE)\n"
         "  --token TOKEN         reload: its bearer token (default: admin.token of FILE)\n"
         "  -h, --help            show this help\n"
         "  -V, --version         show the version\n"
         "\n"
         "signals (run): SIGHUP reloads the config file (like `sluice reload`); SIGTERM drains\n"
         "in-flight requests then exits 0; SIGINT exits at once.\n";
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
  } else if (first == "reload") {
    cl.command = Command::kReload;
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
    } else if (IsReloadOption(a)) {
      if (cl.command != Command::kReload) {
        cl.error = OptionName(a) + " is an option of reload only";
        return cl;
      }
      if (!ReadReloadOption(args, i, cl)) return cl;
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
