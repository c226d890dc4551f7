#include "app/listener_tls.h"

#include <string_view>

namespace sluice::app {

namespace {

// net::TlsOptions field → the YAML key under `tls:` that set it (config/schema/config.h).
std::string_view YamlKey(std::string_view option) {
  if (option == "cert_file") return "cert";
  if (option == "key_file") return "key";
  if (option == "client_ca_file") return "client_ca";
  return option;
}

}  // namespace

net::TlsOptions TlsOptionsFor(const config::ListenerConfig& listener) {
  net::TlsOptions o;
  o.cert_file = listener.tls.cert_file;
  o.key_file = listener.tls.key_file;
  o.client_ca_file = listener.tls.client_ca_file;
  o.tls13_only = listener.tls.min_version == config::TlsVersion::kTls13;
  o.offer_h2 = listener.protocols.h2;
  o.offer_http1 = listener.protocols.http1;
  return o;
}

core::ErrorList CheckTls(const config::Config& config) {
  core::ErrorList errors;
  for (std::size_t i = 0; i < config.listeners.size(); ++i) {
    if (!config.listeners[i].tls.enabled) continue;
    const auto loaded = ListenerTls(config.listeners[i], i).Load();
    for (const auto& e : loaded.all()) errors.Add(e);
  }
  return errors;
}

ListenerTls::ListenerTls(const config::ListenerConfig& listener, std::size_t index)
    : options_(TlsOptionsFor(listener)), listener_(listener.name), index_(index) {}

core::ErrorList ListenerTls::Load() {
  auto loaded = net::TlsContext::Load(options_);
  core::ErrorList errors;
  for (auto e : loaded.errors.all()) {
    const std::string prefix = "listeners[" + std::to_string(index_) + "]";
    if (e.path == "protocols") {
      e.path = prefix + ".protocols";
    } else {
      e.path = prefix + ".tls" + (e.path == "tls" ? "" : "." + std::string(YamlKey(e.path)));
    }
    if (e.where.file.empty()) e.where.file = "listener " + listener_;
    errors.Add(std::move(e));
  }
  if (errors.empty()) current_.store(std::move(loaded.context), std::memory_order_release);
  return errors;
}

}  // namespace sluice::app
