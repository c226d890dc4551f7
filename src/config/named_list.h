#pragma once
// The shape shared by every list section (listeners, routes, clusters, classes, tenants): a list
// of maps, each with a required "name" unique within the list.
#include <set>
#include <string>
#include <vector>

#include "config/node_reader.h"
#include "config/quote.h"

namespace sluice::config {

enum class EmptyList { kError, kAllowed };

// Reads a list of maps that each carry a required, unique "name", then lets `read_body` read the
// rest of the map. Returns false when some element has no readable name (so "unknown X"
// errors elsewhere would only repeat that problem) or the node is not a list.
template <typename T, typename ReadBody>
bool ReadNamedList(const Field& field, const std::string& kind, std::vector<T>& out,
                   ReadBody read_body, EmptyList empty = EmptyList::kError) {
  std::set<std::string> names;
  bool all_named = true;
  const auto count = ForEachItem(field, [&](const Field& item) {
    MapReader map(item);
    T value;
    const auto name = map.Required("name");
    if (name && ReadNonEmptyString(*name, value.name)) {
      if (!names.insert(value.name).second) {
        name->Error("duplicate " + kind + " name " + Quote(value.name));
      }
    } else {
      all_named = false;
    }
    read_body(map, value);
    out.push_back(std::move(value));
  });
  if (count == 0 && empty == EmptyList::kError) field.Error("must list at least one " + kind);
  return all_named && count.has_value();
}

}  // namespace sluice::config
