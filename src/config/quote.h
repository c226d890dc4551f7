#pragma once
// Quoting of user text inside error messages, so a stray space or quote in a value is visible.
#include <string>
#include <string_view>

namespace sluice::config {

[[nodiscard]] inline std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace sluice::config
