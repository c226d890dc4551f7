#include "config/address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace sluice::config {
namespace {

bool IsAllDigitsAndDots(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return c == '.' || std::isdigit(static_cast<unsigned char>(c));
  });
}

bool IsLabel(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

bool IsIpv4Literal(std::string_view text) {
  std::array<unsigned char, 4> bytes{};
  // inet_pton wants a terminated string; addresses are short, so the copy is free in practice.
  return inet_pton(AF_INET, std::string(text).c_str(), bytes.data()) == 1;
}

bool IsIpv6Literal(std::string_view text) {
  std::array<unsigned char, 16> bytes{};
  return inet_pton(AF_INET6, std::string(text).c_str(), bytes.data()) == 1;
}

bool IsHostName(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  // "10.0.0.300" is made of valid labels but is clearly a mistyped address, not a name.
  if (IsAllDigitsAndDots(text)) return IsIpv4Literal(text);
  size_t start = 0;
  while (true) {
    const size_t dot = text.find('.', start);
    if (!IsLabel(text.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsLoopbackHost(std::string_view host) {
  if (EqualsIgnoreCase(host, "localhost")) return true;
  std::array<unsigned char, 16> bytes{};
  const std::string text(host);
  if (inet_pton(AF_INET, text.c_str(), bytes.data()) == 1) return bytes[0] == 127;
  if (inet_pton(AF_INET6, text.c_str(), bytes.data()) != 1) return false;
  constexpr std::array<unsigned char, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), bytes.begin())) {
    return bytes[12] == 127;
  }
  constexpr std::array<unsigned char, 16> kIpv6Loopback{0, 0, 0, 0, 0, 0, 0, 0,
                                                        0, 0, 0, 0, 0, 0, 0, 1};
  return bytes == kIpv6Loopback;
}

}  // namespace sluice::config
