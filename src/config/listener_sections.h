#pragma once
// Reader for `listeners:`: addresses and HTTP/1.1 limits, the protocols each listener speaks,
// its TLS files and its HTTP/2 limits (DESIGN §7).
// Thread-safety: single-threaded, like the rest of the loader.
#include <filesystem>
#include <vector>

#include "config/node_reader.h"
#include "config/schema/config.h"

namespace sluice::config {

// `base_dir` is the config file's directory: relative TLS file paths are resolved against it,
// so a config names its files the same way whatever directory sluice is started from.
void ReadListeners(const Field& field, const std::filesystem::path& base_dir,
                   std::vector<ListenerConfig>& out);

}  // namespace sluice::config
