// Graceful drain (DESIGN §8, SIGTERM path): stop accepting, report not-ready, let in-flight
// requests finish with Connection: close, close idle connections, and exit 0.
#include <gtest/gtest.h>

#include <cerrno>

#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

using DrainTest = ProxyFixture;

bool ConnectRefused(uint16_t port) {
  RawClient probe(port);
  return !probe.connected() && probe.connect_error() == ECONNREFUSED;
}

TEST_F(DrainTest, InFlightRequestFinishesAndNewConnectionsAreRefused) {
  // The backend holds the answer until the test has checked everything that must hold
  // during the drain, instead of racing a fixed delay.
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Held("slow answer"); });
  auto& gw = gateway();
  const uint16_t listen_port = gw.port();
  RawClient slow(listen_port);
  ASSERT_TRUE(slow.Send(MakeRequest("GET", "/slow")));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }, 5s));
  ASSERT_EQ(gw.Admin("/readyz").first, 200);

  gw.gateway().RequestDrain();
  EXPECT_TRUE(WaitUntil([&] { return gw.Admin("/readyz").first == 503; }, 5s))
      << "readyz must report draining";
  EXPECT_TRUE(WaitUntil([&] { return ConnectRefused(listen_port); }, 5s))
      << "the listener still accepts during a drain";
  EXPECT_FALSE(gw.exited()) << "exited with a request in flight";

  upstream.ReleaseHeld();
  auto res = slow.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "slow answer");
  EXPECT_EQ(res->Header("Connection"), "close");
  EXPECT_TRUE(slow.WaitForClose(3s));
  EXPECT_EQ(gw.WaitForExit(5s), 0);
}

TEST_F(DrainTest, IdleKeepAliveConnectionsCloseAtOnce) {
  auto& gw = gateway();
  RawClient idle(gw.port());
  ASSERT_TRUE(idle.Send(MakeRequest("GET", "/")));
  ASSERT_TRUE(idle.ReadResponse());
  gw.gateway().RequestDrain();
  EXPECT_TRUE(idle.WaitForClose(3s));
  EXPECT_EQ(idle.buffered(), "");
  EXPECT_EQ(gw.WaitForExit(5s), 0);
}

TEST_F(DrainTest, DrainWithNothingOpenExitsZero) {
  auto& gw = gateway();
  gw.gateway().RequestDrain();
  EXPECT_EQ(gw.WaitForExit(5s), 0);
}

TEST_F(DrainTest, DrainTimeoutClosesStuckConnection) {
  config.drain_timeout = std::chrono::milliseconds(300);
  StartGateway();
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Never(); });
  auto& gw = gateway();
  RawClient stuck(gw.port());
  ASSERT_TRUE(stuck.Send(MakeRequest("GET", "/")));
  ASSERT_TRUE(WaitUntil([&] { return upstream.request_count() == 1; }, 5s));
  gw.gateway().RequestDrain();
  EXPECT_EQ(gw.WaitForExit(5s), 0) << "the drain deadline must end the process";
}

}  // namespace
}  // namespace sluice::testing
