#include "http1/response_head_writer.h"

#include <gtest/gtest.h>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace sluice::http1 {
namespace {

using http::BodyLength;
using http::Field;
using http::Status;

constexpr BodyLength kUnknown{};
BodyLength Known(uint64_t n) { return BodyLength{n}; }

using ResponseParser = boost::beast::http::response_parser<boost::beast::http::string_body>;

// Feeds all of `wire` to Beast's parser; "" when it parsed as exactly one complete message.
std::string ParseAll(std::string_view wire, ResponseParser& parser) {
  boost::beast::error_code ec;
  parser.eager(true);
  while (!wire.empty() && !parser.is_done()) {
    const auto used = parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
    if (ec) return ec.message();
    if (used == 0) break;
    wire.remove_prefix(used);
  }
  if (!parser.is_done()) return "incomplete message";
  if (!wire.empty()) return std::to_string(wire.size()) + " bytes after the message";
  return "";
}

std::size_t CountOccurrences(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (auto pos = text.find(needle); pos != std::string_view::npos;
       pos = text.find(needle, pos + 1)) {
    ++count;
  }
  return count;
}

// --- ChooseFraming ---

TEST(ChooseFramingTest, KnownLengthUsesContentLength) {
  for (unsigned version : {10u, 11u}) {
    const auto f = ChooseFraming(200, false, version, Known(42), true);
    EXPECT_TRUE(f.content_length) << version;
    EXPECT_FALSE(f.chunked) << version;
    EXPECT_FALSE(f.bodyless) << version;
    EXPECT_TRUE(f.keep_alive) << version;
  }
}

TEST(ChooseFramingTest, ZeroLengthBodyUsesContentLength) {
  const auto f = ChooseFraming(200, false, 11, Known(0), true);
  EXPECT_TRUE(f.content_length);
  EXPECT_FALSE(f.chunked);
}

TEST(ChooseFramingTest, UnknownLengthOnHttp11IsChunkedAndKeepsAlive) {
  const auto f = ChooseFraming(200, false, 11, kUnknown, true);
  EXPECT_TRUE(f.chunked);
  EXPECT_FALSE(f.content_length);
  EXPECT_FALSE(f.bodyless);
  EXPECT_TRUE(f.keep_alive);
}

TEST(ChooseFramingTest, UnknownLengthOnHttp10IsDelimitedByClose) {
  const auto f = ChooseFraming(200, false, 10, kUnknown, true);
  EXPECT_FALSE(f.chunked);
  EXPECT_FALSE(f.content_length);
  EXPECT_FALSE(f.keep_alive);
}

TEST(ChooseFramingTest, KeepAliveFalseIsNeverTurnedOn) {
  for (unsigned version : {10u, 11u}) {
    EXPECT_FALSE(ChooseFraming(200, false, version, Known(3), false).keep_alive);
    EXPECT_FALSE(ChooseFraming(200, false, version, kUnknown, false).keep_alive);
    EXPECT_FALSE(ChooseFraming(204, false, version, kUnknown, false).keep_alive);
    EXPECT_FALSE(ChooseFraming(200, true, version, kUnknown, false).keep_alive);
  }
}

TEST(ChooseFramingTest, HeadWithKnownLengthAdvertisesContentLengthButIsBodyless) {
  const auto f = ChooseFraming(200, true, 11, Known(1234), true);
  EXPECT_TRUE(f.bodyless);
  EXPECT_TRUE(f.content_length);
  EXPECT_FALSE(f.chunked);
  EXPECT_TRUE(f.keep_alive);
}

TEST(ChooseFramingTest, HeadWithUnknownLengthHasNoFramingAndKeepsAlive) {
  for (unsigned version : {10u, 11u}) {
    const auto f = ChooseFraming(200, true, version, kUnknown, true);
    EXPECT_TRUE(f.bodyless) << version;
    EXPECT_FALSE(f.chunked) << version;
    EXPECT_FALSE(f.content_length) << version;
    EXPECT_TRUE(f.keep_alive) << version;  // no body to delimit, so no reason to close
  }
}

TEST(ChooseFramingTest, NoContentNeverCarriesFraming) {
  // RFC 9110 §8.6: a server MUST NOT send Content-Length in a 204.
  for (unsigned version : {10u, 11u}) {
    for (const auto& length : {kUnknown, Known(0), Known(10)}) {
      const auto f = ChooseFraming(204, false, version, length, true);
      EXPECT_TRUE(f.bodyless);
      EXPECT_FALSE(f.chunked);
      EXPECT_FALSE(f.content_length);
      EXPECT_TRUE(f.keep_alive);
    }
  }
}

TEST(ChooseFramingTest, InformationalNeverCarriesFraming) {
  for (unsigned status : {100u, 101u, 103u, 199u}) {
    const auto f = ChooseFraming(status, false, 11, Known(5), true);
    EXPECT_TRUE(f.bodyless) << status;
    EXPECT_FALSE(f.chunked) << status;
    EXPECT_FALSE(f.content_length) << status;
  }
}

TEST(ChooseFramingTest, NotModifiedIsBodylessAndMayAdvertiseLength) {
  // RFC 9110 §8.6: a 304 may carry the Content-Length the 200 would have had.
  const auto with_length = ChooseFraming(304, false, 11, Known(99), true);
  EXPECT_TRUE(with_length.bodyless);
  EXPECT_TRUE(with_length.content_length);
  EXPECT_FALSE(with_length.chunked);
  EXPECT_TRUE(with_length.keep_alive);

  for (unsigned version : {10u, 11u}) {
    const auto without = ChooseFraming(304, false, version, kUnknown, true);
    EXPECT_TRUE(without.bodyless);
    EXPECT_FALSE(without.content_length);
    EXPECT_FALSE(without.chunked);  // never "Transfer-Encoding: chunked" without a body
    EXPECT_TRUE(without.keep_alive);
  }
}

TEST(ChooseFramingTest, ErrorStatusesAreFramedLikeAnyOther) {
  EXPECT_TRUE(ChooseFraming(500, false, 11, kUnknown, true).chunked);
  EXPECT_TRUE(ChooseFraming(404, false, 11, Known(9), true).content_length);
}

// --- AppendResponseHead ---

http::ResponseHeader Head(Status status = Status::ok) {
  http::ResponseHeader head;
  head.version(11);
  head.result(status);
  return head;
}

std::string Write(const http::ResponseHeader& head, const ResponseFraming& framing,
                  BodyLength length, unsigned request_version = 11,
                  std::span<const http::FieldLine> added = {}) {
  std::string out;
  AppendResponseHead(out, head, added, framing, length, request_version);
  return out;
}

TEST(AppendResponseHeadTest, WritesStatusLineFieldsAndContentLength) {
  auto head = Head();
  head.set(Field::content_type, "text/plain");
  const auto framing = ChooseFraming(200, false, 11, Known(5), true);
  EXPECT_EQ(Write(head, framing, Known(5)),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 5\r\n"
            "\r\n");
}

TEST(AppendResponseHeadTest, AddedFieldsFollowTheHeadsOwnBeforeTheFraming) {
  auto head = Head();
  head.set(Field::content_type, "text/plain");
  const std::array<http::FieldLine, 2> added{http::FieldLine{"Via", "1.1 sluice"},
                                             http::FieldLine{"X-Request-Id", "abc"}};
  const auto framing = ChooseFraming(200, false, 11, Known(5), true);
  EXPECT_EQ(Write(head, framing, Known(5), 11, added),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain\r\n"
            "Via: 1.1 sluice\r\n"
            "X-Request-Id: abc\r\n"
            "Content-Length: 5\r\n"
            "\r\n");
}

TEST(AppendResponseHeadTest, AddedHopByHopAndFramingFieldsAreDroppedToo) {
  const std::array<http::FieldLine, 3> added{http::FieldLine{"Connection", "close"},
                                             http::FieldLine{"content-length", "9"},
                                             http::FieldLine{"X-Added", "1"}};
  const auto framing = ChooseFraming(200, false, 11, Known(0), true);
  EXPECT_EQ(Write(Head(), framing, Known(0), 11, added),
            "HTTP/1.1 200 OK\r\n"
            "X-Added: 1\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
}

TEST(AppendResponseHeadTest, UsesStandardReasonWhenNoneIsSet) {
  const auto framing = ChooseFraming(404, false, 11, Known(0), true);
  EXPECT_EQ(Write(Head(Status::not_found), framing, Known(0)).substr(0, 24),
            "HTTP/1.1 404 Not Found\r\n");
}

TEST(AppendResponseHeadTest, KeepsCustomReasonPhrase) {
  auto head = Head();
  head.reason("Fine");
  const auto framing = ChooseFraming(200, false, 11, Known(0), true);
  EXPECT_EQ(Write(head, framing, Known(0)).substr(0, 17), "HTTP/1.1 200 Fine");
}

TEST(AppendResponseHeadTest, AlwaysAnswersAsHttp11EvenToHttp10Clients) {
  // RFC 9110 §2.5: a server sends its own highest minor version.
  auto head = Head();
  head.version(10);
  const auto framing = ChooseFraming(200, false, 10, Known(0), true);
  EXPECT_EQ(Write(head, framing, Known(0), 10).substr(0, 9), "HTTP/1.1 ");
}

TEST(AppendResponseHeadTest, DropsHopByHopAndFramingFieldsOfTheHandler) {
  auto head = Head();
  head.insert(Field::connection, "keep-alive, X-Private");
  head.insert(Field::keep_alive, "timeout=5");
  head.insert(Field::proxy_connection, "keep-alive");
  head.insert(Field::transfer_encoding, "gzip, chunked");
  head.insert(Field::te, "trailers");
  head.insert(Field::trailer, "X-Checksum");
  head.insert(Field::upgrade, "h2c");
  head.insert(Field::proxy_authenticate, "Basic");
  head.insert(Field::proxy_authorization, "Basic Zm9vOmJhcg==");
  head.insert(Field::content_length, "999");
  head.insert("content-LENGTH", "998");
  head.insert("X-Kept", "1");
  const auto framing = ChooseFraming(200, false, 11, Known(7), true);
  const auto out = Write(head, framing, Known(7));
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\n"
            "X-Kept: 1\r\n"
            "Content-Length: 7\r\n"
            "\r\n");
}

TEST(AppendResponseHeadTest, KeepsEndToEndFieldsInOrderIncludingRepeats) {
  // Beast's fields keep a repeated name next to its first occurrence; the writer keeps that.
  auto head = Head();
  head.insert(Field::set_cookie, "a=1");
  head.insert(Field::cache_control, "no-store");
  head.insert(Field::set_cookie, "b=2");
  head.insert("X-Custom", "v");
  const auto framing = ChooseFraming(200, false, 11, Known(0), true);
  EXPECT_EQ(Write(head, framing, Known(0)),
            "HTTP/1.1 200 OK\r\n"
            "Set-Cookie: a=1\r\n"
            "Set-Cookie: b=2\r\n"
            "Cache-Control: no-store\r\n"
            "X-Custom: v\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
}

TEST(AppendResponseHeadTest, WritesExactlyOneChunkedHeaderForUnknownLength) {
  auto head = Head();
  head.insert(Field::transfer_encoding, "chunked");
  head.insert(Field::content_length, "12");
  const auto framing = ChooseFraming(200, false, 11, kUnknown, true);
  const auto out = Write(head, framing, kUnknown);
  EXPECT_EQ(CountOccurrences(out, "Transfer-Encoding"), 1u);
  EXPECT_EQ(CountOccurrences(out, "Content-Length"), 0u);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
}

TEST(AppendResponseHeadTest, WritesExactlyOneContentLengthForKnownLength) {
  auto head = Head();
  head.insert(Field::transfer_encoding, "chunked");
  head.insert(Field::content_length, "12");
  head.insert(Field::content_length, "13");
  const auto framing = ChooseFraming(200, false, 11, Known(12), true);
  const auto out = Write(head, framing, Known(12));
  EXPECT_EQ(CountOccurrences(out, "Content-Length"), 1u);
  EXPECT_EQ(CountOccurrences(out, "Transfer-Encoding"), 0u);
  EXPECT_NE(out.find("Content-Length: 12\r\n"), std::string::npos);
}

TEST(AppendResponseHeadTest, WritesNoFramingForNoContent) {
  auto head = Head(Status::no_content);
  head.insert(Field::content_length, "0");
  const auto framing = ChooseFraming(204, false, 11, Known(0), true);
  EXPECT_EQ(Write(head, framing, Known(0)), "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST(AppendResponseHeadTest, WritesContentLengthForHeadWithKnownLength) {
  const auto framing = ChooseFraming(200, true, 11, Known(1234), true);
  EXPECT_EQ(Write(Head(), framing, Known(1234)), "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
}

TEST(AppendResponseHeadTest, WritesConnectionCloseWhenNotKeepingAlive) {
  for (unsigned version : {10u, 11u}) {
    const auto framing = ChooseFraming(200, false, version, Known(0), false);
    const auto out = Write(Head(), framing, Known(0), version);
    EXPECT_EQ(CountOccurrences(out, "Connection: close\r\n"), 1u) << version;
    EXPECT_EQ(CountOccurrences(out, "keep-alive"), 0u) << version;
  }
}

TEST(AppendResponseHeadTest, WritesConnectionCloseForHttp10WithUnknownLength) {
  const auto framing = ChooseFraming(200, false, 10, kUnknown, true);
  EXPECT_EQ(Write(Head(), framing, kUnknown, 10), "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
}

TEST(AppendResponseHeadTest, WritesKeepAliveOnlyForHttp10Clients) {
  const auto framing10 = ChooseFraming(200, false, 10, Known(0), true);
  EXPECT_EQ(Write(Head(), framing10, Known(0), 10),
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");
  const auto framing11 = ChooseFraming(200, false, 11, Known(0), true);
  EXPECT_EQ(Write(Head(), framing11, Known(0), 11), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
}

TEST(AppendResponseHeadTest, ReplacesHandlerConnectionHeaderWithOurOwn) {
  auto head = Head();
  head.set(Field::connection, "keep-alive");
  const auto framing = ChooseFraming(200, false, 11, Known(0), false);
  const auto out = Write(head, framing, Known(0));
  EXPECT_EQ(CountOccurrences(out, "Connection:"), 1u);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
}

TEST(AppendResponseHeadTest, AppendsToExistingOutput) {
  std::string out = "previous";
  AppendResponseHead(out, Head(), {}, ChooseFraming(200, false, 11, Known(0), true), Known(0),
                     11);
  EXPECT_EQ(out.rfind("previousHTTP/1.1 200 OK\r\n", 0), 0u);
}

TEST(AppendResponseHeadTest, OutputParsesAsTheSameResponse) {
  auto head = Head(Status::created);
  head.set(Field::location, "/items/7");
  head.set(Field::content_length, "3");
  const auto framing = ChooseFraming(201, false, 11, Known(3), true);
  const auto wire = Write(head, framing, Known(3)) + "abc";

  ResponseParser parser;
  ASSERT_EQ(ParseAll(wire, parser), "");
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().result(), Status::created);
  EXPECT_EQ(parser.get()[Field::location], "/items/7");
  EXPECT_EQ(parser.get().body(), "abc");
  EXPECT_TRUE(parser.get().keep_alive());
}

// --- IsHopByHop ---

TEST(IsHopByHopTest, RecognisesTheFixedSetCaseInsensitively) {
  for (const char* name :
       {"Connection", "keep-alive", "PROXY-CONNECTION", "Transfer-Encoding", "TE", "Trailer",
        "Upgrade", "Proxy-Authenticate", "Proxy-Authorization"}) {
    EXPECT_TRUE(IsHopByHop(name)) << name;
  }
}

TEST(IsHopByHopTest, RejectsEndToEndFieldsAndNearMisses) {
  for (const char* name : {"Content-Length", "Content-Type", "Set-Cookie", "Trailers", "Connect",
                           "Upgrade-Insecure-Requests", "X-Connection", ""}) {
    EXPECT_FALSE(IsHopByHop(name)) << name;
  }
}

// --- Chunk helpers (RFC 9112 §7.1) ---

TEST(ChunkHelpersTest, ChunkHeaderIsLowercaseHexSizeAndCrlf) {
  const auto header = [](std::size_t n) {
    std::string out;
    AppendChunkHeader(out, n);
    return out;
  };
  EXPECT_EQ(header(1), "1\r\n");
  EXPECT_EQ(header(10), "a\r\n");
  EXPECT_EQ(header(0x1a2b), "1a2b\r\n");
  EXPECT_EQ(header(4096), "1000\r\n");
  EXPECT_EQ(header(std::numeric_limits<std::size_t>::max()), "ffffffffffffffff\r\n");
}

TEST(ChunkHelpersTest, ChunkHeaderAppends) {
  std::string out = "x";
  AppendChunkHeader(out, 255);
  EXPECT_EQ(out, "xff\r\n");
}

TEST(ChunkHelpersTest, SuffixClosesDataAndAddsLastChunk) {
  EXPECT_EQ(ChunkSuffix(true, false), "\r\n");
  EXPECT_EQ(ChunkSuffix(true, true), "\r\n0\r\n\r\n");
  EXPECT_EQ(ChunkSuffix(false, true), "0\r\n\r\n");
  EXPECT_EQ(ChunkSuffix(false, false), "");
}

TEST(ChunkHelpersTest, ChunkedBodyBuiltFromHelpersParses) {
  const auto framing = ChooseFraming(200, false, 11, kUnknown, true);
  std::string wire = Write(Head(), framing, kUnknown);
  // The session's sequence: data chunks, an empty write, then a final write carrying data.
  for (std::string_view piece :
       {std::string_view("hello "), std::string_view(""), std::string_view("chunked world")}) {
    const bool last = piece == "chunked world";
    if (!piece.empty()) AppendChunkHeader(wire, piece.size());
    wire += piece;
    wire += ChunkSuffix(!piece.empty(), last);
  }

  ResponseParser parser;
  ASSERT_EQ(ParseAll(wire, parser), "");
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().body(), "hello chunked world");
}

TEST(ChunkHelpersTest, EmptyFinalWriteEndsAChunkedBody) {
  const auto framing = ChooseFraming(200, false, 11, kUnknown, true);
  std::string wire = Write(Head(), framing, kUnknown);
  AppendChunkHeader(wire, 3);
  wire += "abc";
  wire += ChunkSuffix(true, false);
  wire += ChunkSuffix(false, true);

  ResponseParser parser;
  ASSERT_EQ(ParseAll(wire, parser), "");
  ASSERT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().body(), "abc");
}

}  // namespace
}  // namespace sluice::http1
