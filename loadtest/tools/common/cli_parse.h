#pragma once
// Parsers for the command-line values of the load-test tools. Each returns nullopt on a malformed
// value so that main() can print its usage line; none throws.
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <optional>
#include <string_view>

namespace sluice::loadtest {

// "20ms", "1.5s", "500us", "2m": a number and a unit (us, ms, s, m); > 0 unless allow_zero.
[[nodiscard]] std::optional<std::chrono::nanoseconds> ParseDuration(std::string_view text,
                                                                    bool allow_zero = false);
// A finite decimal number, e.g. "40" or "53.3".
[[nodiscard]] std::optional<double> ParseNumber(std::string_view text);
// "127.0.0.1:8080" or "[::1]:8080": numeric addresses only (nothing to resolve in a benchmark).
[[nodiscard]] std::optional<boost::asio::ip::tcp::endpoint> ParseEndpoint(std::string_view text);

}  // namespace sluice::loadtest
