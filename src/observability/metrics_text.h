#pragma once
// Prometheus text exposition (format 0.0.4) of a registry, for the admin /metrics endpoint.
//
// Thread-safety: safe from any thread; the registry and its families lock internally.
#include <prometheus/registry.h>

#include <string>

namespace sluice::observability {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string RenderMetrics(const prometheus::Registry& registry);

}  // namespace sluice::observability
