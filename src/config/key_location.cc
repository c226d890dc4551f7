#include "config/key_location.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <optional>
#include <vector>

namespace sluice::config {

namespace {

// One step of a path: a map key ("clusters") or a sequence index ("[0]").
struct Step {
  std::string_view key;  // empty for an index
  std::size_t index = 0;
};

// Splits one dotted segment such as "clusters[0]" into its steps; false if it is malformed.
bool SplitSegment(std::string_view segment, std::vector<Step>& steps) {
  const auto bracket = segment.find('[');
  if (bracket != 0) steps.push_back({segment.substr(0, bracket), 0});
  auto rest = bracket == std::string_view::npos ? std::string_view{} : segment.substr(bracket);
  while (!rest.empty()) {
    const auto close = rest.find(']');
    if (rest.front() != '[' || close == std::string_view::npos) return false;
    Step step;
    const auto digits = rest.substr(1, close - 1);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), step.index).ec !=
        std::errc{}) {
      return false;
    }
    steps.push_back(step);
    rest = rest.substr(close + 1);
  }
  return true;
}

}  // namespace

core::SourceLocation KeyLocation(std::string_view yaml, const std::string& file_name,
                                 std::string_view path) {
  const core::SourceLocation nowhere{file_name, 0, 0};
  std::vector<Step> steps;
  while (!path.empty()) {
    const auto dot = path.find('.');
    if (!SplitSegment(path.substr(0, dot), steps)) return nowhere;
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
  }
  try {
    YAML::Node node = YAML::Load(std::string(yaml));
    YAML::Mark mark;
    for (const auto& step : steps) {
      std::optional<YAML::Node> next;  // (a default YAML::Node is a defined null, not "none")
      if (!step.key.empty() && node.IsMap()) {
        for (const auto& entry : node) {
          if (entry.first.IsScalar() && entry.first.Scalar() == step.key) {
            mark = entry.first.Mark();
            next = entry.second;
          }
        }
      } else if (step.key.empty() && node.IsSequence() && step.index < node.size()) {
        next = node[step.index];
        mark = next->Mark();
      }
      if (!next) return nowhere;
      node.reset(*next);
    }
    if (steps.empty()) return nowhere;
    return {file_name, mark.line + 1, mark.column + 1};
  } catch (const YAML::Exception&) {
    return nowhere;
  }
}

}  // namespace sluice::config
