#include "proxy/request_id.h"

namespace sluice::proxy {

uint64_t RequestIdGenerator::NextWord() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string RequestIdGenerator::Next() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int word = 0; word < 2; ++word) {
    uint64_t v = NextWord();
    for (int i = 0; i < 16; ++i) {
      out[word * 16 + i] = kHex[v & 0xf];
      v >>= 4;
    }
  }
  return out;
}

}  // namespace sluice::proxy
