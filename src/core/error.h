#pragma once
// Control-path errors (config, startup) are collected, not thrown one at a time, so a user sees
// every problem in one run, printed like a compiler: "file:line:col: path: message".
#include <string>
#include <vector>

namespace sluice::core {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based; 0 = unknown
};

struct ConfigError {
  SourceLocation where;
  std::string path;  // e.g. "clusters[0].endpoints[1]"
  std::string message;

  [[nodiscard]] std::string ToString() const;
};

class ErrorList {
 public:
  void Add(ConfigError e) { errors_.push_back(std::move(e)); }
  [[nodiscard]] bool empty() const { return errors_.empty(); }
  [[nodiscard]] const std::vector<ConfigError>& all() const { return errors_; }
  [[nodiscard]] std::string ToString() const;  // one error per line

 private:
  std::vector<ConfigError> errors_;
};

}  // namespace sluice::core
