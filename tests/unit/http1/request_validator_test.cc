#include "http1/request_validator.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace sluice::http1 {
namespace {

using http::Field;
using http::Verb;

http::RequestHeader Request(Verb method = Verb::get, std::string_view target = "/",
                            unsigned version = 11) {
  http::RequestHeader req;
  req.method(method);
  req.target(target);
  req.version(version);
  return req;
}

http::RequestHeader RequestWithHost(std::string_view host, Verb method = Verb::get,
                                    std::string_view target = "/", unsigned version = 11) {
  auto req = Request(method, target, version);
  req.set(Field::host, host);
  return req;
}

::testing::AssertionResult Rejected(http::RequestHeader req, std::string_view why) {
  const auto r = ValidateRequest(req);
  if (r.ok) return ::testing::AssertionFailure() << "accepted";
  if (r.error != why) return ::testing::AssertionFailure() << "rejected with \"" << r.error << '"';
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Accepted(http::RequestHeader req) {
  const auto r = ValidateRequest(req);
  if (!r.ok) return ::testing::AssertionFailure() << "rejected with \"" << r.error << '"';
  return ::testing::AssertionSuccess();
}

// --- Framing (RFC 9112 §6.3) ---

TEST(RequestValidatorTest, AcceptsPlainGetWithHost) {
  EXPECT_TRUE(Accepted(RequestWithHost("example.com")));
}

TEST(RequestValidatorTest, AcceptsSingleNumericContentLength) {
  for (const char* cl : {"0", "5", "1048576", "9999999999999999999"}) {
    auto req = RequestWithHost("example.com", Verb::post);
    req.set(Field::content_length, cl);
    EXPECT_TRUE(Accepted(req)) << cl;
  }
}

TEST(RequestValidatorTest, RejectsDuplicateEqualContentLength) {
  auto req = RequestWithHost("example.com", Verb::post);
  req.insert(Field::content_length, "5");
  req.insert(Field::content_length, "5");
  EXPECT_TRUE(Rejected(req, "duplicate Content-Length"));
}

TEST(RequestValidatorTest, RejectsConflictingContentLength) {
  auto req = RequestWithHost("example.com", Verb::post);
  req.insert(Field::content_length, "5");
  req.insert(Field::content_length, "6");
  EXPECT_TRUE(Rejected(req, "duplicate Content-Length"));
}

TEST(RequestValidatorTest, RejectsNonNumericContentLength) {
  for (const char* cl : {"", "abc", "-1", "+5", "0x10", "5,5", "5 5", "1.0", "5a"}) {
    auto req = RequestWithHost("example.com", Verb::post);
    req.set(Field::content_length, cl);
    EXPECT_TRUE(Rejected(req, "invalid Content-Length")) << '"' << cl << '"';
  }
}

TEST(RequestValidatorTest, RejectsContentLengthThatOverflowsUint64) {
  for (const char* cl :
       {"18446744073709551616", "99999999999999999999", "123456789012345678901234567890"}) {
    auto req = RequestWithHost("example.com", Verb::post);
    req.set(Field::content_length, cl);
    EXPECT_TRUE(Rejected(req, "invalid Content-Length")) << cl;
  }
}

TEST(RequestValidatorTest, AcceptsChunkedOnHttp11) {
  for (const char* te : {"chunked", "Chunked", "CHUNKED"}) {
    auto req = RequestWithHost("example.com", Verb::post);
    req.set(Field::transfer_encoding, te);
    EXPECT_TRUE(Accepted(req)) << te;
  }
}

TEST(RequestValidatorTest, RejectsTransferEncodingWithContentLength) {
  auto req = RequestWithHost("example.com", Verb::post);
  req.set(Field::transfer_encoding, "chunked");
  req.set(Field::content_length, "5");
  EXPECT_TRUE(Rejected(req, "Transfer-Encoding with Content-Length"));
}

TEST(RequestValidatorTest, RejectsTransferEncodingGzip) {
  auto req = RequestWithHost("example.com", Verb::post);
  req.set(Field::transfer_encoding, "gzip");
  EXPECT_TRUE(Rejected(req, "unsupported Transfer-Encoding"));
}

TEST(RequestValidatorTest, RejectsTransferEncodingListEvenIfItEndsInChunked) {
  auto req = RequestWithHost("example.com", Verb::post);
  req.set(Field::transfer_encoding, "gzip, chunked");
  EXPECT_TRUE(Rejected(req, "unsupported Transfer-Encoding"));
}

TEST(RequestValidatorTest, RejectsChunkedTwiceInOneField) {
  auto req = RequestWithHost("example.com", Verb::post);
  req.set(Field::transfer_encoding, "chunked, chunked");
  EXPECT_TRUE(Rejected(req, "unsupported Transfer-Encoding"));
}

TEST(RequestValidatorTest, RejectsChunkedInTwoFields) {
  auto req = RequestWithHost("example.com", Verb::post);
  req.insert(Field::transfer_encoding, "chunked");
  req.insert(Field::transfer_encoding, "chunked");
  EXPECT_TRUE(Rejected(req, "multiple Transfer-Encoding headers"));
}

TEST(RequestValidatorTest, RejectsChunkedWithDecoration) {
  // (Surrounding whitespace never reaches the validator: Beast's fields trim values.)
  for (const char* te : {"chunked;q=1", "xchunked", "chunked,", "identity"}) {
    auto req = RequestWithHost("example.com", Verb::post);
    req.set(Field::transfer_encoding, te);
    EXPECT_TRUE(Rejected(req, "unsupported Transfer-Encoding")) << '"' << te << '"';
  }
}

TEST(RequestValidatorTest, RejectsTransferEncodingInHttp10) {
  // RFC 9112 §6.1: an HTTP/1.0 recipient cannot know chunked; treat the framing as faulty.
  auto req = RequestWithHost("example.com", Verb::post, "/", 10);
  req.set(Field::transfer_encoding, "chunked");
  EXPECT_TRUE(Rejected(req, "Transfer-Encoding in HTTP/1.0"));
}

TEST(RequestValidatorTest, FramingIsCheckedBeforeHost) {
  auto req = Request(Verb::post);  // no Host either
  req.set(Field::content_length, "x");
  EXPECT_TRUE(Rejected(req, "invalid Content-Length"));
}

// --- Host (RFC 9110 §7.2) ---

TEST(RequestValidatorTest, RejectsMissingHostOnHttp11) {
  EXPECT_TRUE(Rejected(Request(), "missing Host"));
}

TEST(RequestValidatorTest, AcceptsHttp10WithoutHost) {
  EXPECT_TRUE(Accepted(Request(Verb::get, "/", 10)));
}

TEST(RequestValidatorTest, RejectsMultipleHostHeaders) {
  auto req = Request();
  req.insert(Field::host, "a.example");
  req.insert(Field::host, "b.example");
  EXPECT_TRUE(Rejected(req, "multiple Host headers"));
}

TEST(RequestValidatorTest, RejectsMultipleIdenticalHostHeaders) {
  auto req = Request();
  req.insert(Field::host, "a.example");
  req.insert(Field::host, "a.example");
  EXPECT_TRUE(Rejected(req, "multiple Host headers"));
}

TEST(RequestValidatorTest, RejectsMultipleHostHeadersOnHttp10) {
  auto req = Request(Verb::get, "/", 10);
  req.insert(Field::host, "a.example");
  req.insert(Field::host, "b.example");
  EXPECT_TRUE(Rejected(req, "multiple Host headers"));
}

TEST(RequestValidatorTest, RejectsInvalidHost) {
  for (const char* host :
       {"exa mple.com", "a/b", "user@example.com", "a:b:c", "example.com:http",
        "example.com:123456", ":80", "[::1", "[::1]x", "[::1]:abc", "[zz::1]", "a\"b", "a<b"}) {
    EXPECT_TRUE(Rejected(RequestWithHost(host), "invalid Host")) << host;
  }
}

TEST(RequestValidatorTest, AcceptsValidHosts) {
  for (const char* host :
       {"example.com", "EXAMPLE.com:8080", "localhost", "10.0.0.1", "10.0.0.1:80",
        "my_host-1.internal", "[::1]", "[::1]:8080", "[2001:db8::1]", "[::ffff:10.0.0.1]:443"}) {
    EXPECT_TRUE(Accepted(RequestWithHost(host))) << host;
  }
}

TEST(IsValidHostTest, AcceptsRegNameIpv4AndBracketedIpv6) {
  EXPECT_TRUE(IsValidHost("example.com"));
  EXPECT_TRUE(IsValidHost("example.com:443"));
  EXPECT_TRUE(IsValidHost("127.0.0.1"));
  EXPECT_TRUE(IsValidHost("[::1]"));
  EXPECT_TRUE(IsValidHost("[::1]:443"));
  EXPECT_TRUE(IsValidHost("[fe80::1:2:3:4]"));
  EXPECT_TRUE(IsValidHost("[2001:DB8::A]"));
}

TEST(IsValidHostTest, AcceptsEmptyPortAsRfc3986Allows) {
  EXPECT_TRUE(IsValidHost("example.com:"));
  EXPECT_TRUE(IsValidHost("[::1]:"));
}

TEST(IsValidHostTest, RejectsEmptyAndOverlongHosts) {
  EXPECT_FALSE(IsValidHost(""));
  EXPECT_TRUE(IsValidHost(std::string(255, 'a')));
  EXPECT_FALSE(IsValidHost(std::string(256, 'a')));
}

TEST(IsValidHostTest, RejectsUnbracketedIpv6) {
  EXPECT_FALSE(IsValidHost("::1"));
  EXPECT_FALSE(IsValidHost("2001:db8::1"));
}

TEST(IsValidHostTest, RejectsMalformedBrackets) {
  EXPECT_FALSE(IsValidHost("["));
  EXPECT_FALSE(IsValidHost("[::1"));
  EXPECT_FALSE(IsValidHost("[::1]]"));
  EXPECT_FALSE(IsValidHost("[::1]80"));
  EXPECT_FALSE(IsValidHost("[::g]"));
  EXPECT_FALSE(IsValidHost("[::1]:8o"));
}

TEST(IsValidHostTest, RejectsControlAndDelimiterCharacters) {
  for (std::string_view host : {"a b", "a\tb", "a/b", "a?b", "a#b", "a@b", "a\\b", "a[b", "a]b"}) {
    EXPECT_FALSE(IsValidHost(host)) << host;
  }
  EXPECT_FALSE(IsValidHost(std::string_view("a\0b", 3)));
}

TEST(IsValidHostTest, RejectsBracketsWithoutAnIpv6Address) {
  EXPECT_FALSE(IsValidHost("[]"));
  EXPECT_FALSE(IsValidHost("[]:80"));
  EXPECT_FALSE(IsValidHost("[1.2.3.4]"));
}

// --- Request target (RFC 9112 §3.2) ---

TEST(RequestValidatorTest, LeavesOriginFormUnchanged) {
  auto req = RequestWithHost("example.com", Verb::get, "/a/b?c=d");
  ASSERT_TRUE(ValidateRequest(req).ok);
  EXPECT_EQ(req.target(), "/a/b?c=d");
}

TEST(RequestValidatorTest, RewritesAbsoluteFormToOriginFormWhenAuthorityMatchesHost) {
  auto req = RequestWithHost("example.com", Verb::get, "http://example.com/a/b?c=d");
  ASSERT_TRUE(ValidateRequest(req).ok);
  EXPECT_EQ(req.target(), "/a/b?c=d");
}

TEST(RequestValidatorTest, RewritesHttpsAbsoluteForm) {
  auto req = RequestWithHost("example.com:8443", Verb::get, "https://example.com:8443/x");
  ASSERT_TRUE(ValidateRequest(req).ok);
  EXPECT_EQ(req.target(), "/x");
}

TEST(RequestValidatorTest, ComparesSchemeAndAuthorityCaseInsensitively) {
  auto req = RequestWithHost("example.com", Verb::get, "HTTP://Example.COM/Path");
  ASSERT_TRUE(ValidateRequest(req).ok);
  EXPECT_EQ(req.target(), "/Path");
}

TEST(RequestValidatorTest, RewritesAbsoluteFormWithoutPathToSlash) {
  auto req = RequestWithHost("example.com", Verb::get, "http://example.com");
  ASSERT_TRUE(ValidateRequest(req).ok);
  EXPECT_EQ(req.target(), "/");
}

TEST(RequestValidatorTest, RewritesAbsoluteFormWithOnlyQueryToSlashQuery) {
  auto req = RequestWithHost("example.com", Verb::get, "http://example.com?q=1");
  ASSERT_TRUE(ValidateRequest(req).ok);
  EXPECT_EQ(req.target(), "/?q=1");
}

TEST(RequestValidatorTest, RewritesAbsoluteFormWithIpv6Authority) {
  auto req = RequestWithHost("[::1]:8080", Verb::get, "http://[::1]:8080/v6");
  ASSERT_TRUE(ValidateRequest(req).ok);
  EXPECT_EQ(req.target(), "/v6");
}

TEST(RequestValidatorTest, RejectsAbsoluteFormWhoseAuthorityDiffersFromHost) {
  EXPECT_TRUE(Rejected(RequestWithHost("example.com", Verb::get, "http://evil.com/"),
                       "target authority differs from Host"));
  // A port is part of the authority: a different (or missing) one is a different origin.
  EXPECT_TRUE(Rejected(RequestWithHost("example.com", Verb::get, "http://example.com:8080/"),
                       "target authority differs from Host"));
  EXPECT_TRUE(Rejected(RequestWithHost("example.com:8080", Verb::get, "http://example.com/"),
                       "target authority differs from Host"));
}

TEST(RequestValidatorTest, KeepsTargetWhenAbsoluteFormIsRejected) {
  auto req = RequestWithHost("example.com", Verb::get, "http://evil.com/x");
  EXPECT_FALSE(ValidateRequest(req).ok);
  EXPECT_EQ(req.target(), "http://evil.com/x");
}

TEST(RequestValidatorTest, RejectsUserinfoInAbsoluteForm) {
  EXPECT_TRUE(Rejected(RequestWithHost("example.com", Verb::get, "http://user:pw@example.com/"),
                       "userinfo in target"));
  EXPECT_TRUE(Rejected(RequestWithHost("example.com", Verb::get, "http://example.com@evil.com/"),
                       "userinfo in target"));
}

TEST(RequestValidatorTest, RejectsOtherSchemesAndAuthorityForm) {
  for (const char* target : {"ftp://example.com/", "example.com:443", "example.com/x", "x",
                             "http:/example.com/", "?q"}) {
    EXPECT_TRUE(Rejected(RequestWithHost("example.com", Verb::get, target), "bad target"))
        << target;
  }
}

TEST(RequestValidatorTest, RejectsEmptyTarget) {
  EXPECT_TRUE(Rejected(RequestWithHost("example.com", Verb::get, ""), "empty target"));
}

TEST(RequestValidatorTest, AcceptsAsteriskOnlyForOptions) {
  EXPECT_TRUE(Accepted(RequestWithHost("example.com", Verb::options, "*")));
  for (Verb v : {Verb::get, Verb::head, Verb::post, Verb::put, Verb::delete_, Verb::connect}) {
    EXPECT_TRUE(Rejected(RequestWithHost("example.com", v, "*"), "bad target"))
        << boost::beast::http::to_string(v);
  }
}

TEST(RequestValidatorTest, RejectsAsteriskWithSuffix) {
  EXPECT_TRUE(Rejected(RequestWithHost("example.com", Verb::options, "*/x"), "bad target"));
}

}  // namespace
}  // namespace sluice::http1
