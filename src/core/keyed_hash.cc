#include "core/keyed_hash.h"

#include <bit>
#include <cstring>
#include <random>

namespace sluice::core {
namespace {

struct State {
  uint64_t v0, v1, v2, v3;

  void Round() {
    v0 += v1;
    v1 = std::rotl(v1, 13) ^ v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16) ^ v2;
    v0 += v3;
    v3 = std::rotl(v3, 21) ^ v0;
    v2 += v1;
    v1 = std::rotl(v1, 17) ^ v2;
    v2 = std::rotl(v2, 32);
  }
  template <int kRounds>
  void Absorb(uint64_t m) {
    v3 ^= m;
    for (int i = 0; i < kRounds; ++i) Round();
    v0 ^= m;
  }
};

// Little-endian load of up to 8 bytes (the spec reads message words little-endian).
uint64_t LoadLittleEndian(const char* p, size_t n) {
  uint64_t word = 0;
  for (size_t i = 0; i < n; ++i) word |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return word;
}

}  // namespace

template <int kC, int kD>
BasicSipHash<kC, kD> BasicSipHash<kC, kD>::WithRandomKey() {
  std::random_device entropy;  // getrandom(2) on Linux
  Key key{};
  for (auto& half : key) half = (uint64_t{entropy()} << 32) | entropy();
  return BasicSipHash(key);
}

template <int kC, int kD>
uint64_t BasicSipHash<kC, kD>::Hash(std::string_view data) const {
  // The initial constants spell "somepseudorandomlygeneratedbytes".
  State s{key_[0] ^ 0x736f6d6570736575ull, key_[1] ^ 0x646f72616e646f6dull,
          key_[0] ^ 0x6c7967656e657261ull, key_[1] ^ 0x7465646279746573ull};
  const size_t whole = data.size() / 8 * 8;
  for (size_t i = 0; i < whole; i += 8) s.Absorb<kC>(LoadLittleEndian(data.data() + i, 8));
  // Last word: the remaining bytes, and the length mod 256 in the top byte.
  const uint64_t last = LoadLittleEndian(data.data() + whole, data.size() - whole) |
                        (uint64_t{data.size() & 0xff} << 56);
  s.Absorb<kC>(last);
  s.v2 ^= 0xff;
  for (int i = 0; i < kD; ++i) s.Round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

template class BasicSipHash<1, 3>;
template class BasicSipHash<2, 4>;

}  // namespace sluice::core
