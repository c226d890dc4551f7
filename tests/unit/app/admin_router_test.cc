#include "app/admin_router.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::app {
namespace {

class AdminRouterTest : public ::testing::Test {
 protected:
  AdminResponse Handle(std::string_view method, std::string_view target,
                       std::string_view authorization = "", std::string_view token = "") {
    return HandleAdminRequest({method, target, authorization}, token, handlers_);
  }

  static std::string Header(const AdminResponse& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }

  bool ready_ = true;
  AdminHandlers handlers_{[] { return std::string("metric_a 1\n"); }, [this] { return ready_; },
                          [] { return std::string(R"({"workers":2})"); }};
};

TEST_F(AdminRouterTest, HealthzIsAlwaysOk) {
  ready_ = false;
  const auto response = Handle("GET", "/healthz");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "ok");
}

TEST_F(AdminRouterTest, ReadyzFollowsReadiness) {
  EXPECT_EQ(Handle("GET", "/readyz").status, 200u);
  EXPECT_EQ(Handle("GET", "/readyz").body, "ready");
  ready_ = false;
  EXPECT_EQ(Handle("GET", "/readyz").status, 503u);
  EXPECT_EQ(Handle("GET", "/readyz").body, "draining");
}

TEST_F(AdminRouterTest, MetricsUsesPrometheusTextContentType) {
  const auto response = Handle("GET", "/metrics");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(response.body, "metric_a 1\n");
}

TEST_F(AdminRouterTest, ConfigIsJson) {
  const auto response = Handle("GET", "/config");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"workers":2})");
}

TEST_F(AdminRouterTest, ControllerIsJsonAndEmptyWithoutControllers) {
  EXPECT_EQ(Handle("GET", "/controller").body, "{}");
  handlers_.controller_json = [] { return std::string(R"({"api":{"limit":12}})"); };
  const auto response = Handle("GET", "/controller");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"api":{"limit":12}})");
  EXPECT_EQ(Handle("GET", "/controller", "", "secret").status, 401u) << "capacity is not public";
}

TEST_F(AdminRouterTest, QueryStringIsIgnored) {
  EXPECT_EQ(Handle("GET", "/healthz?verbose=1").status, 200u);
}

TEST_F(AdminRouterTest, HeadIsAnsweredLikeGet) {
  const auto response = Handle("HEAD", "/metrics");
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "metric_a 1\n");  // the server sends only its length
}

TEST_F(AdminRouterTest, UnknownPathIs404) {
  EXPECT_EQ(Handle("GET", "/").status, 404u);
  EXPECT_EQ(Handle("GET", "/metricsx").status, 404u);
  EXPECT_EQ(Handle("GET", "/healthz/").status, 404u);
}

TEST_F(AdminRouterTest, OtherMethodsAre405WithAllow) {
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "get"}) {
    const auto response = Handle(method, "/healthz");
    EXPECT_EQ(response.status, 405u) << method;
    EXPECT_EQ(Header(response, "Allow"), "GET, HEAD") << method;
  }
}

TEST_F(AdminRouterTest, TokenRequiredBeforeAnythingElse) {
  for (const char* target : {"/metrics", "/nope"}) {
    const auto response = Handle("GET", target, "", "s3cret");
    EXPECT_EQ(response.status, 401u) << target;
    EXPECT_EQ(Header(response, "WWW-Authenticate"), "Bearer");
  }
  EXPECT_EQ(Handle("POST", "/metrics", "", "s3cret").status, 401u);
}

TEST_F(AdminRouterTest, AcceptsOnlyTheExactBearerToken) {
  const std::string_view token = "s3cret";
  EXPECT_EQ(Handle("GET", "/healthz", "Bearer s3cret", token).status, 200u);
  EXPECT_EQ(Handle("GET", "/healthz", "bearer s3cret", token).status, 200u);
  EXPECT_EQ(Handle("GET", "/healthz", "  Bearer   s3cret ", token).status, 200u);
  EXPECT_EQ(Handle("GET", "/healthz", "Bearer s3cre", token).status, 401u);
  EXPECT_EQ(Handle("GET", "/healthz", "Bearer s3cret2", token).status, 401u);
  EXPECT_EQ(Handle("GET", "/healthz", "Bearer S3CRET", token).status, 401u);
  EXPECT_EQ(Handle("GET", "/healthz", "Basic s3cret", token).status, 401u);
  EXPECT_EQ(Handle("GET", "/healthz", "s3cret", token).status, 401u);
  EXPECT_EQ(Handle("GET", "/healthz", "Bearers3cret", token).status, 401u);
  EXPECT_EQ(Handle("GET", "/healthz", "Bearer ", token).status, 401u);
}

