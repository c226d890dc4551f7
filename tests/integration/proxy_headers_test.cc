// Basic proxying and the header rewriting a proxy owes both sides (RFC 9110 §7.6): Via,
// X-Request-Id, X-Forwarded-For/-Proto, hop-by-hop removal, HEAD framing; over HTTP/1.1 and h2c
// alike, except what only one protocol's framing can express.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "support/proxy_fixture.h"

namespace sluice::testing {
namespace {

// Behaviour that must not depend on the client's protocol: run over HTTP/1.1 and h2c.
using ProxyHeadersTest = ProtocolProxyFixture;
// HTTP/1.1 framing: Connection, HTTP/1.0, chunked coding.
using Http1ProxyHeadersTest = ProxyFixture;
// What only HTTP/2 has: no Connection header, bodies without a declared length.
using H2ProxyHeadersTest = ProxyFixture;

bool IsHex32(const std::string& s) { return std::regex_match(s, std::regex("[0-9a-f]{32}")); }

TEST_P(ProxyHeadersTest, ProxiesGetAndAddsViaAndRequestId) {
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Ok("hello from backend"); });
  auto res = Get("/hello?x=1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello from backend");
  // The response came from the upstream over HTTP/1.1 whatever the client speaks.
  EXPECT_EQ(res->Header("Via"), "1.1 sluice");
  EXPECT_EQ(res->Header("Content-Type"), "text/plain");
  const auto id = res->Header("X-Request-Id");
  ASSERT_TRUE(id);
  EXPECT_TRUE(IsHex32(*id)) << *id;

  ASSERT_EQ(upstream.request_count(), 1u);
  const auto req = upstream.requests()[0];
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.target, "/hello?x=1");
  EXPECT_EQ(req.Header("Host"), "example.test");
  // RFC 9110 §7.6.3: the received-protocol is the client's.
  EXPECT_EQ(req.Header("Via"), h2() ? "2 sluice" : "1.1 sluice");
  EXPECT_EQ(req.Header("X-Request-Id"), id) << "the upstream sees the id the client gets";
  EXPECT_EQ(req.Header("X-Forwarded-Proto"), "http");
}

TEST_P(ProxyHeadersTest, GeneratesDistinctRequestIdsPerRequest) {
  HttpClient client(protocol(), port());
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto res = client.Get("/");
    ASSERT_TRUE(res);
    ASSERT_TRUE(res->Header("X-Request-Id"));
    EXPECT_TRUE(IsHex32(*res->Header("X-Request-Id")));
    ids.insert(*res->Header("X-Request-Id"));
  }
  EXPECT_EQ(ids.size(), 5u);
}

TEST_P(ProxyHeadersTest, KeepsValidClientRequestIdAndEchoesItToUpstream) {
  auto res = Get("/", {{"X-Request-Id", "client-id-123"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->Header("X-Request-Id"), "client-id-123");
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("X-Request-Id"), "client-id-123");
  EXPECT_EQ(upstream.requests()[0].HeaderCount("X-Request-Id"), 1u);
}

TEST_P(ProxyHeadersTest, ReplacesOverlongClientRequestId) {
  auto res = Get("/", {{"X-Request-Id", std::string(200, 'a')}});
  ASSERT_TRUE(res);
  const auto id = res->Header("X-Request-Id");
  ASSERT_TRUE(id);
  EXPECT_TRUE(IsHex32(*id)) << *id;
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("X-Request-Id"), id);
}

TEST_P(ProxyHeadersTest, ProxiesPostBodyWithContentLength) {
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok("got:" + r.body); });
  auto res = Send("POST", "/submit", {{"Content-Type", "application/json"}}, R"({"k":"v"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"(got:{"k":"v"})");
  ASSERT_EQ(upstream.request_count(), 1u);
  const auto req = upstream.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.body, R"({"k":"v"})");
  EXPECT_EQ(req.Header("Content-Length"), "9");
  EXPECT_EQ(req.Header("Content-Type"), "application/json");
  EXPECT_EQ(req.HeaderCount("Transfer-Encoding"), 0u);
}

TEST_P(ProxyHeadersTest, PassesUpstreamStatusAndBodyThrough) {
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Status(418, "teapot"); });
  auto res = Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 418);
  EXPECT_EQ(res->body, "teapot");
  EXPECT_FALSE(res->HasHeader("X-Sluice-Reason")) << "a backend answer is not local";
}

