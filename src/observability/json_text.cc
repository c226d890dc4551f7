#include "observability/json_text.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <ctime>

namespace sluice::observability {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendEscapedByte(std::string& out, unsigned char byte) {
  out += "\\u00";
  out += kHex[byte >> 4];
  out += kHex[byte & 0xf];
}

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 if it is not one. Follows the
// table in RFC 3629 §4, so overlong forms, surrogates and code points above U+10FFFF are
// rejected (they would make strict JSON parsers fail).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto in = [](unsigned char b, unsigned char lo, unsigned char hi) {
    return b >= lo && b <= hi;
  };
  const unsigned char b0 = byte(i);
  const size_t left = s.size() - i;
  if (in(b0, 0xC2, 0xDF)) {
    return left >= 2 && in(byte(i + 1), 0x80, 0xBF) ? 2 : 0;
  }
  if (in(b0, 0xE0, 0xEF)) {
    if (left < 3) return 0;
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;  // no overlongs
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;  // no surrogates
    return in(byte(i + 1), lo, hi) && in(byte(i + 2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(b0, 0xF0, 0xF4)) {
    if (left < 4) return 0;
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;  // no overlongs
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    return in(byte(i + 1), lo, hi) && in(byte(i + 2), 0x80, 0xBF) && in(byte(i + 3), 0x80, 0xBF)
               ? 4
               : 0;
  }
  return 0;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view value) {
  out.reserve(out.size() + value.size() + 2);
  out += '"';
  size_t i = 0;
  while (i < value.size()) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          // DEL is legal JSON but escaping it keeps terminals that tail the log sane.
          if (c < 0x20 || c == 0x7f) {
            AppendEscapedByte(out, c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    const size_t len = Utf8SequenceLength(value, i);
    if (len == 0) {
      AppendEscapedByte(out, c);
      ++i;
    } else {
      out.append(value.substr(i, len));
      i += len;
    }
  }
  out += '"';
}

std::string JsonString(std::string_view value) {
  std::string out;
  AppendJsonString(out, value);
  return out;
}

void AppendJsonNumber(std::string& out, double value, int decimals) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  fmt::format_to(std::back_inserter(out), "{:.{}f}", value, decimals);
}

std::string FormatUtcTimestamp(std::chrono::system_clock::time_point time) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto since_epoch = duration_cast<milliseconds>(time.time_since_epoch());
  // Floor division so times before 1970 (never expected, but possible with a bad clock) still
  // get a millisecond part in [0, 999].
  int64_t seconds = since_epoch.count() / 1000;
  int64_t millis = since_epoch.count() % 1000;
  if (millis < 0) {
    millis += 1000;
    --seconds;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

}  // namespace sluice::observability
