#include "proxy/request_id.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>
#include <vector>

namespace sluice::proxy {
namespace {

bool IsLowercaseHex(const std::string& s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

TEST(RequestIdGeneratorTest, IdsAre32LowercaseHexCharacters) {
  RequestIdGenerator gen(42);
  for (int i = 0; i < 1000; ++i) {
    const auto id = gen.Next();
    ASSERT_EQ(id.size(), 32u) << id;
    ASSERT_TRUE(IsLowercaseHex(id)) << id;
  }
}

TEST(RequestIdGeneratorTest, SameSeedGivesTheSameSequence) {
  RequestIdGenerator a(7);
  RequestIdGenerator b(7);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.Next(), b.Next()) << i;
}

TEST(RequestIdGeneratorTest, DifferentSeedsGiveDifferentSequences) {
  RequestIdGenerator a(1);
  RequestIdGenerator b(2);
  EXPECT_NE(a.Next(), b.Next());
}

TEST(RequestIdGeneratorTest, ZeroSeedStillProducesMixedIds) {
  RequestIdGenerator gen(0);
  const auto id = gen.Next();
  EXPECT_NE(id, std::string(32, '0'));
  EXPECT_NE(id.substr(0, 16), id.substr(16));  // the two halves come from different words
}

TEST(RequestIdGeneratorTest, TenThousandDrawsAreDistinct) {
  RequestIdGenerator gen(12345);
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 10'000; ++i) {
    ASSERT_TRUE(seen.insert(gen.Next()).second) << "repeat at draw " << i;
  }
}

TEST(RequestIdGeneratorTest, WorkersSeededDifferentlyDoNotCollide) {
  // Each worker owns a generator; seeds differ per worker, ids must not overlap.
  std::unordered_set<std::string> seen;
  for (uint64_t worker = 0; worker < 8; ++worker) {
    RequestIdGenerator gen(worker);
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(seen.insert(gen.Next()).second) << worker;
  }
}

TEST(RequestIdGeneratorTest, EveryHexDigitAppearsInEveryPosition) {
  // A cheap check that no nibble is stuck (e.g. a shift bug leaving a position constant).
  RequestIdGenerator gen(99);
  std::vector<std::unordered_set<char>> seen(32);
  for (int i = 0; i < 2000; ++i) {
    const auto id = gen.Next();
    for (std::size_t p = 0; p < id.size(); ++p) seen[p].insert(id[p]);
  }
  for (std::size_t p = 0; p < seen.size(); ++p) EXPECT_EQ(seen[p].size(), 16u) << "position " << p;
}

}  // namespace
}  // namespace sluice::proxy
