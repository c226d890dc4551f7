#pragma once
// Linear scans of a head's fields. Beast's lookups by name (count, find, equal_range, and the
// erase inside set) walk its red-black tree with a case-insensitive string comparison per node;
// a proxied head has a handful of fields, and comparing each field's enum is cheaper. These
// lookups were a visible share of the CPU per proxied request (loadtest/RESULTS.md, issue 5).
//
// Thread-safety: as the Fields passed in.
#include <boost/beast/core/string.hpp>
#include <iterator>
#include <string_view>

#include "http/types.h"

namespace sluice::http {

// A field, known to Beast (`field` is not unknown) or named by `name` (case-insensitive).
struct FieldKey {
  Field field = Field::unknown;
  std::string_view name;  // used only when field is unknown

  [[nodiscard]] bool Matches(const Fields::value_type& f) const {
    if (field != Field::unknown) return f.name() == field;
    return f.name() == Field::unknown && boost::beast::iequals(f.name_string(), name);
  }
};

[[nodiscard]] inline bool HasField(const Fields& fields, FieldKey key) {
  for (const auto& f : fields) {
    if (key.Matches(f)) return true;
  }
  return false;
}

// The value of the first field matching `key`; empty when there is none.
[[nodiscard]] inline std::string_view FieldValue(const Fields& fields, FieldKey key) {
  for (const auto& f : fields) {
    if (key.Matches(f)) return f.value();
  }
  return {};
}

// Removes every field matching `key`.
inline void EraseField(Fields& fields, FieldKey key) {
  for (auto it = fields.begin(); it != fields.end();) {
    it = key.Matches(*it) ? fields.erase(it) : std::next(it);
  }
}

}  // namespace sluice::http
