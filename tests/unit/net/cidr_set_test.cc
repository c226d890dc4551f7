#include "net/cidr_set.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace sluice::net {
namespace {

boost::asio::ip::address Ip(const char* text) { return boost::asio::ip::make_address(text); }

CidrSet MustParse(const std::vector<std::string>& texts) {
  auto set = CidrSet::Parse(texts);
  EXPECT_TRUE(set.has_value());
  return set.value_or(*CidrSet::Parse({}));
}

TEST(CidrSetTest, EmptyListParsesToAnEmptySetThatContainsNothing) {
  const auto set = MustParse({});
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.Contains(Ip("127.0.0.1")));
  EXPECT_FALSE(set.Contains(Ip("::1")));
}

TEST(CidrSetTest, Ipv4NetworkContainsOnlyItsAddresses) {
  const auto set = MustParse({"10.0.0.0/8"});
  EXPECT_FALSE(set.empty());
  EXPECT_TRUE(set.Contains(Ip("10.0.0.0")));
  EXPECT_TRUE(set.Contains(Ip("10.1.2.3")));
  EXPECT_TRUE(set.Contains(Ip("10.255.255.255")));
  EXPECT_FALSE(set.Contains(Ip("11.0.0.0")));
  EXPECT_FALSE(set.Contains(Ip("9.255.255.255")));
}

TEST(CidrSetTest, PrefixNotOnAByteBoundary) {
  const auto set = MustParse({"172.16.0.0/12"});
  EXPECT_TRUE(set.Contains(Ip("172.16.0.1")));
  EXPECT_TRUE(set.Contains(Ip("172.31.255.255")));
  EXPECT_FALSE(set.Contains(Ip("172.32.0.0")));
  EXPECT_FALSE(set.Contains(Ip("172.15.255.255")));
}

TEST(CidrSetTest, Slash32IsASingleAddress) {
  const auto set = MustParse({"192.168.1.1/32"});
  EXPECT_TRUE(set.Contains(Ip("192.168.1.1")));
  EXPECT_FALSE(set.Contains(Ip("192.168.1.0")));
  EXPECT_FALSE(set.Contains(Ip("192.168.1.2")));
}

TEST(CidrSetTest, BareIpv4AddressIsASlash32) {
  const auto set = MustParse({"192.168.1.1"});
  EXPECT_TRUE(set.Contains(Ip("192.168.1.1")));
  EXPECT_FALSE(set.Contains(Ip("192.168.1.2")));
}

TEST(CidrSetTest, Ipv4SlashZeroContainsEveryIpv4ButNoNativeIpv6) {
  const auto set = MustParse({"0.0.0.0/0"});
  EXPECT_TRUE(set.Contains(Ip("0.0.0.0")));
  EXPECT_TRUE(set.Contains(Ip("1.2.3.4")));
  EXPECT_TRUE(set.Contains(Ip("255.255.255.255")));
  EXPECT_TRUE(set.Contains(Ip("::ffff:1.2.3.4")));
  EXPECT_FALSE(set.Contains(Ip("::1")));
  EXPECT_FALSE(set.Contains(Ip("2001:db8::1")));
}

