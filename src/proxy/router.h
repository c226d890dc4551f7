#pragma once
// Picks the route for a request by host and path prefix.
//
// Rule (deterministic, independent of config order except for exact ties): among routes whose
// host pattern and path prefix both match, the most specific host wins (exact name, then the
// longest "*.suffix", then "*"); among those, the longest path prefix; then config order.
// Path prefixes are plain string prefixes of the path (query excluded), as in nginx.
//
// Thread-safety: immutable after construction.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema/config.h"

namespace sluice::proxy {

class Router {
 public:
  explicit Router(const std::vector<config::RouteConfig>& routes);

  // Index into the route list, or nullopt (→ 404). `host` may carry a port; it is ignored.
  [[nodiscard]] std::optional<std::size_t> Match(std::string_view host,
                                                 std::string_view target) const;

 private:
  struct Entry {
    std::string host;        // lower-case; "" for "*"
    bool wildcard_suffix;    // "*.example.com" → host = ".example.com"
    std::string path_prefix;
    std::size_t index;
  };
  [[nodiscard]] static int HostScore(const Entry& e, std::string_view host);
  std::vector<Entry> entries_;
};

// "Example.COM:8080" → "example.com"; "[::1]:80" → "[::1]".
[[nodiscard]] std::string NormalizeHost(std::string_view host);

}  // namespace sluice::proxy
