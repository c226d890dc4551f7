// Persistent connections on both sides, and pipelined requests answered in order; the HTTP/2
// counterpart of pipelining, concurrent streams on one connection, answered independently.
#include <gtest/gtest.h>

#include <thread>

#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

using KeepAliveTest = ProxyFixture;
using H2MultiplexingTest = ProxyFixture;

// Unlike pipelined HTTP/1.1 requests, a slow stream does not hold back the ones after it.
TEST_F(H2MultiplexingTest, AnswersAFastStreamWhileAnEarlierOneIsHeld) {
  upstream.SetHandler([](const RecordedRequest& r) {
    return r.target == "/slow" ? Reply::Held("slow") : Reply::Ok("fast");
  });
  H2Client client;
  ASSERT_TRUE(client.Connect(port())) << client.error();
  const int32_t slow = client.Submit("GET", "/slow");
  ASSERT_TRUE(client.RunUntil([&] { return upstream.held_count() == 1; }));
  auto fast = client.Get("/fast");
  ASSERT_TRUE(fast.complete());
  EXPECT_EQ(fast.body, "fast");
  EXPECT_FALSE(client.Snapshot(slow).closed) << "the held stream is still open";
  upstream.ReleaseHeld();
  auto held = client.Await(slow);
  ASSERT_TRUE(held.complete());
  EXPECT_EQ(held.body, "slow");
  EXPECT_EQ(upstream.connections_accepted(), 2u) << "each in-flight stream needs its own";
}

TEST_F(H2MultiplexingTest, ServesManyConcurrentStreamsEachWithItsOwnAnswer) {
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok("path=" + r.target); });
  H2Client client;
  ASSERT_TRUE(client.Connect(port())) << client.error();
  std::vector<int32_t> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(client.Submit("GET", "/r" + std::to_string(i)));
  for (int i = 0; i < 20; ++i) {
    auto res = client.Await(ids[i]);
    ASSERT_TRUE(res.complete()) << "stream " << ids[i];
    EXPECT_EQ(res.body, "path=/r" + std::to_string(i));
  }
  EXPECT_EQ(upstream.request_count(), 20u);
  EXPECT_TRUE(client.connection_open());
}

TEST_F(KeepAliveTest, ServesSeveralRequestsOnOneClientConnection) {
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok("path=" + r.target); });
  RawClient client(port());
  for (int i = 0; i < 5; ++i) {
    const std::string target = "/r" + std::to_string(i);
    ASSERT_TRUE(client.Send(MakeRequest("GET", target)));
    auto res = client.ReadResponse();
    ASSERT_TRUE(res) << "request " << i;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "path=" + target);
    EXPECT_FALSE(res->HasHeader("Connection"));
  }
  EXPECT_FALSE(client.server_closed());
}

TEST_F(KeepAliveTest, ReusesOneUpstreamConnectionForSequentialRequests) {
  RawClient client(port());
  constexpr int kRequests = 6;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(client.Send(MakeRequest(i % 2 ? "POST" : "GET", "/", {}, i % 2 ? "payload" : "")));
    auto res = client.ReadResponse();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  EXPECT_EQ(upstream.request_count(), static_cast<std::size_t>(kRequests));
  EXPECT_EQ(upstream.connections_accepted(), 1u);
  const auto reqs = upstream.requests();
  for (int i = 0; i < kRequests; ++i) {
    EXPECT_EQ(reqs[i].connection, 1u);
    EXPECT_EQ(reqs[i].index_on_connection, static_cast<std::size_t>(i));
  }
}

TEST_F(KeepAliveTest, UpstreamConnectionCloseIsNotReused) {
  // The backend says Connection: close: sluice must not send the next request on that socket.
  Reply closing = Reply::Ok("bye");
  closing.headers.emplace_back("Connection", "close");
  upstream.Enqueue(closing);
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/1")));
  auto first = client.ReadResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_FALSE(first->HasHeader("Connection")) << "the backend's close is not the client's";
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/2")));
  auto second = client.ReadResponse();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(upstream.connections_accepted(), 2u);
}

