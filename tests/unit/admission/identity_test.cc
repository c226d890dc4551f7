#include "admission/identity.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "admission/api_key_hash.h"

namespace sluice::admission {
namespace {

using config::IdentityConfig;
using config::IdentitySource;
using config::TenantConfig;

// SHA-256("secret-key-a"), as an operator would write it in YAML.
std::string RefOf(std::string_view raw) { return "sha256:" + DigestHex(Sha256(raw)); }

std::vector<TenantConfig> Tenants() {
  TenantConfig a;
  a.name = "acme";
  a.api_keys = {RefOf("secret-key-a")};
  TenantConfig b;
  b.name = "globex";
  b.api_keys = {RefOf("secret-key-b1"), RefOf("secret-key-b2")};
  return {a, b};
}

struct FakeRequest {
  std::map<std::string, std::string> headers;
  std::array<uint8_t, 16> address{};
  bool is_v4 = false;

  IdentityInput Input() const {
    IdentityInput in;
    in.header = [this](std::string_view name) -> std::optional<std::string_view> {
      const auto it = headers.find(std::string(name));
      if (it == headers.end()) return std::nullopt;
      return std::string_view(it->second);
    };
    in.client_address_v6 = address;
    in.client_is_v4 = is_v4;
    return in;
  }
};

std::array<uint8_t, 16> V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d};
}

IdentityConfig Chain(std::vector<config::IdentityStep> steps) {
  IdentityConfig config;
  config.sources = std::move(steps);
  return config;
}

