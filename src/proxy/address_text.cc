#include "proxy/address_text.h"

#include <array>
#include <charconv>

namespace sluice::proxy {

std::string AddressText(const boost::asio::ip::address& address) {
  if (!address.is_v4()) return address.to_string();
  const auto bytes = address.to_v4().to_bytes();
  std::array<char, 16> text{};  // "255.255.255.255"
  char* p = text.data();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) *p++ = '.';
    p = std::to_chars(p, text.data() + text.size(), bytes[i]).ptr;
  }
  return std::string(text.data(), p);
}

}  // namespace sluice::proxy
