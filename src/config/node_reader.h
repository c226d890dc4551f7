#pragma once
// Typed reads from a yaml-cpp tree that never throw and never stop at the first problem: each
// failed read adds one compiler-style error (file:line:col: path: message) and leaves the target
// untouched, so the loader walks the whole document and reports everything in one run.
// Thread-safety: single-threaded; one Diagnostics per load.
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/schema/config.h"
#include "core/error.h"

namespace sluice::config {

// Collects errors; hands them back in document order.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  // `mark` is yaml-cpp's 0-based position; a null mark (line < 0) prints without a position.
  void Add(const YAML::Mark& mark, std::string path, std::string message);
  [[nodiscard]] bool empty() const { return errors_.empty(); }
  // Sorted by position (stable), because cross-checks run after the walk that found the nodes.
  [[nodiscard]] core::ErrorList TakeSorted();

 private:
  std::string file_;
  std::vector<core::ConfigError> errors_;
};

// A node plus where it sits, for messages: "clusters[0].endpoints[1]" at line:col.
struct Field {
  Diagnostics* diag;
  YAML::Node node;
  std::string path;
  YAML::Mark mark;

  void Error(std::string message) const { diag->Add(mark, path, std::move(message)); }
  // yaml-cpp marks an empty value at the token after it, often the next line; `fallback` (the
  // key, or the enclosing list) is where the operator looks instead.
  [[nodiscard]] Field Child(std::string child_path, const YAML::Node& child,
                            const YAML::Mark& fallback) const;
};

[[nodiscard]] Field RootField(Diagnostics& diag, const YAML::Node& root);
// How a node reads in "got ..." messages: "abc" quoted, or "a map", "a list", "an empty value".
[[nodiscard]] std::string Describe(const YAML::Node& node);

// Key lookup in a YAML map that also reports duplicate keys, non-string keys, and (when the
// reader goes out of scope, so no early return can skip it) every key nobody asked for.
class MapReader {
 public:
  // A scalar or list where a map belongs is an error; an empty value reads as an empty map, so
  // "log:" with every line commented out means "all defaults".
  explicit MapReader(const Field& field);
  ~MapReader();
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  [[nodiscard]] bool is_map() const { return is_map_; }
  [[nodiscard]] const Field& field() const { return field_; }
  [[nodiscard]] std::optional<Field> Optional(std::string_view key);
  // Missing → `parent: missing required key "key"` at the map itself.
  [[nodiscard]] std::optional<Field> Required(std::string_view key);

 private:
  struct Entry {
    std::string key;
    YAML::Mark key_mark;
    YAML::Node value;
    bool used = false;
  };
  void CollectEntries();

  Field field_;
  bool is_map_ = false;
  std::vector<Entry> entries_;
  std::vector<std::string> asked_;  // every key looked up, for "did you mean" hints
};

// Calls `read(item_field)` for each element of a list; an empty value reads as an empty list.
// Returns the number of elements, or nullopt (after an error) when the node is not a list.
template <typename ReadItem>
std::optional<size_t> ForEachItem(const Field& field, ReadItem read) {
  if (field.node.IsNull()) return 0;
  if (!field.node.IsSequence()) {
    field.Error("expected a list, got " + Describe(field.node));
    return std::nullopt;
  }
  size_t i = 0;
  for (const auto& item : field.node) {
    read(field.Child(field.path + "[" + std::to_string(i) + "]", item, field.mark));
    ++i;
  }
  return i;
}

// Scalar readers: true and `out` set on success; false after adding an error.
bool ReadString(const Field& field, std::string& out);
bool ReadNonEmptyString(const Field& field, std::string& out);
// YAML's `true` / `false` only; yes/no/on/off are errors (an operator who writes "no" for a
// country code or "off" for a word should not get a boolean).
bool ReadBool(const Field& field, bool& out);
// A decimal number (integer or fraction) in [min, max].
bool ReadNumber(const Field& field, double min, double max, double& out);
// Decimal integer in [min, max]; out of range → "must be >= min, got x" / "must be <= max, ...".
bool ReadInteger(const Field& field, int64_t min, int64_t max, int64_t& out);
template <typename T>
bool ReadInteger(const Field& field, int64_t min, int64_t max, T& out) {
  int64_t value = 0;
  if (!ReadInteger(field, min, max, value)) return false;
  out = static_cast<T>(value);
  return true;
}
// A duration in whole milliseconds; `allow_zero` false means it must be > 0.
bool ReadMillis(const Field& field, bool allow_zero, Millis& out);
bool ReadSize(const Field& field, uint64_t min, uint64_t max, uint64_t& out);
// "100/s", "6000/min" → events per second, always > 0.
bool ReadRate(const Field& field, double& out);
// `allow_port_zero` for listen addresses, where 0 asks the kernel for an ephemeral port.
bool ReadHostPort(const Field& field, bool allow_port_zero, HostPort& out);
bool ReadCidr(const Field& field, Cidr& out);

// One of a fixed set of words, kept as text; otherwise `expected one of a, b, got "c"`.
bool ReadWord(const Field& field, std::initializer_list<std::string_view> words, std::string& out);
// One of a fixed set of words mapped to values; otherwise `expected one of a, b, got "c"`.
template <typename E>
bool ReadEnum(const Field& field, std::initializer_list<std::pair<std::string_view, E>> choices,
              E& out) {
  std::string names;
  for (const auto& choice : choices) {
    if (!names.empty()) names += ", ";
    names += choice.first;
  }
  if (field.node.IsScalar()) {
    for (const auto& [name, value] : choices) {
      if (name == field.node.Scalar()) {
        out = value;
        return true;
      }
    }
  }
  field.Error("expected one of " + names + ", got " + Describe(field.node));
  return false;
}

}  // namespace sluice::config
