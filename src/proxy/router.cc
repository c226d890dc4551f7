#include "proxy/router.h"

#include <cctype>

namespace sluice::proxy {

std::string NormalizeHost(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    host = host.substr(0, close == std::string_view::npos ? host.size() : close + 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string out(host);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!out.empty() && out.back() == '.') out.pop_back();  // "example.com." is the same name
  return out;
}

Router::Router(const std::vector<config::RouteConfig>& routes) {
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const auto& r = routes[i];
    Entry e{"", false, r.match.path_prefix, i};
    if (r.match.host != "*") {
      if (r.match.host.rfind("*.", 0) == 0) {
        e.wildcard_suffix = true;
        e.host = NormalizeHost(r.match.host.substr(1));  // keep the dot: ".example.com"
      } else {
        e.host = NormalizeHost(r.match.host);
      }
    }
    entries_.push_back(std::move(e));
  }
}

// Higher is more specific; -1 = no match.
int Router::HostScore(const Entry& e, std::string_view host) {
  if (e.host.empty()) return 0;
  if (!e.wildcard_suffix) return host == e.host ? 1'000'000 : -1;
  if (host.size() > e.host.size() && host.ends_with(e.host)) {
    return 1 + static_cast<int>(e.host.size());
  }
  return -1;
}

std::optional<std::size_t> Router::Match(std::string_view host, std::string_view target) const {
  const auto path = target.substr(0, target.find('?'));
  const auto norm = NormalizeHost(host);
  std::optional<std::size_t> best;
  int best_host = -1;
  std::size_t best_path = 0;
  for (const auto& e : entries_) {
    if (!path.starts_with(e.path_prefix)) continue;
    const int score = HostScore(e, norm);
    if (score < 0) continue;
    if (!best || score > best_host ||
        (score == best_host && e.path_prefix.size() > best_path)) {
      best = e.index;
      best_host = score;
      best_path = e.path_prefix.size();
    }
  }
  return best;
}

}  // namespace sluice::proxy
