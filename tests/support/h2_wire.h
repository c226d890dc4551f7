#pragma once
// HTTP/2 wire constants (RFC 9113 §6, §7, §11) shared by the test library's frame writer, frame
// reader and client, so tests name codes ("kEnhanceYourCalm") instead of numbers and need not
// include nghttp2.h themselves.
//
// Thread-safety: constants only.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::testing {

// Same alias as in fake_upstream.h (a redeclaration of the same type is allowed).
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Sent by the client before anything else on an HTTP/2 connection (RFC 9113 §3.4).
inline constexpr std::string_view kH2ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
inline constexpr std::size_t kH2FrameHeaderSize = 9;

enum class H2FrameType : uint8_t {
  kData = 0x0,
  kHeaders = 0x1,
  kPriority = 0x2,
  kRstStream = 0x3,
  kSettings = 0x4,
  kPushPromise = 0x5,
  kPing = 0x6,
  kGoaway = 0x7,
  kWindowUpdate = 0x8,
  kContinuation = 0x9,
};

// Frame flags (a flag's meaning depends on the frame type, hence plain constants).
namespace h2flag {
inline constexpr uint8_t kEndStream = 0x1;   // DATA, HEADERS
inline constexpr uint8_t kAck = 0x1;         // SETTINGS, PING
inline constexpr uint8_t kEndHeaders = 0x4;  // HEADERS, CONTINUATION, PUSH_PROMISE
inline constexpr uint8_t kPadded = 0x8;      // DATA, HEADERS
inline constexpr uint8_t kPriority = 0x20;   // HEADERS
}  // namespace h2flag

// Error codes carried by RST_STREAM and GOAWAY (RFC 9113 §7).
namespace h2error {
inline constexpr uint32_t kNoError = 0x0;
inline constexpr uint32_t kProtocolError = 0x1;
inline constexpr uint32_t kInternalError = 0x2;
inline constexpr uint32_t kFlowControlError = 0x3;
inline constexpr uint32_t kSettingsTimeout = 0x4;
inline constexpr uint32_t kStreamClosed = 0x5;
inline constexpr uint32_t kFrameSizeError = 0x6;
inline constexpr uint32_t kRefusedStream = 0x7;
inline constexpr uint32_t kCancel = 0x8;
inline constexpr uint32_t kCompressionError = 0x9;
inline constexpr uint32_t kConnectError = 0xa;
inline constexpr uint32_t kEnhanceYourCalm = 0xb;
inline constexpr uint32_t kInadequateSecurity = 0xc;
inline constexpr uint32_t kHttp11Required = 0xd;
}  // namespace h2error

// SETTINGS parameter identifiers (RFC 9113 §6.5.2).
namespace h2setting {
inline constexpr uint16_t kHeaderTableSize = 0x1;
inline constexpr uint16_t kEnablePush = 0x2;
inline constexpr uint16_t kMaxConcurrentStreams = 0x3;
inline constexpr uint16_t kInitialWindowSize = 0x4;
inline constexpr uint16_t kMaxFrameSize = 0x5;
inline constexpr uint16_t kMaxHeaderListSize = 0x6;
}  // namespace h2setting

using H2Settings = std::vector<std::pair<uint16_t, uint32_t>>;

// What a GOAWAY frame said.
struct GoawayInfo {
  uint32_t last_stream_id = 0;
  uint32_t error_code = 0;
  std::string debug_data;
};

}  // namespace sluice::testing
