// Basic proxying and the header rewriting a proxy owes both sides (RFC 9110 §7.6): Via,
// X-Request-Id, X-Forwarded-For/-Proto, hop-by-hop removal, HEAD framing.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

using ProxyHeadersTest = ProxyFixture;

bool IsHex32(const std::string& s) { return std::regex_match(s, std::regex("[0-9a-f]{32}")); }

TEST_F(ProxyHeadersTest, ProxiesGetAndAddsViaAndRequestId) {
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Ok("hello from backend"); });
  auto ex = SendAndReadResponse(port(), MakeRequest("GET", "/hello?x=1", {"Connection: close"}));
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 200);
  EXPECT_EQ(ex.response->body, "hello from backend");
  EXPECT_EQ(ex.response->Header("Via"), "1.1 sluice");
  EXPECT_EQ(ex.response->Header("Content-Type"), "text/plain");
  const auto id = ex.response->Header("X-Request-Id");
  ASSERT_TRUE(id);
  EXPECT_TRUE(IsHex32(*id)) << *id;

  ASSERT_EQ(upstream.request_count(), 1u);
  const auto req = upstream.requests()[0];
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/hello?x=1");
  EXPECT_EQ(req.Header("Host"), "example.test");
  EXPECT_EQ(req.Header("Via"), "1.1 sluice");
  EXPECT_EQ(req.Header("X-Request-Id"), id) << "the upstream sees the id the client gets";
  EXPECT_EQ(req.Header("X-Forwarded-Proto"), "http");
}

TEST_F(ProxyHeadersTest, GeneratesDistinctRequestIdsPerRequest) {
  RawClient client(port());
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
    auto res = client.ReadResponse();
    ASSERT_TRUE(res);
    ASSERT_TRUE(res->Header("X-Request-Id"));
    EXPECT_TRUE(IsHex32(*res->Header("X-Request-Id")));
    ids.insert(*res->Header("X-Request-Id"));
  }
  EXPECT_EQ(ids.size(), 5u);
}

TEST_F(ProxyHeadersTest, KeepsValidClientRequestIdAndEchoesItToUpstream) {
  auto ex = SendAndReadResponse(
      port(), MakeRequest("GET", "/", {"X-Request-Id: client-id-123", "Connection: close"}));
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 200);
  EXPECT_EQ(ex.response->Header("X-Request-Id"), "client-id-123");
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("X-Request-Id"), "client-id-123");
  EXPECT_EQ(upstream.requests()[0].HeaderCount("X-Request-Id"), 1u);
}

TEST_F(ProxyHeadersTest, ReplacesOverlongClientRequestId) {
  const std::string too_long(200, 'a');
  auto ex = SendAndReadResponse(
      port(), MakeRequest("GET", "/", {"X-Request-Id: " + too_long, "Connection: close"}));
  ASSERT_TRUE(ex.response);
  const auto id = ex.response->Header("X-Request-Id");
  ASSERT_TRUE(id);
  EXPECT_TRUE(IsHex32(*id)) << *id;
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("X-Request-Id"), id);
}

TEST_F(ProxyHeadersTest, ProxiesPostBodyWithContentLength) {
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok("got:" + r.body); });
  auto ex = SendAndReadResponse(
      port(), MakeRequest("POST", "/submit",
                          {"Content-Type: application/json", "Connection: close"}, R"({"k":"v"})"));
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 200);
  EXPECT_EQ(ex.response->body, R"(got:{"k":"v"})");
  ASSERT_EQ(upstream.request_count(), 1u);
  const auto req = upstream.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.body, R"({"k":"v"})");
  EXPECT_EQ(req.Header("Content-Length"), "9");
  EXPECT_EQ(req.Header("Content-Type"), "application/json");
  EXPECT_EQ(req.HeaderCount("Transfer-Encoding"), 0u);
}

TEST_F(ProxyHeadersTest, PassesUpstreamStatusAndBodyThrough) {
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Status(418, "teapot"); });
  auto ex = SendAndReadResponse(port(), MakeRequest("GET", "/", {"Connection: close"}));
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 418);
  EXPECT_EQ(ex.response->body, "teapot");
  EXPECT_FALSE(ex.response->HasHeader("X-Sluice-Reason")) << "a backend answer is not local";
}

