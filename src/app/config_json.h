#pragma once
#include <string>

#include "config/schema/config.h"

namespace sluice::app {

// The effective configuration (defaults filled in) as JSON for the admin /config endpoint.
// Secrets (the admin token) are replaced by "<redacted>".
[[nodiscard]] std::string ConfigToJson(const config::Config& config);

}  // namespace sluice::app
