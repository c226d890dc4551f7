#pragma once
// Parses HTTP/2 frames from a byte stream (what a server sent to a raw-socket test client), so
// abuse tests can assert "GOAWAY ENHANCE_YOUR_CALM" or "REFUSED_STREAM on stream 201". Header
// blocks are HPACK-decoded with one decoder per reader (the connection's dynamic table), and the
// frame that ends a block (HEADERS with END_HEADERS, or the last CONTINUATION) carries the
// decoded list.
//
// Thread-safety: FrameReader is owned by one thread; free functions are thread-safe.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/h2_wire.h"
#include "support/hpack_codec.h"

namespace sluice::testing {

class RawClient;

struct H2Frame {
  uint32_t length = 0;  // the length field (== payload.size())
  H2FrameType type = H2FrameType::kData;
  uint8_t flags = 0;
  uint32_t stream_id = 0;  // reserved bit cleared
  std::string payload;
  // Set on the frame that completes a header block; nullopt when decoding failed or no block
  // ended here.
  std::optional<HeaderList> headers;

  [[nodiscard]] bool Is(H2FrameType t) const { return type == t; }
  [[nodiscard]] bool HasFlag(uint8_t flag) const { return (flags & flag) != 0; }
  // :status of a decoded response header block, 0 if none.
  [[nodiscard]] int status() const;
};

// GOAWAY payload, or nullopt for another type or a short payload.
[[nodiscard]] std::optional<GoawayInfo> DecodeGoaway(const H2Frame& frame);
// RST_STREAM error code, or nullopt.
[[nodiscard]] std::optional<uint32_t> DecodeRstStream(const H2Frame& frame);
// SETTINGS parameters (an ACK has none), or nullopt for another type or a bad length.
[[nodiscard]] std::optional<H2Settings> DecodeSettings(const H2Frame& frame);
// WINDOW_UPDATE increment, or nullopt.
[[nodiscard]] std::optional<uint32_t> DecodeWindowUpdate(const H2Frame& frame);

class FrameReader {
 public:
  // `expect_client_preface`: the stream starts with the client preface (reading what a client
  // wrote, as the unit tests do); it is checked and skipped.
  explicit FrameReader(bool expect_client_preface = false);

  void Feed(std::string_view bytes);
  // The next complete frame, or nullopt when more bytes are needed (or the stream is corrupt:
  // see error()).
  [[nodiscard]] std::optional<H2Frame> Next();
  // Every complete frame fed so far.
  [[nodiscard]] std::vector<H2Frame> TakeAll();
  // Bytes fed but not yet part of a returned frame.
  [[nodiscard]] std::size_t pending_bytes() const { return buffer_.size(); }
  // Set when the preface was wrong.
  [[nodiscard]] bool error() const { return error_; }

 private:
  void DecodeHeaderBlock(H2Frame& frame);

  bool expect_preface_;
  bool error_ = false;
  std::string buffer_;
  std::string block_;  // header block fragments of the HEADERS being continued
  HpackDecoder decoder_;
};

// Parses every complete frame of a server-to-client byte stream.
[[nodiscard]] std::vector<H2Frame> ParseFrames(std::string_view server_bytes);

// The first GOAWAY among `frames`.
[[nodiscard]] std::optional<GoawayInfo> FindGoaway(const std::vector<H2Frame>& frames);
// The error code of the first RST_STREAM on `stream_id` among `frames`.
[[nodiscard]] std::optional<uint32_t> FindRstStream(const std::vector<H2Frame>& frames,
                                                    uint32_t stream_id);

// Reads from `client` until a frame in everything it buffered matches `match` (then returns that
// frame), the server closes, or `timeout` passes. The buffer is re-parsed from its start each
// time (HPACK state included), so call it with a client whose buffer holds only server frames.
std::optional<H2Frame> ReadUntilFrame(RawClient& client,
                                      const std::function<bool(const H2Frame&)>& match,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace sluice::testing
