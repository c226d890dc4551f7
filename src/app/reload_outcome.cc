#include "app/reload_outcome.h"

#include <fstream>
#include <sstream>

#include "admission/api_key_hash.h"
#include "observability/json_text.h"

namespace sluice::app {

std::string ReloadOutcome::Json() const {
  std::string out = R"({"result":)";
  out += ok ? R"("success")" : R"("failure")";
  out += R"(,"generation":)" + std::to_string(generation);
  out += R"(,"config_hash":)";
  observability::AppendJsonString(out, config_hash);
  out += R"(,"errors":[)";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) out += ',';
    observability::AppendJsonString(out, errors[i]);
  }
  out += "]}";
  return out;
}

std::string ConfigFileHash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return ConfigTextHash(bytes.str());
}

std::string ConfigTextHash(std::string_view text) {
  return admission::DigestHex(admission::Sha256(text), 8);
}

}  // namespace sluice::app
