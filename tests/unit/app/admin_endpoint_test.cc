#include "app/admin_endpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sluice::app {
namespace {

// One config file in a fresh temp directory, removed with the test.
class AdminEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-admin-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "sluice.yaml").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& text) { std::ofstream(path_) << text; }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(AdminEndpointTest, ReadsListenAndTokenFromTheAdminBlock) {
  Write("admin:\n  listen: 10.1.2.3:9911\n  token: s3cret\n");
  const auto found = FindAdminEndpoint(path_, "", std::nullopt);
  ASSERT_TRUE(found.endpoint) << found.errors.ToString();
  EXPECT_EQ(found.endpoint->address.ToString(), "10.1.2.3:9911");
  EXPECT_EQ(found.endpoint->token, "s3cret");
}

TEST_F(AdminEndpointTest, DefaultsWhenTheFileHasNoAdminBlock) {
  Write("workers: 2\n");
  const auto found = FindAdminEndpoint(path_, "", std::nullopt);
  ASSERT_TRUE(found.endpoint) << found.errors.ToString();
  EXPECT_EQ(found.endpoint->address.ToString(), "127.0.0.1:9901");
  EXPECT_EQ(found.endpoint->token, "");
}

TEST_F(AdminEndpointTest, ErrorsOutsideTheAdminBlockDoNotStopTheReload) {
  // The broken edit the operator wants the server's verdict on.
  Write("workers: many\nadmin:\n  listen: 127.0.0.1:9902\nlisteners: 3\nbogus: 1\n");
  const auto found = FindAdminEndpoint(path_, "", std::nullopt);
  ASSERT_TRUE(found.endpoint) << found.errors.ToString();
  EXPECT_EQ(found.endpoint->address.ToString(), "127.0.0.1:9902");
}

TEST_F(AdminEndpointTest, ErrorsInsideTheAdminBlockAreReportedWithTheirPosition) {
  Write("workers: 2\nadmin:\n  listen: nowhere\n");
  const auto found = FindAdminEndpoint(path_, "", std::nullopt);
  EXPECT_FALSE(found.endpoint);
  EXPECT_NE(found.errors.ToString().find(path_ + ":3:11: admin.listen: "), std::string::npos)
      << found.errors.ToString();
}

TEST_F(AdminEndpointTest, InvalidYamlIsReportedWithItsPosition) {
  Write("admin: [\n");
  const auto found = FindAdminEndpoint(path_, "", std::nullopt);
  EXPECT_FALSE(found.endpoint);
  EXPECT_NE(found.errors.ToString().find("invalid YAML"), std::string::npos)
      << found.errors.ToString();
}

TEST_F(AdminEndpointTest, AMissingFileIsAnErrorNamingIt) {
  const auto found = FindAdminEndpoint(path_ + ".missing", "", std::nullopt);
  EXPECT_FALSE(found.endpoint);
  EXPECT_NE(found.errors.ToString().find(path_ + ".missing: cannot read config file"),
            std::string::npos)
      << found.errors.ToString();
}

TEST_F(AdminEndpointTest, OverridesWinAndBothTogetherNeedNoFile) {
  Write("admin:\n  listen: 127.0.0.1:9902\n  token: from-file\n");
  const auto address_only = FindAdminEndpoint(path_, "127.0.0.1:7000", std::nullopt);
  ASSERT_TRUE(address_only.endpoint);
  EXPECT_EQ(address_only.endpoint->address.ToString(), "127.0.0.1:7000");
  EXPECT_EQ(address_only.endpoint->token, "from-file");
  const auto token_only = FindAdminEndpoint(path_, "", std::string("other"));
  ASSERT_TRUE(token_only.endpoint);
  EXPECT_EQ(token_only.endpoint->address.ToString(), "127.0.0.1:9902");
  EXPECT_EQ(token_only.endpoint->token, "other");
  const auto both = FindAdminEndpoint(path_ + ".missing", "[::1]:7001", std::string(""));
  ASSERT_TRUE(both.endpoint) << both.errors.ToString();
  EXPECT_EQ(both.endpoint->address.ToString(), "[::1]:7001");
  EXPECT_EQ(both.endpoint->token, "");
}

TEST_F(AdminEndpointTest, PortZeroCannotBeReachedAndSaysToPassAdmin) {
  Write("admin:\n  listen: 127.0.0.1:0\n");
  const auto found = FindAdminEndpoint(path_, "", std::nullopt);
  EXPECT_FALSE(found.endpoint);
  EXPECT_NE(found.errors.ToString().find("admin.listen: port 0"), std::string::npos);
  EXPECT_NE(found.errors.ToString().find("--admin HOST:PORT"), std::string::npos);
}

TEST_F(AdminEndpointTest, AWildcardListenAddressIsReachedOnLoopback) {
  Write("admin:\n  listen: 0.0.0.0:9903\n  token: t\n");
  const auto found = FindAdminEndpoint(path_, "", std::nullopt);
  ASSERT_TRUE(found.endpoint) << found.errors.ToString();
  EXPECT_EQ(found.endpoint->address.ToString(), "127.0.0.1:9903");
}

TEST_F(AdminEndpointTest, ABadAdminOverrideIsAnErrorNamingTheOption) {
  const auto found = FindAdminEndpoint(path_, "localhost", std::string(""));
  EXPECT_FALSE(found.endpoint);
  EXPECT_EQ(found.errors.ToString().rfind("--admin: ", 0), 0u) << found.errors.ToString();
}

}  // namespace
}  // namespace sluice::app
