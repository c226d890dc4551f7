#include "http2/connection.h"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <vector>

#include "connection_harness.h"

namespace sluice::http2 {
namespace {

using testing::Client;
using testing::Frame;
using testing::GoawayCode;
using testing::Harness;
using testing::kGetBlock;
using testing::kPreface;
using testing::ParseFrames;
namespace asio = boost::asio;

// Reads the whole request body, answers 200 with it (and hop-by-hop fields h2 must drop).
asio::awaitable<void> Echo(http::ServerExchange& ex) {
  std::string got;
  // On the heap: a 4 KiB array in the coroutine frame trips GCC 12's -Wmismatched-new-delete on
  // asio's frame allocator in the sanitizer build.
  std::vector<char> buf(4096);
  for (;;) {
    const auto r = co_await ex.ReadBody(asio::buffer(buf));
    if (!r.ok() || r.bytes == 0) break;
    got.append(buf.data(), r.bytes);
  }
  http::ResponseHeader head;
  head.result(http::Status::ok);
  head.set("X-Method", ex.request().method_string());
  head.set("X-Target", ex.request().target());
  head.set("X-Host", ex.request()[http::Field::host]);
  head.set(http::Field::connection, "keep-alive");
  head.set(http::Field::keep_alive, "timeout=5");
  const http::BodyLength length{got.size()};
  // Added fields are read until the response ends: this frame outlives it.
  const std::array<http::FieldLine, 2> added{http::FieldLine{"X-Added", "yes"},
                                             http::FieldLine{"Upgrade", "h2c"}};
  const auto head_ec = co_await ex.WriteHead(std::move(head), length, added);
  if (head_ec) co_return;
  const auto body_ec = co_await ex.WriteBody(asio::buffer(got), true);
  (void)body_ec;
}

// Answers `size` bytes in 16 KiB writes.
auto Download(std::size_t size) {
  return [size](http::ServerExchange& ex) -> asio::awaitable<void> {
    http::ResponseHeader head;
    head.result(http::Status::ok);
    const http::BodyLength length{size};
    const auto head_ec = co_await ex.WriteHead(std::move(head), length);
    if (head_ec) co_return;
    const std::string chunk(16 * 1024, 'x');
    for (std::size_t sent = 0; sent < size; sent += chunk.size()) {
      const auto ec = co_await ex.WriteBody(asio::buffer(chunk), sent + chunk.size() >= size);
      if (ec) co_return;
    }
  };
}

TEST(Http2Connection, ServesARequestWithABodyAndStripsConnectionSpecificResponseFields) {
  Harness h;
  h.handler.behaviour = Echo;
  h.Start();
  Client client;
  auto fields = Client::Get("/upload?x=1");
  fields[0].second = "POST";
  const std::string body(200 * 1024, 'b');  // several stream windows: consumed as read
  const auto id = client.Request(fields, body);
  ASSERT_TRUE(h.Pump(client, [&] { return client.streams[id].closed; }));
  const auto& s = client.streams[id];
  EXPECT_EQ(s.close_code, NGHTTP2_NO_ERROR);
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.body, body);
  EXPECT_EQ(s.headers.at("x-method"), "POST");
  EXPECT_EQ(s.headers.at("x-target"), "/upload?x=1");
  EXPECT_EQ(s.headers.at("x-host"), "example.com");
  EXPECT_EQ(s.headers.at("content-length"), std::to_string(body.size()));
  EXPECT_EQ(s.headers.count("connection"), 0u);
  EXPECT_EQ(s.headers.count("keep-alive"), 0u);
  EXPECT_EQ(s.headers.at("x-added"), "yes");  // added fields are lowercased and sent...
  EXPECT_EQ(s.headers.count("upgrade"), 0u);  // ...unless connection-specific
  EXPECT_EQ(h.handler.finished, 1);
  EXPECT_EQ(h.conn->open_streams(), 0u);
  EXPECT_EQ(h.metrics.streams_active().Value(), 0);
}

TEST(Http2Connection, RequestBodyWindowOpensOnlyAsTheHandlerReads) {
  Harness h;
  h.options.initial_stream_window = 16 * 1024;
  asio::steady_timer gate(h.ioc, asio::steady_timer::time_point::max());
  h.handler.behaviour = [&gate](http::ServerExchange& ex) -> asio::awaitable<void> {
    co_await gate.async_wait(asio::as_tuple(asio::use_awaitable));  // "upstream not ready"
    co_await Echo(ex);
  };
  h.Start();
  Client client;
  h.Pump(client, [] { return false; });  // SETTINGS exchanged: our stream window applies
  auto fields = Client::Get();
  fields[0].second = "PUT";
  const std::string body(256 * 1024, 'p');
  const auto id = client.Request(fields, body);
  h.Pump(client, [] { return false; });
  // Unread: the client may send only one stream window, however long it waits.
  EXPECT_EQ(client.body_sent(0), 16u * 1024);
  EXPECT_EQ(nghttp2_session_get_stream_remote_window_size(client.session(), id), 0);
  gate.cancel();
  ASSERT_TRUE(h.Pump(client, [&] { return client.streams[id].closed; }));
  EXPECT_EQ(client.streams[id].body.size(), body.size());
}

TEST(Http2Connection, ZeroWindowClientBoundsBufferedResponse) {
  Harness h;
  h.options.max_stream_buffer = 64 * 1024;
  h.options.max_connection_buffer = 96 * 1024;
  h.handler.behaviour = Download(1024 * 1024);
  h.Start();
  Client client(/*initial_window=*/0);
  const auto a = client.Request(Client::Get("/a"));
  const auto b = client.Request(Client::Get("/b"));
  h.Pump(client, [] { return false; });
  // Both handlers are parked in WriteBody; the connection holds no more than its bound.
  EXPECT_EQ(h.handler.started, 2);
  EXPECT_EQ(h.handler.finished, 0);
  EXPECT_EQ(h.conn->buffered_response_bytes(), 96u * 1024);
  EXPECT_TRUE(client.streams[a].body.empty());
  // The client opens its windows: everything arrives.
  nghttp2_submit_window_update(client.session(), NGHTTP2_FLAG_NONE, a, 1 << 30);
  nghttp2_submit_window_update(client.session(), NGHTTP2_FLAG_NONE, b, 1 << 30);
  ASSERT_TRUE(h.Pump(client, [&] { return client.streams[a].closed && client.streams[b].closed; }));
  EXPECT_EQ(client.streams[a].body.size(), 1024u * 1024);
  EXPECT_EQ(client.streams[b].body.size(), 1024u * 1024);
  EXPECT_EQ(h.conn->buffered_response_bytes(), 0u);
}

TEST(Http2Connection, RefusesStreamsBeyondMaxConcurrentStreams) {
  Harness h;
  h.options.max_concurrent_streams = 2;
  asio::steady_timer gate(h.ioc, asio::steady_timer::time_point::max());
  h.handler.behaviour = [&gate](http::ServerExchange& ex) -> asio::awaitable<void> {
    co_await gate.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await Echo(ex);
  };
  h.Start();
  Client client;
  std::array<int32_t, 3> ids{};
  for (auto& id : ids) id = client.Request(Client::Get());
  ASSERT_TRUE(h.Pump(client, [&] { return client.streams[ids[2]].closed; }));
  EXPECT_EQ(client.streams[ids[2]].close_code, NGHTTP2_REFUSED_STREAM);
  EXPECT_EQ(h.metrics.abuse_count(AbuseKind::kTooManyStreams), 1);
  gate.cancel();
  ASSERT_TRUE(h.Pump(client, [&] { return client.streams[ids[1]].closed; }));
  EXPECT_EQ(client.streams[ids[0]].status, 200);
  EXPECT_EQ(client.streams[ids[1]].status, 200);
}

// Once the client acknowledged the limit, nghttp2 answers a stream beyond it with a connection
// error (RFC 9113 §5.4.1 allows escalating the §5.1.2 stream error): still the stream limit,
// so it counts as too_many_streams, and the GOAWAY as protocol_error.
TEST(Http2Connection, StreamBeyondAnAcknowledgedLimitCountsAsTooManyStreams) {
  Harness h;
  h.options.max_concurrent_streams = 2;
  h.Start();
  (void)h.Drain();  // our SETTINGS are on the wire
  std::string bytes(kPreface);
  bytes += Frame(NGHTTP2_SETTINGS, 0, 0, "");
  bytes += Frame(NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK, 0, "");
  for (uint32_t id = 1; id <= 5; id += 2) {
    bytes +=
        Frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, id, kGetBlock);
  }
  (void)h.Send(bytes);
  EXPECT_EQ(GoawayCode(h.Drain()), NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(h.metrics.abuse_count(AbuseKind::kTooManyStreams), 1);
  EXPECT_EQ(h.metrics.goaway_count(GoawayReason::kProtocolError), 1);
}

// Regression (found by tests/integration/h2_abuse_test.cc): requests were handed to the owner
// from inside nghttp2's receive, and the session's co_spawn runs the handler at once, so a
// stream reset later in the same read was forwarded upstream anyway.
TEST(Http2Connection, RequestsReachTheOwnerOnlyIfStillOpenAtTheEndOfTheRead) {
  struct RecordingOwner final : ConnectionOwner {
    void OnRequest(std::shared_ptr<Stream> stream) override { ids.push_back(stream->id()); }
    void OnOutputReady() override {}
    std::vector<int32_t> ids;
  };
  asio::io_context ioc;
  core::FakeClock clock;
  SessionOptions options;
  http::ConnectionInfo info{.listener = "test", .protocol = http::Protocol::kHttp2};
  prometheus::Registry registry;
  H2Metrics metrics{registry};
  RecordingOwner owner;
  Connection conn(options, owner, clock, ioc.get_executor(), info, &metrics);
  std::string bytes(kPreface);
  bytes += Frame(NGHTTP2_SETTINGS, 0, 0, "");
  for (uint32_t id = 1; id <= 5; id += 2) {
    bytes +=
        Frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, id, kGetBlock);
  }
  bytes += Frame(NGHTTP2_RST_STREAM, 0, 3, std::string("\0\0\0\x08", 4));  // CANCEL
  EXPECT_TRUE(conn.Receive(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()).ok);
  EXPECT_EQ(owner.ids, (std::vector<int32_t>{1, 5}));
}

