#pragma once

namespace sluice::core {
inline constexpr const char* kVersion = "0.1.0";
inline constexpr const char* kServerName = "sluice";
}  // namespace sluice::core
