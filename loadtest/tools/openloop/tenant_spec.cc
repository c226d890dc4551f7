#include "openloop/tenant_spec.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "common/cli_parse.h"

namespace sluice::loadtest {

std::variant<TenantSpec, std::string> ParseTenantSpec(std::string_view text) {
  TenantSpec spec;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto equals = item.find('=');
    if (equals == std::string_view::npos)
      return "expected key=value, got \"" + std::string(item) + "\"";
    const std::string_view key = item.substr(0, equals);
    const std::string_view value = item.substr(equals + 1);
    if (key == "name") {
      // Printed unquoted in TSV and JSON: keep it to a plain token.
      const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      });
      if (!plain) return "name: expected letters, digits, '-', '_' or '.'";
      spec.name = value;
    } else if (key == "rate") {
      const auto rate = ParseNumber(value);
      if (!rate || *rate <= 0) return "rate: expected a number of requests per second > 0";
      spec.rate = *rate;
    } else if (key == "header") {
      const auto colon = value.find(':');
      if (colon == std::string_view::npos || colon == 0) return "header: expected NAME:VALUE";
      spec.headers.emplace_back(value.substr(0, colon), value.substr(colon + 1));
    } else if (key == "connections") {
      const auto n = ParseNumber(value);
      if (!n || *n < 1 || *n > 100000 || std::floor(*n) != *n) {
        return "connections: expected an integer 1..100000";
      }
      spec.max_connections = static_cast<std::size_t>(*n);
    } else if (key == "start") {
      const auto start = ParseDuration(value, /*allow_zero=*/true);
      if (!start) return "start: expected a duration like 2s";
      spec.start = *start;
    } else {
      return "unknown or empty key \"" + std::string(key) + "\"";
    }
  }
  if (spec.name.empty() || spec.rate <= 0) return "name= and rate= are required";
  return spec;
}

}  // namespace sluice::loadtest
