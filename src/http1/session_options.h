#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace sluice::http1 {

// Per-listener protocol limits (filled from config by the app).
struct SessionOptions {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_headers = 100;
  std::chrono::milliseconds header_timeout{10'000};  // total, from the first byte of a request
  std::chrono::milliseconds body_timeout{60'000};    // total, for the whole request body
  std::chrono::milliseconds idle_timeout{60'000};    // waiting for the next request
  std::chrono::milliseconds send_timeout{60'000};    // one response write
  uint32_t max_requests_per_connection = 0;          // 0 = unlimited
};

}  // namespace sluice::http1
