// FrameWriter checked two ways: its bytes parse back through FrameReader field by field, and a
// real nghttp2 server session accepts them (or rejects the abusive ones the way RFC 9113 says),
// with the server's answer decoded by FrameReader.
#include "support/frame_writer.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <map>
#include <string>
#include <vector>

#include "support/frame_reader.h"
#include "support/hpack_codec.h"

namespace sluice::testing {
namespace {

// An nghttp2 server session fed from memory: records what it understood.
class MemoryServer {
 public:
  MemoryServer() {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, OnData);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, OnFrame);
    nghttp2_session_server_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~MemoryServer() { nghttp2_session_del(session_); }

  nghttp2_session* session() { return session_; }

  // nghttp2's verdict on the bytes: >= 0 accepted (protocol errors still queue a GOAWAY).
  long Feed(const std::string& bytes) {
    return static_cast<long>(nghttp2_session_mem_recv(
        session_, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }
  // Everything the server wants to send now.
  std::string Output() {
    std::string out;
    for (;;) {
      const uint8_t* data = nullptr;
      const auto n = nghttp2_session_mem_send(session_, &data);
      if (n <= 0) return out;
      out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
    }
  }

  std::map<int32_t, HeaderList> headers;
  std::map<int32_t, std::string> bodies;
  std::vector<uint8_t> frame_types;
  std::map<int32_t, uint32_t> resets;
  std::vector<uint32_t> window_updates;
  std::optional<GoawayInfo> goaway;

 private:
  static MemoryServer& Self(void* p) { return *static_cast<MemoryServer*>(p); }
  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* p) {
    Self(p).headers[frame->hd.stream_id].emplace_back(
        std::string(reinterpret_cast<const char*>(name), namelen),
        std::string(reinterpret_cast<const char*>(value), valuelen));
    return 0;
  }
  static int OnData(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t len,
                    void* p) {
    Self(p).bodies[stream_id].append(reinterpret_cast<const char*>(data), len);
    return 0;
  }
  static int OnFrame(nghttp2_session*, const nghttp2_frame* frame, void* p) {
    auto& self = Self(p);
    self.frame_types.push_back(frame->hd.type);
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
      self.resets[frame->hd.stream_id] = frame->rst_stream.error_code;
    } else if (frame->hd.type == NGHTTP2_WINDOW_UPDATE) {
      self.window_updates.push_back(
          static_cast<uint32_t>(frame->window_update.window_size_increment));
    } else if (frame->hd.type == NGHTTP2_GOAWAY) {
      self.goaway = GoawayInfo{static_cast<uint32_t>(frame->goaway.last_stream_id),
                               frame->goaway.error_code, ""};
    }
    return 0;
  }

  nghttp2_session* session_ = nullptr;
};

TEST(FrameWriterTest, EncodesFrameHeaderFieldsBigEndian) {
  const auto bytes = FrameWriter().WindowUpdate(0x01020304, 0x7f00ff01).bytes();
  EXPECT_EQ(bytes, std::string("\x00\x00\x04\x08\x00\x01\x02\x03\x04\x7f\x00\xff\x01", 13));
}

TEST(FrameWriterTest, FramesRoundTripThroughTheReader) {
  const auto bytes =
      FrameWriter()
          .Preface()
          .Settings({{h2setting::kMaxConcurrentStreams, 7}, {h2setting::kInitialWindowSize, 0}})
          .SettingsAck()
          .Data(3, "", /*end_stream=*/true)
          .RstStream(5, h2error::kCancel)
          .Ping(0x0102030405060708ull, /*ack=*/true)
          .Priority(7, 3, 200, /*exclusive=*/true)
          .Goaway(9, h2error::kEnhanceYourCalm, "calm")
          .bytes();
  FrameReader reader(/*expect_client_preface=*/true);
  reader.Feed(bytes);
  const auto frames = reader.TakeAll();
  ASSERT_EQ(frames.size(), 7u);
  EXPECT_EQ(reader.pending_bytes(), 0u);
  EXPECT_EQ(DecodeSettings(frames[0]), (H2Settings{{h2setting::kMaxConcurrentStreams, 7},
                                                   {h2setting::kInitialWindowSize, 0}}));
  EXPECT_TRUE(frames[1].Is(H2FrameType::kSettings) && frames[1].HasFlag(h2flag::kAck));
  EXPECT_TRUE(frames[2].Is(H2FrameType::kData) && frames[2].HasFlag(h2flag::kEndStream));
  EXPECT_EQ(frames[2].stream_id, 3u);
  EXPECT_EQ(frames[2].length, 0u);
  EXPECT_EQ(DecodeRstStream(frames[3]), h2error::kCancel);
  EXPECT_EQ(frames[4].payload, std::string("\x01\x02\x03\x04\x05\x06\x07\x08"));
  EXPECT_EQ(frames[5].payload, std::string("\x80\x00\x00\x03\xc8", 5));
  const auto goaway = DecodeGoaway(frames[6]);
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->last_stream_id, 9u);
  EXPECT_EQ(goaway->error_code, h2error::kEnhanceYourCalm);
  EXPECT_EQ(goaway->debug_data, "calm");
}

