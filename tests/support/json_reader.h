#pragma once
// A strict RFC 8259 reader for tests, just big enough to prove that what our JSON writers emit
// (the config dump, the access log, the JSON error log) is valid JSON and to look values up in
// it. Rejects trailing commas, raw control characters in strings, bad escapes, numbers outside
// the RFC grammar (leading zeros, "+1", ".5", "1.", hex, nan), duplicate keys, nesting deeper than
// kMaxDepth and trailing garbage.
//
// \u escapes decode to bytes the way observability::AppendJsonString writes them: \u0000-\u007f
// is the ASCII character, \u0080-\u00ff is the single byte 0x80-0xff that was not valid UTF-8
// (so a test can check the byte comes back). No writer of ours emits a wider escape, so
// \u0100 and above, surrogates included, are rejected rather than decoded.
//
// Thread-safety: pure functions over plain values.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::testing {

struct Json {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;  // string value, or the number as written
  std::vector<Json> array;
  std::map<std::string, Json> object;

  // A missing key reads as null, so lookups chain: json["a"]["b"].text.
  [[nodiscard]] const Json& operator[](const std::string& key) const;
  [[nodiscard]] const Json& operator[](std::size_t i) const { return array.at(i); }
  [[nodiscard]] bool Has(const std::string& key) const { return object.count(key) > 0; }
};

class JsonReader {
 public:
  // Deeper documents are rejected; our writers nest a handful of levels at most.
  static constexpr int kMaxDepth = 64;

  // nullopt unless `text` is exactly one JSON value, optionally surrounded by white space.
  [[nodiscard]] static std::optional<Json> Parse(std::string_view text);
};

// One log line as the access log and the JSON error log write it: a single object whose values
// are all strings, numbers, booleans or null, with no line break. nullopt otherwise.
[[nodiscard]] std::optional<std::map<std::string, Json>> ParseFlatJsonObject(std::string_view line);

}  // namespace sluice::testing
