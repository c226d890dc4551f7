#include "support/prometheus_text.h"

#include <cstdlib>

namespace sluice::testing {
namespace {

// Parses `{a="x",b="y"}` (with \" \\ \n escapes) into `out`; false when malformed.
bool ParseLabels(std::string_view text, std::map<std::string, std::string>& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto eq = text.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= text.size() || text[eq + 1] != '"') return false;
    std::string name(text.substr(i, eq - i));
    std::string value;
    std::size_t j = eq + 2;
    for (; j < text.size() && text[j] != '"'; ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) {
        ++j;
        value += text[j] == 'n' ? '\n' : text[j];
      } else {
        value += text[j];
      }
    }
    if (j >= text.size()) return false;
    out[name] = value;
    i = j + 1;
    if (i < text.size() && text[i] == ',') ++i;
  }
  return true;
}

}  // namespace

std::optional<double> MetricValue(std::string_view exposition, std::string_view name,
                                  const std::map<std::string, std::string>& labels) {
  std::optional<double> sum;
  while (!exposition.empty()) {
    const auto eol = exposition.find('\n');
    std::string_view line = exposition.substr(0, eol);
    exposition.remove_prefix(eol == std::string_view::npos ? exposition.size() : eol + 1);
    if (line.empty() || line.front() == '#') continue;
    const auto name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos || line.substr(0, name_end) != name) continue;
    std::map<std::string, std::string> have;
    std::string_view rest = line.substr(name_end);
    if (rest.front() == '{') {
      const auto close = rest.rfind('}');
      if (close == std::string_view::npos) continue;
      if (!ParseLabels(rest.substr(1, close - 1), have)) continue;
      rest.remove_prefix(close + 1);
    }
    bool match = true;
    for (const auto& [k, v] : labels) {
      const auto it = have.find(k);
      if (it == have.end() || it->second != v) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const std::string value(rest.substr(0, rest.find(' ')));
    sum = sum.value_or(0) + std::strtod(value.c_str(), nullptr);
  }
  return sum;
}

}  // namespace sluice::testing
