#include "core/error.h"

namespace sluice::core {

std::string ConfigError::ToString() const {
  std::string out = where.file;
  if (where.line > 0) {
    out += ":" + std::to_string(where.line) + ":" + std::to_string(where.column);
  }
  out += ": ";
  if (!path.empty()) out += path + ": ";
  out += message;
  return out;
}

std::string ErrorList::ToString() const {
  std::string out;
  for (const auto& e : errors_) out += e.ToString() + "\n";
  return out;
}

}  // namespace sluice::core
