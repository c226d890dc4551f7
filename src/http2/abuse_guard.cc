#include "http2/abuse_guard.h"

#include <algorithm>

namespace sluice::http2 {

std::string_view ToString(AbuseKind kind) {
  switch (kind) {
    case AbuseKind::kRapidReset:
      return "rapid_reset";
    case AbuseKind::kSettingsFlood:
      return "settings_flood";
    case AbuseKind::kPingFlood:
      return "ping_flood";
    case AbuseKind::kEmptyDataFlood:
      return "empty_data_flood";
    case AbuseKind::kContinuationFlood:
      return "continuation_flood";
    case AbuseKind::kHeaderListTooLarge:
      return "header_list_too_large";
    case AbuseKind::kTooManyStreams:
      return "too_many_streams";
  }
  return "unknown";
}

AbuseGuard::AbuseGuard(const AbuseLimits& limits) : limits_(limits) {}

AbuseVerdict AbuseGuard::Record(AbuseKind kind, core::TimePoint now) {
  const RateLimit* limit = nullptr;
  switch (kind) {
    case AbuseKind::kRapidReset:
      limit = &limits_.rapid_reset;
      break;
    case AbuseKind::kSettingsFlood:
      limit = &limits_.settings;
      break;
    case AbuseKind::kPingFlood:
      limit = &limits_.ping;
      break;
    case AbuseKind::kEmptyDataFlood:
      limit = &limits_.empty_data;
      break;
    default:
      return {};
  }
  if (limit->events == 0 || limit->window.count() <= 0) return {};
  auto& b = buckets_[static_cast<std::size_t>(kind)];
  if (b.last != core::TimePoint{} && now > b.last) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    const double window = std::chrono::duration<double>(limit->window).count();
    b.level = std::max(0.0, b.level - elapsed * limit->events / window);
  }
  b.last = std::max(b.last, now);
  b.level += 1;
  // A small tolerance so `events` at exactly the same instant never trips through rounding.
  if (b.level > limit->events + 1e-9) return {kind};
  return {};
}

AbuseVerdict AbuseGuard::RecordContinuation() {
  ++continuations_;
  if (limits_.max_continuations != 0 && continuations_ > limits_.max_continuations) {
    return {AbuseKind::kContinuationFlood};
  }
  return {};
}

}  // namespace sluice::http2
