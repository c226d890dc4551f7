// sluice: an HTTP admission gateway. See README.md.
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "app/allocator.h"
#include "app/command_line.h"
#include "app/gateway.h"
#include "app/listener_tls.h"
#include "app/reload_client.h"
#include "config/loader.h"
#include "core/version.h"
#include "net/fd_limit.h"
#include "observability/logging.h"

namespace {

using namespace sluice;

int Check(const std::string& path) {
  auto result = config::LoadFile(path);
  // The certificates too, as a start or a reload would read them (nginx -t does the same).
  if (result.errors.empty()) result.errors = app::CheckTls(*result.config);
  if (!result.errors.empty()) {
    std::cerr << result.errors.ToString();
    std::cerr << path << ": " << result.errors.all().size() << " error(s)\n";
    return 1;
  }
  std::cout << path << ": ok\n";
  return 0;
}

int Run(const std::string& path) {
  auto result = config::LoadFile(path);
  if (!result.errors.empty()) {
    std::cerr << result.errors.ToString();
    return 1;
  }
  auto cfg = std::make_shared<const config::Config>(std::move(*result.config));
  auto log = observability::MakeLogger(
      {cfg->log.level, cfg->log.format == config::LogFormat::kJson});
  const auto fds = net::RaiseFileLimit();
  log->info("sluice {} starting with {} (open files limit {}, {})", core::kVersion, path, fds.soft,
            app::AllocatorName());
  std::signal(SIGPIPE, SIG_IGN);  // a peer closing mid-write is an error code, not a signal
  try {
    app::Gateway gateway(cfg, log, path);
    gateway.Start();
    return gateway.Run();
  } catch (const std::exception& e) {
    log->critical("startup failed: {}", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto cl = app::ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (!cl.error.empty()) {
    std::cerr << "sluice: " << cl.error << "\n\n" << app::UsageText();
    return 2;
  }
  switch (cl.command) {
    case app::Command::kVersion:
      std::cout << "sluice " << core::kVersion << "\n";
      return 0;
    case app::Command::kHelp:
      std::cout << app::UsageText();
      return 0;
    case app::Command::kCheck:
      return Check(cl.config_path);
    case app::Command::kRun:
      return Run(cl.config_path);
    case app::Command::kReload:
      return app::RunReloadCommand(cl, std::cout, std::cerr);
  }
  return 2;
}
