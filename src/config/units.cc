#include "config/units.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <optional>

#include "config/address.h"
#include "config/quote.h"

namespace sluice::config {
namespace {

struct UnitFactor {
  std::string_view suffix;
  uint64_t factor;
};

constexpr std::array<UnitFactor, 5> kDurationUnits{{
    {"us", 1},
    {"ms", 1'000},
    {"s", 1'000'000},
    {"m", 60'000'000},
    {"h", 3'600'000'000},
}};

constexpr uint64_t kKiB = 1024;
constexpr std::array<UnitFactor, 8> kSizeUnits{{
    {"", 1},
    {"B", 1},
    {"KB", 1'000},
    {"MB", 1'000'000},
    {"GB", 1'000'000'000},
    {"KiB", kKiB},
    {"MiB", kKiB* kKiB},
    {"GiB", kKiB* kKiB* kKiB},
}};

constexpr std::array<UnitFactor, 3> kRateUnits{{{"s", 1}, {"min", 60}, {"h", 3'600}}};

template <size_t N>
std::optional<uint64_t> FactorOf(const std::array<UnitFactor, N>& units, std::string_view suffix) {
  for (const auto& unit : units) {
    if (unit.suffix == suffix) return unit.factor;
  }
  return std::nullopt;
}

bool IsDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A leading unsigned decimal ("12", "1.5") split from whatever follows it.
struct Number {
  std::string_view whole;     // digits, never empty
  std::string_view fraction;  // digits after '.', empty when there is no '.'
  std::string_view rest;      // the unit suffix
};

std::optional<Number> SplitNumber(std::string_view text, bool allow_fraction) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0) return std::nullopt;
  Number n{text.substr(0, i), {}, text.substr(i)};
  if (!allow_fraction || n.rest.empty() || n.rest.front() != '.') return n;
  size_t j = 1;
  while (j < n.rest.size() && n.rest[j] >= '0' && n.rest[j] <= '9') ++j;
  if (j == 1) return std::nullopt;  // "1.s"
  n.fraction = n.rest.substr(1, j - 1);
  n.rest = n.rest.substr(j);
  return n;
}

std::optional<uint64_t> ToUint(std::string_view digits) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::optional<uint64_t> CheckedMul(uint64_t a, uint64_t b) {
  uint64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

// Exact value of ".fraction" times `factor`, or nullopt when it is not a whole number of base
// units (e.g. "0.0005ms"), so no config value is silently rounded.
std::optional<uint64_t> FractionTimes(std::string_view fraction, uint64_t factor) {
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (fraction.empty()) return 0;
  if (fraction.size() > 9) return std::nullopt;  // finer than any unit we have can express
  uint64_t scale = 1;
  for (size_t i = 0; i < fraction.size(); ++i) scale *= 10;
  const uint64_t scaled = *ToUint(fraction) * factor;  // < 10^9 * 3.6*10^9: no overflow
  if (scaled % scale != 0) return std::nullopt;
  return scaled / scale;
}

// Splits "host:port" / "[v6]:port" without judging the host; nullopt when there is no port.
std::optional<std::pair<std::string_view, std::string_view>> SplitHostPort(std::string_view text) {
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") return std::nullopt;
    return std::pair{text.substr(1, close - 1), text.substr(close + 2)};
  }
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::pair{text.substr(0, colon), text.substr(colon + 1)};
}

}  // namespace

Parsed<std::chrono::microseconds> ParseDuration(std::string_view text) {
  const auto n = SplitNumber(text, /*allow_fraction=*/true);
  const auto factor = n ? FactorOf(kDurationUnits, n->rest) : std::nullopt;
  if (!factor || n->rest.empty()) {
    return "expected a duration like 250ms or 2s, got " + Quote(text);
  }
  const auto whole = ToUint(n->whole);
  const auto scaled = whole ? CheckedMul(*whole, *factor) : std::nullopt;
  const auto fraction = FractionTimes(n->fraction, *factor);
  if (!fraction) return "must be a whole number of microseconds, got " + Quote(text);
  uint64_t total = 0;
  constexpr auto kMax = static_cast<uint64_t>(std::chrono::microseconds::max().count());
  if (!scaled || __builtin_add_overflow(*scaled, *fraction, &total) || total > kMax) {
    return "duration is too large, got " + Quote(text);
  }
  return std::chrono::microseconds(static_cast<int64_t>(total));
}

Parsed<uint64_t> ParseSize(std::string_view text) {
  const auto n = SplitNumber(text, /*allow_fraction=*/false);
  const auto factor = n ? FactorOf(kSizeUnits, n->rest) : std::nullopt;
  if (!factor) return "expected a size like 64KiB or 1MiB, got " + Quote(text);
  const auto whole = ToUint(n->whole);
  const auto bytes = whole ? CheckedMul(*whole, *factor) : std::nullopt;
  if (!bytes) return "size is too large, got " + Quote(text);
  return *bytes;
}

Parsed<double> ParseRate(std::string_view text) {
  const size_t slash = text.find('/');
  const auto n = SplitNumber(text.substr(0, slash), /*allow_fraction=*/true);
  const auto per_seconds = slash == std::string_view::npos || !n || !n->rest.empty()
                               ? std::nullopt
                               : FactorOf(kRateUnits, text.substr(slash + 1));
  if (!per_seconds) return "expected a rate like 100/s or 6000/min, got " + Quote(text);
  const std::string_view number = text.substr(0, slash);
  double count = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), count);
  if (ec != std::errc{} || end != number.data() + number.size()) {
    return "rate is too large, got " + Quote(text);
  }
  if (count <= 0) return "must be > 0, got " + std::string(text);
  // Bounds keep GCRA's nanosecond arithmetic exact: at most 10M/s is ≥ 100 ns per token.
  const double per_second = count / static_cast<double>(*per_seconds);
  if (per_second > kMaxRatePerSecond) return "must be <= 10000000/s, got " + std::string(text);
  if (per_second < kMinRatePerSecond) return "must be >= 1/h, got " + std::string(text);
  return per_second;
}

Parsed<HostPort> ParseHostPort(std::string_view text) {
  const auto parts = SplitHostPort(text);
  if (!parts) return "expected host:port, got " + Quote(text);
  const auto [host, port_text] = *parts;
  const bool bracketed = text.front() == '[';
  if (!bracketed && host.find(':') != std::string_view::npos) {
    return "expected host:port with an IPv6 address in brackets like [::1]:8080, got " +
           Quote(text);
  }
  if (bracketed ? !IsIpv6Literal(host) : !IsHostName(host)) {
    return "expected host:port, got " + Quote(text);
  }
  if (!IsDigits(port_text)) return "expected host:port, got " + Quote(text);
  const auto port = port_text.size() <= 5 ? ToUint(port_text) : std::nullopt;
  if (!port || *port > 65535) return "port must be <= 65535, got " + Quote(text);
  return HostPort{std::string(host), static_cast<uint16_t>(*port)};
}

Parsed<Cidr> ParseCidr(std::string_view text) {
  const std::string bad = "expected an IP address or CIDR like 10.0.0.0/8, got " + Quote(text);
  const size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  std::array<unsigned char, 16> bytes{};
  const bool v4 = inet_pton(AF_INET, address.c_str(), bytes.data()) == 1;
  if (!v4 && inet_pton(AF_INET6, address.c_str(), bytes.data()) != 1) return bad;
  const int max_bits = v4 ? 32 : 128;
  if (slash == std::string_view::npos) return Cidr{std::string(text)};
  const std::string_view prefix_text = text.substr(slash + 1);
  const auto prefix =
      IsDigits(prefix_text) && prefix_text.size() <= 3 ? ToUint(prefix_text) : std::nullopt;
  if (!prefix || *prefix > static_cast<uint64_t>(max_bits)) return bad;
  // "10.0.0.1/8" trusts all of 10/8 while reading like one host; make the operator say which.
  for (int bit = static_cast<int>(*prefix); bit < max_bits; ++bit) {
    if (bytes[bit / 8] & (0x80u >> (bit % 8))) {
      return "address has bits set after the /" + std::to_string(*prefix) + " prefix, got " +
             Quote(text);
    }
  }
  return Cidr{std::string(text)};
}

std::string FormatSize(uint64_t bytes) {
  if (bytes == 0) return "0B";
  for (std::string_view unit : {"GiB", "MiB", "KiB"}) {
    const uint64_t factor = *FactorOf(kSizeUnits, unit);
    if (bytes % factor == 0) return std::to_string(bytes / factor) + std::string(unit);
  }
  return std::to_string(bytes) + "B";
}

}  // namespace sluice::config
