#include "admission/client_deadline.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace sluice::admission {
namespace {

using namespace std::chrono_literals;
using core::Duration;

TEST(ParseGrpcTimeout, EveryUnit) {
  EXPECT_EQ(ParseGrpcTimeout("2H"), Duration(1h));  // clamped to the maximum
  EXPECT_EQ(ParseGrpcTimeout("3M"), Duration(3min));
  EXPECT_EQ(ParseGrpcTimeout("5S"), Duration(5s));
  EXPECT_EQ(ParseGrpcTimeout("250m"), Duration(250ms));
  EXPECT_EQ(ParseGrpcTimeout("1500u"), Duration(1500us));
  EXPECT_EQ(ParseGrpcTimeout("99999999n"), Duration(99999999ns));
}

TEST(ParseGrpcTimeout, RejectsMalformed) {
  for (std::string_view bad : {"", "S", "5", "5s", "-5S", "123456789S", "5 S", "1.5S", "5SS"}) {
    EXPECT_EQ(ParseGrpcTimeout(bad), std::nullopt) << bad;
  }
}

TEST(ParseGrpcTimeout, HugeValuesClampInsteadOfOverflowing) {
  EXPECT_EQ(ParseGrpcTimeout("99999999H"), kMaxClientTimeout);
  EXPECT_EQ(ParseGrpcTimeout("99999999M"), kMaxClientTimeout);
}

TEST(ParseRequestTimeout, SecondsDecimalsAndUnits) {
  EXPECT_EQ(ParseRequestTimeout("2"), Duration(2s));
  EXPECT_EQ(ParseRequestTimeout("0.25"), Duration(250ms));
  EXPECT_EQ(ParseRequestTimeout("1.5s"), Duration(1500ms));
  EXPECT_EQ(ParseRequestTimeout("250ms"), Duration(250ms));
  EXPECT_EQ(ParseRequestTimeout("2.5ms"), Duration(2500us));
  EXPECT_EQ(ParseRequestTimeout("0.000000001"), Duration(1ns));
  EXPECT_EQ(ParseRequestTimeout("86400"), kMaxClientTimeout);
}

TEST(ParseRequestTimeout, RejectsMalformed) {
  for (std::string_view bad : {"", "s", "ms", "1.", ".5", "-1", "1e3", "1,5", "abc", "5m",
                               "1.0000000001", "1 s"}) {
    EXPECT_EQ(ParseRequestTimeout(bad), std::nullopt) << bad;
  }
}

TEST(ClientDeadline, TheShortestOfBothHeadersCountsFromReceipt) {
  const core::TimePoint received{};
  std::map<std::string, std::string, std::less<>> headers{{"grpc-timeout", "300m"},
                                                          {"X-Request-Timeout", "0.2"}};
  const HeaderLookup lookup = [&](std::string_view name) -> std::optional<std::string_view> {
    auto it = headers.find(name);
    if (it == headers.end()) return std::nullopt;
    return std::string_view(it->second);
  };
  EXPECT_EQ(ClientDeadline(lookup, received), received + 200ms);
  headers["X-Request-Timeout"] = "junk";
  EXPECT_EQ(ClientDeadline(lookup, received), received + 300ms);
  headers.clear();
  EXPECT_EQ(ClientDeadline(lookup, received), std::nullopt);
}

}  // namespace
}  // namespace sluice::admission
