#include "proxy/address_text.h"

#include <gtest/gtest.h>

namespace sluice::proxy {
namespace {

using boost::asio::ip::make_address;

TEST(AddressTextTest, FormatsIpv4LikeAsio) {
  for (const char* text : {"0.0.0.0", "127.0.0.1", "10.20.30.40", "255.255.255.255", "1.0.10.100"}) {
    const auto address = make_address(text);
    EXPECT_EQ(AddressText(address), address.to_string());
    EXPECT_EQ(AddressText(address), text);
  }
}

TEST(AddressTextTest, FormatsIpv6LikeAsio) {
  for (const char* text : {"::1", "2001:db8::7", "::ffff:10.0.0.1"}) {
    const auto address = make_address(text);
    EXPECT_EQ(AddressText(address), address.to_string());
  }
}

}  // namespace
}  // namespace sluice::proxy
