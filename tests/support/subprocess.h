#pragma once
// Runs a shell command and captures its standard output (for tests that drive real clients
// such as curl). Thread-safety: thread-safe (popen per call).
#include <string>

namespace sluice::testing {

struct CommandResult {
  int exit_code = -1;  // the command's exit status; -1 when it did not exit normally
  std::string output;  // stdout (stderr too when the command redirects it)
};

CommandResult RunCommand(const std::string& command);

}  // namespace sluice::testing
