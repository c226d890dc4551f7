#include "observability/metrics_text.h"

#include <prometheus/text_serializer.h>

namespace sluice::observability {

std::string RenderMetrics(const prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace sluice::observability
