#include "observability/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "support/json_reader.h"

namespace sluice::observability {
namespace {

using sluice::testing::ParseFlatJsonObject;

struct CapturedLogger {
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
};

TEST(LoggingTest, UnknownLevelFallsBackToInfo) {
  EXPECT_EQ(ParseLogLevel("verbose"), spdlog::level::info);
  EXPECT_EQ(ParseLogLevel(""), spdlog::level::info);
  EXPECT_EQ(ParseLogLevel("off"), spdlog::level::off);
  EXPECT_EQ(ParseLogLevel("warn"), spdlog::level::warn);
  EXPECT_EQ(ParseLogLevel("debug"), spdlog::level::debug);
  EXPECT_EQ(ParseLogLevel("error"), spdlog::level::err);
}

TEST(LoggingTest, MakeLoggerIsNamedSluiceAndNotRegisteredGlobally) {
  auto logger = MakeLogger({.level = "warn", .json = false});
  EXPECT_EQ(logger->name(), "sluice");
  EXPECT_EQ(logger->level(), spdlog::level::warn);
  EXPECT_EQ(spdlog::get("sluice"), nullptr);
}

TEST(LoggingTest, TextFormatHasTimestampAndLevel) {
  CapturedLogger captured;
  ConfigureLogger(*captured.logger, {.level = "info", .json = false});
  captured.logger->info("hello {}", 42);
  captured.logger->debug("not shown");
  const std::string text = captured.out.str();
  // "[2024-05-01 12:34:56.789] [info] hello 42\n"
  ASSERT_GE(text.size(), 26u) << text;
  EXPECT_EQ(text[0], '[');
  EXPECT_EQ(text.substr(24), "] [info] hello 42\n");
}

TEST(LoggingTest, JsonFormatEscapesTheMessage) {
  CapturedLogger captured;
  ConfigureLogger(*captured.logger, {.level = "debug", .json = true});
  captured.logger->warn("peer \"{}\" sent\n{}", "1.2.3.4", "\x01\xFF");
  const std::string text = captured.out.str();
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n');
  ASSERT_EQ(text.find('\n'), text.size() - 1) << "one line per record";
  const auto object = ParseFlatJsonObject(std::string_view(text).substr(0, text.size() - 1));
  ASSERT_TRUE(object.has_value()) << text;
  EXPECT_EQ(object->size(), 3u);
  EXPECT_EQ(object->at("level").text, "warning");
  EXPECT_EQ(object->at("msg").text, "peer \"1.2.3.4\" sent\n\x01\xFF");
  EXPECT_EQ(object->at("time").text.size(), 24u);
}

TEST(LoggingTest, ReconfigureSwitchesFormatAndLevel) {
  CapturedLogger captured;
  ConfigureLogger(*captured.logger, {.level = "error", .json = true});
  captured.logger->info("dropped");
  EXPECT_TRUE(captured.out.str().empty());
  ConfigureLogger(*captured.logger, {.level = "info", .json = false});
  captured.logger->info("kept");
  EXPECT_NE(captured.out.str().find("[info] kept"), std::string::npos);
}

}  // namespace
}  // namespace sluice::observability
