#include "net/cidr_set.h"

#include <charconv>

namespace sluice::net {
namespace {

std::array<unsigned char, 16> ToV6Bytes(const boost::asio::ip::address& addr) {
  if (addr.is_v4()) {
    return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, addr.to_v4()).to_bytes();
  }
  return addr.to_v6().to_bytes();
}

}  // namespace

std::optional<CidrSet::Net> CidrSet::ParseOne(std::string_view text) {
  const auto slash = text.find('/');
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(std::string(text.substr(0, slash)), ec);
  if (ec) return std::nullopt;
  const int max_bits = addr.is_v4() ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    auto [p, err] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (err != std::errc{} || p != digits.data() + digits.size() || bits < 0 || bits > max_bits) {
      return std::nullopt;
    }
  }
  Net net;
  net.bytes = ToV6Bytes(addr);
  net.prefix = addr.is_v4() ? bits + 96 : bits;
  return net;
}

std::optional<CidrSet> CidrSet::Parse(const std::vector<std::string>& texts) {
  CidrSet set;
  for (const auto& t : texts) {
    auto net = ParseOne(t);
    if (!net) return std::nullopt;
    set.nets_.push_back(*net);
  }
  return set;
}

bool CidrSet::Contains(const boost::asio::ip::address& addr) const {
  const auto bytes = ToV6Bytes(addr);
  for (const auto& net : nets_) {
    int bits = net.prefix;
    bool match = true;
    for (int i = 0; i < 16 && bits > 0 && match; ++i, bits -= 8) {
      const unsigned mask = bits >= 8 ? 0xffu : (0xffu << (8 - bits)) & 0xffu;
      match = (bytes[i] & mask) == (net.bytes[i] & mask);
    }
    if (match) return true;
  }
  return false;
}

}  // namespace sluice::net
