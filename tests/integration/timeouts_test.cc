// Deadlines on both sides: slowloris heads (408 by a total deadline), idle keep-alive
// connections, upstream response timeouts (504) and refused connects (502).
#include <gtest/gtest.h>

#include <thread>

#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

using Clock = std::chrono::steady_clock;

class TimeoutsTest : public ProxyFixture {
 protected:
  TimeoutsTest() {
    auto& l = config.listeners[0];
    l.header_timeout = 300ms;
    l.idle_timeout = 300ms;
    l.body_timeout = 300ms;
  }
};

TEST_F(TimeoutsTest, SlowlorisHeadGets408ByTotalDeadline) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  const std::string head = MakeRequest("GET", "/", {"X-Padding: " + std::string(200, 'p')});
  const auto start = Clock::now();
  // One byte every 50 ms: each read succeeds, so only a deadline for the whole head stops it.
  // (Pacing the attack, not waiting for the server: the server's answer is read below.)
  std::optional<HttpResponse> res;
  for (std::size_t i = 0; i < head.size() && Clock::now() - start < 5s; ++i) {
    if (!client.Send(head.substr(i, 1))) break;
    res = client.ReadResponse(50ms);
    if (res || client.server_closed()) break;
  }
  const auto elapsed = Clock::now() - start;
  if (!res && !client.server_closed()) res = client.ReadResponse(2s);
  ASSERT_TRUE(res) << "no 408 after " << std::chrono::duration<double>(elapsed).count() << " s";
  EXPECT_EQ(res->status, 408);
  EXPECT_EQ(res->Header("X-Sluice-Reason"), "request_header_timeout");
  EXPECT_LT(elapsed, 2s) << "the head deadline must be total, not per read";
  EXPECT_GE(elapsed, 250ms);
  EXPECT_TRUE(client.WaitForClose(2s));
  EXPECT_EQ(upstream.bytes_received(), 0u);
}

TEST_F(TimeoutsTest, PartialHeadThenSilenceGets408) {
  RawClient client(port());
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHost: exa"));
  const auto start = Clock::now();
  auto res = client.ReadResponse(3s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 408);
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_TRUE(client.WaitForClose(2s));
}

TEST_F(TimeoutsTest, ClosesIdleKeepAliveConnectionAfterIdleTimeout) {
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const auto start = Clock::now();
  EXPECT_TRUE(client.WaitForClose(3s)) << "idle connection still open";
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_EQ(client.buffered(), "") << "an idle close sends nothing (no 408 between requests)";
}

TEST_F(TimeoutsTest, ClosesConnectionThatNeverSendsARequest) {
  RawClient client(port());
  ASSERT_TRUE(client.connected());
  const auto start = Clock::now();
  EXPECT_TRUE(client.WaitForClose(3s));
  EXPECT_LT(Clock::now() - start, 2s);
}

TEST_F(TimeoutsTest, SlowRequestBodyGets408) {
  RawClient client(port());
  ASSERT_TRUE(
      client.Send("POST / HTTP/1.1\r\nHost: example.test\r\nContent-Length: 100\r\n\r\nonly-part"));
  const auto start = Clock::now();
  auto res = client.ReadResponse(3s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 408);
  EXPECT_EQ(res->Header("X-Sluice-Reason"), "request_body_timeout");
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_TRUE(client.WaitForClose(2s));
}

TEST_F(TimeoutsTest, UpstreamResponseTimeoutGets504) {
  config.clusters[0].response_timeout = 200ms;
  StartGateway();
  upstream.Enqueue(Reply::Never());
  const auto start = Clock::now();
  auto ex = SendAndReadResponse(port(), MakeRequest("GET", "/slow", {"Connection: close"}));
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 504);
  EXPECT_EQ(ex.response->Header("X-Sluice-Reason"), "upstream_timeout");
  EXPECT_TRUE(ex.response->HasHeader("X-Request-Id"));
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(upstream.request_count(), 1u);
}

TEST_F(TimeoutsTest, UpstreamTimeoutConnectionIsNotReused) {
  config.clusters[0].response_timeout = 200ms;
  StartGateway();
  upstream.Enqueue(Reply::Never());
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/slow")));
  auto first = client.ReadResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 504);
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/fast")));
  auto second = client.ReadResponse();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "backend");
  EXPECT_EQ(upstream.connections_accepted(), 2u) << "the timed-out connection was reused";
}

TEST_F(TimeoutsTest, DelayedUpstreamWithinTimeoutSucceeds) {
  config.clusters[0].response_timeout = 2s;
  StartGateway();
  Reply slow = Reply::Ok("slow but fine");
  slow.delay = 100ms;
  upstream.Enqueue(slow);
  auto ex = SendAndReadResponse(port(), MakeRequest("GET", "/", {"Connection: close"}));
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 200);
  EXPECT_EQ(ex.response->body, "slow but fine");
}

TEST(ConnectFailureTest, RefusedConnectGets502) {
  auto config = MakeConfig({UnusedPort()});
  GatewayHarness gateway(config);
  auto ex = SendAndReadResponse(gateway.port(), MakeRequest("GET", "/", {"Connection: close"}));
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 502);
  EXPECT_EQ(ex.response->Header("X-Sluice-Reason"), "upstream_connect_failed");
  EXPECT_TRUE(ex.server_closed);
}

TEST(ConnectFailureTest, RefusedConnectKeepsClientConnectionUsable) {
  FakeUpstream good("good");
  auto config = MakeConfig({good.port()});
  config.clusters.push_back(MakeCluster("dead", {UnusedPort()}));
  config.routes.insert(config.routes.begin(), MakeRoute("dead", "*", "/dead", "dead"));
  GatewayHarness gateway(config);
  RawClient client(gateway.port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/dead/x")));
  auto first = client.ReadResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 502);
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/ok")));
  auto second = client.ReadResponse();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "good");
}

}  // namespace
}  // namespace sluice::testing
