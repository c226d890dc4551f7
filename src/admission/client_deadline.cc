#include "admission/client_deadline.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace sluice::admission {

using core::Duration;

namespace {

Duration Clamp(Duration d) { return std::min(d, kMaxClientTimeout); }

// Digits only, at most `max_digits` of them (so the value fits easily in 64 bits).
std::optional<uint64_t> ParseDigits(std::string_view s, std::size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Duration> ParseGrpcTimeout(std::string_view value) {
  if (value.size() < 2) return std::nullopt;
  const auto digits = ParseDigits(value.substr(0, value.size() - 1), 8);
  if (!digits) return std::nullopt;
  // 8 digits of hours is ~11,000 years: clamp per unit before multiplying.
  const auto n = static_cast<int64_t>(*digits);
  using namespace std::chrono;
  switch (value.back()) {
    case 'H': return Clamp(hours(std::min<int64_t>(n, 1000)));
    case 'M': return Clamp(minutes(std::min<int64_t>(n, 100'000)));
    case 'S': return Clamp(seconds(n));
    case 'm': return Clamp(milliseconds(n));
    case 'u': return Clamp(microseconds(n));
    case 'n': return Clamp(nanoseconds(n));
    default: return std::nullopt;
  }
}

std::optional<Duration> ParseRequestTimeout(std::string_view value) {
  using namespace std::chrono;
  int64_t unit_ns = 1'000'000'000;  // bare numbers are seconds
  if (value.ends_with("ms")) {
    unit_ns = 1'000'000;
    value.remove_suffix(2);
  } else if (value.ends_with('s')) {
    value.remove_suffix(1);
  }
  const auto dot = value.find('.');
  const auto whole = ParseDigits(value.substr(0, dot), 9);
  if (!whole) return std::nullopt;
  int64_t fraction_ns = 0;
  if (dot != std::string_view::npos) {
    const auto frac = value.substr(dot + 1);
    const auto digits = ParseDigits(frac, 9);
    if (!digits) return std::nullopt;
    // "0.25" with seconds: 25 × 10^(9−2) ns; scaled to the unit.
    int64_t scale = unit_ns;
    for (std::size_t i = 0; i < frac.size(); ++i) scale /= 10;
    fraction_ns = static_cast<int64_t>(*digits) * scale;
  }
  const auto whole_ns = static_cast<int64_t>(std::min<uint64_t>(*whole, 1'000'000)) * unit_ns;
  return Clamp(duration_cast<Duration>(nanoseconds(whole_ns + fraction_ns)));
}

std::optional<core::TimePoint> ClientDeadline(const HeaderLookup& header,
                                              core::TimePoint received) {
  std::optional<Duration> shortest;
  const auto consider = [&shortest](std::optional<Duration> d) {
    if (d && (!shortest || *d < *shortest)) shortest = d;
  };
  if (auto v = header("grpc-timeout")) consider(ParseGrpcTimeout(*v));
  if (auto v = header("X-Request-Timeout")) consider(ParseRequestTimeout(*v));
  if (!shortest) return std::nullopt;
  return received + *shortest;
}

}  // namespace sluice::admission
