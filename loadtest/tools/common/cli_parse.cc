#include "common/cli_parse.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace sluice::loadtest {

std::optional<double> ParseNumber(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text, bool allow_zero) {
  std::size_t digits = 0;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
    ++digits;
  }
  const auto number = ParseNumber(text.substr(0, digits));
  const std::string_view unit = text.substr(digits);
  double ns_per_unit = 0;
  if (unit == "us") ns_per_unit = 1e3;
  if (unit == "ms") ns_per_unit = 1e6;
  if (unit == "s") ns_per_unit = 1e9;
  if (unit == "m") ns_per_unit = 60e9;
  if (!number || ns_per_unit == 0 || *number < 0 || (*number == 0 && !allow_zero)) {
    return std::nullopt;
  }
  return std::chrono::nanoseconds(std::llround(*number * ns_per_unit));
}

std::optional<boost::asio::ip::tcp::endpoint> ParseEndpoint(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return std::nullopt;
  }
  boost::system::error_code bad;
  const auto address = boost::asio::ip::make_address(std::string(host), bad);
  if (bad) return std::nullopt;
  return boost::asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace sluice::loadtest
