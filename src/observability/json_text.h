#pragma once
// JSON text helpers shared by the access log and the JSON error log. Log lines carry
// client-controlled bytes (targets, methods), so escaping must hold for any input: the output is
// always valid JSON, whatever the bytes.
//
// Thread-safety: stateless free functions, safe from any thread.
#include <chrono>
#include <string>
#include <string_view>

namespace sluice::observability {

// Appends `value` as a quoted JSON string. Quotes, backslashes and control characters are
// escaped; valid UTF-8 passes through unchanged; each byte that is not part of a valid UTF-8
// sequence is written as \u00XX so the line stays valid UTF-8 and the byte stays recognisable.
void AppendJsonString(std::string& out, std::string_view value);
// The same, as a string of its own.
std::string JsonString(std::string_view value);

// Appends a JSON number with `decimals` digits after the point, or null for NaN/infinity
// (which JSON cannot represent).
void AppendJsonNumber(std::string& out, double value, int decimals);

// "2024-05-01T12:34:56.789Z": ISO-8601, UTC, millisecond precision.
std::string FormatUtcTimestamp(std::chrono::system_clock::time_point time);

}  // namespace sluice::observability
