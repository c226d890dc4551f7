#include "http1/header_block_scanner.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace sluice::http1 {
namespace {

constexpr std::string_view kHead =
    "GET /index.html?q=1 HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "User-Agent: test\r\n"
    "Accept: */*\r\n"
    "\r\n";

::testing::AssertionResult IsMalformed(std::string_view data) {
  const auto r = ScanRequestHead(data);
  if (r.status != ScanStatus::kMalformed) {
    return ::testing::AssertionFailure() << "status " << static_cast<int>(r.status);
  }
  if (r.error.empty()) return ::testing::AssertionFailure() << "malformed without a reason";
  return ::testing::AssertionSuccess();
}

std::string WithHeaderLine(std::string_view line) {
  return "GET / HTTP/1.1\r\nHost: a\r\n" + std::string(line) + "\r\n\r\n";
}

TEST(HeaderBlockScannerTest, CompletesAtTheEndOfTheEmptyLine) {
  const auto r = ScanRequestHead(kHead);
  EXPECT_EQ(r.status, ScanStatus::kComplete);
  EXPECT_EQ(r.size, kHead.size());
  EXPECT_TRUE(r.error.empty());
}

TEST(HeaderBlockScannerTest, SizeExcludesBodyAndPipelinedBytes) {
  const std::string data = std::string(kHead) + "hello GET / HTTP/1.1\r\n";
  const auto r = ScanRequestHead(data);
  EXPECT_EQ(r.status, ScanStatus::kComplete);
  EXPECT_EQ(r.size, kHead.size());
}

TEST(HeaderBlockScannerTest, CompletesHeadWithoutHeaderFields) {
  // Host is a semantic rule (request_validator), not a byte-level one.
  const std::string_view head = "GET / HTTP/1.0\r\n\r\n";
  const auto r = ScanRequestHead(head);
  EXPECT_EQ(r.status, ScanStatus::kComplete);
  EXPECT_EQ(r.size, head.size());
}

TEST(HeaderBlockScannerTest, AcceptsHttp10AndHttp11) {
  EXPECT_EQ(ScanRequestHead("POST /x HTTP/1.0\r\nHost: a\r\n\r\n").status, ScanStatus::kComplete);
  EXPECT_EQ(ScanRequestHead("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").status, ScanStatus::kComplete);
}

TEST(HeaderBlockScannerTest, NeedsMoreForEmptyInput) {
  const auto r = ScanRequestHead("");
  EXPECT_EQ(r.status, ScanStatus::kNeedMore);
  EXPECT_EQ(r.size, 0u);
}

TEST(HeaderBlockScannerTest, NeedsMoreAtEverySplitPointOfAValidHead) {
  for (std::size_t n = 0; n < kHead.size(); ++n) {
    const auto r = ScanRequestHead(kHead.substr(0, n));
    EXPECT_EQ(r.status, ScanStatus::kNeedMore) << "prefix length " << n;
  }
}

TEST(HeaderBlockScannerTest, NeedsMoreAtEverySplitPointWithLeadingEmptyLines) {
  const std::string data = "\r\n\r\n" + std::string(kHead);
  for (std::size_t n = 0; n < data.size(); ++n) {
    const auto r = ScanRequestHead(std::string_view(data).substr(0, n));
    EXPECT_EQ(r.status, ScanStatus::kNeedMore) << "prefix length " << n;
  }
  const auto r = ScanRequestHead(data);
  EXPECT_EQ(r.status, ScanStatus::kComplete);
  EXPECT_EQ(r.size, data.size());
}

TEST(HeaderBlockScannerTest, SkipsLeadingEmptyLinesAndCountsThemInSize) {
  for (int empty_lines = 1; empty_lines <= 4; ++empty_lines) {
    std::string data;
    for (int i = 0; i < empty_lines; ++i) data += "\r\n";
    data += kHead;
    const auto r = ScanRequestHead(data);
    EXPECT_EQ(r.status, ScanStatus::kComplete) << empty_lines;
    EXPECT_EQ(r.size, data.size()) << empty_lines;
  }
}

TEST(HeaderBlockScannerTest, RejectsMoreThanFourLeadingEmptyLines) {
  // The skip is bounded so a stream of CRLFs cannot keep a connection busy forever.
  EXPECT_TRUE(IsMalformed("\r\n\r\n\r\n\r\n\r\n" + std::string(kHead)));
}

TEST(HeaderBlockScannerTest, RejectsObsFoldWithSpace) {
  const auto r = ScanRequestHead(WithHeaderLine("X-A: one\r\n two"));
  EXPECT_EQ(r.status, ScanStatus::kMalformed);
  EXPECT_EQ(r.error, "obs-fold");
}

TEST(HeaderBlockScannerTest, RejectsObsFoldWithTab) {
  const auto r = ScanRequestHead(WithHeaderLine("X-A: one\r\n\ttwo"));
  EXPECT_EQ(r.status, ScanStatus::kMalformed);
  EXPECT_EQ(r.error, "obs-fold");
}

TEST(HeaderBlockScannerTest, RejectsWhitespaceBeforeTheFirstHeaderField) {
  // RFC 9112 §2.2: whitespace between the start line and the first field must be rejected.
  EXPECT_TRUE(IsMalformed("GET / HTTP/1.1\r\n Host: a\r\n\r\n"));
}

TEST(HeaderBlockScannerTest, RejectsObsFoldEvenBeforeTheHeadIsComplete) {
  // Deciding early stops a client from parking a smuggling attempt in our buffer.
  EXPECT_TRUE(IsMalformed("GET / HTTP/1.1\r\nX-A: one\r\n two\r\n"));
}

TEST(HeaderBlockScannerTest, RejectsBareCrInHeaderValue) {
  const auto r = ScanRequestHead(WithHeaderLine("X-A: one\rtwo"));
  EXPECT_EQ(r.status, ScanStatus::kMalformed);
  EXPECT_EQ(r.error, "bare CR");
}

TEST(HeaderBlockScannerTest, RejectsBareCrInRequestLine) {
  EXPECT_TRUE(IsMalformed("GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n"));
}

TEST(HeaderBlockScannerTest, RejectsBareCrAsFinalLineTerminator) {
  EXPECT_TRUE(IsMalformed("GET / HTTP/1.1\r\nHost: a\r\n\rX"));
}

TEST(HeaderBlockScannerTest, RejectsBareLfEndingAHeaderLine) {
  const auto r = ScanRequestHead("GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n");
  EXPECT_EQ(r.status, ScanStatus::kMalformed);
  EXPECT_EQ(r.error, "bare LF");
}

TEST(HeaderBlockScannerTest, RejectsBareLfEndingTheRequestLine) {
  EXPECT_TRUE(IsMalformed("GET / HTTP/1.1\nHost: a\r\n\r\n"));
}

TEST(HeaderBlockScannerTest, RejectsBareLfAsTheEmptyLine) {
  EXPECT_TRUE(IsMalformed("GET / HTTP/1.1\r\nHost: a\r\n\n"));
}

TEST(HeaderBlockScannerTest, RejectsLfOnlyHead) {
  EXPECT_TRUE(IsMalformed("GET / HTTP/1.1\nHost: a\n\n"));
}

TEST(HeaderBlockScannerTest, RejectsNulInHeaderValue) {
  const auto r = ScanRequestHead(WithHeaderLine(std::string_view("X-A: a\0b", 8)));
  EXPECT_EQ(r.status, ScanStatus::kMalformed);
  EXPECT_EQ(r.error, "control character");
}

TEST(HeaderBlockScannerTest, RejectsNulInRequestLine) {
  static constexpr char kData[] = "GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_TRUE(IsMalformed(std::string_view(kData, sizeof(kData) - 1)));
}

TEST(HeaderBlockScannerTest, RejectsEveryControlCharacterExceptTab) {
  for (int c = 0; c < 0x20; ++c) {
    if (c == '\t' || c == '\r' || c == '\n') continue;
    EXPECT_TRUE(IsMalformed(WithHeaderLine("X-A: a" + std::string(1, static_cast<char>(c)))))
        << "byte " << c;
  }
  EXPECT_TRUE(IsMalformed(WithHeaderLine("X-A: a\x7f")));
}

TEST(HeaderBlockScannerTest, AllowsTabInHeaderValue) {
  EXPECT_EQ(ScanRequestHead(WithHeaderLine("X-A: a\tb")).status, ScanStatus::kComplete);
}

TEST(HeaderBlockScannerTest, AllowsObsTextBytesInHeaderValue) {
  // RFC 9110 §5.5: obs-text (0x80-0xff) is allowed in field values.
  EXPECT_EQ(ScanRequestHead(WithHeaderLine("X-A: caf\xC3\xA9 \xFF")).status, ScanStatus::kComplete);
}

TEST(HeaderBlockScannerTest, RejectsHttp09RequestLine) {
  const auto r = ScanRequestHead("GET /index.html\r\n\r\n");
  EXPECT_EQ(r.status, ScanStatus::kMalformed);
  EXPECT_EQ(r.error, "bad request line");
}

TEST(HeaderBlockScannerTest, RejectsHttp2Preface) {
  EXPECT_TRUE(IsMalformed("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
}

TEST(HeaderBlockScannerTest, RejectsOtherHttpVersions) {
  EXPECT_TRUE(IsMalformed("GET / HTTP/1.2\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(IsMalformed("GET / HTTP/2\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(IsMalformed("GET / http/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(IsMalformed("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"));
}

TEST(HeaderBlockScannerTest, RejectsRequestLineWithoutTarget) {
  EXPECT_TRUE(IsMalformed("GET HTTP/1.1\r\nHost: a\r\n\r\n"));
}

TEST(HeaderBlockScannerTest, RejectsRequestLineWithoutVersion) {
  EXPECT_TRUE(IsMalformed("GET /\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(IsMalformed("GET / \r\nHost: a\r\n\r\n"));
}

TEST(HeaderBlockScannerTest, RejectsRequestLineWithoutMethod) {
  EXPECT_TRUE(IsMalformed(" / HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_TRUE(IsMalformed("/ HTTP/1.1\r\nHost: a\r\n\r\n"));
}

TEST(HeaderBlockScannerTest, RejectsVersionOnlyRequestLine) {
  EXPECT_TRUE(IsMalformed("HTTP/1.1\r\nHost: a\r\n\r\n"));
}

TEST(HeaderBlockScannerTest, RejectsGarbageRequestLine) {
  EXPECT_TRUE(IsMalformed("\x16\x03\x01\x02"));  // the start of a TLS ClientHello
  EXPECT_TRUE(IsMalformed("hello\r\n\r\n"));
}

TEST(HeaderBlockScannerTest, RejectsRequestLineWithEmptyTarget) {
  EXPECT_TRUE(IsMalformed("GET  HTTP/1.1\r\nHost: a\r\n\r\n"));
}

TEST(HeaderBlockScannerTest, RejectsRequestLineWithSpaceInsideTarget) {
  EXPECT_TRUE(IsMalformed("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n"));
}

TEST(HeaderBlockScannerTest, ValidatesRequestLineBeforeTheHeadIsComplete) {
  EXPECT_TRUE(IsMalformed("GET /index.html\r\n"));
  EXPECT_EQ(ScanRequestHead("GET / HTTP/1.1\r\n").status, ScanStatus::kNeedMore);
}

}  // namespace
}  // namespace sluice::http1
