#pragma once
// A set of IPv4/IPv6 networks, e.g. the trusted proxies whose X-Forwarded-For is kept.
// Thread-safety: immutable after construction.
#include <boost/asio/ip/address.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::net {

class CidrSet {
 public:
  // Parses "10.0.0.0/8", "::1/128" or a bare address. Returns nullopt on bad input.
  [[nodiscard]] static std::optional<CidrSet> Parse(const std::vector<std::string>& texts);
  [[nodiscard]] bool Contains(const boost::asio::ip::address& addr) const;
  [[nodiscard]] bool empty() const { return nets_.empty(); }

 private:
  struct Net {
    std::array<unsigned char, 16> bytes{};  // IPv4 stored as v4-mapped IPv6
    int prefix = 0;                         // in bits, of the 128-bit form
  };
  [[nodiscard]] static std::optional<Net> ParseOne(std::string_view text);
  std::vector<Net> nets_;
};

}  // namespace sluice::net
