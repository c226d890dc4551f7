// Bodies in both directions: chunked requests decoded and re-framed for the backend, chunked
// and large responses streamed to the client (as chunks over HTTP/1.1, DATA frames over h2c),
// body limits, and Expect: 100-continue (HTTP/1.1 only).
#include <gtest/gtest.h>

#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

using BodyStreamingTest = ProtocolProxyFixture;
using Http1BodyStreamingTest = ProxyFixture;
using H2BodyStreamingTest = ProxyFixture;

std::string Pattern(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

TEST_F(Http1BodyStreamingTest, ForwardsChunkedRequestBodyDecoded) {
  upstream.SetHandler(
      [](const RecordedRequest& r) { return Reply::Ok("len=" + std::to_string(r.body.size())); });
  const std::string request =
      "POST /upload HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n"
      "5\r\nhello\r\n"
      "1;ext=1\r\n \r\n"
      "6\r\nworld!\r\n"
      "0\r\n\r\n";
  auto ex = SendAndReadResponse(port(), request);
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 200);
  EXPECT_EQ(ex.response->body, "len=12");
  ASSERT_EQ(upstream.request_count(), 1u);
  const auto req = upstream.requests()[0];
  EXPECT_EQ(req.body, "hello world!");
  EXPECT_EQ(req.HeaderCount("Content-Length") + req.HeaderCount("Transfer-Encoding"), 1u)
      << "exactly one framing header goes to the backend";
}

TEST_F(Http1BodyStreamingTest, ForwardsLargeChunkedRequestBody) {
  const std::string body = Pattern(300 * 1024);
  upstream.SetHandler(
      [](const RecordedRequest& r) { return Reply::Ok("len=" + std::to_string(r.body.size())); });
  std::string request =
      "PUT /big HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n";
  for (std::size_t pos = 0; pos < body.size(); pos += 10000) {
    const auto piece = body.substr(pos, 10000);
    char size[16];
    std::snprintf(size, sizeof(size), "%zx\r\n", piece.size());
    request += size + piece + "\r\n";
  }
  request += "0\r\n\r\n";
  auto ex = SendAndReadResponse(port(), request);
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 200);
  EXPECT_EQ(ex.response->body, "len=" + std::to_string(body.size()));
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_TRUE(upstream.requests()[0].body == body) << "request body corrupted";
}

// Over HTTP/2 the request body is larger than the initial 64 KiB stream window, so it only
// arrives whole if sluice reopens the window as the upstream takes the bytes.
TEST_P(BodyStreamingTest, ForwardsLargeRequestBodyIntact) {
  const std::string body = Pattern(300 * 1024);
  upstream.SetHandler(
      [](const RecordedRequest& r) { return Reply::Ok("len=" + std::to_string(r.body.size())); });
  auto res = Send("PUT", "/big", {}, body, 20s);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "len=" + std::to_string(body.size()));
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_TRUE(upstream.requests()[0].body == body) << "request body corrupted";
  EXPECT_EQ(upstream.requests()[0].Header("Content-Length"), std::to_string(body.size()));
}

TEST_F(H2BodyStreamingTest, ForwardsLargeRequestBodyOfUnknownLengthChunked) {
  const std::string body = Pattern(300 * 1024);
  upstream.SetHandler(
      [](const RecordedRequest& r) { return Reply::Ok("len=" + std::to_string(r.body.size())); });
  H2Client client;
  ASSERT_TRUE(client.Connect(port())) << client.error();
  auto res = client.Request("PUT", "/big", {}, body, 20s);  // DATA frames, no content-length
  ASSERT_TRUE(res.complete());
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "len=" + std::to_string(body.size()));
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_TRUE(upstream.requests()[0].body == body) << "request body corrupted";
  EXPECT_EQ(upstream.requests()[0].Header("Transfer-Encoding"), "chunked");
}

TEST_P(BodyStreamingTest, StreamsChunkedResponseToClient) {
  Reply reply = Reply::Ok("first-second-third");
  reply.chunked = true;
  reply.chunk_size = 6;
  upstream.Enqueue(reply);
  HttpClient client(protocol(), port());
  auto res = client.Get("/stream");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  // HTTP/1.1 relays it chunked; HTTP/2 as DATA frames, which need no framing header at all.
  EXPECT_EQ(res->chunked, !h2());
  EXPECT_EQ(res->HeaderCount("Transfer-Encoding"), h2() ? 0u : 1u);
  EXPECT_FALSE(res->HasHeader("Content-Length"));
  EXPECT_EQ(res->body, "first-second-third");
  // The body ended exactly: the connection carries another exchange.
  auto next = client.Get("/after");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(upstream.connections_accepted(), 1u) << "a cleanly ended chunked response is reusable";
}

TEST_P(BodyStreamingTest, StreamsEightMebibyteResponseIntact) {
  const std::string body = Pattern(8 * 1024 * 1024);
  Reply chunked = Reply::Ok(body);
  chunked.chunked = true;
  chunked.chunk_size = 64 * 1024;
  upstream.Enqueue(chunked);
  upstream.Enqueue(Reply::Ok(body));  // the same with Content-Length
  HttpClient client(protocol(), port());
  auto first = client.Get("/big-chunked", {}, 20s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->chunked, !h2());
  EXPECT_EQ(first->body.size(), body.size());
  EXPECT_TRUE(first->body == body) << "chunked body corrupted";

  auto second = client.Get("/big-length", {}, 20s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->Header("Content-Length"), std::to_string(body.size()));
  EXPECT_TRUE(second->body == body) << "content-length body corrupted";
}