TEST_P(ProxyHeadersTest, ReplacesUntrustedClientForwardedFor) {
  auto res = Get("/", {{"X-Forwarded-For", "1.2.3.4"},
                       {"X-Forwarded-For", "5.6.7.8"},
                       {"X-Forwarded-Proto", "https"}});
  ASSERT_TRUE(res);
  ASSERT_EQ(upstream.request_count(), 1u);
  const auto req = upstream.requests()[0];
  EXPECT_EQ(req.HeaderCount("X-Forwarded-For"), 1u);
  EXPECT_EQ(req.Header("X-Forwarded-For"), "127.0.0.1");
  EXPECT_EQ(req.HeaderCount("X-Forwarded-Proto"), 1u);
  EXPECT_EQ(req.Header("X-Forwarded-Proto"), "http");
}

TEST_P(ProxyHeadersTest, AppendsToTrustedProxyForwardedFor) {
  config.listeners[0].trusted_proxies.push_back({"127.0.0.0/8"});
  StartGateway();
  auto res = Get("/", {{"X-Forwarded-For", "1.2.3.4"}});
  ASSERT_TRUE(res);
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("X-Forwarded-For"), "1.2.3.4, 127.0.0.1");
}

TEST_P(ProxyHeadersTest, KeepsTrustedProxyForwardedProto) {
  config.listeners[0].trusted_proxies.push_back({"127.0.0.1/32"});
  StartGateway();
  auto res = Get("/", {{"X-Forwarded-Proto", "https"}});
  ASSERT_TRUE(res);
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("X-Forwarded-Proto"), "https");
}

TEST_P(ProxyHeadersTest, ReplacesClientRequestIdWithControlOrSpaceCharacters) {
  auto res = Get("/", {{"X-Request-Id", "has space"}});
  ASSERT_TRUE(res);
  const auto id = res->Header("X-Request-Id");
  ASSERT_TRUE(id);
  EXPECT_TRUE(IsHex32(*id)) << *id;
}

TEST_P(ProxyHeadersTest, AppendsViaToExistingVia) {
  Reply reply = Reply::Ok("x");
  reply.headers.emplace_back("Via", "1.1 backend-cache");
  upstream.Enqueue(reply);
  auto res = Get("/", {{"Via", "1.0 client-proxy"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->Header("Via"), "1.1 backend-cache, 1.1 sluice");
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("Via"),
            h2() ? "1.0 client-proxy, 2 sluice" : "1.0 client-proxy, 1.1 sluice");
}

TEST_F(Http1ProxyHeadersTest, ViaOfAnHttp10RequestSaysHttp10) {
  auto ex = SendAndReadResponse(port(), "GET / HTTP/1.0\r\nHost: example.test\r\n\r\n");
  ASSERT_TRUE(ex.response);
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("Via"), "1.0 sluice");
}

