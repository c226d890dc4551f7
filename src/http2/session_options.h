#pragma once
// Per-listener HTTP/2 limits (filled from config by the app). Defaults are safe for a public
// listener; each abuse limit says why it is where it is.
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace sluice::http2 {

// At most `events` in any `window` (a leaky bucket: a burst of `events`, then events/window on
// average). events == 0 disables the limit.
struct RateLimit {
  uint32_t events = 0;
  std::chrono::milliseconds window{10'000};
};

struct AbuseLimits {
  // Client RST_STREAM frames (CVE-2023-44487, "rapid reset"). A browser cancels a handful of
  // streams per navigation and gRPC clients cancel on deadlines; 200 per 10 s (20/s sustained,
  // burst 200) leaves them room while an attacker opening and resetting in a loop trips within
  // milliseconds. Stricter than nghttp2's own backstop (burst 1000, 33/s), so ours fires first
  // and the GOAWAY says ENHANCE_YOUR_CALM.
  RateLimit rapid_reset{200, std::chrono::milliseconds(10'000)};
  // SETTINGS frames (CVE-2019-9515). Clients send one at the start and rarely another.
  RateLimit settings{100, std::chrono::milliseconds(10'000)};
  // PING frames (CVE-2019-9512). Keep-alive pings come every few seconds; gRPC's BDP probes
  // can come once per round trip during a download, hence the generous 500 per 10 s.
  RateLimit ping{500, std::chrono::milliseconds(10'000)};
  // DATA frames with no payload and no END_STREAM (CVE-2019-9518): useless, cost CPU.
  RateLimit empty_data{100, std::chrono::milliseconds(10'000)};
  // CONTINUATION frames in one header block (CVE-2024-27316 class). A header list within
  // max_header_list_bytes fits in a few 16 KiB frames; 16 is far beyond any honest client.
  uint32_t max_continuations = 16;
};

struct SessionOptions {
  uint32_t max_concurrent_streams = 100;  // SETTINGS_MAX_CONCURRENT_STREAMS
  // Decoded header list (RFC 9113 §6.5.2: name + value + 32 per field); larger → 431.
  std::size_t max_header_list_bytes = 16 * 1024;
  uint32_t hpack_table_bytes = 4096;  // SETTINGS_HEADER_TABLE_SIZE (decoder side)
  // Request-body windows: a stream's unread body is bounded by its window, the sum over streams
  // by the connection window. Consumed (WINDOW_UPDATE) only as the handler reads.
  uint32_t initial_stream_window = 64 * 1024;
  uint32_t connection_window = 1024 * 1024;
  // Response bytes held while the client's flow-control window is closed.
  std::size_t max_stream_buffer = 256 * 1024;
  std::size_t max_connection_buffer = 1024 * 1024;
  std::chrono::milliseconds idle_timeout{60'000};    // no open stream and nothing received
  std::chrono::milliseconds header_timeout{10'000};  // one header block (HEADERS+CONTINUATION)
  std::chrono::milliseconds body_timeout{60'000};    // total, for one request body
  // One socket write, and one response write waiting for the client's window.
  std::chrono::milliseconds send_timeout{60'000};
  AbuseLimits abuse;
};

}  // namespace sluice::http2