TEST_P(BodyStreamingTest, ResponseDelimitedByCloseIsRelayedWhole) {
  // An HTTP/1.0-style backend response with no length: ends when the backend closes.
  upstream.Enqueue(Reply::Raw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil-close",
                              /*close_after=*/true));
  auto res = Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->chunked, !h2());
  EXPECT_EQ(res->body, "until-close");
}

TEST_P(BodyStreamingTest, RejectsDeclaredOversizedBodyWith413) {
  config.routes[0].max_body_bytes = 1024;
  StartGateway();
  auto res = Send("POST", "/upload", {}, std::string(4096, 'b'));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(res->Header("X-Sluice-Reason"), "body_too_large");
  EXPECT_EQ(upstream.request_count(), 0u);
}

// Without a content-length the limit can only be found while streaming: the request has
// already gone upstream, and the client still gets 413 rather than a truncated upload.
TEST_F(H2BodyStreamingTest, StreamedBodyPastTheLimitGets413) {
  config.routes[0].max_body_bytes = 1024;
  StartGateway();
  H2Client client;
  ASSERT_TRUE(client.Connect(port())) << client.error();
  auto res = client.Request("POST", "/upload", {}, std::string(4096, 'b'));
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(res.Header("x-sluice-reason"), "body_too_large");
  EXPECT_TRUE(res.closed);
  EXPECT_EQ(upstream.requests().size() == 1 ? upstream.requests()[0].body.size() : 0u, 0u)
      << "no complete oversized body may reach the backend";
  auto next = client.Get("/after");
  EXPECT_TRUE(next.complete()) << "a 413 on one stream leaves the connection usable";
  EXPECT_EQ(next.status, 200);
}

TEST_F(Http1BodyStreamingTest, SendsContinueThenFinalResponse) {
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok("got " + r.body); });
  RawClient client(port());
  ASSERT_TRUE(
      client.Send("POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: 5\r\n"
                  "Expect: 100-continue\r\n\r\n"));
  auto interim = client.ReadResponse();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  EXPECT_EQ(interim->raw, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.Send("hello"));
  auto final_response = client.ReadResponse();
  ASSERT_TRUE(final_response);
  EXPECT_EQ(final_response->status, 200);
  EXPECT_EQ(final_response->body, "got hello");
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].HeaderCount("Expect"), 0u) << "sluice answers Expect itself";
}

TEST_F(Http1BodyStreamingTest, RejectsOversizedExpectContinueWith413WithoutContinue) {
  config.routes[0].max_body_bytes = 1024;
  StartGateway();
  RawClient client(port());
  ASSERT_TRUE(
      client.Send("POST /upload HTTP/1.1\r\nHost: example.test\r\nContent-Length: 4096\r\n"
                  "Expect: 100-continue\r\n\r\n"));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413) << "no 100 Continue may precede the rejection";
  EXPECT_EQ(res->Header("X-Sluice-Reason"), "body_too_large");
  EXPECT_TRUE(client.WaitForClose(3s));
  EXPECT_EQ(client.buffered(), "");
  EXPECT_EQ(upstream.connections_accepted(), 0u);
  EXPECT_EQ(upstream.request_count(), 0u);
}

TEST_P(BodyStreamingTest, ClientVanishingMidResponseLeavesGatewayServing) {
  const std::string body = Pattern(4 * 1024 * 1024);
  upstream.SetHandler([body](const RecordedRequest& r) {
    return r.target == "/big" ? Reply::Ok(body) : Reply::Ok("small");
  });
  if (h2()) {
    H2Client quitter;
    ASSERT_TRUE(quitter.Connect(port()));
    const int32_t id = quitter.Submit("GET", "/big");
    // Read only the start, then go away with most of the body undelivered.
    ASSERT_TRUE(quitter.RunUntil([&] { return !quitter.Snapshot(id).body.empty(); }));
    EXPECT_EQ(quitter.Snapshot(id).status, 200);
  } else {
    RawClient quitter(port());
    ASSERT_TRUE(quitter.Send(MakeRequest("GET", "/big")));
    ASSERT_TRUE(quitter.ReadSome());
    EXPECT_TRUE(quitter.buffered().starts_with("HTTP/1.1 200"));
  }
  auto res = Get("/small");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "small");
}

// HTTP/2's way to abandon one download: RST_STREAM, after which the same connection serves on.
TEST_F(H2BodyStreamingTest, StreamResetMidResponseLeavesConnectionServing) {
  const std::string body = Pattern(4 * 1024 * 1024);
  upstream.SetHandler([body](const RecordedRequest& r) {
    return r.target == "/big" ? Reply::Ok(body) : Reply::Ok("small");
  });
  H2Client client;
  ASSERT_TRUE(client.Connect(port()));
  const int32_t id = client.Submit("GET", "/big");
  ASSERT_TRUE(client.RunUntil([&] { return !client.Snapshot(id).body.empty(); }));
  client.ResetStream(id);
  auto res = client.Get("/small");
  ASSERT_TRUE(res.complete());
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "small");
  EXPECT_LT(client.Snapshot(id).body.size(), body.size());
}

INSTANTIATE_TEST_SUITE_P(Protocols, BodyStreamingTest, BothProtocols(), ProtocolTestName);

}  // namespace
}  // namespace sluice::testing
