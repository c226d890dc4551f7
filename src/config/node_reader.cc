#include "config/node_reader.h"

#include <algorithm>
#include <charconv>

#include "config/quote.h"
#include "config/units.h"

namespace sluice::config {
namespace {

std::string JoinPath(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

// Edit distance, to suggest the intended key for a typo; keys are short, so O(n*m) is fine.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
    }
  }
  return row[b.size()];
}

// Text of a scalar node, or nullopt after `expected <what>, got <description>`.
std::optional<std::string> ScalarText(const Field& field, std::string_view what) {
  if (field.node.IsScalar()) return field.node.Scalar();
  field.Error("expected " + std::string(what) + ", got " + Describe(field.node));
  return std::nullopt;
}

bool IsInteger(std::string_view text) {
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Shortest text that reads back as `value` ("0.2", "1", "1000").
std::string FormatNumber(double value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc{} ? std::string(buffer, end) : std::to_string(value);
}

}  // namespace

void Diagnostics::Add(const YAML::Mark& mark, std::string path, std::string message) {
  core::SourceLocation where{file_, 0, 0};
  if (mark.line >= 0) where = {file_, mark.line + 1, mark.column + 1};
  errors_.push_back({std::move(where), std::move(path), std::move(message)});
}

core::ErrorList Diagnostics::TakeSorted() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const auto& a, const auto& b) {
    return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
  });
  core::ErrorList out;
  for (auto& e : errors_) out.Add(std::move(e));
  errors_.clear();
  return out;
}

Field Field::Child(std::string child_path, const YAML::Node& child,
                   const YAML::Mark& fallback) const {
  const YAML::Mark child_mark = child.IsNull() || child.Mark().line < 0 ? fallback : child.Mark();
  return Field{diag, child, std::move(child_path), child_mark};
}

Field RootField(Diagnostics& diag, const YAML::Node& root) {
  const YAML::Mark mark = root.Mark().line < 0 ? YAML::Mark() : root.Mark();
  return Field{&diag, root, "", mark};
}

std::string Describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "an empty value";
  if (node.IsScalar()) return Quote(node.Scalar());
  if (node.IsSequence()) return "a list";
  return "a map";
}

MapReader::MapReader(const Field& field) : field_(field) {
  if (field_.node.IsNull()) {
    is_map_ = true;
  } else if (!field_.node.IsMap()) {
    field_.Error("expected a map, got " + Describe(field_.node));
  } else {
    is_map_ = true;
    CollectEntries();
  }
}

void MapReader::CollectEntries() {
  for (const auto& pair : field_.node) {
    if (!pair.first.IsScalar()) {
      field_.diag->Add(pair.first.Mark(), field_.path,
                       "expected a key name, got " + Describe(pair.first));
      continue;
    }
    const std::string key = pair.first.Scalar();
    const bool seen =
        std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == key; });
    if (seen) {
      // yaml-cpp keeps both; silently taking one would hide which value wins.
      field_.diag->Add(pair.first.Mark(), JoinPath(field_.path, key),
                       "duplicate key " + Quote(key));
      continue;
    }
    entries_.push_back({key, pair.first.Mark(), pair.second, false});
  }
}

MapReader::~MapReader() {
  for (const auto& e : entries_) {
    if (e.used) continue;
    std::string message = "unknown key " + Quote(e.key);
    // Suggest among every key the reader asked for, present or not: a typo is usually of an
    // optional key that is therefore absent.
    auto best = std::min_element(asked_.begin(), asked_.end(), [&](const auto& a, const auto& b) {
      return EditDistance(e.key, a) < EditDistance(e.key, b);
    });
    // About one typo per four letters, so short keys ("lb", "id") are not "corrected".
    const size_t tolerance = std::max<size_t>(1, e.key.size() / 4);
    if (best != asked_.end() && EditDistance(e.key, *best) <= tolerance) {
      message += " (did you mean " + Quote(*best) + "?)";
    }
    field_.diag->Add(e.key_mark, field_.path, std::move(message));
  }
}

std::optional<Field> MapReader::Optional(std::string_view key) {
  asked_.emplace_back(key);
  for (auto& e : entries_) {
    if (e.key != key) continue;
    e.used = true;
    return field_.Child(JoinPath(field_.path, key), e.value, e.key_mark);
  }
  return std::nullopt;
}

std::optional<Field> MapReader::Required(std::string_view key) {
  auto found = Optional(key);
  if (!found && is_map_) field_.Error("missing required key " + Quote(key));
  return found;
}

bool ReadString(const Field& field, std::string& out) {
  auto text = ScalarText(field, "a string");
  if (!text) return false;
  out = std::move(*text);
  return true;
}

bool ReadNonEmptyString(const Field& field, std::string& out) {
  std::string text;
  if (!ReadString(field, text)) return false;
  if (text.empty()) {
    field.Error("must not be empty");
    return false;
  }
  out = std::move(text);
  return true;
}