// HTTP/2 has no Connection header to name hop-by-hop fields (RFC 9113 §8.2.2); the one it
// allows, "TE: trailers", still ends at sluice.
TEST_F(H2ProxyHeadersTest, TeTrailersDoesNotReachTheUpstream) {
  HttpClient client(Protocol::kH2c, port());
  auto res = client.Get("/", {{"TE", "trailers"}, {"X-End-To-End", "kept"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].HeaderCount("TE"), 0u);
  EXPECT_EQ(upstream.requests()[0].Header("X-End-To-End"), "kept");
}

// A request body of unknown length (DATA frames without content-length) is re-framed chunked
// for the HTTP/1.1 upstream.
TEST_F(H2ProxyHeadersTest, BodyWithoutContentLengthReachesUpstreamChunked) {
  upstream.SetHandler([](const RecordedRequest& r) { return Reply::Ok("got:" + r.body); });
  H2Client client;
  ASSERT_TRUE(client.Connect(port())) << client.error();
  const int32_t id = client.Submit("POST", "/upload", {}, std::nullopt, /*end_stream=*/false);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(client.SendData(id, "part one, "));
  ASSERT_TRUE(client.SendData(id, "part two", /*end_stream=*/true));
  auto res = client.Await(id);
  ASSERT_TRUE(res.complete());
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "got:part one, part two");
  ASSERT_EQ(upstream.request_count(), 1u);
  const auto req = upstream.requests()[0];
  EXPECT_EQ(req.Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(req.HeaderCount("Content-Length"), 0u);
}

TEST_F(Http1ProxyHeadersTest, RemovesHopByHopRequestHeaders) {
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

TEST_P(ProxyHeadersTest, RemovesHopByHopResponseHeaders) {
  Reply reply = Reply::Ok("body");
  reply.headers.insert(reply.headers.end(), {{"Connection", "X-Hop"},
                                             {"X-Hop", "1"},
                                             {"Keep-Alive", "timeout=5"},
                                             {"Proxy-Connection", "keep-alive"},
                                             {"Upgrade", "h2c"},
                                             {"Trailer", "X-Checksum"},
                                             {"X-End-To-End", "kept"}});
  upstream.Enqueue(reply);
  HttpClient client(protocol(), port());
  auto res = client.Get("/");
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
  auto second = client.Get("/again");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
}

TEST_P(ProxyHeadersTest, HeadRequestGetsNoBodyButKeepsContentLength) {
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Ok(std::string(1234, 'x')); });
  HttpClient client(protocol(), port());
  auto head = client.Fetch("HEAD", "/file");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "1234");
  EXPECT_TRUE(head->body.empty());
  // No body bytes may follow a HEAD response: the next response must parse cleanly.
  upstream.SetHandler([](const RecordedRequest&) { return Reply::Ok("next"); });
  auto next = client.Get("/next");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "next");
  ASSERT_EQ(upstream.request_count(), 2u);
  EXPECT_EQ(upstream.requests()[0].method, "HEAD");
}

TEST_F(Http1ProxyHeadersTest, Http10ClientGetsResponseAndClose) {
  auto ex = SendAndReadResponse(port(), "GET /old HTTP/1.0\r\nHost: example.test\r\n\r\n");
  ASSERT_TRUE(ex.response);
  EXPECT_EQ(ex.response->status, 200);
  EXPECT_EQ(ex.response->body, "backend");
  EXPECT_TRUE(ex.server_closed);
}

TEST_P(ProxyHeadersTest, PassesTraceparentThroughUnchanged) {
  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto res = Get("/", {{"traceparent", tp}});
  ASSERT_TRUE(res);
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].Header("traceparent"), tp);
}

TEST_P(ProxyHeadersTest, NoContentResponseHasNoBodyAndNoLength) {
  upstream.Enqueue(Reply::Status(204));
  HttpClient client(protocol(), port());
  auto res = client.Fetch("DELETE", "/item");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_FALSE(res->HasHeader("Content-Length"));
  EXPECT_FALSE(res->HasHeader("Transfer-Encoding"));
  auto next = client.Get("/next");
  ASSERT_TRUE(next) << "stray bytes after the 204";
  EXPECT_EQ(next->status, 200);
}

// Regression (fixed in bc1c976): a 304 without Content-Length was given "Content-Length: 0",
// which tells caches the stored representation is empty.
TEST_P(ProxyHeadersTest, NotModifiedResponseGetsNoInventedContentLength) {
  Reply not_modified = Reply::Status(304);
  not_modified.headers.emplace_back("ETag", "\"v1\"");
  upstream.Enqueue(not_modified);
  HttpClient client(protocol(), port());
  auto res = client.Get("/cached", {{"If-None-Match", "\"v1\""}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 304);
  EXPECT_EQ(res->Header("ETag"), "\"v1\"");
  EXPECT_FALSE(res->HasHeader("Content-Length")) << res->raw;
  auto next = client.Get("/next");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

// Regression (fixed in bc1c976): HEAD of a resource the backend serves chunked (length
// unknown) was answered with "Content-Length: 0", though a GET returns a non-empty body.
TEST_P(ProxyHeadersTest, HeadOfChunkedResourceDoesNotClaimEmptyBody) {
  upstream.SetHandler([](const RecordedRequest&) {
    Reply r = Reply::Ok("streamed content");
    r.chunked = true;
    return r;
  });
  auto res = Send("HEAD", "/stream");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->Header("Content-Length"), "0") << res->raw;
}

TEST_F(Http1ProxyHeadersTest, Http10ClientGetsChunkedUpstreamBodyDelimitedByClose) {
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

INSTANTIATE_TEST_SUITE_P(Protocols, ProxyHeadersTest, BothProtocols(), ProtocolTestName);

}  // namespace
}  // namespace sluice::testing