TEST_F(KeepAliveTest, AnswersThreePipelinedRequestsInOrder) {
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok("answer" + r.target); });
  // The first answer is the slowest: a proxy that reordered would put it last.
  Reply slow = Reply::Ok("answer/a");
  slow.delay = 100ms;
  upstream.Enqueue(slow);
  const std::string batch = MakeRequest("GET", "/a") + MakeRequest("GET", "/b") +
                            MakeRequest("GET", "/c", {"Connection: close"});
  auto stream = ReadUntilClosed(port(), batch);
  EXPECT_TRUE(stream.server_closed);
  const auto responses = ParseResponses(stream.data);
  ASSERT_EQ(responses.size(), 3u) << stream.data;
  EXPECT_EQ(responses[0].body, "answer/a");
  EXPECT_EQ(responses[1].body, "answer/b");
  EXPECT_EQ(responses[2].body, "answer/c");
  EXPECT_EQ(responses[2].Header("Connection"), "close");
  const auto reqs = upstream.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].target, "/a");
  EXPECT_EQ(reqs[1].target, "/b");
  EXPECT_EQ(reqs[2].target, "/c");
}

TEST_F(KeepAliveTest, PipelinedPostsKeepTheirBodiesApart) {
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok(r.body); });
  const std::string batch = MakeRequest("POST", "/1", {}, "first-body") +
                            MakeRequest("POST", "/2", {}, "second") +
                            MakeRequest("GET", "/3", {"Connection: close"});
  auto stream = ReadUntilClosed(port(), batch);
  const auto responses = ParseResponses(stream.data);
  ASSERT_EQ(responses.size(), 3u) << stream.data;
  EXPECT_EQ(responses[0].body, "first-body");
  EXPECT_EQ(responses[1].body, "second");
  EXPECT_EQ(responses[2].body, "");
}

// Regression (fixed in bc1c976): the last allowed response went out without
// "Connection: close" and the connection was closed anyway, so a client reusing it lost its
// next request (RFC 9112 §9.6: a server about to close says so in that response).
TEST_F(KeepAliveTest, ClosesAfterMaxRequestsPerConnection) {
  config.listeners[0].max_requests_per_connection = 2;
  StartGateway();
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/1")));
  auto first = client.ReadResponse();
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->HasHeader("Connection"));
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/2")));
  auto second = client.ReadResponse();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitForClose(3s));
}

TEST_F(KeepAliveTest, Http10KeepAliveRequestStaysOpen) {
  RawClient client(port());
  ASSERT_TRUE(
      client.Send("GET /1 HTTP/1.0\r\nHost: example.test\r\nConnection: keep-alive\r\n\r\n"));
  auto first = client.ReadResponse();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->Header("Connection"), "keep-alive");
  ASSERT_TRUE(client.Send("GET /2 HTTP/1.0\r\nHost: example.test\r\n\r\n"));
  auto second = client.ReadResponse();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitForClose(3s));
}

TEST_F(KeepAliveTest, HalfClosedClientStillGetsItsResponse) {
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  client.ShutdownWrite();  // like `printf ... | nc`: the request, then end of input
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "backend");
  EXPECT_TRUE(client.WaitForClose(3s));
}

TEST_F(KeepAliveTest, ChunkedRequestWithTrailersLeavesConnectionReusable) {
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok("body=" + r.body); });
  const std::string batch =
      "POST /a HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\nX-Checksum: 123\r\n\r\n" +
      MakeRequest("GET", "/b", {"Connection: close"});
  auto stream = ReadUntilClosed(port(), batch);
  const auto responses = ParseResponses(stream.data);
  ASSERT_EQ(responses.size(), 2u) << stream.data;
  EXPECT_EQ(responses[0].body, "body=abc");
  EXPECT_EQ(responses[1].status, 200);
  EXPECT_EQ(responses[1].body, "body=");
}

TEST_F(KeepAliveTest, DoesNotReuseUpstreamConnectionIdleLongerThanIdleTimeout) {
  config.clusters[0].idle_timeout = 100ms;
  StartGateway();
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/1")));
  ASSERT_TRUE(client.ReadResponse());
  // Not synchronisation: the behaviour under test is what happens once this much time passed.
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/2")));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(upstream.connections_accepted(), 2u);
}

TEST_F(KeepAliveTest, MaxIdleZeroNeverPoolsUpstreamConnections) {
  config.clusters[0].max_idle_per_endpoint = 0;
  StartGateway();
  RawClient client(port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
    ASSERT_TRUE(client.ReadResponse());
  }
  EXPECT_EQ(upstream.connections_accepted(), 3u);
}

}  // namespace
}  // namespace sluice::testing
