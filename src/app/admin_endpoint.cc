#include "app/admin_endpoint.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <variant>

#include "config/node_reader.h"
#include "config/sections.h"
#include "config/units.h"

namespace sluice::app {
namespace {

// The admin block exactly as the loader reads it (same defaults, same checks), with no opinion on
// the rest of the document.
void ReadAdminBlock(const std::string& path, config::Diagnostics& diag, config::AdminConfig& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diag.Add(YAML::Mark::null_mark(), "",
             std::string("cannot read config file: ") + std::strerror(errno));
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const YAML::Node root = YAML::Load(text.str());
    if (!root.IsMap()) return;  // nothing that could hold an admin block: the defaults apply
    const YAML::Node admin = root["admin"];
    if (!admin.IsDefined()) return;
    const config::Field root_field = config::RootField(diag, root);
    config::ReadAdmin(root_field.Child("admin", admin, root_field.mark), out);
  } catch (const YAML::Exception& e) {
    diag.Add(e.mark, "", "invalid YAML: " + e.msg);
  }
}

// The loopback address of the same family stands in for "every address".
std::string ConnectableHost(const std::string& host) {
  if (host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

}  // namespace

AdminEndpointResult FindAdminEndpoint(const std::string& config_path,
                                      const std::string& address_override,
                                      const std::optional<std::string>& token_override) {
  AdminEndpointResult result;
  AdminEndpoint endpoint;
  if (!address_override.empty()) {
    auto parsed = config::ParseHostPort(address_override);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      result.errors.Add({{"--admin", 0, 0}, "", *error});
      return result;
    }
    endpoint.address = std::get<config::HostPort>(parsed);
  }
  if (address_override.empty() || !token_override) {
    config::Diagnostics diag(config_path);
    config::AdminConfig admin;
    ReadAdminBlock(config_path, diag, admin);
    if (!diag.empty()) {
      result.errors = diag.TakeSorted();
      return result;
    }
    if (address_override.empty()) endpoint.address = admin.listen;
    endpoint.token = admin.token;
  }
  if (token_override) endpoint.token = *token_override;
  if (endpoint.address.port == 0) {
    // Port 0 is chosen by the kernel at start and logged there; the file cannot say which.
    result.errors.Add({{address_override.empty() ? config_path : "--admin", 0, 0},
                       address_override.empty() ? "admin.listen" : "",
                       "port 0 names no listener to reach; pass --admin HOST:PORT"});
    return result;
  }
  endpoint.address.host = ConnectableHost(endpoint.address.host);
  result.endpoint = std::move(endpoint);
  return result;
}

}  // namespace sluice::app