TEST(CidrSetTest, Ipv6Network) {
  const auto set = MustParse({"2001:db8::/32"});
  EXPECT_TRUE(set.Contains(Ip("2001:db8::1")));
  EXPECT_TRUE(set.Contains(Ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(set.Contains(Ip("2001:db9::")));
  EXPECT_FALSE(set.Contains(Ip("10.0.0.1")));
}

TEST(CidrSetTest, Ipv6PrefixNotOnAByteBoundary) {
  const auto set = MustParse({"fe80::/10"});
  EXPECT_TRUE(set.Contains(Ip("fe80::1")));
  EXPECT_TRUE(set.Contains(Ip("febf:ffff::1")));
  EXPECT_FALSE(set.Contains(Ip("fec0::1")));
  EXPECT_FALSE(set.Contains(Ip("fe7f::1")));
}

TEST(CidrSetTest, BareIpv6AddressIsASlash128) {
  const auto set = MustParse({"::1"});
  EXPECT_TRUE(set.Contains(Ip("::1")));
  EXPECT_FALSE(set.Contains(Ip("::2")));
  EXPECT_FALSE(set.Contains(Ip("127.0.0.1")));
}

TEST(CidrSetTest, Ipv6Slash128) {
  const auto set = MustParse({"2001:db8::7/128"});
  EXPECT_TRUE(set.Contains(Ip("2001:db8::7")));
  EXPECT_FALSE(set.Contains(Ip("2001:db8::6")));
}

TEST(CidrSetTest, Ipv6SlashZeroContainsEverything) {
  // IPv4 is kept in its v4-mapped form, so "any IPv6" also covers IPv4 peers.
  const auto set = MustParse({"::/0"});
  EXPECT_TRUE(set.Contains(Ip("::1")));
  EXPECT_TRUE(set.Contains(Ip("2001:db8::1")));
  EXPECT_TRUE(set.Contains(Ip("10.0.0.1")));
}

TEST(CidrSetTest, Ipv4NetworkContainsV4MappedPeer) {
  // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
  const auto set = MustParse({"10.0.0.0/8"});
  EXPECT_TRUE(set.Contains(Ip("::ffff:10.1.2.3")));
  EXPECT_FALSE(set.Contains(Ip("::ffff:11.1.2.3")));
}

TEST(CidrSetTest, V4MappedNetworkContainsPlainIpv4Peer) {
  const auto set = MustParse({"::ffff:10.0.0.0/104"});
  EXPECT_TRUE(set.Contains(Ip("10.200.0.1")));
  EXPECT_TRUE(set.Contains(Ip("::ffff:10.0.0.1")));
  EXPECT_FALSE(set.Contains(Ip("11.0.0.1")));
}

TEST(CidrSetTest, Ipv4NetworkDoesNotContainV4CompatibleOrOtherIpv6) {
  const auto set = MustParse({"10.0.0.0/8"});
  EXPECT_FALSE(set.Contains(Ip("::10.1.2.3")));         // deprecated v4-compatible form
  EXPECT_FALSE(set.Contains(Ip("64:ff9b::10.1.2.3")));  // NAT64
}

TEST(CidrSetTest, ContainsIfAnyNetworkMatches) {
  const auto set = MustParse({"10.0.0.0/8", "192.168.0.0/16", "::1", "fd00::/8"});
  EXPECT_TRUE(set.Contains(Ip("10.9.9.9")));
  EXPECT_TRUE(set.Contains(Ip("192.168.44.1")));
  EXPECT_TRUE(set.Contains(Ip("::1")));
  EXPECT_TRUE(set.Contains(Ip("fd12::1")));
  EXPECT_FALSE(set.Contains(Ip("172.16.0.1")));
  EXPECT_FALSE(set.Contains(Ip("fe80::1")));
}

TEST(CidrSetTest, HostBitsAfterThePrefixAreIgnoredWhenMatching) {
  // The loader rejects such input with a message; the set itself just masks.
  const auto set = MustParse({"10.1.2.3/8"});
  EXPECT_TRUE(set.Contains(Ip("10.200.0.1")));
}

TEST(CidrSetTest, RejectsBadInput) {
  for (const char* bad : {"",
                          "/8",
                          "10.0.0.0/",
                          "10.0.0.0/33",
                          "10.0.0.0/-1",
                          "10.0.0.0/+8",
                          "10.0.0.0/8x",
                          "10.0.0.0/ 8",
                          "10.0.0.0/8/8",
                          "10.0.0.0/1.5",
                          "10.0.0",
                          "10.0.0.256",
                          " 10.0.0.1",
                          "10.0.0.1 ",
                          "proxy.internal",
                          "localhost",
                          "::/129",
                          "::1/200",
                          "2001:db8::/",
                          "[::1]",
                          "[::1]/128",
                          "2001:db8:::1",
                          "10.0.0.0/999999999999"}) {
    EXPECT_FALSE(CidrSet::Parse({bad}).has_value()) << '"' << bad << '"';
  }
}

TEST(CidrSetTest, OneBadEntryRejectsTheWholeList) {
  EXPECT_FALSE(CidrSet::Parse({"10.0.0.0/8", "nonsense", "::1"}).has_value());
}

}  // namespace
}  // namespace sluice::net
