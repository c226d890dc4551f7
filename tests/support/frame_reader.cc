#include "support/frame_reader.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "support/raw_client.h"

namespace sluice::testing {

namespace {

uint32_t Read32(std::string_view s, std::size_t at) {
  uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

// The header block fragment of a HEADERS frame without its padding and priority fields.
std::optional<std::string_view> HeadersFragment(const H2Frame& frame) {
  std::string_view p = frame.payload;
  std::size_t pad = 0;
  if (frame.HasFlag(h2flag::kPadded)) {
    if (p.empty()) return std::nullopt;
    pad = static_cast<uint8_t>(p[0]);
    p.remove_prefix(1);
  }
  if (frame.HasFlag(h2flag::kPriority)) {
    if (p.size() < 5) return std::nullopt;
    p.remove_prefix(5);
  }
  if (p.size() < pad) return std::nullopt;
  p.remove_suffix(pad);
  return p;
}

}  // namespace

int H2Frame::status() const {
  if (!headers) return 0;
  for (const auto& [name, value] : *headers) {
    if (name == ":status") return std::atoi(value.c_str());
  }
  return 0;
}

std::optional<GoawayInfo> DecodeGoaway(const H2Frame& frame) {
  if (!frame.Is(H2FrameType::kGoaway) || frame.payload.size() < 8) return std::nullopt;
  return GoawayInfo{Read32(frame.payload, 0) & 0x7fffffffu, Read32(frame.payload, 4),
                    frame.payload.substr(8)};
}

std::optional<uint32_t> DecodeRstStream(const H2Frame& frame) {
  if (!frame.Is(H2FrameType::kRstStream) || frame.payload.size() != 4) return std::nullopt;
  return Read32(frame.payload, 0);
}

std::optional<H2Settings> DecodeSettings(const H2Frame& frame) {
  if (!frame.Is(H2FrameType::kSettings) || frame.payload.size() % 6 != 0) return std::nullopt;
  H2Settings out;
  for (std::size_t at = 0; at < frame.payload.size(); at += 6) {
    const auto id = static_cast<uint16_t>((static_cast<uint8_t>(frame.payload[at]) << 8) |
                                          static_cast<uint8_t>(frame.payload[at + 1]));
    out.emplace_back(id, Read32(frame.payload, at + 2));
  }
  return out;
}

std::optional<uint32_t> DecodeWindowUpdate(const H2Frame& frame) {
  if (!frame.Is(H2FrameType::kWindowUpdate) || frame.payload.size() != 4) return std::nullopt;
  return Read32(frame.payload, 0) & 0x7fffffffu;
}

FrameReader::FrameReader(bool expect_client_preface) : expect_preface_(expect_client_preface) {}

void FrameReader::Feed(std::string_view bytes) { buffer_.append(bytes); }

std::optional<H2Frame> FrameReader::Next() {
  if (error_) return std::nullopt;
  if (expect_preface_) {
    const auto have = std::min(buffer_.size(), kH2ClientPreface.size());
    if (std::string_view(buffer_).substr(0, have) != kH2ClientPreface.substr(0, have)) {
      error_ = true;
      return std::nullopt;
    }
    if (have < kH2ClientPreface.size()) return std::nullopt;
    buffer_.erase(0, kH2ClientPreface.size());
    expect_preface_ = false;
  }
  if (buffer_.size() < kH2FrameHeaderSize) return std::nullopt;
  H2Frame frame;
  frame.length = Read32(buffer_, 0) >> 8;
  if (buffer_.size() < kH2FrameHeaderSize + frame.length) return std::nullopt;
  frame.type = static_cast<H2FrameType>(static_cast<uint8_t>(buffer_[3]));
  frame.flags = static_cast<uint8_t>(buffer_[4]);
  frame.stream_id = Read32(buffer_, 5) & 0x7fffffffu;
  frame.payload = buffer_.substr(kH2FrameHeaderSize, frame.length);
  buffer_.erase(0, kH2FrameHeaderSize + frame.length);
  DecodeHeaderBlock(frame);
  return frame;
}

void FrameReader::DecodeHeaderBlock(H2Frame& frame) {
  if (frame.Is(H2FrameType::kHeaders)) {
    const auto fragment = HeadersFragment(frame);
    block_ = fragment ? std::string(*fragment) : std::string();
  } else if (frame.Is(H2FrameType::kContinuation)) {
    block_ += frame.payload;
  } else {
    return;
  }
  if (frame.HasFlag(h2flag::kEndHeaders))
    frame.headers = decoder_.Decode(std::exchange(block_, {}));
}

std::vector<H2Frame> FrameReader::TakeAll() {
  std::vector<H2Frame> out;
  while (auto frame = Next()) out.push_back(std::move(*frame));
  return out;
}

std::vector<H2Frame> ParseFrames(std::string_view server_bytes) {
  FrameReader reader;
  reader.Feed(server_bytes);
  return reader.TakeAll();
}

std::optional<GoawayInfo> FindGoaway(const std::vector<H2Frame>& frames) {
  for (const auto& frame : frames) {
    if (auto goaway = DecodeGoaway(frame)) return goaway;
  }
  return std::nullopt;
}

std::optional<uint32_t> FindRstStream(const std::vector<H2Frame>& frames, uint32_t stream_id) {
  for (const auto& frame : frames) {
    if (frame.stream_id == stream_id) {
      if (auto code = DecodeRstStream(frame)) return code;
    }
  }
  return std::nullopt;
}

std::optional<H2Frame> ReadUntilFrame(RawClient& client,
                                      const std::function<bool(const H2Frame&)>& match,
                                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (auto& frame : ParseFrames(client.buffered())) {
      if (match(frame)) return std::move(frame);
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !client.ReadSome(left)) return std::nullopt;
  }
}

}  // namespace sluice::testing
