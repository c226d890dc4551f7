#pragma once
// One JSON line per request (DESIGN §9). Fields are escaped; the raw API key never appears.
//
// Thread-safety: thread-safe (spdlog sink with its own mutex); Write never throws.
#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::observability {

struct AccessLogRecord {
  std::string_view request_id;
  std::string_view client;  // peer address
  std::string_view listener;
  std::string_view protocol;  // "HTTP/1.1", "HTTP/2" (http::ProtocolName)
  bool tls = false;           // the connection was TLS (h2 or HTTPS), else cleartext
  std::string_view method;
  std::string_view target;
  std::string_view route;  // "" when no route matched
  std::string_view cluster;
  std::string_view endpoint;  // "host:port" of the chosen upstream, "" if none
  int status = 0;
  std::string_view reason;  // X-Sluice-Reason of a local reply, "" for a backend answer
  double total_seconds = 0;
  double upstream_seconds = -1;  // < 0: no upstream involved
  uint64_t bytes_in = 0;         // request body bytes received
  uint64_t bytes_out = 0;        // response body bytes sent
  // Admission (issue 3): configured tenant name or "other"; priority class; decision
  // ("admitted", "rejected", "shadow_rejected"; "" before admission); time spent queued.
  std::string_view tenant;
  std::string_view priority_class;
  std::string_view decision;
  double queue_wait_seconds = 0;
};

class AccessLog {
 public:
  // destination: "stdout", "off", or a file path (appended to). Control path: throws
  // std::runtime_error naming the path when the file cannot be opened.
  static std::unique_ptr<AccessLog> Open(const std::string& destination);
  explicit AccessLog(std::shared_ptr<spdlog::logger> logger);  // nullptr = disabled

  [[nodiscard]] bool enabled() const { return logger_ != nullptr; }
  void Write(const AccessLogRecord& record);
  // A reply a protocol session made itself, before any route was chosen (431, 408, 400): the
  // line has no request id, route or upstream. `client` is the peer address, formatted only when
  // the log is on.
  template <class Address>
  void WriteSessionReply(const Address& client, std::string_view listener,
                         std::string_view protocol, bool tls, int status, std::string_view reason,
                         uint64_t bytes_out) {
    if (!enabled()) return;
    const auto client_text = client.to_string();
    Write({.client = client_text,
           .listener = listener,
           .protocol = protocol,
           .tls = tls,
           .status = status,
           .reason = reason,
           .bytes_out = bytes_out});
  }

  // The JSON line itself, without newline (exposed for tests). Keys, in order: time, request_id,
  // client, listener, protocol, tls, method, target, route, cluster, endpoint, status, reason,
  // total_seconds, upstream_seconds (null when no upstream), bytes_in, bytes_out, tenant, class,
  // decision, queue_wait_seconds.
  static std::string Format(const AccessLogRecord& record, std::string_view time_iso8601);

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace sluice::observability
