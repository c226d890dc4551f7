#pragma once
// Readers for each section of the config file. Each fills its part of the schema and records in
// Diagnostics every problem it finds; cross-section checks (route → cluster) run in loader.cc
// once every section has been read, using the references gathered here.
#include <string>
#include <vector>

#include "config/node_reader.h"
#include "config/schema/config.h"

namespace sluice::config {

// A name used somewhere that must be defined elsewhere, with the node to blame if it is not.
struct Reference {
  std::string name;
  Field field;
};

void ReadLog(const Field& field, LogConfig& out);
void ReadAdmin(const Field& field, AdminConfig& out);
// ReadListeners is in listener_sections.h.
// `class_refs` gets each route's `class`, checked against the classes in loader.cc.
void ReadRoutes(const Field& field, std::vector<RouteConfig>& out,
                std::vector<Reference>& cluster_refs, std::vector<Reference>& class_refs);
// Returns false when some cluster has no readable name (already reported), because then an
// "unknown cluster" error for a route may only repeat that problem.
[[nodiscard]] bool ReadClusters(const Field& field, std::vector<ClusterConfig>& out);

}  // namespace sluice::config
