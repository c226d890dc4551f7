#pragma once
// Tenant identification (DESIGN §4 step 2, issue 3 item 1): maps what the proxy extracted from a
// request to a tenant, walking the configured chain of sources in order; the first hit wins.
//   api_key        the header value is hashed (SHA-256) and looked up by digest; an unknown key
//                  is not a hit (the chain goes on). `Authorization: Bearer <key>` is understood.
//   header         a value equal to a configured tenant name → that tenant; any other non-empty
//                  value → dynamic tenant "h:<value>" (values over 128 bytes → "hh:<hash>").
//   client_address dynamic tenant "ip:<addr>": IPv4 whole, IPv6 grouped by `ipv6_prefix` bits
//                  (default /64: one subscriber typically owns a whole /64).
// Nothing → kMissing; the registry applies `on_missing` (a default tenant, or reject → 401).
// The raw API key is only ever hashed: it is not copied, stored or put into any key or log.
//
// Protocol-neutral: the proxy supplies header access and the client address it has already
// resolved through `trusted_proxies` (X-Forwarded-For/Forwarded are not read here).
//
// Thread-safety: TenantDirectory is immutable after Build and safe to read from any thread;
// ResolveIdentity is a pure function.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "admission/api_key_hash.h"
#include "config/schema/config.h"

namespace sluice::admission {

// Name and API-key lookup over the configured tenants (index = position in config.tenants).
class TenantDirectory {
 public:
  TenantDirectory() = default;

  // Invalid key references, duplicate names and keys shared by two tenants are skipped (first
  // wins) and described in `errors`, if given; the loader reports them with file:line first.
  [[nodiscard]] static TenantDirectory Build(const std::vector<config::TenantConfig>& tenants,
                                             std::vector<std::string>* errors = nullptr);

  [[nodiscard]] std::optional<uint32_t> FindByName(std::string_view name) const;
  // O(1); the stored digests are compared in constant time.
  [[nodiscard]] std::optional<uint32_t> FindByKeyDigest(const Sha256Digest& digest) const;
  [[nodiscard]] size_t size() const { return size_; }

 private:
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  size_t size_ = 0;
  std::unordered_map<std::string, uint32_t, NameHash, std::equal_to<>> by_name_;
  std::unordered_map<Sha256Digest, uint32_t, DigestHash, DigestEq> by_key_digest_;
};

// What the proxy extracted from one request.
struct IdentityInput {
  // Value of a request header by (case-insensitive) name; nullopt when absent.
  std::function<std::optional<std::string_view>(std::string_view header_name)> header;
  std::array<uint8_t, 16> client_address_v6{};  // IPv4 as v4-mapped (::ffff:a.b.c.d)
  bool client_is_v4 = false;
};

struct Identity {
  enum Kind { kConfigured, kDynamic, kMissing };
  Kind kind = kMissing;
  uint32_t tenant_index = 0;  // kConfigured: index into config.tenants
  std::string dynamic_key;    // kDynamic: "h:…", "hh:…" or "ip:…"; never a raw API key
};

inline constexpr std::string_view kDefaultApiKeyHeader = "X-Api-Key";
inline constexpr size_t kMaxDynamicHeaderValue = 128;

[[nodiscard]] Identity ResolveIdentity(const config::IdentityConfig& config,
                                       const TenantDirectory& directory,
                                       const IdentityInput& input);

// "ip:<addr>" for a client address, grouped as ResolveIdentity does (exposed for tests/logs).
[[nodiscard]] std::string ClientAddressKey(const std::array<uint8_t, 16>& address_v6, bool is_v4,
                                           uint32_t ipv6_prefix);

}  // namespace sluice::admission
