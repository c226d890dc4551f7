#pragma once
// The HTTP/2 front end's metrics (STYLE rule 10): streams open, GOAWAYs sent by reason, abuse
// guards tripped by kind. Label values come from fixed lists, so cardinality is bounded.
//
// Thread-safety: thread-safe; all series are created in the constructor, prometheus-cpp
// counters are atomic and the streams gauge is sharded. One instance is shared by every HTTP/2
// connection.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <string_view>

#include "http2/abuse_guard.h"
#include "observability/sharded_metrics.h"

namespace sluice::http2 {

// Why a GOAWAY went out: label values of sluice_h2_goaway_sent_total{reason}.
enum class GoawayReason {
  kShutdown,       // graceful drain (NO_ERROR)
  kIdleTimeout,    // NO_ERROR after idle_timeout
  kTimeout,        // header block or write took too long
  kAbuse,          // an abuse guard tripped (ENHANCE_YOUR_CALM)
  kProtocolError,  // nghttp2 found a connection error (PROTOCOL_ERROR and kin)
  kOther,
};
inline constexpr std::size_t kGoawayReasonCount = 6;
[[nodiscard]] std::string_view ToString(GoawayReason reason);

class H2Metrics {
 public:
  explicit H2Metrics(prometheus::Registry& registry);

  // Sharded by worker (observability/sharded_metrics.h); exported at each Flush.
  observability::ShardedGauge& streams_active() { return *streams_active_; }
  void Flush() { streams_active_->Flush(); }
  void GoawaySent(GoawayReason reason) { goaway_[static_cast<std::size_t>(reason)]->Increment(); }
  void Abuse(AbuseKind kind) { abuse_[static_cast<std::size_t>(kind)]->Increment(); }

  [[nodiscard]] double goaway_count(GoawayReason r) const {
    return goaway_[static_cast<std::size_t>(r)]->Value();
  }
  [[nodiscard]] double abuse_count(AbuseKind k) const {
    return abuse_[static_cast<std::size_t>(k)]->Value();
  }

 private:
  std::unique_ptr<observability::ShardedGauge> streams_active_;
  std::array<prometheus::Counter*, kGoawayReasonCount> goaway_{};
  std::array<prometheus::Counter*, kAbuseKindCount> abuse_{};
};

}  // namespace sluice::http2
