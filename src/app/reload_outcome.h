#pragma once
// What one configuration reload did (SIGHUP, POST /reload, `sluice reload`; issue 6): which
// generation serves afterwards and, for a rejected file, every error compiler-style.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::app {

struct ReloadOutcome {
  bool ok = false;
  uint64_t generation = 0;          // the generation serving after the attempt
  std::string config_hash;          // hex digest of the serving config file's bytes
  std::vector<std::string> errors;  // "file:line:col: field: message", one per error

  // {"result":"success"|"failure","generation":N,"config_hash":"…","errors":["…"]}
  [[nodiscard]] std::string Json() const;
};

// SHA-256 of the file's bytes, its first 16 hex digits ("" when it cannot be read): which
// file is serving, for sluice_config_info and ReloadOutcome::config_hash.
[[nodiscard]] std::string ConfigFileHash(const std::string& path);
// The same digest of bytes already read.
[[nodiscard]] std::string ConfigTextHash(std::string_view text);

}  // namespace sluice::app
