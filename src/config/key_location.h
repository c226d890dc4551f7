#pragma once
// Where a key sits in a YAML text, for errors found after the file was loaded (a reload that
// changes a setting only a restart can change): "sluice.yaml:3:1: workers: …".
#include <string>
#include <string_view>

#include "core/error.h"

namespace sluice::config {

// `path`: map keys joined by dots, with sequence indexes ("workers", "log.access_log",
// "clusters[1].endpoints"). The last key's line:col (1-based; an element's own position for an
// index), or the file with no position when the path is absent or the text does not parse.
[[nodiscard]] core::SourceLocation KeyLocation(std::string_view yaml, const std::string& file_name,
                                               std::string_view path);

}  // namespace sluice::config
