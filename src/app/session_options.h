#pragma once
// A listener's config, translated into what each protocol's sessions take (protocol modules do
// not see the config schema; DESIGN §2).
//
// Thread-safety: pure functions.
#include "config/schema/config.h"
#include "http1/session_options.h"
#include "http2/session_options.h"

namespace sluice::app {

[[nodiscard]] http1::SessionOptions Http1Options(const config::ListenerConfig& listener);
[[nodiscard]] http2::SessionOptions Http2Options(const config::ListenerConfig& listener);

}  // namespace sluice::app
