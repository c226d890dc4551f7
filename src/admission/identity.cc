#include "admission/identity.h"

#include <algorithm>
#include <cctype>

namespace sluice::admission {
namespace {

using config::IdentitySource;
using config::IdentityStep;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// `Authorization: Bearer <key>` carries the key after the scheme (RFC 6750 §2.1).
std::string_view StripBearer(std::string_view header_name, std::string_view value) {
  constexpr std::string_view kBearer = "bearer ";
  if (!EqualsIgnoreCase(header_name, "authorization")) return value;
  if (value.size() <= kBearer.size() || !EqualsIgnoreCase(value.substr(0, kBearer.size()), kBearer))
    return value;
  value.remove_prefix(kBearer.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

std::optional<std::string_view> HeaderValue(const IdentityInput& input, std::string_view name) {
  if (!input.header || name.empty()) return std::nullopt;
  auto value = input.header(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

std::optional<Identity> FromApiKey(const IdentityStep& step, const TenantDirectory& directory,
                                   const IdentityInput& input) {
  const std::string_view name = step.header.empty() ? kDefaultApiKeyHeader : step.header;
  const auto value = HeaderValue(input, name);
  if (!value) return std::nullopt;
  const std::string_view key = StripBearer(name, *value);
  if (key.empty()) return std::nullopt;
  const auto index = directory.FindByKeyDigest(Sha256(key));
  if (!index) return std::nullopt;  // unknown key: not a hit; never echoed anywhere
  return Identity{Identity::kConfigured, *index, {}};
}

std::optional<Identity> FromHeader(const IdentityStep& step, const TenantDirectory& directory,
                                   const IdentityInput& input) {
  const auto value = HeaderValue(input, step.header);
  if (!value) return std::nullopt;
  if (const auto index = directory.FindByName(*value)) {
    return Identity{Identity::kConfigured, *index, {}};
  }
  if (value->size() <= kMaxDynamicHeaderValue) {
    return Identity{Identity::kDynamic, 0, "h:" + std::string(*value)};
  }
  // Long values are hashed so a key stays small; 128 bits keep collisions out of reach.
  return Identity{Identity::kDynamic, 0, "hh:" + DigestHex(Sha256(*value), 16)};
}

void AppendHex16(std::string& out, unsigned v) {
  static constexpr char kHex[] = "0123456789abcdef";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const unsigned nibble = (v >> shift) & 0xf;
    if (nibble != 0 || started || shift == 0) {
      out.push_back(kHex[nibble]);
      started = true;
    }
  }
}

}  // namespace

TenantDirectory TenantDirectory::Build(const std::vector<config::TenantConfig>& tenants,
                                       std::vector<std::string>* errors) {
  auto report = [errors](std::string message) {
    if (errors != nullptr) errors->push_back(std::move(message));
  };
  TenantDirectory out;
  out.size_ = tenants.size();
  for (uint32_t i = 0; i < tenants.size(); ++i) {
    const auto& tenant = tenants[i];
    if (!out.by_name_.emplace(tenant.name, i).second) {
      report("tenant '" + tenant.name + "' is declared twice");
    }
    for (size_t k = 0; k < tenant.api_keys.size(); ++k) {
      const auto digest = ParseSha256Ref(tenant.api_keys[k]);
      const std::string where = "tenant '" + tenant.name + "' api_keys[" + std::to_string(k) + "]";
      if (!digest) {
        report(where + ": expected sha256:<64 hex digits>");
      } else if (!out.by_key_digest_.emplace(*digest, i).second) {
        report(where + ": the same key already belongs to another tenant");
      }
    }
  }
  return out;
}

std::optional<uint32_t> TenantDirectory::FindByName(std::string_view name) const {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> TenantDirectory::FindByKeyDigest(const Sha256Digest& digest) const {
  const auto it = by_key_digest_.find(digest);
  if (it == by_key_digest_.end()) return std::nullopt;
  return it->second;
}

std::string ClientAddressKey(const std::array<uint8_t, 16>& a, bool is_v4, uint32_t ipv6_prefix) {
  std::string out = "ip:";
  if (is_v4) {
    for (int i = 12; i < 16; ++i) {
      if (i > 12) out.push_back('.');
      out += std::to_string(a[i]);
    }
    return out;
  }
  const uint32_t prefix = std::min<uint32_t>(ipv6_prefix, 128);
  std::array<uint8_t, 16> masked{};
  for (uint32_t i = 0; i < 16; ++i) {
    const uint32_t bits = std::clamp<int64_t>(int64_t{prefix} - 8 * i, 0, 8);
    masked[i] = static_cast<uint8_t>(a[i] & static_cast<uint8_t>(0xff00u >> bits));
  }
  // The groups covering the prefix, then "::" for the zeroed rest: canonical for one prefix.
  const uint32_t groups = (prefix + 15) / 16;
  for (uint32_t g = 0; g < groups; ++g) {
    if (g > 0) out.push_back(':');
    AppendHex16(out, static_cast<unsigned>(masked[2 * g] << 8 | masked[2 * g + 1]));
  }
  if (groups < 8) out += "::";
  if (prefix < 128) out += "/" + std::to_string(prefix);
  return out;
}

Identity ResolveIdentity(const config::IdentityConfig& config, const TenantDirectory& directory,
                         const IdentityInput& input) {
  for (const IdentityStep& step : config.sources) {
    std::optional<Identity> hit;
    switch (step.source) {
      case IdentitySource::kApiKey:
        hit = FromApiKey(step, directory, input);
        break;
      case IdentitySource::kHeader:
        hit = FromHeader(step, directory, input);
        break;
      case IdentitySource::kClientAddress:
        hit = Identity{
            Identity::kDynamic, 0,
            ClientAddressKey(input.client_address_v6, input.client_is_v4, config.ipv6_prefix)};
        break;
    }
    if (hit) return *std::move(hit);
  }
  return Identity{};
}

}  // namespace sluice::admission
