#include "app/reload_outcome.h"

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

}  // namespace sluice::app
