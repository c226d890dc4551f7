#include "core/error.h"

#include <gtest/gtest.h>

namespace sluice::core {
namespace {

TEST(ConfigErrorTest, FormatsLikeACompilerWithFileLineColumnAndPath) {
  const ConfigError e{{"sluice.yaml", 12, 5}, "clusters[0].endpoints[1]", "bad weight"};
  EXPECT_EQ(e.ToString(), "sluice.yaml:12:5: clusters[0].endpoints[1]: bad weight");
}

TEST(ConfigErrorTest, OmitsPathWhenEmpty) {
  const ConfigError e{{"sluice.yaml", 1, 1}, "", "config file is empty"};
  EXPECT_EQ(e.ToString(), "sluice.yaml:1:1: config file is empty");
}

TEST(ConfigErrorTest, OmitsLineAndColumnWhenLineIsUnknown) {
  const ConfigError e{{"sluice.yaml", 0, 0}, "workers", "must be positive"};
  EXPECT_EQ(e.ToString(), "sluice.yaml: workers: must be positive");
}

TEST(ConfigErrorTest, FileOnlyWithMessage) {
  const ConfigError e{{"missing.yaml", 0, 0}, "", "cannot open file"};
  EXPECT_EQ(e.ToString(), "missing.yaml: cannot open file");
}

TEST(ConfigErrorTest, DefaultLocationIsUnknown) {
  const ConfigError e{{}, "p", "m"};
  EXPECT_EQ(e.where.line, 0);
  EXPECT_EQ(e.where.column, 0);
  EXPECT_EQ(e.ToString(), ": p: m");
}

TEST(ErrorListTest, StartsEmpty) {
  const ErrorList list;
  EXPECT_TRUE(list.empty());
  EXPECT_TRUE(list.all().empty());
  EXPECT_EQ(list.ToString(), "");
}

TEST(ErrorListTest, KeepsEveryErrorInInsertionOrder) {
  ErrorList list;
  list.Add({{"a.yaml", 3, 1}, "x", "first"});
  list.Add({{"a.yaml", 1, 1}, "y", "second"});
  list.Add({{"a.yaml", 3, 1}, "x", "first"});  // duplicates are the caller's business
  EXPECT_FALSE(list.empty());
  ASSERT_EQ(list.all().size(), 3u);
  EXPECT_EQ(list.all()[0].message, "first");
  EXPECT_EQ(list.all()[1].message, "second");
  EXPECT_EQ(list.all()[2].message, "first");
}

TEST(ErrorListTest, ToStringPrintsOneErrorPerLine) {
  ErrorList list;
  list.Add({{"a.yaml", 2, 3}, "listeners[0].listen", "bad address"});
  list.Add({{"a.yaml", 0, 0}, "", "no routes"});
  EXPECT_EQ(list.ToString(),
            "a.yaml:2:3: listeners[0].listen: bad address\n"
            "a.yaml: no routes\n");
}

}  // namespace
}  // namespace sluice::core
