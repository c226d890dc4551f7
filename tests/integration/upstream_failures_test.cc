// Misbehaving backends: malformed responses become 502 upstream_bad_response and their
// connections are never reused; a body that goes bad after the head was sent ends the client
// connection; a kept-alive connection the backend closed is retried on a fresh one.
#include <gtest/gtest.h>

#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

struct BadResponseCase {
  std::string name;
  std::string raw;
};

std::ostream& operator<<(std::ostream& os, const BadResponseCase& c) { return os << c.name; }

class BadUpstreamResponseTest : public ProxyFixture,
                                public ::testing::WithParamInterface<BadResponseCase> {};

TEST_P(BadUpstreamResponseTest, Gets502AndNextRequestUsesNewConnection) {
  upstream.Enqueue(Reply::Raw(GetParam().raw));
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/bad")));
  auto first = client.ReadResponse();
  ASSERT_TRUE(first) << "no response; buffered: " << client.buffered();
  EXPECT_EQ(first->status, 502);
  EXPECT_EQ(first->Header("X-Sluice-Reason"), "upstream_bad_response");
  EXPECT_TRUE(first->HasHeader("X-Request-Id"));

  // The client connection survives a 502; the broken upstream connection does not.
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/good")));
  auto second = client.ReadResponse();
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
    [](const auto& info) { return info.param.name; });

using UpstreamFailuresTest = ProxyFixture;

// Regression (fixed in bc1c976): the response head is held back until the first body write;
// when the very first body read failed the client got a closed connection and no bytes at all
// instead of a 502.
TEST_F(UpstreamFailuresTest, BadChunkBeforeAnyBodyGets502) {
  upstream.Enqueue(
      Reply::Raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"));
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res) << "nothing came back; closed=" << client.server_closed()
                   << " buffered=" << client.buffered();
  EXPECT_EQ(res->status, 502);
  EXPECT_EQ(res->Header("X-Sluice-Reason"), "upstream_bad_response");
}

TEST_F(UpstreamFailuresTest, BadChunkAfterHeadWasSentClosesClientConnection) {
  // Enough good body first that the head and the first chunk must already be on the wire.
  const std::string good(20000, 'g');
  char size[16];
  std::snprintf(size, sizeof(size), "%zx", good.size());
  upstream.Enqueue(Reply::Raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                              std::string(size) + "\r\n" + good + "\r\nzz\r\nbad\r\n0\r\n\r\n"));
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

TEST_F(UpstreamFailuresTest, ShortContentLengthBodyClosesClientConnection) {
  upstream.Enqueue(Reply::Raw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-ten!!",
                              /*close_after=*/true));
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  const std::string received = client.ReadUntilClosed(3s);
  EXPECT_TRUE(client.server_closed());
  EXPECT_NE(ParseResponse(received, false, true).status, ParseStatus::kComplete)
      << "the client must be able to tell the body was cut short";
}

TEST_F(UpstreamFailuresTest, UpstreamClosingWithoutResponseGets502Reset) {
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Close(); });
  auto ex = SendAndReadResponse(port(), MakeRequest("GET", "/", {"Connection: close"}));
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 502);
  EXPECT_EQ(ex.response->Header("X-Sluice-Reason"), "upstream_reset");
}

TEST_F(UpstreamFailuresTest, RetriesStaleKeptAliveConnectionOnce) {
  // First answer looks keep-alive but the backend closes right after it.
  Reply first = Reply::Ok("first");
  first.close_after = true;
  upstream.Enqueue(first);
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/1")));
  auto r1 = client.ReadResponse();
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->body, "first");
  ASSERT_TRUE(WaitUntil([&] { return upstream.connections_closed() == 1; }, 5s));

  ASSERT_TRUE(client.Send(MakeRequest("GET", "/2")));
  auto r2 = client.ReadResponse();
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 200) << r2->Header("X-Sluice-Reason").value_or("");
  EXPECT_EQ(r2->body, "backend");
  EXPECT_EQ(upstream.connections_accepted(), 2u);
  EXPECT_EQ(upstream.request_count(), 2u);
}

TEST_F(UpstreamFailuresTest, InterimResponsesFromUpstreamAreSkipped) {
  upstream.Enqueue(
      Reply::Raw("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                 "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal"));
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "final");
}

}  // namespace
}  // namespace sluice::testing
