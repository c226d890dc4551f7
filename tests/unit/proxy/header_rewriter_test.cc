#include "proxy/header_rewriter.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "http1/response_head_writer.h"

namespace sluice::proxy {
namespace {

using http::Field;

// All values of `name`, in order.
std::vector<std::string> Values(const http::Fields& fields, std::string_view name) {
  std::vector<std::string> out;
  auto [begin, end] = fields.equal_range(name);
  for (auto it = begin; it != end; ++it) out.emplace_back(it->value());
  return out;
}

std::vector<std::string> Names(const http::Fields& fields) {
  std::vector<std::string> out;
  for (const auto& f : fields) out.emplace_back(f.name_string());
  return out;
}

// The head the upstream receives: the rewritten request with the forwarded fields after it.
void RewriteForTest(http::RequestHeader& req, const ForwardingContext& ctx) {
  auto forwarded = RewriteRequestHeaders(req, ctx);
  for (const auto& line : forwarded.lines()) req.insert(line.name, line.value);
}

// The response head the client receives: the head as rewritten, then the fields sluice adds
// (the front end writes those after the head's own).
void RewriteResponseForTest(http::ResponseHeader& res, std::string_view request_id) {
  auto forwarded = RewriteResponseHeaders(res, request_id);
  for (const auto& line : forwarded.lines()) res.insert(line.name, line.value);
}

http::RequestHeader Request() {
  http::RequestHeader req;
  req.method(http::Verb::get);
  req.target("/");
  req.version(11);
  req.set(Field::host, "example.com");
  return req;
}

ForwardingContext Context(bool trusted = false, bool tls = false) {
  return ForwardingContext{"192.0.2.10", trusted, tls, "0123456789abcdef0123456789abcdef"};
}

// --- StripHopByHop ---

TEST(StripHopByHopTest, RemovesTheFixedHopByHopAndFramingFields) {
  http::Fields f;
  f.insert(Field::connection, "keep-alive");
  f.insert(Field::keep_alive, "timeout=5");
  f.insert(Field::proxy_connection, "keep-alive");
  f.insert(Field::transfer_encoding, "chunked");
  f.insert(Field::te, "trailers");
  f.insert(Field::trailer, "X-Sum");
  f.insert(Field::upgrade, "websocket");
  f.insert(Field::content_length, "5");
  f.insert(Field::proxy_authorization, "Basic Zm9vOmJhcg==");
  f.insert(Field::content_type, "text/plain");
  StripHopByHop(f);
  EXPECT_EQ(Names(f), std::vector<std::string>{"Content-Type"});
}

TEST(StripHopByHopTest, RemovesEveryFieldOfARepeatedHopByHopName) {
  http::Fields f;
  f.insert(Field::content_length, "5");
  f.insert(Field::content_length, "6");
  f.insert(Field::transfer_encoding, "gzip");
  f.insert(Field::transfer_encoding, "chunked");
  StripHopByHop(f);
  EXPECT_EQ(f.begin(), f.end());
}

TEST(StripHopByHopTest, RemovesNamesListedInConnection) {
  http::Fields f;
  f.insert(Field::connection, "close, X-Private ,\tX-Tab\t, ,x-lower");
  f.insert("X-Private", "1");
  f.insert("X-Tab", "2");
  f.insert("X-Lower", "3");
  f.insert("X-Public", "4");
  StripHopByHop(f);
  EXPECT_EQ(Names(f), std::vector<std::string>{"X-Public"});
}

TEST(StripHopByHopTest, RemovesNamesListedInEveryConnectionField) {
  http::Fields f;
  f.insert(Field::connection, "X-A");
  f.insert(Field::connection, "X-B");
  f.insert("X-A", "1");
  f.insert("X-B", "2");
  f.insert("X-A", "3");
  f.insert("X-C", "4");
  StripHopByHop(f);
  EXPECT_EQ(Names(f), std::vector<std::string>{"X-C"});
}

TEST(StripHopByHopTest, KeepsEndToEndFieldsInOrder) {
  http::Fields f;
  f.insert(Field::set_cookie, "a=1");
  f.insert(Field::cache_control, "no-cache");
  f.insert(Field::set_cookie, "b=2");
  f.insert(Field::authorization, "Bearer t");
  StripHopByHop(f);
  // (Beast's fields keep a repeated name next to its first occurrence.)
  EXPECT_EQ(Names(f), (std::vector<std::string>{"Set-Cookie", "Set-Cookie", "Cache-Control",
                                                "Authorization"}));
  EXPECT_EQ(Values(f, "Set-Cookie"), (std::vector<std::string>{"a=1", "b=2"}));
}

TEST(StripHopByHopTest, EmptyConnectionValueIsHarmless) {
  http::Fields f;
  f.insert(Field::connection, "");
  f.insert(Field::connection, " , ");
  f.insert("X-A", "1");
  StripHopByHop(f);
  EXPECT_EQ(Names(f), std::vector<std::string>{"X-A"});
}

TEST(StripHopByHopTest, RemovesEveryNameHttp1ConsidersHopByHop) {
  for (const char* name :
       {"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Trailer",
        "Upgrade", "Proxy-Authenticate", "Proxy-Authorization"}) {
    ASSERT_TRUE(http1::IsHopByHop(name)) << name;
    http::Fields f;
    f.insert(name, "x");
    StripHopByHop(f);
    EXPECT_EQ(f.count(name), 0u) << name;
  }
}

// --- RewriteRequestHeaders ---

TEST(RewriteRequestHeadersTest, AddsViaWhenAbsent) {
  auto req = Request();
  RewriteForTest(req, Context());
  EXPECT_EQ(Values(req, "Via"), std::vector<std::string>{"1.1 sluice"});
}

TEST(RewriteRequestHeadersTest, ViaNamesHttp2ForARequestReceivedOverHttp2) {
  auto req = Request();  // an HTTP/2 stream's head carries version 11 (HTTP/1.1 semantics)
  req.set(Field::via, "1.1 edge");
  auto ctx = Context();
  ctx.protocol = http::Protocol::kHttp2;
  RewriteForTest(req, ctx);
  EXPECT_EQ(Values(req, "Via"), std::vector<std::string>{"1.1 edge, 2 sluice"});
}

TEST(RewriteRequestHeadersTest, ViaNamesHttp10ForAnHttp10Request) {
  auto req = Request();
  req.version(10);
  RewriteForTest(req, Context());
  EXPECT_EQ(Values(req, "Via"), std::vector<std::string>{"1.0 sluice"});
}

TEST(RewriteRequestHeadersTest, AppendsToExistingVia) {
  auto req = Request();
  req.set(Field::via, "1.0 fred, 1.1 p.example.net");
  RewriteForTest(req, Context());
  EXPECT_EQ(Values(req, "Via"),
            std::vector<std::string>{"1.0 fred, 1.1 p.example.net, 1.1 sluice"});
}

TEST(RewriteRequestHeadersTest, KeepsEveryHopOfMultipleViaFields) {
  auto req = Request();
  req.insert(Field::via, "1.0 fred");
  req.insert(Field::via, "1.1 nowhere");
  RewriteForTest(req, Context());
  std::string joined;
  for (const auto& v : Values(req, "Via")) joined += (joined.empty() ? "" : ", ") + v;
  EXPECT_EQ(joined, "1.0 fred, 1.1 nowhere, 1.1 sluice");
}

TEST(RewriteRequestHeadersTest, ReplacesForwardedForFromUntrustedPeer) {
  auto req = Request();
  req.insert("X-Forwarded-For", "203.0.113.7");
  req.insert("x-forwarded-for", "198.51.100.1, 10.0.0.1");
  RewriteForTest(req, Context(/*trusted=*/false));
  EXPECT_EQ(Values(req, "X-Forwarded-For"), std::vector<std::string>{"192.0.2.10"});
}

TEST(RewriteRequestHeadersTest, AddsForwardedForWhenAbsent) {
  for (bool trusted : {false, true}) {
    auto req = Request();
    RewriteForTest(req, Context(trusted));
    EXPECT_EQ(Values(req, "X-Forwarded-For"), std::vector<std::string>{"192.0.2.10"}) << trusted;
  }
}

TEST(RewriteRequestHeadersTest, ExtendsForwardedForFromTrustedPeer) {
  auto req = Request();
  req.insert("X-Forwarded-For", "203.0.113.7, 10.0.0.1");
  RewriteForTest(req, Context(/*trusted=*/true));
  EXPECT_EQ(Values(req, "X-Forwarded-For"),
            std::vector<std::string>{"203.0.113.7, 10.0.0.1, 192.0.2.10"});
}

TEST(RewriteRequestHeadersTest, JoinsRepeatedForwardedForFromTrustedPeerInOrder) {
  auto req = Request();
  req.insert("X-Forwarded-For", "203.0.113.7");
  req.insert("X-Forwarded-For", "10.0.0.1");
  RewriteForTest(req, Context(/*trusted=*/true));
  EXPECT_EQ(Values(req, "X-Forwarded-For"),
            std::vector<std::string>{"203.0.113.7, 10.0.0.1, 192.0.2.10"});
}

TEST(RewriteRequestHeadersTest, ForwardedForSurvivesBeingListedInConnection) {
  // A client must not be able to strip our header through the Connection mechanism.
  auto req = Request();
  req.set(Field::connection, "X-Forwarded-For, X-Forwarded-Proto, X-Request-Id, Via");
  RewriteForTest(req, Context());
  EXPECT_EQ(Values(req, "X-Forwarded-For"), std::vector<std::string>{"192.0.2.10"});
  EXPECT_EQ(Values(req, "X-Forwarded-Proto"), std::vector<std::string>{"http"});
  EXPECT_EQ(Values(req, "X-Request-Id").size(), 1u);
  EXPECT_EQ(Values(req, "Via"), std::vector<std::string>{"1.1 sluice"});
}

TEST(RewriteRequestHeadersTest, SetsForwardedProtoFromTheConnection) {
  auto plain = Request();
  RewriteForTest(plain, Context(false, /*tls=*/false));
  EXPECT_EQ(Values(plain, "X-Forwarded-Proto"), std::vector<std::string>{"http"});

  auto tls = Request();
  RewriteForTest(tls, Context(false, /*tls=*/true));
  EXPECT_EQ(Values(tls, "X-Forwarded-Proto"), std::vector<std::string>{"https"});
}

TEST(RewriteRequestHeadersTest, OverwritesForwardedProtoFromUntrustedPeer) {
  auto req = Request();
  req.insert("X-Forwarded-Proto", "https");
  req.insert("X-Forwarded-Proto", "https");
  RewriteForTest(req, Context(/*trusted=*/false, /*tls=*/false));
  EXPECT_EQ(Values(req, "X-Forwarded-Proto"), std::vector<std::string>{"http"});
}

TEST(RewriteRequestHeadersTest, KeepsForwardedProtoFromTrustedPeer) {
  auto req = Request();
  req.insert("X-Forwarded-Proto", "https");
  RewriteForTest(req, Context(/*trusted=*/true, /*tls=*/false));
  EXPECT_EQ(Values(req, "X-Forwarded-Proto"), std::vector<std::string>{"https"});
}

TEST(RewriteRequestHeadersTest, SetsRequestIdReplacingTheClients) {
  auto req = Request();
  req.insert("X-Request-Id", "client-chosen");
  req.insert("X-Request-Id", "second");
  auto ctx = Context();
  ctx.request_id = "abc";
  RewriteForTest(req, ctx);
  EXPECT_EQ(Values(req, "X-Request-Id"), std::vector<std::string>{"abc"});
}

TEST(RewriteRequestHeadersTest, RemovesExpect) {
  auto req = Request();
  req.set(Field::expect, "100-continue");
  RewriteForTest(req, Context());
  EXPECT_EQ(req.count(Field::expect), 0u);
}

TEST(RewriteRequestHeadersTest, RemovesHopByHopAndFramingFields) {
  auto req = Request();
  req.method(http::Verb::post);
  req.set(Field::connection, "keep-alive, X-Secret");
  req.set(Field::keep_alive, "300");
  req.set(Field::transfer_encoding, "chunked");
  req.set(Field::te, "trailers");
  req.set(Field::upgrade, "h2c");
  req.set(Field::proxy_authorization, "Basic x");
  req.set("X-Secret", "s");
  RewriteForTest(req, Context());
  for (const char* name : {"Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Upgrade",
                           "Proxy-Authorization", "X-Secret", "Content-Length"}) {
    EXPECT_EQ(req.count(name), 0u) << name;
  }
}

TEST(RewriteRequestHeadersTest, KeepsEndToEndFieldsMethodAndTarget) {
  auto req = Request();
  req.target("/a?b=c");
  req.set(Field::authorization, "Bearer t");
  req.set(Field::cookie, "s=1");
  req.set(Field::accept, "*/*");
  RewriteForTest(req, Context());
  EXPECT_EQ(req.target(), "/a?b=c");
  EXPECT_EQ(req.method(), http::Verb::get);
  EXPECT_EQ(req[Field::host], "example.com");
  EXPECT_EQ(req[Field::authorization], "Bearer t");
  EXPECT_EQ(req[Field::cookie], "s=1");
  EXPECT_EQ(req[Field::accept], "*/*");
}

TEST(RewriteRequestHeadersTest, KeepsHostEvenWhenListedInConnection) {
  auto req = Request();
  req.set(Field::connection, "Host");
  RewriteForTest(req, Context());
  EXPECT_EQ(req.count(Field::host), 1u);
  EXPECT_EQ(req[Field::host], "example.com");
}

// --- RewriteResponseHeaders ---

TEST(RewriteResponseHeadersTest, StripsHopByHopAddsViaAndRequestId) {
  http::ResponseHeader res;
  res.result(http::Status::ok);
  res.version(11);
  res.set(Field::connection, "close, X-Backend-Private");
  res.set(Field::transfer_encoding, "chunked");
  res.set(Field::content_length, "10");
  res.set(Field::keep_alive, "timeout=5");
  res.set("X-Backend-Private", "1");
  res.set(Field::content_type, "application/json");
  res.set("X-Request-Id", "backend-made");
  RewriteResponseForTest(res, "req-1");
  EXPECT_EQ(Names(res), (std::vector<std::string>{"Content-Type", "Via", "X-Request-Id"}));
  EXPECT_EQ(res[Field::via], "1.1 sluice");
  EXPECT_EQ(Values(res, "X-Request-Id"), std::vector<std::string>{"req-1"});
  EXPECT_EQ(res.result(), http::Status::ok);
}

TEST(RewriteResponseHeadersTest, AppendsToBackendVia) {
  http::ResponseHeader res;
  res.set(Field::via, "1.1 backend-cache");
  RewriteResponseForTest(res, "req-1");
  EXPECT_EQ(Values(res, "Via"), std::vector<std::string>{"1.1 backend-cache, 1.1 sluice"});
}

// The response came from the upstream over HTTP/1.x: its received-protocol is the upstream's,
// whatever protocol the client speaks (RFC 9110 §7.6.3).
TEST(RewriteResponseHeadersTest, ViaNamesTheUpstreamResponsesVersion) {
  http::ResponseHeader old_backend;
  old_backend.version(10);
  RewriteResponseForTest(old_backend, "req-1");
  EXPECT_EQ(Values(old_backend, "Via"), std::vector<std::string>{"1.0 sluice"});
}

// --- IsAcceptableRequestId ---

TEST(IsAcceptableRequestIdTest, AcceptsShortPrintableIds) {
  EXPECT_TRUE(IsAcceptableRequestId("a"));
  EXPECT_TRUE(IsAcceptableRequestId("0123456789abcdef0123456789abcdef"));
  EXPECT_TRUE(IsAcceptableRequestId("req-42_ABC.x:y/z=+"));
  EXPECT_TRUE(IsAcceptableRequestId("!~"));
  EXPECT_TRUE(IsAcceptableRequestId(std::string(128, 'x')));
}

TEST(IsAcceptableRequestIdTest, RejectsEmptyAndOverlongIds) {
  EXPECT_FALSE(IsAcceptableRequestId(""));
  EXPECT_FALSE(IsAcceptableRequestId(std::string(129, 'x')));
}

TEST(IsAcceptableRequestIdTest, RejectsSpacesControlsDelAndNonAscii) {
  for (std::string_view id : {"a b", "a\tb", "a\r\nb", "a\x7f", "caf\xC3\xA9", "\x80"}) {
    EXPECT_FALSE(IsAcceptableRequestId(id)) << id;
  }
  EXPECT_FALSE(IsAcceptableRequestId(std::string_view("a\0b", 3)));
}

}  // namespace
}  // namespace sluice::proxy
