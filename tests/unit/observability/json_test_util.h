#pragma once
// A deliberately small JSON reader for tests: one flat object whose values are strings, numbers,
// null or booleans, which is all a log line contains. Parsing the line back proves the writer's
// output is valid JSON and that escapes round-trip.
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::observability::testing {

struct JsonValue {
  enum class Kind { kString, kNumber, kNull, kBool } kind = Kind::kNull;
  std::string text;  // decoded string, or the number/literal as written
};

// nullopt if `line` is not exactly one flat JSON object.
inline std::optional<std::map<std::string, JsonValue>> ParseFlatJsonObject(std::string_view line) {
  size_t i = 0;
  const auto skip_ws = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  };
  const auto parse_string = [&](std::string& out) -> bool {
    if (i >= line.size() || line[i] != '"') return false;
    ++i;
    while (i < line.size()) {
      const auto c = static_cast<unsigned char>(line[i]);
      if (c == '"') {
        ++i;
        return true;
      }
      if (c < 0x20) return false;  // raw control characters are invalid JSON
      if (c != '\\') {
        out += static_cast<char>(c);
        ++i;
        continue;
      }
      if (++i >= line.size()) return false;
      switch (line[i]) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          if (i + 4 >= line.size()) return false;
          const std::string hex(line.substr(i + 1, 4));
          char* end = nullptr;
          const long code = std::strtol(hex.c_str(), &end, 16);
          if (end != hex.c_str() + 4 || code > 0xff) return false;  // writer only emits \u00XX
          out += static_cast<char>(code);
          i += 4;
          break;
        }
        default:
          return false;
      }
      ++i;
    }
    return false;
  };

  std::map<std::string, JsonValue> object;
  skip_ws();
  if (i >= line.size() || line[i++] != '{') return std::nullopt;
  skip_ws();
  if (i < line.size() && line[i] == '}')
    return ++i == line.size() ? std::optional(object) : std::nullopt;
  for (;;) {
    skip_ws();
    std::string key;
    if (!parse_string(key)) return std::nullopt;
    skip_ws();
    if (i >= line.size() || line[i++] != ':') return std::nullopt;
    skip_ws();
    JsonValue value;
    if (i < line.size() && line[i] == '"') {
      value.kind = JsonValue::Kind::kString;
      if (!parse_string(value.text)) return std::nullopt;
    } else {
      const size_t start = i;
      while (i < line.size() && line[i] != ',' && line[i] != '}' && line[i] != ' ') ++i;
      value.text = std::string(line.substr(start, i - start));
      if (value.text == "null") {
        value.kind = JsonValue::Kind::kNull;
      } else if (value.text == "true" || value.text == "false") {
        value.kind = JsonValue::Kind::kBool;
      } else {
        char* end = nullptr;
        std::strtod(value.text.c_str(), &end);
        if (value.text.empty() || end != value.text.c_str() + value.text.size()) {
          return std::nullopt;
        }
        value.kind = JsonValue::Kind::kNumber;
      }
    }
    if (!object.emplace(std::move(key), std::move(value)).second) return std::nullopt;
    skip_ws();
    if (i >= line.size()) return std::nullopt;
    if (line[i] == ',') {
      ++i;
      continue;
    }
    if (line[i] != '}') return std::nullopt;
    return ++i == line.size() ? std::optional(object) : std::nullopt;
  }
}

}  // namespace sluice::observability::testing
