#pragma once
// Where `sluice reload` finds the running gateway's admin listener: admin.listen and admin.token
// of the config file, unless --admin / --token say otherwise.
//
// Only the admin block is read and problems elsewhere in the file are ignored on purpose: the
// file is usually the edit being reloaded, and when it is broken the operator wants the server's
// complete verdict (POST /reload answers every error), not a refusal to ask.
//
// Thread-safety: a plain function, no shared state.
#include <optional>
#include <string>

#include "config/schema/config.h"
#include "core/error.h"

namespace sluice::app {

struct AdminEndpoint {
  config::HostPort address;  // where to connect; a wildcard listen address becomes loopback
  std::string token;         // "" = no Authorization header
};

struct AdminEndpointResult {
  std::optional<AdminEndpoint> endpoint;
  core::ErrorList errors;  // compiler-style, set when endpoint is not
};

// address_override: "HOST:PORT", "" = admin.listen; token_override: nullopt = admin.token. The
// file is read only for what the overrides leave open.
[[nodiscard]] AdminEndpointResult FindAdminEndpoint(
    const std::string& config_path, const std::string& address_override,
    const std::optional<std::string>& token_override);

}  // namespace sluice::app
