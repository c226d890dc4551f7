#pragma once
// Counts the frames a misbehaving HTTP/2 client uses to burn server CPU or memory without
// sending requests (rapid reset, SETTINGS/PING/empty-DATA floods, endless CONTINUATION) and
// says when one kind went over its limit. Pure logic: time comes in as `now`, so tests drive it
// with a fake clock.
//
// Each windowed kind is a leaky bucket: every event adds 1, the level drains at limit/window
// per second, and the event that lifts the level above `limit` trips. So `limit` events may
// come at once, and a steady stream trips only above limit/window on average — a sliding window
// without storing timestamps.
//
// Thread-safety: owned by one connection; not thread-safe.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/clock.h"
#include "http2/session_options.h"

namespace sluice::http2 {

// Label values of sluice_h2_abuse_total{kind}; the first five are windowed by AbuseGuard, the
// last two are stream-level limits counted by the connection.
enum class AbuseKind {
  kRapidReset,
  kSettingsFlood,
  kPingFlood,
  kEmptyDataFlood,
  kContinuationFlood,
  kHeaderListTooLarge,
  kTooManyStreams,
};
inline constexpr std::size_t kAbuseKindCount = 7;
[[nodiscard]] std::string_view ToString(AbuseKind kind);

struct AbuseVerdict {
  std::optional<AbuseKind> tripped;  // set: end the connection (GOAWAY ENHANCE_YOUR_CALM)
  [[nodiscard]] bool ok() const { return !tripped; }
};

class AbuseGuard {
 public:
  explicit AbuseGuard(const AbuseLimits& limits);

  // One frame of a windowed kind (kRapidReset .. kEmptyDataFlood).
  [[nodiscard]] AbuseVerdict Record(AbuseKind kind, core::TimePoint now);
  // One CONTINUATION frame of the current header block; the count restarts per block.
  [[nodiscard]] AbuseVerdict RecordContinuation();
  void StartHeaderBlock() { continuations_ = 0; }

 private:
  struct Bucket {
    double level = 0;
    core::TimePoint last{};
  };
  static constexpr std::size_t kWindowed = 4;

  const AbuseLimits limits_;
  std::array<Bucket, kWindowed> buckets_{};
  uint32_t continuations_ = 0;
};

}  // namespace sluice::http2
