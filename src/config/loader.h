#pragma once
// YAML → config::Config. Every problem is collected (unknown keys, wrong types, bad units,
// out-of-range values, dangling references) and reported compiler-style with file:line:col.
#include <optional>
#include <string>
#include <string_view>

#include "config/schema/config.h"
#include "core/error.h"

namespace sluice::config {

struct LoadResult {
  std::optional<Config> config;  // set only when errors is empty
  core::ErrorList errors;
  std::string text;  // the bytes loaded: a reload hashes exactly what it validated
};

// Reads and validates a file. A missing or unreadable file is one error naming the path.
[[nodiscard]] LoadResult LoadFile(const std::string& path);
// Same, from text; `file_name` is used in messages.
[[nodiscard]] LoadResult LoadString(std::string_view yaml, const std::string& file_name);

}  // namespace sluice::config
