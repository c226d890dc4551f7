#include "core/keyed_hash.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::core {
namespace {

// The reference key 00 01 .. 0f and messages 00 01 .. (n−1), from the SipHash paper's test
// vectors for SipHash-2-4.
SipHash24 ReferenceHasher() { return SipHash24({0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull}); }

std::string Counting(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST(SipHashTest, MatchesThePublishedSipHash24Vectors) {
  const auto h = ReferenceHasher();
  EXPECT_EQ(h.Hash(""), 0x726fdb47dd0e0e31ull);
  EXPECT_EQ(h.Hash(Counting(8)), 0x93f5f5799a932462ull);
  EXPECT_EQ(h.Hash(Counting(15)), 0xa129ca6149be45e5ull);  // the paper's worked example
}

TEST(SipHashTest, DifferentKeysGiveUnrelatedHashes) {
  const SipHash13 a({1, 2});
  const SipHash13 b({1, 3});
  EXPECT_NE(a.Hash("10.0.0.1"), b.Hash("10.0.0.1"));
  EXPECT_EQ(a.Hash("10.0.0.1"), a.Hash(std::string("10.0.0.1")));
  EXPECT_NE(a.Hash("10.0.0.1"), a.Hash("10.0.0.2"));
}

TEST(SipHashTest, RandomKeysDiffer) {
  const auto a = SipHash13::WithRandomKey();
  const auto b = SipHash13::WithRandomKey();
  EXPECT_NE(a.Hash("tenant"), b.Hash("tenant"));  // 2^-64 chance of a false failure
}

}  // namespace
}  // namespace sluice::core
