#include "admission/api_key_hash.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>

namespace sluice::admission {
namespace {

constexpr std::string_view kPrefix = "sha256:";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

std::optional<Sha256Digest> ParseSha256Ref(std::string_view text) {
  if (text.size() != kPrefix.size() + 64 || !text.starts_with(kPrefix)) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  Sha256Digest out{};
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexValue(text[2 * i]);
    const int lo = HexValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string DigestHex(const Sha256Digest& digest, size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  if (bytes > digest.size()) bytes = digest.size();
  std::string out;
  out.reserve(2 * bytes);
  for (size_t i = 0; i < bytes; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

bool DigestEqual(const Sha256Digest& a, const Sha256Digest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

size_t DigestHash::operator()(const Sha256Digest& d) const noexcept {
  uint64_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);
  return static_cast<size_t>(h);
}

}  // namespace sluice::admission
