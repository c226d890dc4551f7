#include "observability/logging.h"

#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "observability/json_text.h"

namespace sluice::observability {
namespace {

constexpr const char* kTextPattern = "[%Y-%m-%d %H:%M:%S.%e] [%l] %v";

// Whole-line JSON formatter. A pattern like {"msg":"%v"} cannot escape the message, and log
// messages carry peer-controlled text (addresses, targets), so the line is built by hand.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    line.reserve(64 + msg.payload.size());
    line += "{\"time\":";
    AppendJsonString(line, FormatUtcTimestamp(msg.time));
    line += ",\"level\":";
    const auto level = spdlog::level::to_string_view(msg.level);
    AppendJsonString(line, std::string_view(level.data(), level.size()));
    line += ",\"msg\":";
    AppendJsonString(line, std::string_view(msg.payload.data(), msg.payload.size()));
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }

  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

spdlog::level::level_enum ParseLogLevel(const std::string& name) {
  // from_str maps unknown names to `off`; only an explicit "off" may turn the log off.
  if (name == "off") return spdlog::level::off;
  const auto level = spdlog::level::from_str(name);
  return level == spdlog::level::off ? spdlog::level::info : level;
}

std::shared_ptr<spdlog::logger> MakeLogger(const LogOptions& options) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("sluice", std::move(sink));
  ConfigureLogger(*logger, options);
  return logger;
}

void ConfigureLogger(spdlog::logger& logger, const LogOptions& options) {
  if (options.json) {
    logger.set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger.set_formatter(std::make_unique<spdlog::pattern_formatter>(kTextPattern));
  }
  // No flush policy needed: spdlog's stderr sink flushes after every line.
  logger.set_level(ParseLogLevel(options.level));
}

}  // namespace sluice::observability
