#include "observability/access_log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <vector>

#include "http/types.h"
#include "observability/json_text.h"
#include "support/json_reader.h"

namespace sluice::observability {
namespace {

using sluice::testing::Json;
using sluice::testing::ParseFlatJsonObject;

std::string Escaped(std::string_view raw) {
  std::string out;
  AppendJsonString(out, raw);
  return out;
}

AccessLogRecord FullRecord() {
  AccessLogRecord r;
  r.request_id = "req-1";
  r.client = "10.0.0.1:5555";
  r.listener = "public";
  r.protocol = "HTTP/1.1";
  r.method = "GET";
  r.target = "/api/v1/items?q=1";
  r.route = "api";
  r.cluster = "backend";
  r.endpoint = "10.0.1.2:8080";
  r.status = 200;
  r.reason = "";
  r.total_seconds = 0.0123456789;
  r.upstream_seconds = 0.01;
  r.bytes_in = 12;
  r.bytes_out = 3456;
  return r;
}

TEST(JsonStringTest, EscapesQuotesBackslashAndControlCharacters) {
  EXPECT_EQ(Escaped("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Escaped("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(Escaped(std::string_view("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(Escaped(std::string_view("a\0b", 3)), R"("a\u0000b")");
}

TEST(JsonStringTest, PassesValidUtf8Through) {
  EXPECT_EQ(Escaped("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(JsonStringTest, EscapesEachByteOfInvalidUtf8) {
  EXPECT_EQ(Escaped("\xFF"), R"("\u00ff")");
  EXPECT_EQ(Escaped("\xC0\xAF"), R"("\u00c0\u00af")");                      // overlong '/'
  EXPECT_EQ(Escaped("\xED\xA0\x80"), R"("\u00ed\u00a0\u0080")");            // UTF-16 surrogate
  EXPECT_EQ(Escaped("\xF4\x90\x80\x80"), R"("\u00f4\u0090\u0080\u0080")");  // > U+10FFFF
  EXPECT_EQ(Escaped("ok\xE2\x82"), R"("ok\u00e2\u0082")");                  // truncated sequence
  EXPECT_EQ(Escaped("\xC3(x"), R"("\u00c3(x")");                            // bad continuation
}

TEST(JsonNumberTest, WritesNullForNonFiniteValues) {
  std::string out;
  AppendJsonNumber(out, std::numeric_limits<double>::quiet_NaN(), 6);
  out += ',';
  AppendJsonNumber(out, std::numeric_limits<double>::infinity(), 6);
  EXPECT_EQ(out, "null,null");
}

TEST(UtcTimestampTest, FormatsIso8601WithMilliseconds) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
  EXPECT_EQ(FormatUtcTimestamp(t), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatUtcTimestamp(std::chrono::system_clock::time_point{}),
            "1970-01-01T00:00:00.000Z");
}

TEST(AccessLogFormatTest, LineIsValidJsonWithEveryField) {
  const std::string line = AccessLog::Format(FullRecord(), "2024-05-01T12:34:56.789Z");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto object = ParseFlatJsonObject(line);
  ASSERT_TRUE(object.has_value()) << line;
  const std::map<std::string, std::string> expected_strings = {{"time", "2024-05-01T12:34:56.789Z"},
                                                               {"request_id", "req-1"},
                                                               {"client", "10.0.0.1:5555"},
                                                               {"listener", "public"},
                                                               {"protocol", "HTTP/1.1"},
                                                               {"method", "GET"},
                                                               {"target", "/api/v1/items?q=1"},
                                                               {"route", "api"},
                                                               {"cluster", "backend"},
                                                               {"endpoint", "10.0.1.2:8080"},
                                                               {"reason", ""},
                                                               {"tenant", ""},
                                                               {"class", ""},
                                                               {"decision", ""}};
  for (const auto& [key, value] : expected_strings) {
    ASSERT_TRUE(object->count(key)) << key;
    EXPECT_EQ(object->at(key).kind, Json::Kind::kString) << key;
    EXPECT_EQ(object->at(key).text, value) << key;
  }
  const std::map<std::string, std::string> expected_numbers = {{"status", "200"},
                                                               {"total_seconds", "0.012346"},
                                                               {"upstream_seconds", "0.010000"},
                                                               {"bytes_in", "12"},
                                                               {"bytes_out", "3456"},
                                                               {"queue_wait_seconds", "0.000000"}};
  for (const auto& [key, value] : expected_numbers) {
    ASSERT_TRUE(object->count(key)) << key;
    EXPECT_EQ(object->at(key).kind, Json::Kind::kNumber) << key;
    EXPECT_EQ(object->at(key).text, value) << key;
  }
  ASSERT_TRUE(object->count("tls"));
  EXPECT_EQ(object->at("tls").kind, Json::Kind::kBool);
  EXPECT_FALSE(object->at("tls").boolean);
  EXPECT_EQ(object->size(), expected_strings.size() + expected_numbers.size() + 1);
}

TEST(AccessLogFormatTest, ProtocolNamesTheHttpVersionAndTlsIsItsOwnField) {
  AccessLogRecord record = FullRecord();
  record.protocol = http::ProtocolName(http::Protocol::kHttp2);
  record.tls = true;
  const auto h2 = ParseFlatJsonObject(AccessLog::Format(record, "t"));
  ASSERT_TRUE(h2.has_value());
  EXPECT_EQ(h2->at("protocol").text, "HTTP/2");
  EXPECT_TRUE(h2->at("tls").boolean);

  record.protocol = http::ProtocolName(http::Protocol::kHttp1);
  record.tls = false;
  const auto h1 = ParseFlatJsonObject(AccessLog::Format(record, "t"));
  ASSERT_TRUE(h1.has_value());
  EXPECT_EQ(h1->at("protocol").text, "HTTP/1.1");
  EXPECT_FALSE(h1->at("tls").boolean);
}

TEST(AccessLogFormatTest, UpstreamSecondsIsNullWithoutUpstream) {
  AccessLogRecord record = FullRecord();
  record.upstream_seconds = -1;
  const auto object = ParseFlatJsonObject(AccessLog::Format(record, "t"));
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ(object->at("upstream_seconds").kind, Json::Kind::kNull);
}

TEST(AccessLogFormatTest, HostileTargetRoundTripsThroughJson) {
  const std::string target = "/a\"b\\c\r\nX-Injected: 1\x01\xFF\xC3\xA9";
  AccessLogRecord record = FullRecord();
  record.target = target;
  record.method = "G\"ET";
  const std::string line = AccessLog::Format(record, "t");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto object = ParseFlatJsonObject(line);
  ASSERT_TRUE(object.has_value()) << line;
  // \xFF comes back as the byte it was written for; valid UTF-8 comes back unchanged.
  EXPECT_EQ(object->at("target").text, target);
  EXPECT_EQ(object->at("method").text, "G\"ET");
}

TEST(AccessLogTest, OffIsDisabledAndWriteIsANoOp) {
  auto log = AccessLog::Open("off");
  ASSERT_NE(log, nullptr);
  EXPECT_FALSE(log->enabled());
  log->Write(FullRecord());
}

TEST(AccessLogTest, FileDestinationGetsOneJsonLinePerRequest) {
  const std::string path = ::testing::TempDir() + "sluice_access_log_test.jsonl";
  std::remove(path.c_str());
  {
    auto log = AccessLog::Open(path);
    ASSERT_TRUE(log->enabled());
    log->Write(FullRecord());
    AccessLogRecord second = FullRecord();
    second.status = 503;
    second.reason = "upstream_timeout";
    log->Write(second);
  }
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& line : lines) {
    const auto object = ParseFlatJsonObject(line);
    ASSERT_TRUE(object.has_value()) << line;
    const std::string& time = object->at("time").text;
    // 2024-05-01T12:34:56.789Z
    ASSERT_EQ(time.size(), 24u) << time;
    EXPECT_EQ(time[10], 'T');
    EXPECT_EQ(time[19], '.');
    EXPECT_EQ(time.back(), 'Z');
  }
  EXPECT_EQ(ParseFlatJsonObject(lines[1])->at("reason").text, "upstream_timeout");
  std::remove(path.c_str());
}

TEST(AccessLogTest, UnopenableFileThrowsNamingThePath) {
  // A regular file as the parent directory: spdlog would create a missing directory, but it
  // cannot turn a file into one.
  const std::string parent = ::testing::TempDir() + "sluice_access_log_not_a_dir";
  std::ofstream(parent) << "x";
  const std::string path = parent + "/access.log";
  try {
    (void)AccessLog::Open(path);
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  std::remove(parent.c_str());
}

}  // namespace
}  // namespace sluice::observability