TEST(Http2Connection, RapidResetEndsTheConnectionWithEnhanceYourCalm) {
  Harness h;
  h.options.abuse.rapid_reset = {10, std::chrono::milliseconds(10'000)};
  h.handler.behaviour = Echo;
  h.Start();
  std::string attack(kPreface);
  attack += Frame(NGHTTP2_SETTINGS, 0, 0, "");
  for (uint32_t id = 1; id < 2 * 50; id += 2) {
    attack +=
        Frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | NGHTTP2_FLAG_END_STREAM, id, kGetBlock);
    attack += Frame(NGHTTP2_RST_STREAM, 0, id, std::string("\0\0\0\x08", 4));  // CANCEL
  }
  EXPECT_FALSE(h.Send(attack).ok);
  EXPECT_EQ(GoawayCode(h.Drain()), NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(h.conn->tripped(), AbuseKind::kRapidReset);
  EXPECT_EQ(h.metrics.abuse_count(AbuseKind::kRapidReset), 1);
  EXPECT_EQ(h.metrics.goaway_count(GoawayReason::kAbuse), 1);
  h.RunHandlers();
  EXPECT_EQ(h.handler.started, 0);  // reset streams never reach the handler (or an upstream)
  EXPECT_FALSE(h.conn->WantsRead());
}

TEST(Http2Connection, ContinuationFloodEndsTheConnection) {
  Harness h;
  h.options.abuse.max_continuations = 4;
  h.Start();
  std::string attack(kPreface);
  attack += Frame(NGHTTP2_SETTINGS, 0, 0, "");
  attack += Frame(NGHTTP2_HEADERS, 0, 1, kGetBlock);
  for (int i = 0; i < 10; ++i) attack += Frame(NGHTTP2_CONTINUATION, 0, 1, "");
  EXPECT_FALSE(h.Send(attack).ok);
  EXPECT_EQ(GoawayCode(h.Drain()), NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(h.metrics.abuse_count(AbuseKind::kContinuationFlood), 1);
}

TEST(Http2Connection, SettingsFloodEndsTheConnection) {
  Harness h;
  h.options.abuse.settings = {5, std::chrono::milliseconds(10'000)};
  h.Start();
  std::string flood(kPreface);
  for (int i = 0; i < 5; ++i) flood += Frame(NGHTTP2_SETTINGS, 0, 0, "");
  EXPECT_TRUE(h.Send(flood).ok);  // at the limit: fine
  EXPECT_FALSE(GoawayCode(h.Drain()));
  EXPECT_FALSE(h.Send(Frame(NGHTTP2_SETTINGS, 0, 0, "")).ok);
  EXPECT_EQ(GoawayCode(h.Drain()), NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(h.metrics.abuse_count(AbuseKind::kSettingsFlood), 1);
}

TEST(Http2Connection, PingFloodEndsTheConnection) {
  Harness h;
  h.options.abuse.ping = {5, std::chrono::milliseconds(10'000)};
  h.Start();
  std::string flood(kPreface);
  flood += Frame(NGHTTP2_SETTINGS, 0, 0, "");
  for (int i = 0; i < 6; ++i) flood += Frame(NGHTTP2_PING, 0, 0, std::string(8, '\0'));
  EXPECT_FALSE(h.Send(flood).ok);
  EXPECT_EQ(GoawayCode(h.Drain()), NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(h.metrics.abuse_count(AbuseKind::kPingFlood), 1);
}

TEST(Http2Connection, PingsAfterTheWindowSlidesAreFine) {
  Harness h;
  h.options.abuse.ping = {5, std::chrono::milliseconds(10'000)};
  h.Start();
  std::string pings(kPreface);
  pings += Frame(NGHTTP2_SETTINGS, 0, 0, "");
  for (int i = 0; i < 5; ++i) pings += Frame(NGHTTP2_PING, 0, 0, std::string(8, '\0'));
  EXPECT_TRUE(h.Send(pings).ok);
  h.clock.Advance(std::chrono::seconds(10));
  std::string more;
  for (int i = 0; i < 5; ++i) more += Frame(NGHTTP2_PING, 0, 0, std::string(8, '\0'));
  EXPECT_TRUE(h.Send(more).ok);
  EXPECT_FALSE(GoawayCode(h.Drain()));
}

TEST(Http2Connection, EmptyDataFloodEndsTheConnection) {
  Harness h;
  h.options.abuse.empty_data = {5, std::chrono::milliseconds(10'000)};
  h.handler.behaviour = Echo;
  h.Start();
  std::string flood(kPreface);
  flood += Frame(NGHTTP2_SETTINGS, 0, 0, "");
  flood += Frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1, kGetBlock);
  for (int i = 0; i < 6; ++i) flood += Frame(NGHTTP2_DATA, 0, 1, "");
  EXPECT_FALSE(h.Send(flood).ok);
  EXPECT_EQ(GoawayCode(h.Drain()), NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(h.metrics.abuse_count(AbuseKind::kEmptyDataFlood), 1);
}

TEST(Http2Connection, RejectsConnectionSpecificRequestFieldsWithStreamError) {
  Harness h;
  h.handler.behaviour = Echo;
  h.Start();
  Client client;
  auto with_connection = Client::Get();
  with_connection.emplace_back("connection", "keep-alive");
  auto with_te = Client::Get();
  with_te.emplace_back("te", "gzip");
  auto with_upgrade = Client::Get();
  with_upgrade.emplace_back("upgrade", "websocket");
  auto with_trailers = Client::Get();
  with_trailers.emplace_back("te", "trailers");  // the one TE value HTTP/2 allows
  const auto a = client.Request(with_connection);
  const auto b = client.Request(with_te);
  const auto c = client.Request(with_upgrade);
  const auto ok = client.Request(with_trailers);
  ASSERT_TRUE(h.Pump(client, [&] {
    return client.streams[a].closed && client.streams[b].closed && client.streams[c].closed &&
           client.streams[ok].closed;
  }));
  EXPECT_EQ(client.streams[a].close_code, NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(client.streams[b].close_code, NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(client.streams[c].close_code, NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(client.streams[ok].status, 200);
  EXPECT_EQ(h.handler.started, 1);
  EXPECT_FALSE(client.goaway_code);  // stream errors: the connection lives on
}

TEST(Http2Connection, RejectsMalformedPseudoHeaders) {
  Harness h;
  h.handler.behaviour = Echo;
  h.Start();
  Client client;
  auto unknown = Client::Get();
  unknown.emplace_back(":foo", "bar");
  auto missing_path = Client::Get();
  missing_path.pop_back();
  auto after_regular = Client::Get();
  after_regular.insert(after_regular.begin(), {"accept", "*/*"});
  const auto a = client.Request(unknown);
  const auto b = client.Request(missing_path);
  const auto c = client.Request(after_regular);
  ASSERT_TRUE(h.Pump(client, [&] {
    return client.streams[a].closed && client.streams[b].closed && client.streams[c].closed;
  }));
  EXPECT_EQ(client.streams[a].close_code, NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(client.streams[b].close_code, NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(client.streams[c].close_code, NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(h.handler.started, 0);
}

TEST(Http2Connection, OversizedHeaderListIsMarkedFor431) {
  Harness h;
  h.options.max_header_list_bytes = 1024;
  h.Start();
  std::vector<std::shared_ptr<Stream>> seen;
  struct Capture final : ConnectionOwner {
    std::vector<std::shared_ptr<Stream>>& seen;
    explicit Capture(std::vector<std::shared_ptr<Stream>>& s) : seen(s) {}
    void OnRequest(std::shared_ptr<Stream> s) override { seen.push_back(std::move(s)); }
    void OnOutputReady() override {}
  } capture(seen);
  Connection conn(h.options, capture, h.clock, h.ioc.get_executor(), h.info, &h.metrics);
  Client client;
  auto big = Client::Get();
  big.emplace_back("x-big", std::string(2000, 'a'));
  client.Request(big);
  const auto bytes = client.Take();
  ASSERT_TRUE(conn.Receive(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()).ok);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0]->rejection(), http::Status::request_header_fields_too_large);
  EXPECT_EQ(h.metrics.abuse_count(AbuseKind::kHeaderListTooLarge), 1);
}

TEST(Http2Connection, GracefulShutdownLetsTheOpenStreamFinish) {
  Harness h;
  asio::steady_timer gate(h.ioc, asio::steady_timer::time_point::max());
  h.handler.behaviour = [&gate](http::ServerExchange& ex) -> asio::awaitable<void> {
    co_await gate.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await Echo(ex);
  };
  h.Start();
  Client client;
  const auto id = client.Request(Client::Get());
  h.Pump(client, [&] { return h.handler.started == 1; });
  h.conn->BeginShutdown();
  ASSERT_TRUE(h.Pump(client, [&] { return client.goaway_code.has_value(); }));
  EXPECT_EQ(client.shutdown_notices, 1) << "the final GOAWAY was announced first";
  EXPECT_EQ(*client.goaway_code, NGHTTP2_NO_ERROR);
  EXPECT_EQ(client.goaway_last_stream, id);
  EXPECT_TRUE(h.conn->WantsRead());  // the stream is still open
  gate.cancel();
  ASSERT_TRUE(h.Pump(client, [&] { return client.streams[id].closed; }));
  EXPECT_EQ(client.streams[id].status, 200);
  EXPECT_FALSE(h.conn->WantsRead());  // done: the owner may close
  EXPECT_EQ(h.metrics.goaway_count(GoawayReason::kShutdown), 1);
}

// A request already on its way when the shutdown began (sent before the client saw the notice)
// is served, not refused: the final GOAWAY waits for the PING ACK, which the client can only
// send after the request.
TEST(Http2Connection, GracefulShutdownServesARequestThatCrossedTheNotice) {
  Harness h;
  h.handler.behaviour = Echo;
  h.Start();
  Client client;
  const auto first = client.Request(Client::Get());
  ASSERT_TRUE(h.Pump(client, [&] { return client.streams[first].closed; }));
  h.conn->BeginShutdown();
  const auto notice = h.Drain();  // still on its way to the client
  EXPECT_EQ(GoawayCode(notice), NGHTTP2_NO_ERROR);
  const auto crossing = client.Request(Client::Get("/crossing"));
  ASSERT_TRUE(h.Send(client.Take()).ok);
  client.Feed(notice);
  ASSERT_TRUE(h.Pump(client, [&] { return client.streams[crossing].closed; }));
  EXPECT_EQ(client.streams[crossing].status, 200);
  ASSERT_TRUE(h.Pump(client, [&] { return client.goaway_code.has_value(); }));
  EXPECT_EQ(client.goaway_last_stream, crossing);
  EXPECT_FALSE(h.conn->WantsRead());
  EXPECT_EQ(h.metrics.goaway_count(GoawayReason::kShutdown), 1);
}

// A client that never answers the PING still gets the final GOAWAY from the owner's fallback.
TEST(Http2Connection, FinishShutdownSendsTheFinalGoawayWithoutThePingAck) {
  Harness h;
  h.handler.behaviour = Echo;
  h.Start();
  Client client;
  const auto id = client.Request(Client::Get());
  ASSERT_TRUE(h.Pump(client, [&] { return client.streams[id].closed; }));
  h.conn->BeginShutdown();
  EXPECT_TRUE(h.conn->awaiting_shutdown_ack());
  (void)h.Drain();  // the notice and PING are lost on the way: no ACK
  EXPECT_TRUE(h.conn->WantsRead());
  h.conn->FinishShutdown();
  EXPECT_FALSE(h.conn->awaiting_shutdown_ack());
  const auto frames = ParseFrames(h.Drain());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].type, NGHTTP2_GOAWAY);
  EXPECT_EQ(frames[0].payload.substr(0, 4), std::string("\0\0\0\1", 4)) << "last stream 1";
  EXPECT_FALSE(h.conn->WantsRead());
}

// Regression: the stream was reset with CANCEL as the body deadline passed, so the handler's
// 408 never reached the client (over HTTP/1.1 the same timeout is answered 408).
TEST(Http2Connection, BodyTimeoutIsAnsweredThenTheUploadStoppedWithNoError) {
  Harness h;
  h.options.body_timeout = std::chrono::milliseconds(1);
  http::BodyError seen = http::BodyError::kNone;
  h.handler.behaviour = [&seen](http::ServerExchange& ex) -> asio::awaitable<void> {
    std::array<char, 64> buf{};
    const auto read = co_await ex.ReadBody(asio::buffer(buf));
    seen = read.error;
    http::ResponseHeader head;
    head.result(http::Status::request_timeout);
    const std::string text = "too slow";
    if (co_await ex.WriteHead(std::move(head), http::BodyLength{text.size()})) co_return;
    (void)co_await ex.WriteBody(asio::buffer(text), true);
  };
  h.Start();
  Client client;
  // A request head that announces a body which never comes.
  auto fields = Client::Get();
  fields[0].second = "POST";
  fields.emplace_back("content-length", "100");
  std::vector<nghttp2_nv> nv;
  for (auto& [n, v] : fields) {
    nv.push_back({reinterpret_cast<uint8_t*>(n.data()), reinterpret_cast<uint8_t*>(v.data()),
                  n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
  }
  const int32_t id = nghttp2_submit_headers(client.session(), NGHTTP2_FLAG_NONE, -1, nullptr,
                                            nv.data(), nv.size(), nullptr);
  ASSERT_GT(id, 0);
  // The body deadline runs on the real steady clock: let its timer fire, with a deadline.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!client.streams[id].closed && std::chrono::steady_clock::now() < give_up) {
    h.Pump(client, [&] { return client.streams[id].closed; });
    h.ioc.restart();
    h.ioc.run_one_for(std::chrono::milliseconds(10));
  }
  h.Pump(client, [&] { return client.streams[id].closed; });
  const auto& s = client.streams[id];
  EXPECT_EQ(seen, http::BodyError::kTimeout);
  ASSERT_TRUE(s.closed);
  EXPECT_EQ(s.status, 408);
  EXPECT_EQ(s.body, "too slow");
  EXPECT_EQ(s.close_code, NGHTTP2_NO_ERROR) << "RFC 9113 §8.1: stop the upload, no error";
}

TEST(Http2Connection, ClientResetWakesTheWatcher) {
  Harness h;
  bool gone = false;
  asio::steady_timer gate(h.ioc, asio::steady_timer::time_point::max());
  h.handler.behaviour = [&](http::ServerExchange& ex) -> asio::awaitable<void> {
    ex.WatchForClientGone([&] { gone = true; });
    co_await gate.async_wait(asio::as_tuple(asio::use_awaitable));
  };
  h.Start();
  Client client;
  const auto id = client.Request(Client::Get());
  h.Pump(client, [&] { return h.handler.started == 1; });
  nghttp2_submit_rst_stream(client.session(), NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  ASSERT_TRUE(h.Pump(client, [&] { return gone; }));
  gate.cancel();
  h.RunHandlers();
  EXPECT_EQ(h.conn->open_streams(), 0u);
}

}  // namespace
}  // namespace sluice::http2
