#include "observability/access_log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <chrono>
#include <stdexcept>

#include "observability/json_text.h"

namespace sluice::observability {
namespace {

constexpr const char* kLoggerName = "sluice.access";

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  AppendJsonString(out, value);
}

void AppendField(std::string& out, std::string_view name, uint64_t value) {
  out += ",\"";
  out += name;
  out += "\":";
  out += std::to_string(value);
}

// Durations in seconds with microsecond resolution: finer digits are noise from the clock and
// the event loop, coarser would hide sub-millisecond upstreams.
void AppendSeconds(std::string& out, std::string_view name, double seconds) {
  out += ",\"";
  out += name;
  out += "\":";
  AppendJsonNumber(out, seconds, 6);
}

}  // namespace

std::unique_ptr<AccessLog> AccessLog::Open(const std::string& destination) {
  if (destination == "off") return std::make_unique<AccessLog>(nullptr);
  spdlog::sink_ptr sink;
  if (destination == "stdout") {
    sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  } else {
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(destination);
    } catch (const spdlog::spdlog_ex& e) {
      throw std::runtime_error("access log: cannot open '" + destination + "': " + e.what());
    }
  }
  // Not registered in spdlog's global registry: the app owns it and passes it around.
  auto logger = std::make_shared<spdlog::logger>(kLoggerName, std::move(sink));
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::info);
  // Every line reaches the file at once, so `tail -f` and log shippers see requests as they
  // finish and nothing is lost if the process is killed.
  logger->flush_on(spdlog::level::info);
  return std::make_unique<AccessLog>(std::move(logger));
}

AccessLog::AccessLog(std::shared_ptr<spdlog::logger> logger) : logger_(std::move(logger)) {}

void AccessLog::Write(const AccessLogRecord& record) {
  if (!logger_) return;
  try {
    const std::string line = Format(record, FormatUtcTimestamp(std::chrono::system_clock::now()));
    logger_->info(spdlog::string_view_t(line.data(), line.size()));
  } catch (...) {
    // A lost access-log line must never fail the request that produced it.
  }
}

std::string AccessLog::Format(const AccessLogRecord& record, std::string_view time_iso8601) {
  std::string out;
  out.reserve(384 + record.target.size());
  out += "{\"time\":";
  AppendJsonString(out, time_iso8601);
  AppendField(out, "request_id", record.request_id);
  AppendField(out, "client", record.client);
  AppendField(out, "listener", record.listener);
  AppendField(out, "protocol", record.protocol);
  out += record.tls ? ",\"tls\":true" : ",\"tls\":false";
  AppendField(out, "method", record.method);
  AppendField(out, "target", record.target);
  AppendField(out, "route", record.route);
  AppendField(out, "cluster", record.cluster);
  AppendField(out, "endpoint", record.endpoint);
  out += ",\"status\":";
  out += std::to_string(record.status);
  AppendField(out, "reason", record.reason);
  AppendSeconds(out, "total_seconds", record.total_seconds);
  if (record.upstream_seconds < 0) {
    // null rather than absent: every line has the same keys, which keeps log queries simple.
    out += ",\"upstream_seconds\":null";
  } else {
    AppendSeconds(out, "upstream_seconds", record.upstream_seconds);
  }
  AppendField(out, "bytes_in", record.bytes_in);
  AppendField(out, "bytes_out", record.bytes_out);
  AppendField(out, "tenant", record.tenant);
  AppendField(out, "class", record.priority_class);
  AppendField(out, "decision", record.decision);
  AppendSeconds(out, "queue_wait_seconds", record.queue_wait_seconds);
  out += '}';
  return out;
}

}  // namespace sluice::observability
