#pragma once
// Builds raw HTTP/2 frames byte by byte for abuse tests, including frames no conforming peer
// would send (a CONTINUATION that never ends, DATA on an idle stream, a length that lies):
// nothing here validates. Calls chain and append to one buffer, e.g.
//   RawClient c(port);
//   c.Send(FrameWriter().Preface().Settings().Headers(1, HpackEncode(H2RequestHeaders("GET",
//   "/")), h2flag::kEndHeaders | h2flag::kEndStream).bytes());
//
// Thread-safety: a value type; one instance per thread.
#include <cstdint>
#include <string>
#include <string_view>

#include "support/h2_wire.h"

namespace sluice::testing {

class FrameWriter {
 public:
  // Any frame: 9-byte header (24-bit length = payload size) then the payload.
  FrameWriter& Frame(H2FrameType type, uint8_t flags, uint32_t stream_id, std::string_view payload);
  // Like Frame() with a length field that need not match the payload (FRAME_SIZE_ERROR tests).
  FrameWriter& FrameWithLength(uint32_t length, H2FrameType type, uint8_t flags, uint32_t stream_id,
                               std::string_view payload);
  // Bytes appended verbatim.
  FrameWriter& Raw(std::string_view bytes);

  FrameWriter& Preface();  // the 24-byte client connection preface (no SETTINGS)
  FrameWriter& Settings(const H2Settings& params = {});
  FrameWriter& SettingsAck();
  // `header_block`: raw HPACK bytes (see HpackEncode). Flags: h2flag::kEndStream, kEndHeaders.
  FrameWriter& Headers(uint32_t stream_id, std::string_view header_block,
                       uint8_t flags = h2flag::kEndHeaders);
  FrameWriter& Continuation(uint32_t stream_id, std::string_view header_block, bool end_headers);
  FrameWriter& Data(uint32_t stream_id, std::string_view payload, bool end_stream = false);
  FrameWriter& RstStream(uint32_t stream_id, uint32_t error_code);
  FrameWriter& Ping(uint64_t opaque = 0, bool ack = false);
  FrameWriter& WindowUpdate(uint32_t stream_id, uint32_t increment);
  // `weight` is the byte on the wire, i.e. the weight minus one (RFC 7540 §6.3).
  FrameWriter& Priority(uint32_t stream_id, uint32_t depends_on, uint8_t weight = 15,
                        bool exclusive = false);
  FrameWriter& Goaway(uint32_t last_stream_id, uint32_t error_code,
                      std::string_view debug_data = {});

  // Preface + SETTINGS(params): what a client sends first.
  FrameWriter& ClientStart(const H2Settings& params = {}) { return Preface().Settings(params); }
  // A complete request with no body on `stream_id` (one-shot HPACK encoding).
  FrameWriter& Request(uint32_t stream_id, std::string_view method, std::string_view path,
                       const HeaderList& extra = {}, bool end_stream = true);

  [[nodiscard]] const std::string& bytes() const& { return bytes_; }
  [[nodiscard]] std::string bytes() && { return std::move(bytes_); }
  [[nodiscard]] std::size_t size() const { return bytes_.size(); }
  void clear() { bytes_.clear(); }

 private:
  void Put8(uint8_t v) { bytes_.push_back(static_cast<char>(v)); }
  void Put16(uint16_t v);
  void Put24(uint32_t v);
  void Put32(uint32_t v);

  std::string bytes_;
};

}  // namespace sluice::testing
