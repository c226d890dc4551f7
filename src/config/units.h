#pragma once
// Parsers for the unit-carrying scalars of the config language. Each returns the value or an
// error message meant to follow "path: " in a compiler-style line.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "config/schema/config.h"

namespace sluice::config {

template <typename T>
using Parsed = std::variant<T, std::string>;  // value, or error message

// "250ms", "2s", "1.5s", "1m", "1h", "500us": a number and a unit; a bare number is an error.
// Exact: a fraction finer than a microsecond is an error rather than silently rounded.
[[nodiscard]] Parsed<std::chrono::microseconds> ParseDuration(std::string_view text);
// "64KiB", "1MiB", "1GiB", "512B", "100KB"/"1MB" (decimal), or a bare integer of bytes.
[[nodiscard]] Parsed<uint64_t> ParseSize(std::string_view text);
// "100/s", "6000/min", "10/h" → events per second (double, > 0).
inline constexpr double kMaxRatePerSecond = 10'000'000;
inline constexpr double kMinRatePerSecond = 1.0 / 3600;
[[nodiscard]] Parsed<double> ParseRate(std::string_view text);
// "host:port", "[v6]:port"; port 0..65535 (0 = ephemeral, allowed only where said).
[[nodiscard]] Parsed<HostPort> ParseHostPort(std::string_view text);
// "10.0.0.0/8", "::1/128", or a bare address (= host route).
[[nodiscard]] Parsed<Cidr> ParseCidr(std::string_view text);

// The shortest exact spelling of a byte count in the units ParseSize reads ("1MiB", "1500B"),
// for messages that quote a limit back to the operator.
[[nodiscard]] std::string FormatSize(uint64_t bytes);

}  // namespace sluice::config
