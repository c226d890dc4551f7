// Graceful drain (DESIGN §8, SIGTERM path): stop accepting, report not-ready, let in-flight
// requests finish with Connection: close (HTTP/1.1) or after a GOAWAY naming the last stream
// taken (HTTP/2, RFC 9113 §6.8), close idle connections, and exit 0.
#include <gtest/gtest.h>

#include <cerrno>

#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

using DrainTest = ProtocolProxyFixture;
using DrainIdleGatewayTest = ProxyFixture;

bool ConnectRefused(uint16_t port) {
  RawClient probe(port);
  return !probe.connected() && probe.connect_error() == ECONNREFUSED;
}

TEST_P(DrainTest, InFlightRequestFinishesAndNewConnectionsAreRefused) {
  // The backend holds the answer until the test has checked everything that must hold
  // during the drain, instead of racing a fixed delay.
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Held("slow answer"); });
  auto& gw = gateway();
  const uint16_t listen_port = gw.port();
  HttpClient slow(protocol(), listen_port);
  ASSERT_TRUE(slow.Start("GET", "/slow"));
  ASSERT_TRUE(WaitUntil([&] { return upstream.held_count() == 1; }, 5s));
  ASSERT_EQ(gw.Admin("/readyz").first, 200);

  gw.gateway().RequestDrain();
  EXPECT_TRUE(WaitUntil([&] { return gw.Admin("/readyz").first == 503; }, 5s))
      << "readyz must report draining";
  EXPECT_TRUE(WaitUntil([&] { return ConnectRefused(listen_port); }, 5s))
      << "the listener still accepts during a drain";
  EXPECT_FALSE(gw.exited()) << "exited with a request in flight";

  if (h2()) {
    // The GOAWAY comes at once, while the stream is still in flight, and names it as the last
    // stream the server took, so the client knows it will be answered.
    ASSERT_TRUE(slow.h2()->WaitForGoaway(5s));
    EXPECT_EQ(slow.h2()->shutdown_notices(), 1u) << "announced first (RFC 9113 §6.8)";
    EXPECT_EQ(slow.h2()->goaway()->last_stream_id, 1u);
    EXPECT_EQ(slow.h2()->goaway()->error_code, h2error::kNoError);
  }
  upstream.ReleaseHeld();
  auto res = slow.Finish();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "slow answer");
  if (!h2()) {
    EXPECT_EQ(res->Header("Connection"), "close");
  }
  EXPECT_TRUE(slow.WaitForClose(3s));
  if (h2()) {
    EXPECT_TRUE(slow.h2()->WaitForClose(3s)) << "the socket closes after the last stream";
  }
  EXPECT_EQ(gw.WaitForExit(5s), 0);
}

TEST_P(DrainTest, IdleKeepAliveConnectionsCloseAtOnce) {
  auto& gw = gateway();
  HttpClient idle(protocol(), gw.port());
  ASSERT_TRUE(idle.Get("/"));
  gw.gateway().RequestDrain();
  EXPECT_TRUE(idle.WaitForClose(3s));
  if (h2()) {
    // The shutdown notice, then (after the PING ACK) the final GOAWAY and the close. nghttp2,
    // like most clients, is done with a connection once a GOAWAY comes with no stream open, so
    // it does not surface the final one; the close is what shows it went out.
    EXPECT_EQ(idle.h2()->shutdown_notices(), 1u);
    EXPECT_EQ(idle.h2()->frames_received(H2FrameType::kPing), 1u);
    EXPECT_TRUE(idle.h2()->WaitForClose(3s));
  } else {
    EXPECT_EQ(idle.http1()->buffered(), "");
  }
  EXPECT_EQ(gw.WaitForExit(5s), 0);
}

TEST_F(DrainIdleGatewayTest, DrainWithNothingOpenExitsZero) {
  auto& gw = gateway();
  gw.gateway().RequestDrain();
  EXPECT_EQ(gw.WaitForExit(5s), 0);
}

TEST_P(DrainTest, DrainTimeoutClosesStuckConnection) {
  config.drain_timeout = std::chrono::milliseconds(300);
  StartGateway();
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Never(); });
  auto& gw = gateway();
  HttpClient stuck(protocol(), gw.port());
  ASSERT_TRUE(stuck.Start("GET", "/"));
  ASSERT_TRUE(WaitUntil([&] { return upstream.request_count() == 1; }, 5s));
  gw.gateway().RequestDrain();
  EXPECT_EQ(gw.WaitForExit(5s), 0) << "the drain deadline must end the process";
}

INSTANTIATE_TEST_SUITE_P(Protocols, DrainTest, BothProtocols(), ProtocolTestName);

}  // namespace
}  // namespace sluice::testing
