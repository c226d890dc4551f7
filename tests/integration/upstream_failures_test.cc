// Misbehaving backends: malformed responses become 502 upstream_bad_response and their
// connections are never reused; a body that goes bad after the head was sent ends the client
// connection (HTTP/1.1) or resets the stream (HTTP/2); a kept-alive connection the backend
// closed is retried on a fresh one. Over HTTP/1.1 and h2c alike where the client cannot tell.
#include <gtest/gtest.h>

#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

struct BadResponseCase {
  std::string name;
  std::string raw;
};

std::ostream& operator<<(std::ostream& os, const BadResponseCase& c) { return os << c.name; }

class BadUpstreamResponseTest
    : public ProxyFixture,
      public ::testing::WithParamInterface<std::tuple<BadResponseCase, Protocol>> {};

TEST_P(BadUpstreamResponseTest, Gets502AndNextRequestUsesNewConnection) {
  const auto& [bad, protocol] = GetParam();
  upstream.Enqueue(Reply::Raw(bad.raw));
  HttpClient client(protocol, port());
  auto first = client.Get("/bad");
  ASSERT_TRUE(first) << "no response";
  EXPECT_EQ(first->status, 502);
  EXPECT_EQ(first->Header("X-Sluice-Reason"), "upstream_bad_response");
  EXPECT_TRUE(first->HasHeader("X-Request-Id"));

  // The client connection survives a 502; the broken upstream connection does not.
  auto second = client.Get("/good");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "backend");
  EXPECT_EQ(upstream.connections_accepted(), 2u);
  const auto reqs = upstream.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].connection, 2u) << "a connection with a malformed response was reused";
}