TEST_F(ProxyHeadersTest, ReplacesUntrustedClientForwardedFor) {
  auto ex = SendAndReadResponse(port(),
                                MakeRequest("GET", "/",
                                            {"X-Forwarded-For: 1.2.3.4", "X-Forwarded-For: 5.6.7.8",
                                             "X-Forwarded-Proto: https", "Connection: close"}));
  ASSERT_TRUE(ex.response);
  ASSERT_EQ(upstream.request_count(), 1u);
  const auto req = upstream.requests()[0];
  EXPECT_EQ(req.HeaderCount("X-Forwarded-For"), 1u);
  EXPECT_EQ(req.Header("X-Forwarded-For"), "127.0.0.1");
  EXPECT_EQ(req.HeaderCount("X-Forwarded-Proto"), 1u);
  EXPECT_EQ(req.Header("X-Forwarded-Proto"), "http");
}

TEST_F(ProxyHeadersTest, AppendsToTrustedProxyForwardedFor) {
  config.listeners[0].trusted_proxies.push_back({"127.0.0.0/8"});
  StartGateway();
  auto ex = SendAndReadResponse(
      port(), MakeRequest("GET", "/", {"X-Forwarded-For: 1.2.3.4", "Connection: close"}));
  ASSERT_TRUE(ex.response);
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("X-Forwarded-For"), "1.2.3.4, 127.0.0.1");
}

TEST_F(ProxyHeadersTest, KeepsTrustedProxyForwardedProto) {
  config.listeners[0].trusted_proxies.push_back({"127.0.0.1/32"});
  StartGateway();
  auto ex = SendAndReadResponse(
      port(), MakeRequest("GET", "/", {"X-Forwarded-Proto: https", "Connection: close"}));
  ASSERT_TRUE(ex.response);
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("X-Forwarded-Proto"), "https");
}

TEST_F(ProxyHeadersTest, ReplacesClientRequestIdWithControlOrSpaceCharacters) {
  auto ex = SendAndReadResponse(
      port(), MakeRequest("GET", "/", {"X-Request-Id: has space", "Connection: close"}));
  ASSERT_TRUE(ex.response);
  const auto id = ex.response->Header("X-Request-Id");
  ASSERT_TRUE(id);
  EXPECT_TRUE(IsHex32(*id)) << *id;
}

TEST_F(ProxyHeadersTest, AppendsViaToExistingVia) {
  Reply reply = Reply::Ok("x");
  reply.headers.emplace_back("Via", "1.1 backend-cache");
  upstream.Enqueue(reply);
  auto ex = SendAndReadResponse(
      port(), MakeRequest("GET", "/", {"Via: 1.0 client-proxy", "Connection: close"}));
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->Header("Via"), "1.1 backend-cache, 1.1 sluice");
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("Via"), "1.0 client-proxy, 1.1 sluice");
}

TEST_F(ProxyHeadersTest, RemovesHopByHopRequestHeaders) {
  auto ex = SendAndReadResponse(
      port(),
      MakeRequest("GET", "/",
                  {"Connection: close, Foo", "Foo: secret", "Keep-Alive: timeout=5", "TE: trailers",
                   "Upgrade: websocket", "Proxy-Connection: keep-alive", "X-End-To-End: kept"}));
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 200);
  EXPECT_TRUE(ex.server_closed) << "the client asked for Connection: close";
  EXPECT_EQ(ex.response->Header("Connection"), "close");
  ASSERT_EQ(upstream.request_count(), 1u);
  const auto req = upstream.requests()[0];
  for (const char* name :
       {"Connection", "Foo", "Keep-Alive", "TE", "Upgrade", "Proxy-Connection"}) {
    EXPECT_EQ(req.HeaderCount(name), 0u) << name << " reached the upstream";
  }
  EXPECT_EQ(req.Header("X-End-To-End"), "kept");
}

TEST_F(ProxyHeadersTest, RemovesHopByHopResponseHeaders) {
  Reply reply = Reply::Ok("body");
  reply.headers.insert(reply.headers.end(), {{"Connection", "X-Hop"},
                                             {"X-Hop", "1"},
                                             {"Keep-Alive", "timeout=5"},
                                             {"Proxy-Connection", "keep-alive"},
                                             {"Upgrade", "h2c"},
                                             {"Trailer", "X-Checksum"},
                                             {"X-End-To-End", "kept"}});
  upstream.Enqueue(reply);
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/")));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "body");
  for (const char* name :
       {"Connection", "X-Hop", "Keep-Alive", "Proxy-Connection", "Upgrade", "Trailer"}) {
    EXPECT_EQ(res->HeaderCount(name), 0u) << name << " reached the client";
  }
  EXPECT_EQ(res->Header("X-End-To-End"), "kept");
  EXPECT_EQ(res->Header("Content-Length"), "4");
  // The backend's Connection header said nothing about our client connection: still usable.
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/again")));
  auto second = client.ReadResponse();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
}

