#include "config/units.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "config/address.h"

namespace sluice::config {
namespace {

using std::chrono::microseconds;

template <typename T>
T ValueOf(const Parsed<T>& parsed) {
  if (const auto* error = std::get_if<std::string>(&parsed)) {
    ADD_FAILURE() << "unexpected error: " << *error;
    return T{};
  }
  return std::get<T>(parsed);
}

template <typename T>
std::string ErrorOf(const Parsed<T>& parsed) {
  if (const auto* error = std::get_if<std::string>(&parsed)) return *error;
  ADD_FAILURE() << "expected an error";
  return "";
}

TEST(ParseDurationTest, ReadsEveryUnit) {
  EXPECT_EQ(ValueOf(ParseDuration("500us")), microseconds(500));
  EXPECT_EQ(ValueOf(ParseDuration("250ms")), microseconds(250'000));
  EXPECT_EQ(ValueOf(ParseDuration("2s")), microseconds(2'000'000));
  EXPECT_EQ(ValueOf(ParseDuration("1m")), microseconds(60'000'000));
  EXPECT_EQ(ValueOf(ParseDuration("1h")), microseconds(3'600'000'000));
  EXPECT_EQ(ValueOf(ParseDuration("0s")), microseconds(0));
}

TEST(ParseDurationTest, ReadsExactFractions) {
  EXPECT_EQ(ValueOf(ParseDuration("1.5s")), microseconds(1'500'000));
  EXPECT_EQ(ValueOf(ParseDuration("0.25ms")), microseconds(250));
  EXPECT_EQ(ValueOf(ParseDuration("1.50000000000s")), microseconds(1'500'000));
}

TEST(ParseDurationTest, RejectsBareNumbersWithAnExample) {
  EXPECT_EQ(ErrorOf(ParseDuration("5")), "expected a duration like 250ms or 2s, got \"5\"");
}

TEST(ParseDurationTest, RejectsMalformedText) {
  for (const char* text : {"", "s", "ms5", "-1s", "1.s", ".5s", "1 s", "1S", "1sec", "1d", "1s2",
                           "1e3ms", "+1s", "1m30s"}) {
    EXPECT_EQ(ErrorOf(ParseDuration(text)),
              "expected a duration like 250ms or 2s, got \"" + std::string(text) + "\"")
        << text;
  }
}

TEST(ParseDurationTest, RejectsSubMicrosecondFractions) {
  EXPECT_EQ(ErrorOf(ParseDuration("1.5us")),
            "must be a whole number of microseconds, got \"1.5us\"");
  EXPECT_EQ(ErrorOf(ParseDuration("0.0000001s")),
            "must be a whole number of microseconds, got \"0.0000001s\"");
}

TEST(ParseDurationTest, RejectsOverflow) {
  EXPECT_EQ(ErrorOf(ParseDuration("99999999999999999999h")),
            "duration is too large, got \"99999999999999999999h\"");
  EXPECT_EQ(ErrorOf(ParseDuration("9999999999999h")),
            "duration is too large, got \"9999999999999h\"");
}

TEST(ParseSizeTest, ReadsBinaryDecimalAndBareBytes) {
  EXPECT_EQ(ValueOf(ParseSize("512")), 512u);
  EXPECT_EQ(ValueOf(ParseSize("512B")), 512u);
  EXPECT_EQ(ValueOf(ParseSize("100KB")), 100'000u);
  EXPECT_EQ(ValueOf(ParseSize("2MB")), 2'000'000u);
  EXPECT_EQ(ValueOf(ParseSize("1GB")), 1'000'000'000u);
  EXPECT_EQ(ValueOf(ParseSize("64KiB")), 64u * 1024);
  EXPECT_EQ(ValueOf(ParseSize("1MiB")), 1024u * 1024);
  EXPECT_EQ(ValueOf(ParseSize("1GiB")), 1024u * 1024 * 1024);
  EXPECT_EQ(ValueOf(ParseSize("0")), 0u);
}

TEST(ParseSizeTest, RejectsUnknownUnitsAndFractions) {
  for (const char* text : {"", "KiB", "1kib", "1kb", "1.5MiB", "-1", "1 KiB", "1TiB", "1Ki"}) {
    EXPECT_EQ(ErrorOf(ParseSize(text)),
              "expected a size like 64KiB or 1MiB, got \"" + std::string(text) + "\"")
        << text;
  }
}

TEST(ParseSizeTest, RejectsOverflow) {
  EXPECT_EQ(ErrorOf(ParseSize("100000000000GiB")), "size is too large, got \"100000000000GiB\"");
}

TEST(FormatSizeTest, UsesTheLargestExactBinaryUnit) {
  EXPECT_EQ(FormatSize(0), "0B");
  EXPECT_EQ(FormatSize(1500), "1500B");
  EXPECT_EQ(FormatSize(1024), "1KiB");
  EXPECT_EQ(FormatSize(1536ull * 1024), "1536KiB");
  EXPECT_EQ(FormatSize(1024ull * 1024), "1MiB");
  EXPECT_EQ(FormatSize(3ull << 30), "3GiB");
}

TEST(ParseRateTest, ConvertsToEventsPerSecond) {
  EXPECT_DOUBLE_EQ(ValueOf(ParseRate("100/s")), 100.0);
  EXPECT_DOUBLE_EQ(ValueOf(ParseRate("6000/min")), 100.0);
  EXPECT_DOUBLE_EQ(ValueOf(ParseRate("36/h")), 0.01);
  EXPECT_DOUBLE_EQ(ValueOf(ParseRate("0.5/s")), 0.5);
}

TEST(ParseRateTest, RejectsMalformedText) {
  for (const char* text :
       {"", "100", "100/", "/s", "100/sec", "100/m", "100 /s", "-1/s", "1e3/s", "100/s/s"}) {
    EXPECT_EQ(ErrorOf(ParseRate(text)),
              "expected a rate like 100/s or 6000/min, got \"" + std::string(text) + "\"")
        << text;
  }
}

TEST(ParseRateTest, BoundsKeepTheBucketArithmeticExact) {
  EXPECT_DOUBLE_EQ(ValueOf(ParseRate("10000000/s")), 1e7);
  EXPECT_EQ(ErrorOf(ParseRate("10000001/s")), "must be <= 10000000/s, got 10000001/s");
  EXPECT_DOUBLE_EQ(ValueOf(ParseRate("1/h")), 1.0 / 3600);
  EXPECT_EQ(ErrorOf(ParseRate("0.5/h")), "must be >= 1/h, got 0.5/h");
}

TEST(ParseRateTest, RejectsZero) {
  EXPECT_EQ(ErrorOf(ParseRate("0/s")), "must be > 0, got 0/s");
  EXPECT_EQ(ErrorOf(ParseRate("0.0/min")), "must be > 0, got 0.0/min");
}

TEST(ParseHostPortTest, ReadsNamesIpv4AndBracketedIpv6) {
  auto hp = ValueOf(ParseHostPort("127.0.0.1:8080"));
  EXPECT_EQ(hp.host, "127.0.0.1");
  EXPECT_EQ(hp.port, 8080);
  hp = ValueOf(ParseHostPort("backend-1.internal:9000"));
  EXPECT_EQ(hp.host, "backend-1.internal");
  EXPECT_EQ(hp.port, 9000);
  hp = ValueOf(ParseHostPort("[::1]:0"));
  EXPECT_EQ(hp.host, "::1");
  EXPECT_EQ(hp.port, 0);
  EXPECT_EQ(ValueOf(ParseHostPort("[2001:db8::1]:65535")).port, 65535);
}

TEST(ParseHostPortTest, RejectsMissingPortOrBadHost) {
  for (const char* text :
       {"localhost", "", ":80", "host:", "host:http", "bad host:80", "10.0.0.300:80",
        "-bad.example:80", "[::1]", "[not-v6]:80", "[::1]80", "a..b:80", "host:+80"}) {
    EXPECT_EQ(ErrorOf(ParseHostPort(text)), "expected host:port, got \"" + std::string(text) + "\"")
        << text;
  }
}

TEST(ParseHostPortTest, AsksForBracketsAroundIpv6) {
  EXPECT_EQ(ErrorOf(ParseHostPort("::1:80")),
            "expected host:port with an IPv6 address in brackets like [::1]:8080, got \"::1:80\"");
}

TEST(ParseHostPortTest, RejectsPortsOutOfRange) {
  EXPECT_EQ(ErrorOf(ParseHostPort("h:65536")), "port must be <= 65535, got \"h:65536\"");
  EXPECT_EQ(ErrorOf(ParseHostPort("h:999999")), "port must be <= 65535, got \"h:999999\"");
}

TEST(ParseCidrTest, ReadsNetworksAndBareAddresses) {
  for (const char* text :
       {"10.0.0.0/8", "127.0.0.1/32", "0.0.0.0/0", "::1", "::1/128", "fd00::/8", "192.168.1.7"}) {
    EXPECT_EQ(ValueOf(ParseCidr(text)).text, text);
  }
}

TEST(ParseCidrTest, RejectsBadAddressesAndPrefixes) {
  for (const char* text : {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0/8", "host/8",
                           "10.0.0.0/-1", "10.0.0.0/8/8", "[::1]/128"}) {
    EXPECT_EQ(ErrorOf(ParseCidr(text)),
              "expected an IP address or CIDR like 10.0.0.0/8, got \"" + std::string(text) + "\"")
        << text;
  }
}

TEST(ParseCidrTest, RejectsHostBitsBeyondThePrefix) {
  EXPECT_EQ(ErrorOf(ParseCidr("10.0.0.1/8")),
            "address has bits set after the /8 prefix, got \"10.0.0.1/8\"");
  EXPECT_EQ(ErrorOf(ParseCidr("fd00::1/64")),
            "address has bits set after the /64 prefix, got \"fd00::1/64\"");
}

TEST(AddressTest, RecognisesLoopbackHosts) {
  for (const char* host :
       {"localhost", "LocalHost", "127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host :
       {"0.0.0.0", "::", "10.0.0.1", "example.com", "localhost.example", "128.0.0.1", ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(AddressTest, ChecksHostNameSyntax) {
  for (const char* name : {"a", "example.com", "my_host-1.internal", "10.0.0.1"}) {
    EXPECT_TRUE(IsHostName(name)) << name;
  }
  const std::string long_label(64, 'a');
  for (std::string_view name : std::initializer_list<std::string_view>{
           "", ".", "a.", ".a", "-a", "a-", "a b", "a..b", "999.1.1.1", long_label}) {
    EXPECT_FALSE(IsHostName(name)) << name;
  }
}

}  // namespace
}  // namespace sluice::config
