#pragma once
// API keys are never stored: config holds "sha256:<64 hex>" of each key, and a request's key is
// hashed on arrival and looked up by digest (DESIGN §4 step 2, issue 3 item 1). SHA-256 needs no
// salt here: keys are high-entropy secrets, not passwords, and the digest is only a lookup key.
//
// Thread-safety: stateless free functions; callable from any thread.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::admission {

using Sha256Digest = std::array<uint8_t, 32>;

// SHA-256 of `data` (OpenSSL).
[[nodiscard]] Sha256Digest Sha256(std::string_view data);

// Parses "sha256:<64 hex digits>" (hex in either case); anything else → nullopt.
[[nodiscard]] std::optional<Sha256Digest> ParseSha256Ref(std::string_view text);

// Lower-case hex of the first `bytes` bytes of `digest` (at most 32).
[[nodiscard]] std::string DigestHex(const Sha256Digest& digest, size_t bytes = 32);

// Equality that takes the same time whatever the content (CRYPTO_memcmp), so comparing a
// request's digest against stored ones leaks nothing through timing.
[[nodiscard]] bool DigestEqual(const Sha256Digest& a, const Sha256Digest& b);

// Hash for unordered containers keyed by digest: the digest is already uniformly distributed, so
// its first 8 bytes are a perfect hash and an attacker cannot aim at a bucket without a preimage.
struct DigestHash {
  size_t operator()(const Sha256Digest& d) const noexcept;
};
struct DigestEq {
  bool operator()(const Sha256Digest& a, const Sha256Digest& b) const noexcept {
    return DigestEqual(a, b);
  }
};

}  // namespace sluice::admission
