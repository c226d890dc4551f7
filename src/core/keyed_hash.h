#pragma once
// SipHash-1-3 (Aumasson & Bernstein, "SipHash: a fast short-input PRF", 2012; the 1-3 round
// variant that Rust's HashMap and Python use for the same reason): a keyed hash for tables whose
// keys a client chooses (header values, addresses). With a secret random key, a client cannot
// craft keys that all land in one bucket and turn lookups into linear scans (hash flooding).
// Rounds are a template parameter so the test can check the published SipHash-2-4 vectors.
//
// Thread-safety: immutable after construction; Hash() is const and may run on any thread.
#include <array>
#include <cstdint>
#include <string_view>

namespace sluice::core {

template <int kCompressionRounds, int kFinalRounds>
class BasicSipHash {
 public:
  using Key = std::array<uint64_t, 2>;
  explicit BasicSipHash(Key key) : key_(key) {}
  // A fresh key from the operating system's random source.
  static BasicSipHash WithRandomKey();

  [[nodiscard]] uint64_t Hash(std::string_view data) const;

 private:
  Key key_;
};

using SipHash13 = BasicSipHash<1, 3>;
using SipHash24 = BasicSipHash<2, 4>;

// std::unordered_map hasher over a shared SipHash13.
struct KeyedStringHash {
  const SipHash13* hasher = nullptr;
  size_t operator()(std::string_view s) const noexcept { return hasher->Hash(s); }
};

extern template class BasicSipHash<1, 3>;
extern template class BasicSipHash<2, 4>;

}  // namespace sluice::core
