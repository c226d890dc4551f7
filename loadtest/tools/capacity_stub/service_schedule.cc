#include "capacity_stub/service_schedule.h"

#include "common/cli_parse.h"

namespace sluice::loadtest {

std::optional<std::vector<ServiceStep>> ParseServiceSchedule(std::string_view text) {
  std::vector<ServiceStep> steps;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const auto colon = item.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto at = ParseDuration(item.substr(0, colon), /*allow_zero=*/true);
    std::string_view factor_text = item.substr(colon + 1);
    if (!factor_text.empty() && factor_text.front() == 'x') factor_text.remove_prefix(1);
    const auto factor = ParseNumber(factor_text);
    if (!at || !factor || *factor <= 0) return std::nullopt;
    if (!steps.empty() && *at <= steps.back().at) return std::nullopt;
    steps.push_back({*at, *factor});
  }
  if (steps.empty()) return std::nullopt;
  return steps;
}

}  // namespace sluice::loadtest
