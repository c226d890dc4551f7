// Golden cases: each tests/config/golden/NAME.yaml is loaded and its errors, exactly as the
// operator would see them, are compared with NAME.expected. A case is added by dropping in the
// two files. SLUICE_UPDATE_GOLDEN=1 rewrites the .expected files (review the diff!).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/loader.h"

namespace sluice::config {
namespace {

namespace fs = std::filesystem;

const fs::path kConfigTestDir = fs::path(SLUICE_SOURCE_DIR) / "tests" / "config";

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> GoldenCases() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kConfigTestDir / "golden")) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string TestName(const testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
  return name;
}

class GoldenTest : public testing::TestWithParam<std::string> {
 protected:
  // Messages carry the path as given, so load by a path relative to a fixed directory.
  void SetUp() override { fs::current_path(kConfigTestDir); }
};

TEST_P(GoldenTest, ReportsExactlyTheExpectedErrors) {
  const std::string yaml = "golden/" + GetParam() + ".yaml";
  const fs::path expected_path = "golden/" + GetParam() + ".expected";
  const LoadResult result = LoadFile(yaml);
  const std::string actual = result.errors.ToString();
  if (std::getenv("SLUICE_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_path, std::ios::binary) << actual;
  }
  ASSERT_TRUE(fs::exists(expected_path)) << "missing " << expected_path;
  EXPECT_EQ(actual, ReadText(expected_path));
  EXPECT_FALSE(result.config.has_value()) << "golden cases are invalid configs";
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenTest, testing::ValuesIn(GoldenCases()), TestName);

TEST(GoldenSetTest, CoversEnoughCases) { EXPECT_GE(GoldenCases().size(), 12u); }

// The configs we ship must always load: a schema change that breaks them fails here.
TEST(ShippedConfigTest, DefaultAndExamplesLoadWithoutErrors) {
  const fs::path root(SLUICE_SOURCE_DIR);
  std::vector<fs::path> files;
  if (fs::exists(root / "config" / "sluice.yaml")) files.push_back(root / "config" / "sluice.yaml");
  if (fs::is_directory(root / "config" / "examples")) {
    for (const auto& entry : fs::directory_iterator(root / "config" / "examples")) {
      if (entry.path().extension() == ".yaml") files.push_back(entry.path());
    }
  }
  if (files.empty()) GTEST_SKIP() << "no shipped configs yet";
  for (const auto& file : files) {
    const LoadResult result = LoadFile(file.string());
    EXPECT_TRUE(result.errors.empty()) << result.errors.ToString();
    EXPECT_TRUE(result.config.has_value()) << file;
  }
}

}  // namespace
}  // namespace sluice::config