bool ReadBool(const Field& field, bool& out) {
  if (field.node.IsScalar() && (field.node.Scalar() == "true" || field.node.Scalar() == "false")) {
    out = field.node.Scalar() == "true";
    return true;
  }
  field.Error("expected true or false, got " + Describe(field.node));
  return false;
}

bool ReadNumber(const Field& field, double min, double max, double& out) {
  const auto scalar = ScalarText(field, "a number");
  if (!scalar) return false;
  const std::string_view text = *scalar;
  // from_chars would also take "inf", "nan" and hex floats; a config number is plain decimal.
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!plain || ec != std::errc{} || end != text.data() + text.size()) {
    field.Error("expected a number, got " + Quote(text));
    return false;
  }
  if (value < min) {
    field.Error("must be >= " + FormatNumber(min) + ", got " + std::string(text));
    return false;
  }
  if (value > max) {
    field.Error("must be <= " + FormatNumber(max) + ", got " + std::string(text));
    return false;
  }
  out = value;
  return true;
}

bool ReadWord(const Field& field, std::initializer_list<std::string_view> words, std::string& out) {
  std::string names;
  for (std::string_view word : words) {
    if (!names.empty()) names += ", ";
    names += word;
  }
  if (field.node.IsScalar() &&
      std::find(words.begin(), words.end(), field.node.Scalar()) != words.end()) {
    out = field.node.Scalar();
    return true;
  }
  field.Error("expected one of " + names + ", got " + Describe(field.node));
  return false;
}

bool ReadInteger(const Field& field, int64_t min, int64_t max, int64_t& out) {
  const auto scalar = ScalarText(field, "an integer");
  if (!scalar) return false;
  const std::string_view text = *scalar;
  if (!IsInteger(text)) {
    field.Error("expected an integer, got " + Quote(text));
    return false;
  }
  // from_chars takes a '-' but not a '+'.
  const std::string_view digits = text.front() == '+' ? text.substr(1) : text;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  const bool overflow = ec == std::errc::result_out_of_range;
  const bool negative = text.front() == '-';
  if (overflow ? negative : value < min) {
    field.Error("must be >= " + std::to_string(min) + ", got " + std::string(text));
    return false;
  }
  if (overflow ? !negative : value > max) {
    field.Error("must be <= " + std::to_string(max) + ", got " + std::string(text));
    return false;
  }
  out = value;
  return true;
}

bool ReadMillis(const Field& field, bool allow_zero, Millis& out) {
  auto text = ScalarText(field, "a duration like 250ms or 2s");
  if (!text) return false;
  auto parsed = ParseDuration(*text);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    field.Error(std::move(*error));
    return false;
  }
  const auto micros = std::get<std::chrono::microseconds>(parsed);
  if (micros.count() % 1000 != 0) {
    field.Error("must be a whole number of milliseconds, got " + *text);
    return false;
  }
  if (!allow_zero && micros.count() == 0) {
    field.Error("must be > 0, got " + *text);
    return false;
  }
  out = std::chrono::duration_cast<Millis>(micros);
  return true;
}

bool ReadSize(const Field& field, uint64_t min, uint64_t max, uint64_t& out) {
  auto text = ScalarText(field, "a size like 64KiB or 1MiB");
  if (!text) return false;
  auto parsed = ParseSize(*text);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    field.Error(std::move(*error));
    return false;
  }
  const uint64_t bytes = std::get<uint64_t>(parsed);
  if (bytes < min) {
    field.Error("must be >= " + FormatSize(min) + ", got " + *text);
    return false;
  }
  if (bytes > max) {
    field.Error("must be <= " + FormatSize(max) + ", got " + *text);
    return false;
  }
  out = bytes;
  return true;
}

bool ReadRate(const Field& field, double& out) {
  auto text = ScalarText(field, "a rate like 100/s or 6000/min");
  if (!text) return false;
  auto parsed = ParseRate(*text);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    field.Error(std::move(*error));
    return false;
  }
  out = std::get<double>(parsed);
  return true;
}

bool ReadHostPort(const Field& field, bool allow_port_zero, HostPort& out) {
  auto text = ScalarText(field, "host:port");
  if (!text) return false;
  auto parsed = ParseHostPort(*text);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    field.Error(std::move(*error));
    return false;
  }
  auto& host_port = std::get<HostPort>(parsed);
  if (!allow_port_zero && host_port.port == 0) {
    field.Error("port must be between 1 and 65535, got " + Quote(*text));
    return false;
  }
  out = std::move(host_port);
  return true;
}

bool ReadCidr(const Field& field, Cidr& out) {
  auto text = ScalarText(field, "an IP address or CIDR like 10.0.0.0/8");
  if (!text) return false;
  auto parsed = ParseCidr(*text);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    field.Error(std::move(*error));
    return false;
  }
  out = std::move(std::get<Cidr>(parsed));
  return true;
}

}  // namespace sluice::config
