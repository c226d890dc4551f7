#include "config/key_location.h"

#include <gtest/gtest.h>

namespace sluice::config {
namespace {

constexpr std::string_view kYaml =
    "workers: 2\n"
    "log:\n"
    "  level: info\n"
    "  access_log: off\n"
    "clusters:\n"
    "  - name: a\n"
    "  - name: b\n"
    "    endpoints: [127.0.0.1:1]\n";

TEST(KeyLocationTest, FindsTopLevelNestedAndIndexedKeys) {
  const auto workers = KeyLocation(kYaml, "f.yaml", "workers");
  EXPECT_EQ(workers.file, "f.yaml");
  EXPECT_EQ(workers.line, 1);
  EXPECT_EQ(workers.column, 1);
  const auto access_log = KeyLocation(kYaml, "f.yaml", "log.access_log");
  EXPECT_EQ(access_log.line, 4);
  EXPECT_EQ(access_log.column, 3);
  const auto endpoints = KeyLocation(kYaml, "f.yaml", "clusters[1].endpoints");
  EXPECT_EQ(endpoints.line, 8);
  EXPECT_EQ(endpoints.column, 5);
}

TEST(KeyLocationTest, AbsentKeysAndBadTextGiveTheFileWithoutAPosition) {
  for (const auto path : {"admin", "clusters[5].endpoints", "log.level.x", "clusters[x]", ""}) {
    const auto where = KeyLocation(kYaml, "f.yaml", path);
    EXPECT_EQ(where.line, 0) << path;
    EXPECT_EQ(where.file, "f.yaml");
  }
  EXPECT_EQ(KeyLocation("a: [", "f.yaml", "a").line, 0);
}

}  // namespace
}  // namespace sluice::config
