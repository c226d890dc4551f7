#pragma once
// The TLS side of one listener: its config translated into net::TlsOptions, and the context new
// connections are wrapped with. Load() (re)reads the certificate files into a fresh context and,
// only when that succeeds, swaps it in: a bad reload keeps serving with the old certificates,
// and connections already open keep the context they started with (they hold a reference).
//
// Thread-safety: thread-safe. Workers call current() on every accept; Load() runs on the control
// thread (startup, and a later reload). The pointer is a std::atomic<std::shared_ptr>, so a
// reader gets either the old or the new context, never a torn one, and keeps it alive.
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "config/schema/config.h"
#include "core/error.h"
#include "net/tls_context.h"

namespace sluice::app {

// tls13_only from min_version; ALPN offers h2 and http/1.1 as the listener's protocols allow.
[[nodiscard]] net::TlsOptions TlsOptionsFor(const config::ListenerConfig& listener);

// Loads every TLS listener's certificates once, to report what a start or reload would find
// (`sluice check`, like nginx -t): every listener's errors, nothing kept.
[[nodiscard]] core::ErrorList CheckTls(const config::Config& config);

class ListenerTls {
 public:
  // `index`: the listener's position in the config, for error paths (listeners[1].tls.cert).
  ListenerTls(const config::ListenerConfig& listener, std::size_t index);

  // Errors name the file at fault and the YAML key, like the config loader's.
  [[nodiscard]] core::ErrorList Load();
  // Null until a Load() succeeded.
  [[nodiscard]] std::shared_ptr<net::TlsContext> current() const {
    return current_.load(std::memory_order_acquire);
  }

 private:
  net::TlsOptions options_;
  std::string listener_;  // name, for errors that concern no single file
  std::size_t index_;
  std::atomic<std::shared_ptr<net::TlsContext>> current_;
};

}  // namespace sluice::app
