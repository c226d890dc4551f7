// Deadlines on both sides: slowloris heads (408 by a total deadline; over HTTP/2 a header block
// left open ends the connection), idle connections, slow request bodies, upstream response
// timeouts (504) and refused connects (502). Waits are real (300 ms deadlines), so only cases
// whose HTTP/2 path differs, or that pin a status mapping, run over both protocols.
#include <gtest/gtest.h>

#include <thread>

#include "support/frame_reader.h"
#include "support/frame_writer.h"
#include "support/hpack_codec.h"
#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

using Clock = std::chrono::steady_clock;

class TimeoutsFixture : public ProxyFixture {
 protected:
  TimeoutsFixture() {
    auto& l = config.listeners[0];
    l.header_timeout = 300ms;
    l.idle_timeout = 300ms;
    l.body_timeout = 300ms;
  }
};

using TimeoutsTest = TimeoutsFixture;
class BothProtocolsTimeoutsTest : public TimeoutsFixture,
                                  public ::testing::WithParamInterface<Protocol> {
 protected:
  [[nodiscard]] bool h2() const { return GetParam() == Protocol::kH2c; }
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

// HTTP/2: a HEADERS frame without END_HEADERS and no CONTINUATION after it holds the
// connection's HPACK state hostage; the header deadline ends the whole connection with GOAWAY
// (RFC 9113 §6.10: nothing else may be sent on it until the block ends).
TEST_F(TimeoutsTest, H2cHeaderBlockLeftOpenEndsConnectionWithGoaway) {
  RawClient client(port());
  ASSERT_TRUE(client.Send(
      FrameWriter()
          .ClientStart()
          .Headers(1, HpackEncode(H2RequestHeaders("GET", "/")), /*flags=*/h2flag::kEndStream)
          .bytes()));
  const auto start = Clock::now();
  const std::string received = client.ReadUntilClosed(3s);
  const auto elapsed = Clock::now() - start;
  EXPECT_TRUE(client.server_closed());
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 2s);
  const auto goaway = FindGoaway(ParseFrames(received));
  ASSERT_TRUE(goaway);
  EXPECT_EQ(goaway->error_code, h2error::kProtocolError);
  EXPECT_EQ(upstream.bytes_received(), 0u);
}

TEST_P(BothProtocolsTimeoutsTest, ClosesIdleConnectionAfterIdleTimeout) {
  HttpClient client(GetParam(), port());
  auto res = client.Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const auto start = Clock::now();
  EXPECT_TRUE(client.WaitForClose(3s)) << "idle connection still open";
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 2s);
  if (h2()) {
    // HTTP/2 says why before closing: GOAWAY NO_ERROR naming the stream it served.
    ASSERT_TRUE(client.h2()->goaway());
    EXPECT_EQ(client.h2()->goaway()->error_code, h2error::kNoError);
    EXPECT_EQ(client.h2()->goaway()->last_stream_id, 1u);
    EXPECT_TRUE(client.h2()->WaitForClose(2s));
  } else {
    EXPECT_EQ(client.http1()->buffered(), "")
        << "an idle close sends nothing (no 408 between requests)";
  }
}

TEST_P(BothProtocolsTimeoutsTest, ClosesConnectionThatNeverSendsARequest) {
  HttpClient client(GetParam(), port());
  ASSERT_TRUE(client.connected());
  const auto start = Clock::now();
  if (h2()) {
    // Preface and SETTINGS, then nothing: idle from the start.
    EXPECT_TRUE(client.h2()->WaitForClose(3s));
    ASSERT_TRUE(client.h2()->goaway());
    EXPECT_EQ(client.h2()->goaway()->last_stream_id, 0u);
  } else {
    EXPECT_TRUE(client.WaitForClose(3s));
  }
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

// The same answer as over HTTP/1.1 (408 request_body_timeout); then, the body being unfinished,
// RST_STREAM NO_ERROR tells the client to stop sending it (RFC 9113 §8.1). Only the stream
// ends: the connection serves on.
TEST_F(TimeoutsTest, H2cSlowRequestBodyGets408AndOnlyTheStreamEnds) {
  H2Client client;
  ASSERT_TRUE(client.Connect(port())) << client.error();
  const int32_t id =
      client.Submit("POST", "/", {{"content-length", "100"}}, std::nullopt, /*end_stream=*/false);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(client.SendData(id, "only-part"));
  const auto start = Clock::now();
  auto res = client.Await(id, 3s);
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_TRUE(res.closed);
  EXPECT_EQ(res.status, 408);
  EXPECT_EQ(res.Header("x-sluice-reason"), "request_body_timeout");
  EXPECT_EQ(res.reset_code.value_or(h2error::kNoError), h2error::kNoError);
  auto next = client.Get("/after");
  EXPECT_TRUE(next.complete());
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(upstream.request_count(), 1u) << "only /after completed upstream";
}

TEST_P(BothProtocolsTimeoutsTest, UpstreamResponseTimeoutGets504) {
  config.clusters[0].response_timeout = 200ms;
  StartGateway();
  upstream.Enqueue(Reply::Never());
  const auto start = Clock::now();
  auto res = Send(GetParam(), port(), "GET", "/slow");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 504);
  EXPECT_EQ(res->Header("X-Sluice-Reason"), "upstream_timeout");
  EXPECT_TRUE(res->HasHeader("X-Request-Id"));
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

INSTANTIATE_TEST_SUITE_P(Protocols, BothProtocolsTimeoutsTest, BothProtocols(), ProtocolTestName);

class ConnectFailureTest : public ::testing::TestWithParam<Protocol> {
 protected:
  static config::Config BothProtocolsConfig(const std::vector<uint16_t>& upstream_ports) {
    auto config = MakeConfig(upstream_ports);
    config.listeners[0].protocols.h2c = true;
    return config;
  }
};

TEST_P(ConnectFailureTest, RefusedConnectGets502) {
  GatewayHarness gateway(BothProtocolsConfig({UnusedPort()}));
  auto res = Send(GetParam(), gateway.port(), "GET", "/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502);
  EXPECT_EQ(res->Header("X-Sluice-Reason"), "upstream_connect_failed");
}

TEST_P(ConnectFailureTest, RefusedConnectKeepsClientConnectionUsable) {
  FakeUpstream good("good");
  auto config = BothProtocolsConfig({good.port()});
  config.clusters.push_back(MakeCluster("dead", {UnusedPort()}));
  config.routes.insert(config.routes.begin(), MakeRoute("dead", "*", "/dead", "dead"));
  GatewayHarness gateway(config);
  HttpClient client(GetParam(), gateway.port());
  auto first = client.Get("/dead/x");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 502);
  auto second = client.Get("/ok");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "good");
}

INSTANTIATE_TEST_SUITE_P(Protocols, ConnectFailureTest, BothProtocols(), ProtocolTestName);

}  // namespace
}  // namespace sluice::testing
