#include "config/http2_section.h"

#include <cstdint>
#include <optional>
#include <string>

#include "config/units.h"

namespace sluice::config {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t kGiB = 1024 * kMiB;
constexpr uint64_t kMaxWindow = (uint64_t{1} << 31) - 1;  // RFC 9113 §6.9.1
// One DATA frame at the default SETTINGS_MAX_FRAME_SIZE (RFC 9113 §6.5.2): a smaller buffer
// could not hold a single frame the client may legally send.
constexpr uint64_t kMinBuffer = 16 * kKiB;
constexpr int64_t kMaxFloodCount = 1'000'000;
constexpr Millis kMaxAbuseWindow = std::chrono::minutes(10);

// A size setting as read: the value (written or default) and where it was written, if it was.
struct SizeSetting {
  uint32_t& value;
  std::optional<Field> field;
  bool ok = true;  // false: written but unreadable (already reported)
};

SizeSetting ReadSizeSetting(MapReader& map, std::string_view key, uint64_t min, uint64_t max,
                            uint32_t& value) {
  SizeSetting setting{value, map.Optional(key)};
  uint64_t bytes = 0;
  if (setting.field) {
    setting.ok = ReadSize(*setting.field, min, max, bytes);
    if (setting.ok) value = static_cast<uint32_t>(bytes);  // max fits: every bound is < 2^32
  }
  return setting;
}

// "64KiB", or "64KiB, the default" when it was not written.
std::string Shown(const SizeSetting& s) {
  return FormatSize(s.value) + (s.field ? "" : ", the default");
}

// Requires lower <= upper, blaming the upper bound when it was written (the defaults are
// consistent, so a broken pair has at least one side written).
void CheckOrder(const SizeSetting& lower, std::string_view lower_name, const SizeSetting& upper,
                std::string_view upper_name) {
  if (!lower.ok || !upper.ok || lower.value <= upper.value) return;
  if (upper.field) {
    upper.field->Error("must be >= " + std::string(lower_name) + " (" + Shown(lower) + "), got " +
                       upper.field->node.Scalar());
  } else {
    lower.field->Error("must be <= " + std::string(upper_name) + " (" + Shown(upper) + "), got " +
                       lower.field->node.Scalar());
  }
}

void ReadAbuse(const Field& field, Http2AbuseConfig& out) {
  MapReader map(field);
  if (auto f = map.Optional("window");
      f && ReadMillis(*f, /*allow_zero=*/false, out.window) && out.window > kMaxAbuseWindow) {
    f->Error("must be <= 10m, got " + f->node.Scalar());
  }
  if (auto f = map.Optional("max_resets")) ReadInteger(*f, 1, kMaxFloodCount, out.max_resets);
  if (auto f = map.Optional("max_settings")) ReadInteger(*f, 1, kMaxFloodCount, out.max_settings);
  if (auto f = map.Optional("max_pings")) ReadInteger(*f, 1, kMaxFloodCount, out.max_pings);
  if (auto f = map.Optional("max_empty_data")) {
    ReadInteger(*f, 1, kMaxFloodCount, out.max_empty_data);
  }
  // 0 is meaningful: every header block must fit in its HEADERS frame.
  if (auto f = map.Optional("max_continuations")) {
    ReadInteger(*f, 0, 1000, out.max_continuations);
  }
}

}  // namespace

void ReadHttp2(const Field& field, Http2Config& out) {
  MapReader map(field);
  if (auto f = map.Optional("max_concurrent_streams")) {
    ReadInteger(*f, 1, 10'000, out.max_concurrent_streams);
  }
  // The same range as the listener's max_header_bytes.
  (void)ReadSizeSetting(map, "max_header_list_bytes", kKiB, kMiB, out.max_header_list_bytes);
  const auto window = ReadSizeSetting(map, "initial_stream_window", kKiB, kMaxWindow,
                                      out.initial_stream_window_bytes);
  const auto stream =
      ReadSizeSetting(map, "max_stream_buffer", kMinBuffer, kGiB, out.max_stream_buffer_bytes);
  const auto connection = ReadSizeSetting(map, "max_connection_buffer", kMinBuffer, kGiB,
                                          out.max_connection_buffer_bytes);
  // Larger tables cost memory per connection for little compression gain.
  (void)ReadSizeSetting(map, "hpack_table_bytes", 0, 64 * kKiB, out.hpack_table_bytes);
  if (auto f = map.Optional("abuse")) ReadAbuse(*f, out.abuse);
  // A window no larger than the stream buffer, and stream buffers no larger than the connection's,
  // let flow control alone keep a client within the buffers.
  CheckOrder(window, "initial_stream_window", stream, "max_stream_buffer");
  CheckOrder(stream, "max_stream_buffer", connection, "max_connection_buffer");
}

}  // namespace sluice::config