INSTANTIATE_TEST_SUITE_P(
    Framing, BadUpstreamResponseTest,
    ::testing::Combine(
        ::testing::Values(
            BadResponseCase{"DuplicateContentLength",
                            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"},
            BadResponseCase{"ConflictingContentLength",
                            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!"},
            BadResponseCase{"ContentLengthAndChunked",
                            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n"
                            "\r\n2\r\nok\r\n0\r\n\r\n"},
            BadResponseCase{"GarbageStatusLine", "HTTP/1.1 OK fine\r\nContent-Length: 2\r\n\r\nok"},
            BadResponseCase{"NotHttpAtAll", "SSH-2.0-OpenSSH_9.0\r\n\r\n"},
            BadResponseCase{"UnsupportedTransferEncoding",
                            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                            "2\r\nok\r\n0\r\n\r\n"},
            BadResponseCase{"SwitchingProtocols",
                            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\n\r\n"}),
        BothProtocols()),
    [](const auto& info) {
      return std::get<0>(info.param).name + "_" +
             std::string(ProtocolName(std::get<1>(info.param)));
    });

using UpstreamFailuresTest = ProtocolProxyFixture;
using Http1UpstreamFailuresTest = ProxyFixture;

// A chunked response whose first chunk, `good`, is fine and whose next chunk size is not hex.
std::string GoodChunkThenBadChunk(const std::string& good) {
  char size[16];
  std::snprintf(size, sizeof(size), "%zx", good.size());
  return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(size) + "\r\n" +
         good + "\r\nzz\r\nbad\r\n0\r\n\r\n";
}

class H2UpstreamFailuresTest : public ProxyFixture {
 protected:
  // The head and the good bytes reach the client, then the stream is reset; the connection
  // and its next stream go on.
  void ExpectResetAfterAGoodFirstChunk(std::size_t good_bytes) {
    const std::string good(good_bytes, 'g');
    upstream.Enqueue(Reply::Raw(GoodChunkThenBadChunk(good)));
    H2Client client;
    ASSERT_TRUE(client.Connect(port())) << client.error();
    auto res = client.Get("/");
    EXPECT_EQ(res.status, 200);
    EXPECT_TRUE(res.closed);
    EXPECT_EQ(res.reset_code, h2error::kInternalError)
        << "the truncated body must not look complete";
    EXPECT_LE(res.body.size(), good.size());
    auto next = client.Get("/next");
    EXPECT_TRUE(next.complete());
    EXPECT_EQ(next.status, 200);
    EXPECT_TRUE(client.connection_open());
  }
};

// Regression (fixed in bc1c976): the response head is held back until the first body write;
// when the very first body read failed the client got a closed connection and no bytes at all
// instead of a 502.
TEST_P(UpstreamFailuresTest, BadChunkBeforeAnyBodyGets502) {
  upstream.Enqueue(
      Reply::Raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"));
  HttpClient client(protocol(), port());
  auto res = client.Get("/");
  ASSERT_TRUE(res) << "nothing came back; closed=" << client.server_closed();
  EXPECT_EQ(res->status, 502);
  EXPECT_EQ(res->Header("X-Sluice-Reason"), "upstream_bad_response");
}

TEST_F(Http1UpstreamFailuresTest, BadChunkAfterHeadWasSentClosesClientConnection) {
  // Enough good body first that the head and the first chunk must already be on the wire.
  upstream.Enqueue(Reply::Raw(GoodChunkThenBadChunk(std::string(20000, 'g'))));
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  const std::string received = client.ReadUntilClosed(3s);
  EXPECT_TRUE(client.server_closed()) << "a truncated response must end the connection";
  EXPECT_TRUE(received.starts_with("HTTP/1.1 200 OK\r\n")) << received.substr(0, 200);
  EXPECT_EQ(received.find("0\r\n\r\n"), std::string::npos)
      << "the truncated body must not look complete (no last-chunk)";
  auto parsed = ParseResponse(received, false, /*at_eof=*/true);
  EXPECT_NE(parsed.status, ParseStatus::kComplete);
}

TEST_F(Http1UpstreamFailuresTest, ShortContentLengthBodyClosesClientConnection) {
  upstream.Enqueue(Reply::Raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-ten!!",
                              /*close_after=*/true));
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  const std::string received = client.ReadUntilClosed(3s);
  EXPECT_TRUE(client.server_closed());
  EXPECT_NE(ParseResponse(received, false, true).status, ParseStatus::kComplete)
      << "the client must be able to tell the body was cut short";
}

// HTTP/2 has no connection to close for one response: the stream is reset instead, so the
// client still cannot take the truncated body for a whole one, and its other streams go on.
TEST_F(H2UpstreamFailuresTest, BadChunkAfterHeadWasSentResetsTheStreamOnly) {
  ExpectResetAfterAGoodFirstChunk(20000);
}

// A small good piece and the bad chunk come in one read: the head queued for the client must
// still go out before the reset (a reset submitted first discards it).
TEST_F(H2UpstreamFailuresTest, BadChunkAfterASmallFirstPieceStillSendsTheHeadFirst) {
  ExpectResetAfterAGoodFirstChunk(100);
}

TEST_F(H2UpstreamFailuresTest, ShortContentLengthBodyResetsTheStreamOnly) {
  upstream.Enqueue(Reply::Raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-ten!!",
                              /*close_after=*/true));
  H2Client client;
  ASSERT_TRUE(client.Connect(port())) << client.error();
  auto res = client.Get("/");
  EXPECT_TRUE(res.closed);
  EXPECT_TRUE(res.reset_code) << "the client must be able to tell the body was cut short";
  auto next = client.Get("/next");
  EXPECT_TRUE(next.complete());
  EXPECT_EQ(next.status, 200);
}

TEST_P(UpstreamFailuresTest, UpstreamClosingWithoutResponseGets502Reset) {
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Close(); });
  auto res = Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502);
  EXPECT_EQ(res->Header("X-Sluice-Reason"), "upstream_reset");
}

TEST_P(UpstreamFailuresTest, RetriesStaleKeptAliveConnectionOnce) {
  // First answer looks keep-alive but the backend closes right after it.
  Reply first = Reply::Ok("first");
  first.close_after = true;
  upstream.Enqueue(first);
  HttpClient client(protocol(), port());
  auto r1 = client.Get("/1");
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->body, "first");
  ASSERT_TRUE(WaitUntil([&] { return upstream.connections_closed() == 1; }, 5s));

  auto r2 = client.Get("/2");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200) << r2->Header("X-Sluice-Reason").value_or("");
  EXPECT_EQ(r2->body, "backend");
  EXPECT_EQ(upstream.connections_accepted(), 2u);
  EXPECT_EQ(upstream.request_count(), 2u);
}

TEST_P(UpstreamFailuresTest, InterimResponsesFromUpstreamAreSkipped) {
  upstream.Enqueue(
      Reply::Raw("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                 "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal"));
  auto res = Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "final");
}

INSTANTIATE_TEST_SUITE_P(Protocols, UpstreamFailuresTest, BothProtocols(), ProtocolTestName);

}  // namespace
}  // namespace sluice::testing
