#include "http2/h2_metrics.h"

#include <string>

namespace sluice::http2 {

std::string_view ToString(GoawayReason reason) {
  switch (reason) {
    case GoawayReason::kShutdown:
      return "shutdown";
    case GoawayReason::kIdleTimeout:
      return "idle_timeout";
    case GoawayReason::kTimeout:
      return "timeout";
    case GoawayReason::kAbuse:
      return "abuse";
    case GoawayReason::kProtocolError:
      return "protocol_error";
    case GoawayReason::kOther:
      return "other";
  }
  return "other";
}

H2Metrics::H2Metrics(prometheus::Registry& registry) {
  streams_active_ = std::make_unique<observability::ShardedGauge>(
      prometheus::BuildGauge()
          .Name("sluice_h2_streams_active")
          .Help("HTTP/2 streams currently open on downstream connections")
          .Register(registry)
          .Add({}));
  auto& goaway = prometheus::BuildCounter()
                     .Name("sluice_h2_goaway_sent_total")
                     .Help("GOAWAY frames sent to HTTP/2 clients, by reason")
                     .Register(registry);
  for (std::size_t i = 0; i < kGoawayReasonCount; ++i) {
    goaway_[i] = &goaway.Add({{"reason", std::string(ToString(static_cast<GoawayReason>(i)))}});
  }
  auto& abuse = prometheus::BuildCounter()
                    .Name("sluice_h2_abuse_total")
                    .Help("HTTP/2 abuse guards and stream limits tripped, by kind")
                    .Register(registry);
  for (std::size_t i = 0; i < kAbuseKindCount; ++i) {
    abuse_[i] = &abuse.Add({{"kind", std::string(ToString(static_cast<AbuseKind>(i)))}});
  }
}

}  // namespace sluice::http2