TEST(ApiKeyHashTest, Sha256MatchesTheKnownVector) {
  EXPECT_EQ(DigestHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKeyHashTest, ParsesSha256RefsInEitherCaseAndRejectsMalformed) {
  const auto lower =
      ParseSha256Ref("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const auto upper =
      ParseSha256Ref("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  ASSERT_TRUE(lower.has_value());
  ASSERT_TRUE(upper.has_value());
  EXPECT_EQ(*lower, Sha256("abc"));
  EXPECT_EQ(*upper, Sha256("abc"));
  EXPECT_FALSE(ParseSha256Ref("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_FALSE(ParseSha256Ref("sha256:ba78"));
  EXPECT_FALSE(
      ParseSha256Ref("sha256:zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_FALSE(
      ParseSha256Ref("md5:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0"));
}

TEST(IdentityTest, DirectoryReportsBadAndDuplicateKeys) {
  auto tenants = Tenants();
  tenants[0].api_keys.push_back("sha256:nothex");
  tenants[1].api_keys.push_back(RefOf("secret-key-a"));  // already acme's
  std::vector<std::string> errors;
  const auto directory = TenantDirectory::Build(tenants, &errors);
  EXPECT_EQ(errors.size(), 2u);
  EXPECT_EQ(directory.FindByKeyDigest(Sha256("secret-key-a")), 0u);  // first wins
}

TEST(IdentityTest, ApiKeyHitMapsToItsTenant) {
  const auto directory = TenantDirectory::Build(Tenants());
  const auto config = Chain({{IdentitySource::kApiKey, ""}});  // default header X-Api-Key
  FakeRequest req;
  req.headers["X-Api-Key"] = "secret-key-b2";
  const Identity id = ResolveIdentity(config, directory, req.Input());
  EXPECT_EQ(id.kind, Identity::kConfigured);
  EXPECT_EQ(id.tenant_index, 1u);
}

TEST(IdentityTest, ApiKeyInBearerAuthorizationIsUnderstood) {
  const auto directory = TenantDirectory::Build(Tenants());
  const auto config = Chain({{IdentitySource::kApiKey, "Authorization"}});
  FakeRequest req;
  req.headers["Authorization"] = "Bearer secret-key-a";
  const Identity id = ResolveIdentity(config, directory, req.Input());
  EXPECT_EQ(id.kind, Identity::kConfigured);
  EXPECT_EQ(id.tenant_index, 0u);
}

TEST(IdentityTest, UnknownApiKeyIsNotAHitAndIsNeverKept) {
  const auto directory = TenantDirectory::Build(Tenants());
  const auto config = Chain({{IdentitySource::kApiKey, ""}});
  FakeRequest req;
  req.headers["X-Api-Key"] = "wrong-key";
  const Identity id = ResolveIdentity(config, directory, req.Input());
  EXPECT_EQ(id.kind, Identity::kMissing);
  EXPECT_EQ(id.dynamic_key.find("wrong-key"), std::string::npos);
}

TEST(IdentityTest, ChainFallsThroughInOrderToTheFirstHit) {
  const auto directory = TenantDirectory::Build(Tenants());
  const auto config = Chain({{IdentitySource::kApiKey, ""},
                             {IdentitySource::kHeader, "X-Tenant"},
                             {IdentitySource::kClientAddress, ""}});
  FakeRequest req;
  req.address = V4(192, 0, 2, 7);
  req.is_v4 = true;
  req.headers["X-Api-Key"] = "unknown";  // miss → next source

  Identity id = ResolveIdentity(config, directory, req.Input());
  EXPECT_EQ(id.kind, Identity::kDynamic);
  EXPECT_EQ(id.dynamic_key, "ip:192.0.2.7");  // no X-Tenant → address

  req.headers["X-Tenant"] = "team-blue";
  id = ResolveIdentity(config, directory, req.Input());
  EXPECT_EQ(id.dynamic_key, "h:team-blue");  // header before address

  req.headers["X-Api-Key"] = "secret-key-a";
  id = ResolveIdentity(config, directory, req.Input());
  EXPECT_EQ(id.kind, Identity::kConfigured);  // api key before header
  EXPECT_EQ(id.tenant_index, 0u);
}

TEST(IdentityTest, ChainOrderIsTheConfiguredOrder) {
  const auto directory = TenantDirectory::Build(Tenants());
  const auto config = Chain({{IdentitySource::kHeader, "X-Tenant"}, {IdentitySource::kApiKey, ""}});
  FakeRequest req;
  req.headers["X-Api-Key"] = "secret-key-a";
  req.headers["X-Tenant"] = "globex";
  const Identity id = ResolveIdentity(config, directory, req.Input());
  EXPECT_EQ(id.kind, Identity::kConfigured);
  EXPECT_EQ(id.tenant_index, 1u);  // the header came first
}

TEST(IdentityTest, HeaderNamingAConfiguredTenantMapsToIt) {
  const auto directory = TenantDirectory::Build(Tenants());
  const auto config = Chain({{IdentitySource::kHeader, "X-Tenant"}});
  FakeRequest req;
  req.headers["X-Tenant"] = "acme";
  const Identity id = ResolveIdentity(config, directory, req.Input());
  EXPECT_EQ(id.kind, Identity::kConfigured);
  EXPECT_EQ(id.tenant_index, 0u);
}

TEST(IdentityTest, OtherHeaderValuesAreDynamicAndLongOnesHashed) {
  const auto directory = TenantDirectory::Build(Tenants());
  const auto config = Chain({{IdentitySource::kHeader, "X-Tenant"}});
  FakeRequest req;
  req.headers["X-Tenant"] = std::string(128, 'x');
  Identity id = ResolveIdentity(config, directory, req.Input());
  EXPECT_EQ(id.kind, Identity::kDynamic);
  EXPECT_EQ(id.dynamic_key, "h:" + std::string(128, 'x'));

  req.headers["X-Tenant"] = std::string(129, 'x');
  id = ResolveIdentity(config, directory, req.Input());
  EXPECT_EQ(id.kind, Identity::kDynamic);
  EXPECT_EQ(id.dynamic_key, "hh:" + DigestHex(Sha256(std::string(129, 'x')), 16));

  req.headers["X-Tenant"] = "";  // empty is no identity
  EXPECT_EQ(ResolveIdentity(config, directory, req.Input()).kind, Identity::kMissing);
}

TEST(IdentityTest, Ipv6AddressesAreGroupedBySlash64) {
  const auto directory = TenantDirectory::Build(Tenants());
  const auto config = Chain({{IdentitySource::kClientAddress, ""}});
  FakeRequest a;
  a.address = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1};
  FakeRequest b = a;
  b.address[15] = 99;
  b.address[8] = 0x11;
  FakeRequest other = a;
  other.address[7] = 3;

  const Identity ia = ResolveIdentity(config, directory, a.Input());
  EXPECT_EQ(ia.kind, Identity::kDynamic);
  EXPECT_EQ(ia.dynamic_key, "ip:2001:db8:1:2::/64");
  EXPECT_EQ(ResolveIdentity(config, directory, b.Input()).dynamic_key, ia.dynamic_key);
  EXPECT_EQ(ResolveIdentity(config, directory, other.Input()).dynamic_key, "ip:2001:db8:1:3::/64");
}

TEST(IdentityTest, Ipv6PrefixIsConfigurable) {
  const std::array<uint8_t, 16> addr = {0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd, 0, 2,
                                        0,    0,    0,    0,    0,    0,    0, 1};
  EXPECT_EQ(ClientAddressKey(addr, false, 48), "ip:2001:db8:abcd::/48");
  EXPECT_EQ(ClientAddressKey(addr, false, 44), "ip:2001:db8:abc0::/44");
  EXPECT_EQ(ClientAddressKey(addr, false, 128), "ip:2001:db8:abcd:2:0:0:0:1");
}

TEST(IdentityTest, Ipv4AddressesAreKeptWhole) {
  const auto directory = TenantDirectory::Build(Tenants());
  const auto config = Chain({{IdentitySource::kClientAddress, ""}});
  FakeRequest a;
  a.address = V4(10, 1, 2, 3);
  a.is_v4 = true;
  FakeRequest b = a;
  b.address = V4(10, 1, 2, 4);
  EXPECT_EQ(ResolveIdentity(config, directory, a.Input()).dynamic_key, "ip:10.1.2.3");
  EXPECT_EQ(ResolveIdentity(config, directory, b.Input()).dynamic_key, "ip:10.1.2.4");
}

TEST(IdentityTest, NoSourceMatchingIsMissing) {
  const auto directory = TenantDirectory::Build(Tenants());
  FakeRequest req;
  EXPECT_EQ(ResolveIdentity(Chain({}), directory, req.Input()).kind, Identity::kMissing);
  EXPECT_EQ(
      ResolveIdentity(Chain({{IdentitySource::kApiKey, ""}, {IdentitySource::kHeader, "X-Tenant"}}),
                      directory, req.Input())
          .kind,
      Identity::kMissing);
}

}  // namespace
}  // namespace sluice::admission