TEST_F(ProxyHeadersTest, HeadRequestGetsNoBodyButKeepsContentLength) {
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Ok(std::string(1234, 'x')); });
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("HEAD", "/file")));
  auto head = client.ReadResponse(5s, /*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "1234");
  EXPECT_TRUE(head->body.empty());
  // No body bytes may follow a HEAD response: the next response must parse cleanly.
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Ok("next"); });
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/next")));
  auto next = client.ReadResponse();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "next");
  ASSERT_EQ(upstream.request_count(), 2u);
  EXPECT_EQ(upstream.requests()[0].method, "HEAD");
}

TEST_F(ProxyHeadersTest, Http10ClientGetsResponseAndClose) {
  auto ex = SendAndReadResponse(port(), "GET /old HTTP/1.0\r\nHost: example.test\r\n\r\n");
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 200);
  EXPECT_EQ(ex.response->body, "backend");
  EXPECT_TRUE(ex.server_closed);
}

TEST_F(ProxyHeadersTest, PassesTraceparentThroughUnchanged) {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto ex = SendAndReadResponse(
      port(), MakeRequest("GET", "/", {"traceparent: " + tp, "Connection: close"}));
  ASSERT_TRUE(ex.response);
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("traceparent"), tp);
}

TEST_F(ProxyHeadersTest, NoContentResponseHasNoBodyAndNoLength) {
  upstream.Enqueue(Reply::Status(204));
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("DELETE", "/item")));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_FALSE(res->HasHeader("Content-Length"));
  EXPECT_FALSE(res->HasHeader("Transfer-Encoding"));
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/next")));
  auto next = client.ReadResponse();
  ASSERT_TRUE(next) << "stray bytes after the 204: " << client.buffered();
  EXPECT_EQ(next->status, 200);
}

// Regression (fixed in bc1c976): a 304 without Content-Length was given "Content-Length: 0",
// which tells caches the stored representation is empty.
TEST_F(ProxyHeadersTest, NotModifiedResponseGetsNoInventedContentLength) {
  Reply not_modified = Reply::Status(304);
  not_modified.headers.emplace_back("ETag", "\"v1\"");
  upstream.Enqueue(not_modified);
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/cached", {"If-None-Match: \"v1\""})));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 304);
  EXPECT_EQ(res->Header("ETag"), "\"v1\"");
  EXPECT_FALSE(res->HasHeader("Content-Length")) << res->raw;
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/next")));
  auto next = client.ReadResponse();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

// Regression (fixed in bc1c976): HEAD of a resource the backend serves chunked (length
// unknown) was answered with "Content-Length: 0", though a GET returns a non-empty body.
TEST_F(ProxyHeadersTest, HeadOfChunkedResourceDoesNotClaimEmptyBody) {
  upstream.SetHandler([](const RecordedRequest&) {
    Reply r = Reply::Ok("streamed content");
    r.chunked = true;
    return r;
  });
  RawClient client(port());
  ASSERT_TRUE(client.Send(MakeRequest("HEAD", "/stream")));
  auto res = client.ReadResponse(5s, /*head_request=*/true);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->Header("Content-Length"), "0") << res->raw;
}

TEST_F(ProxyHeadersTest, Http10ClientGetsChunkedUpstreamBodyDelimitedByClose) {
  Reply reply = Reply::Ok("chunked upstream body");
  reply.chunked = true;
  reply.chunk_size = 5;
  upstream.Enqueue(reply);
  auto stream = ReadUntilClosed(port(), "GET / HTTP/1.0\r\nHost: example.test\r\n\r\n");
  EXPECT_TRUE(stream.server_closed);
  const auto responses = ParseResponses(stream.data);
  ASSERT_EQ(responses.size(), 1u) << stream.data;
  EXPECT_FALSE(responses[0].HasHeader("Transfer-Encoding")) << "HTTP/1.0 has no chunked coding";
  EXPECT_EQ(responses[0].body, "chunked upstream body");
}

}  // namespace
}  // namespace sluice::testing
