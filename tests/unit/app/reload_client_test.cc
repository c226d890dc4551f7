#include "app/reload_client.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <sstream>
#include <string>

#include "app/reload_outcome.h"

namespace sluice::app {
namespace {

struct Printed {
  int exit_code;
  std::string out;
  std::string err;
};

Printed Report(unsigned status, std::string body, std::string error = "") {
  std::ostringstream out, err;
  const int code =
      ReportReload({status, std::move(body), std::move(error)}, "127.0.0.1:9901", out, err);
  return {code, out.str(), err.str()};
}

ReloadOutcome Outcome(bool ok, std::vector<std::string> errors = {}) {
  ReloadOutcome outcome;
  outcome.ok = ok;
  outcome.generation = 4;
  outcome.config_hash = "9f86d081";
  outcome.errors = std::move(errors);
  return outcome;
}

TEST(ReloadReportTest, SuccessPrintsTheGenerationAndExits0) {
  const auto printed = Report(200, Outcome(true).Json());
  EXPECT_EQ(printed.exit_code, kReloadApplied);
  EXPECT_EQ(printed.out, "reloaded: generation 4, config 9f86d081\n");
  EXPECT_EQ(printed.err, "");
}

TEST(ReloadReportTest, RejectedFilePrintsEveryErrorOnItsOwnLineAndExits1) {
  const auto printed =
      Report(422, Outcome(false, {"s.yaml:3:10: workers: expected an integer, got \"many\"",
                                  "s.yaml:9:1: bogus: unknown key"})
                      .Json());
  EXPECT_EQ(printed.exit_code, kReloadRejected);
  EXPECT_EQ(printed.out, "");
  EXPECT_EQ(printed.err,
            "s.yaml:3:10: workers: expected an integer, got \"many\"\n"
            "s.yaml:9:1: bogus: unknown key\n"
            "reload rejected: 2 error(s); generation 4 keeps serving\n");
}

TEST(ReloadReportTest, NoAnswerExits2NamingTheListener) {
  const auto printed = Report(0, "", "Connection refused");
  EXPECT_EQ(printed.exit_code, kReloadUnreachable);
  EXPECT_EQ(printed.err,
            "sluice reload: cannot reach the admin listener at 127.0.0.1:9901: "
            "Connection refused\n");
}

TEST(ReloadReportTest, AnyOtherAnswerExits2WithItsStatus) {
  const auto unauthorized = Report(401, "unauthorized");
  EXPECT_EQ(unauthorized.exit_code, kReloadUnreachable);
  EXPECT_EQ(unauthorized.err,
            "sluice reload: the admin listener at 127.0.0.1:9901 answered 401: unauthorized\n");
  EXPECT_EQ(Report(404, "not found").exit_code, kReloadUnreachable);
  EXPECT_EQ(Report(200, "not json {").exit_code, kReloadUnreachable);
  EXPECT_EQ(Report(200, R"({"result":"maybe"})").exit_code, kReloadUnreachable);
  // A status that contradicts the outcome is not trusted either way.
  EXPECT_EQ(Report(200, Outcome(false).Json()).exit_code, kReloadUnreachable);
}

TEST(PostReloadTest, RefusedConnectionIsReportedAsNoAnswer) {
  // A port that was just free: bind, note, close.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const uint16_t port = probe.local_endpoint().port();
  probe.close();
  const AdminReply reply = PostReload({{"127.0.0.1", port}, ""}, std::chrono::seconds(5));
  EXPECT_EQ(reply.status, 0u);
  EXPECT_NE(reply.error, "");
}

}  // namespace
}  // namespace sluice::app
