#include "support/frame_writer.h"

#include <utility>

#include "support/hpack_codec.h"

namespace sluice::testing {

void FrameWriter::Put16(uint16_t v) {
  Put8(static_cast<uint8_t>(v >> 8));
  Put8(static_cast<uint8_t>(v));
}

void FrameWriter::Put24(uint32_t v) {
  Put8(static_cast<uint8_t>(v >> 16));
  Put16(static_cast<uint16_t>(v));
}

void FrameWriter::Put32(uint32_t v) {
  Put16(static_cast<uint16_t>(v >> 16));
  Put16(static_cast<uint16_t>(v));
}

FrameWriter& FrameWriter::FrameWithLength(uint32_t length, H2FrameType type, uint8_t flags,
                                          uint32_t stream_id, std::string_view payload) {
  Put24(length);
  Put8(static_cast<uint8_t>(type));
  Put8(flags);
  Put32(stream_id);  // the reserved bit is whatever the caller put in bit 31
  bytes_.append(payload);
  return *this;
}

FrameWriter& FrameWriter::Frame(H2FrameType type, uint8_t flags, uint32_t stream_id,
                                std::string_view payload) {
  return FrameWithLength(static_cast<uint32_t>(payload.size()), type, flags, stream_id, payload);
}

FrameWriter& FrameWriter::Raw(std::string_view bytes) {
  bytes_.append(bytes);
  return *this;
}

FrameWriter& FrameWriter::Preface() { return Raw(kH2ClientPreface); }

FrameWriter& FrameWriter::Settings(const H2Settings& params) {
  FrameWriter payload;
  for (const auto& [id, value] : params) {
    payload.Put16(id);
    payload.Put32(value);
  }
  return Frame(H2FrameType::kSettings, 0, 0, payload.bytes());
}

FrameWriter& FrameWriter::SettingsAck() {
  return Frame(H2FrameType::kSettings, h2flag::kAck, 0, {});
}

FrameWriter& FrameWriter::Headers(uint32_t stream_id, std::string_view header_block,
                                  uint8_t flags) {
  return Frame(H2FrameType::kHeaders, flags, stream_id, header_block);
}

FrameWriter& FrameWriter::Continuation(uint32_t stream_id, std::string_view header_block,
                                       bool end_headers) {
  return Frame(H2FrameType::kContinuation, end_headers ? h2flag::kEndHeaders : 0, stream_id,
               header_block);
}

FrameWriter& FrameWriter::Data(uint32_t stream_id, std::string_view payload, bool end_stream) {
  return Frame(H2FrameType::kData, end_stream ? h2flag::kEndStream : 0, stream_id, payload);
}

FrameWriter& FrameWriter::RstStream(uint32_t stream_id, uint32_t error_code) {
  FrameWriter payload;
  payload.Put32(error_code);
  return Frame(H2FrameType::kRstStream, 0, stream_id, payload.bytes());
}

FrameWriter& FrameWriter::Ping(uint64_t opaque, bool ack) {
  FrameWriter payload;
  payload.Put32(static_cast<uint32_t>(opaque >> 32));
  payload.Put32(static_cast<uint32_t>(opaque));
  return Frame(H2FrameType::kPing, ack ? h2flag::kAck : 0, 0, payload.bytes());
}

FrameWriter& FrameWriter::WindowUpdate(uint32_t stream_id, uint32_t increment) {
  FrameWriter payload;
  payload.Put32(increment);
  return Frame(H2FrameType::kWindowUpdate, 0, stream_id, payload.bytes());
}

FrameWriter& FrameWriter::Priority(uint32_t stream_id, uint32_t depends_on, uint8_t weight,
                                   bool exclusive) {
  FrameWriter payload;
  payload.Put32(exclusive ? (depends_on | 0x80000000u) : depends_on);
  payload.Put8(weight);
  return Frame(H2FrameType::kPriority, 0, stream_id, payload.bytes());
}

FrameWriter& FrameWriter::Goaway(uint32_t last_stream_id, uint32_t error_code,
                                 std::string_view debug_data) {
  FrameWriter payload;
  payload.Put32(last_stream_id);
  payload.Put32(error_code);
  payload.Raw(debug_data);
  return Frame(H2FrameType::kGoaway, 0, 0, payload.bytes());
}

FrameWriter& FrameWriter::Request(uint32_t stream_id, std::string_view method,
                                  std::string_view path, const HeaderList& extra, bool end_stream) {
  const uint8_t flags = h2flag::kEndHeaders | (end_stream ? h2flag::kEndStream : 0);
  return Headers(stream_id, HpackEncode(H2RequestHeaders(method, path, extra)), flags);
}

}  // namespace sluice::testing