TEST_F(AdminRouterTest, NoTokenConfiguredIgnoresAuthorization) {
  EXPECT_EQ(Handle("GET", "/healthz", "Bearer whatever").status, 200u);
}

TEST_F(AdminRouterTest, ThrowingHandlerGives500) {
  handlers_.config_json = []() -> std::string { throw std::runtime_error("boom"); };
  const auto response = Handle("GET", "/config");
  EXPECT_EQ(response.status, 500u);
  EXPECT_NE(response.body.find("boom"), std::string::npos);
}

ReloadOutcome Outcome(bool ok, uint64_t generation, std::vector<std::string> errors = {}) {
  ReloadOutcome outcome;
  outcome.ok = ok;
  outcome.generation = generation;
  outcome.config_hash = "ab12";
  outcome.errors = std::move(errors);
  return outcome;
}

TEST_F(AdminRouterTest, ReloadPostRunsTheReloadAndAnswersItsOutcomeWith200) {
  int reloads = 0;
  handlers_.reload = [&] {
    ++reloads;
    return Outcome(true, 7);
  };
  const auto response = Handle("POST", "/reload");
  EXPECT_EQ(reloads, 1);
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, Outcome(true, 7).Json());
  EXPECT_EQ(Handle("POST", "/reload?why=cron").status, 200u);
  EXPECT_EQ(reloads, 2);
}

TEST_F(AdminRouterTest, ReloadOfARejectedFileIs422WithEveryError) {
  const auto outcome = Outcome(false, 3, {"a.yaml:2:3: workers: bad", "a.yaml:9:1: x: unknown"});
  handlers_.reload = [&] { return outcome; };
  const auto response = Handle("POST", "/reload");
  EXPECT_EQ(response.status, 422u);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, outcome.Json());
}

TEST_F(AdminRouterTest, ReloadTakesOnlyPostAndOtherMethodsNeverRunIt) {
  int reloads = 0;
  handlers_.reload = [&] {
    ++reloads;
    return Outcome(true, 1);
  };
  for (const char* method : {"GET", "HEAD", "PUT", "DELETE", "post"}) {
    const auto response = Handle(method, "/reload");
    EXPECT_EQ(response.status, 405u) << method;
    EXPECT_EQ(Header(response, "Allow"), "POST") << method;
  }
  EXPECT_EQ(reloads, 0);
}

TEST_F(AdminRouterTest, ReloadIs404WithoutAReloadHandler) {
  EXPECT_EQ(Handle("POST", "/reload").status, 404u);
  EXPECT_EQ(Handle("GET", "/reload").status, 404u);
}

TEST_F(AdminRouterTest, ReloadNeedsTheTokenBeforeItRuns) {
  int reloads = 0;
  handlers_.reload = [&] {
    ++reloads;
    return Outcome(true, 1);
  };
  EXPECT_EQ(Handle("POST", "/reload", "", "s3cret").status, 401u);
  EXPECT_EQ(Handle("POST", "/reload", "Bearer nope", "s3cret").status, 401u);
  EXPECT_EQ(reloads, 0);
  EXPECT_EQ(Handle("POST", "/reload", "Bearer s3cret", "s3cret").status, 200u);
  EXPECT_EQ(reloads, 1);
}

TEST_F(AdminRouterTest, ReloadIsRefusedWith503WhileDraining) {
  int reloads = 0;
  handlers_.reload = [&] {
    ++reloads;
    return Outcome(true, 1);
  };
  ready_ = false;
  const auto response = Handle("POST", "/reload");
  EXPECT_EQ(response.status, 503u);
  EXPECT_EQ(response.body, "draining: not reloading");
  EXPECT_EQ(reloads, 0);
}

TEST_F(AdminRouterTest, ThrowingReloadGives500) {
  handlers_.reload = []() -> ReloadOutcome { throw std::runtime_error("no snapshot"); };
  const auto response = Handle("POST", "/reload");
  EXPECT_EQ(response.status, 500u);
  EXPECT_NE(response.body.find("no snapshot"), std::string::npos);
}

TEST_F(AdminRouterTest, PostIsRefusedOnReadOnlyPathsEvenWithAReloadHandler) {
  handlers_.reload = [] { return Outcome(true, 1); };
  const auto response = Handle("POST", "/metrics");
  EXPECT_EQ(response.status, 405u);
  EXPECT_EQ(Header(response, "Allow"), "GET, HEAD");
}

TEST(ConstantTimeEqualsTest, ComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abcd", "abc"));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("ab\0", 3), "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace sluice::app