TEST(FrameWriterTest, ReaderWaitsForWholeFramesAndRejectsABadPreface) {
  const auto bytes = FrameWriter().Ping(1).bytes();
  FrameReader reader;
  reader.Feed(std::string_view(bytes).substr(0, 10));
  EXPECT_FALSE(reader.Next().has_value());
  reader.Feed(std::string_view(bytes).substr(10));
  EXPECT_TRUE(reader.Next().has_value());

  FrameReader expects_preface(/*expect_client_preface=*/true);
  expects_preface.Feed("GET / HTTP/1.1\r\n");
  EXPECT_FALSE(expects_preface.Next().has_value());
  EXPECT_TRUE(expects_preface.error());
}

TEST(FrameWriterTest, Nghttp2ServerAcceptsARequestSplitOverContinuationWithABody) {
  const auto block = HpackEncode(H2RequestHeaders("POST", "/upload", {{"x-a", "1"}}));
  const auto half = block.size() / 2;
  MemoryServer server;
  const auto bytes = FrameWriter()
                         .ClientStart()
                         .Headers(1, block.substr(0, half), /*flags=*/0)
                         .Continuation(1, block.substr(half), /*end_headers=*/true)
                         .Data(1, "hello ")
                         .Data(1, "world", /*end_stream=*/true)
                         .WindowUpdate(0, 1000)
                         .bytes();
  ASSERT_EQ(server.Feed(bytes), static_cast<long>(bytes.size()));
  const HeaderList expected = H2RequestHeaders("POST", "/upload", {{"x-a", "1"}});
  EXPECT_EQ(server.headers[1], expected);
  EXPECT_EQ(server.bodies[1], "hello world");
  EXPECT_EQ(server.window_updates, std::vector<uint32_t>{1000});
  EXPECT_FALSE(server.goaway.has_value());
}

TEST(FrameWriterTest, Nghttp2ServerSeesResetsAndGoaway) {
  MemoryServer server;
  const auto bytes = FrameWriter()
                         .ClientStart()
                         .Request(1, "GET", "/", {}, /*end_stream=*/false)
                         .RstStream(1, h2error::kCancel)
                         .Goaway(0, h2error::kNoError)
                         .bytes();
  ASSERT_EQ(server.Feed(bytes), static_cast<long>(bytes.size()));
  EXPECT_EQ(server.resets[1], h2error::kCancel);
  ASSERT_TRUE(server.goaway.has_value());
  EXPECT_EQ(server.goaway->error_code, h2error::kNoError);
}

TEST(FrameWriterTest, ReaderDecodesServerSettingsPingAckAndResponseHeaders) {
  MemoryServer server;
  ASSERT_GE(server.Feed(FrameWriter().ClientStart().Ping(42).Request(1, "GET", "/").bytes()), 0);
  const nghttp2_nv status{reinterpret_cast<uint8_t*>(const_cast<char*>(":status")),
                          reinterpret_cast<uint8_t*>(const_cast<char*>("204")), 7, 3,
                          NGHTTP2_NV_FLAG_NONE};
  nghttp2_submit_response(server.session(), 1, &status, 1, nullptr);
  const auto frames = ParseFrames(server.Output());
  ASSERT_GE(frames.size(), 3u);
  EXPECT_TRUE(DecodeSettings(frames[0]).has_value());  // the server's own SETTINGS come first
  bool saw_ping_ack = false;
  int status_code = 0;
  for (const auto& frame : frames) {
    saw_ping_ack |= frame.Is(H2FrameType::kPing) && frame.HasFlag(h2flag::kAck);
    if (frame.Is(H2FrameType::kHeaders) && frame.stream_id == 1) status_code = frame.status();
  }
  EXPECT_TRUE(saw_ping_ack);
  EXPECT_EQ(status_code, 204);
}

TEST(FrameWriterTest, Nghttp2ServerAnswersAnInterruptedHeaderBlockWithGoawayProtocolError) {
  MemoryServer server;
  const auto block = HpackEncode(H2RequestHeaders("GET", "/"));
  // RFC 9113 §6.10: after HEADERS without END_HEADERS only a CONTINUATION of that stream may come.
  server.Feed(FrameWriter().ClientStart().Headers(1, block, 0).Ping(1).bytes());
  const auto goaway = FindGoaway(ParseFrames(server.Output()));
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->error_code, h2error::kProtocolError);
}

TEST(FrameWriterTest, FrameWithLengthLiesAboutItsSize) {
  MemoryServer server;
  // A PING must be 8 bytes long (RFC 9113 §6.7): anything else is FRAME_SIZE_ERROR.
  server.Feed(
      FrameWriter().ClientStart().FrameWithLength(4, H2FrameType::kPing, 0, 0, "abcd").bytes());
  const auto goaway = FindGoaway(ParseFrames(server.Output()));
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->error_code, h2error::kFrameSizeError);
}

}  // namespace
}  // namespace sluice::testing
