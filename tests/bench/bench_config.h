#pragma once
// The configuration every admission benchmark runs against, so that the pieces and the composed
// path measure the same thing: identity chain "api_key, then client_address"; one configured
// tenant reached by API key; callers without a key become dynamic per-address tenants; one
// cluster with a concurrency gate in front of a fair queue.
//
// Rates are so high that no bucket runs dry during a run: these benchmarks time the admitted
// path, the common one. The one exception is `kThrottledKey`,
// whose tenant is always over quota, to time a 429.
//
// Thread-safety: plain value builders.
#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "admission/api_key_hash.h"
#include "config/schema/config.h"

namespace sluice::bench {

inline constexpr std::string_view kApiKey = "bench-acme-key-4f0c2a9e77d1";
inline constexpr std::string_view kThrottledKey = "bench-throttled-key-9b3e51c2";
inline constexpr std::string_view kClusterName = "backend";
// Distinct client addresses cycled through by the per-address benchmarks.
inline constexpr std::size_t kClientAddresses = 10'000;

// The highest rate and burst the config accepts (10M/s, 1M: the bucket refills in 0.1 s). One
// thread deciding a request per microsecond or slower takes a tenth of that rate: never empty.
inline constexpr config::RateConfig kUnlimited{10'000'000, 1'000'000};

inline std::string KeyRef(std::string_view raw_key) {
  return "sha256:" + admission::DigestHex(admission::Sha256(raw_key));
}

inline std::vector<config::TenantConfig> Tenants() {
  config::TenantConfig acme;
  acme.name = "acme";
  acme.rate = kUnlimited;
  acme.api_keys = {KeyRef(kApiKey)};
  config::TenantConfig throttled;
  throttled.name = "throttled";
  throttled.rate = {0.001, 1};  // one request per 1000 s: over quota after the first
  throttled.api_keys = {KeyRef(kThrottledKey)};
  return {acme, throttled};
}

inline config::IdentityConfig Identity() {
  config::IdentityConfig identity;
  identity.sources = {{config::IdentitySource::kApiKey, "X-Api-Key"},
                      {config::IdentitySource::kClientAddress, ""}};
  identity.dynamic_rate = kUnlimited;
  // Room for every benchmark address, so the steady state is "known caller" (no eviction or
  // overflow bucket); shards are filled unevenly, hence the headroom over kClientAddresses.
  identity.max_dynamic_tenants = 2 * kClientAddresses;
  return identity;
}

inline config::ClusterConfig GatedCluster(uint32_t concurrency_limit) {
  config::ClusterConfig cluster;
  cluster.name = std::string(kClusterName);
  cluster.endpoints = {{{"127.0.0.1", 9}, 1}};  // never connected to
  cluster.concurrency_limit = concurrency_limit;
  return cluster;
}

inline config::Config GatewayConfig() {
  config::Config cfg;
  cfg.tenants = Tenants();
  cfg.identity = Identity();
  cfg.clusters = {GatedCluster(1000)};
  config::RouteConfig route;
  route.name = "api";
  route.cluster = std::string(kClusterName);
  cfg.routes = {route};
  return cfg;
}

// 10.0.0.1, 10.0.0.2, ...: `count` distinct IPv4 client addresses.
inline std::vector<boost::asio::ip::address> ClientAddresses(std::size_t count) {
  std::vector<boost::asio::ip::address> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto host = static_cast<uint32_t>((10u << 24) + 1 + i);
    out.emplace_back(boost::asio::ip::address_v4(host));
  }
  return out;
}

// The same addresses as IdentityInput wants them: IPv4-mapped IPv6 bytes.
inline std::vector<std::array<uint8_t, 16>> ClientAddressesV6(std::size_t count) {
  std::vector<std::array<uint8_t, 16>> out;
  out.reserve(count);
  for (const auto& a : ClientAddresses(count)) {
    out.push_back(
        boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, a.to_v4()).to_bytes());
  }
  return out;
}

}  // namespace sluice::bench
