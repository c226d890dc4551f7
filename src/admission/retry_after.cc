#include "admission/retry_after.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace sluice::admission {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

std::string QuotedName(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back('"');
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u > 0x7e) {
      out.push_back('?');
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace

int64_t CeilSeconds(core::Duration d) {
  const int64_t ns = d.count();
  if (ns <= 0) return 0;
  return ns / kNanosPerSecond + (ns % kNanosPerSecond != 0 ? 1 : 0);
}

int64_t RetryAfterSeconds429(core::Duration wait, double jitter_fraction, core::Duration jitter_cap,
                             uint64_t random) {
  const int64_t wait_ns = std::max<int64_t>(wait.count(), 0);
  int64_t max_jitter = 0;
  if (jitter_fraction > 0.0 && jitter_cap.count() > 0) {  // also rejects NaN
    const double by_fraction = jitter_fraction * static_cast<double>(wait_ns);
    max_jitter = by_fraction >= static_cast<double>(jitter_cap.count())
                     ? jitter_cap.count()
                     : static_cast<int64_t>(by_fraction);
  }
  const auto jitter =
      static_cast<int64_t>(random % (static_cast<uint64_t>(max_jitter) + 1));  // bias < 2^-30
  const int64_t total = jitter > INT64_MAX - wait_ns ? INT64_MAX : wait_ns + jitter;
  return std::max<int64_t>(1, CeilSeconds(core::Duration(total)));
}

int64_t RetryAfterSeconds503(std::size_t queue_depth, std::size_t low_watermark,
                             double completion_rate_per_s, double random01, double shed_fraction) {
  const double f = std::isnan(shed_fraction) ? 0.0 : std::clamp(shed_fraction, 0.0, 1.0);
  if (queue_depth <= low_watermark && f <= 0.0) return kRetryAfter503MinSeconds;
  if (f >= 1.0) return kRetryAfter503MaxSeconds;
  double drain = 0.0;
  if (queue_depth > low_watermark) {
    if (!(completion_rate_per_s > 0.0)) return kRetryAfter503MaxSeconds;
    drain = static_cast<double>(queue_depth - low_watermark) / completion_rate_per_s;
  }
  const double recovery = f / (1.0 - f);
  const double spread = 1.0 + 0.5 * std::clamp(std::isnan(random01) ? 0.0 : random01, 0.0, 1.0);
  const double seconds = (drain + recovery) * spread;
  if (!(seconds < static_cast<double>(kRetryAfter503MaxSeconds))) return kRetryAfter503MaxSeconds;
  // A nanosecond of slack: 0.9 / 0.1 is 9.000000000000002 in doubles, and means 9 s.
  return std::clamp(static_cast<int64_t>(std::ceil(seconds - 1e-9)), kRetryAfter503MinSeconds,
                    kRetryAfter503MaxSeconds);
}

std::string RateLimitPolicyHeader(std::string_view name, uint32_t burst, int64_t window_seconds) {
  return QuotedName(name) + ";q=" + std::to_string(burst) +
         ";w=" + std::to_string(std::max<int64_t>(window_seconds, 1));
}

std::string RateLimitHeader(std::string_view name, uint32_t remaining, int64_t reset_seconds) {
  return QuotedName(name) + ";r=" + std::to_string(remaining) +
         ";t=" + std::to_string(std::max<int64_t>(reset_seconds, 0));
}

}  // namespace sluice::admission
