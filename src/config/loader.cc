#include "config/loader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/admission_sections.h"
#include "config/listener_sections.h"
#include "config/node_reader.h"
#include "config/quote.h"
#include "config/sections.h"

namespace sluice::config {
namespace {

void CheckClusterReferences(const std::vector<ClusterConfig>& clusters,
                            const std::vector<Reference>& refs) {
  std::set<std::string> names;
  for (const auto& cluster : clusters) names.insert(cluster.name);
  for (const auto& ref : refs) {
    if (!names.contains(ref.name)) ref.field.Error("unknown cluster " + Quote(ref.name));
  }
}

void ReadConfig(const Field& root, Config& out) {
  if (root.node.IsNull()) {
    root.Error("config file is empty");
    return;
  }
  MapReader map(root);
  if (auto f = map.Optional("workers")) ReadInteger(*f, 0, 256, out.workers);
  if (auto f = map.Optional("drain_timeout")) {
    ReadMillis(*f, /*allow_zero=*/true, out.drain_timeout);
  }
  if (auto f = map.Optional("log")) ReadLog(*f, out.log);
  if (auto f = map.Optional("admin")) ReadAdmin(*f, out.admin);
  AdmissionRefs admission;
  if (auto f = map.Optional("classes")) ReadClasses(*f, out.classes, admission);
  if (auto f = map.Optional("class_precedence")) {
    ReadEnum(*f, {{"route", ClassPrecedence::kRoute}, {"tenant", ClassPrecedence::kTenant}},
             out.class_precedence);
  }
  if (auto f = map.Optional("tenants")) ReadTenants(*f, out.tenants, admission);
  if (auto f = map.Optional("identity")) ReadIdentity(*f, out.identity, admission);
  if (auto f = map.Required("listeners")) {
    ReadListeners(*f, std::filesystem::path(out.source_file).parent_path(), out.listeners);
  }
  std::vector<Reference> cluster_refs;
  if (auto f = map.Required("routes")) {
    ReadRoutes(*f, out.routes, cluster_refs, admission.class_refs);
  }
  const auto clusters = map.Required("clusters");
  // Without a readable cluster list every reference would be "unknown": one error is enough.
  if (clusters && ReadClusters(*clusters, out.clusters)) {
    CheckClusterReferences(out.clusters, cluster_refs);
  }
  CheckAdmissionReferences(out, admission);
}

// yaml-cpp reports its own problems by exception; turn them into ordinary located errors.
void ParseAndRead(std::string_view yaml, Diagnostics& diag, Config& out) {
  try {
    const std::vector<YAML::Node> docs = YAML::LoadAll(std::string(yaml));
    if (docs.size() > 1) {
      diag.Add(docs[1].Mark(), "",
               "expected one YAML document, found " + std::to_string(docs.size()));
    }
    ReadConfig(RootField(diag, docs.empty() ? YAML::Node() : docs.front()), out);
  } catch (const YAML::ParserException& e) {
    diag.Add(e.mark, "", "invalid YAML: " + e.msg);
  } catch (const YAML::Exception& e) {
    diag.Add(e.mark, "", e.msg);
  }
}

LoadResult FileError(const std::string& path, std::string message) {
  LoadResult result;
  result.errors.Add({{path, 0, 0}, "", std::move(message)});
  return result;
}

}  // namespace

LoadResult LoadFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return FileError(path, "cannot read config file: is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileError(path, std::string("cannot read config file: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return FileError(path, std::string("cannot read config file: ") + std::strerror(errno));
  auto result = LoadString(text.str(), path);
  result.text = std::move(text).str();
  return result;
}

LoadResult LoadString(std::string_view yaml, const std::string& file_name) {
  Diagnostics diag(file_name);
  Config config;
  config.source_file = file_name;
  ParseAndRead(yaml, diag, config);
  LoadResult result;
  if (diag.empty()) result.config = std::move(config);
  result.errors = diag.TakeSorted();
  return result;
}

}  // namespace sluice::config
