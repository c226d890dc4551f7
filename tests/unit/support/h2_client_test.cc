// H2Client against an in-process nghttp2 server (H2EchoServer), h2c and TLS; no sluice involved.
#include "support/h2_client.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/fake_upstream.h"
#include "support/frame_reader.h"
#include "support/frame_writer.h"
#include "support/h2_echo_server.h"
#include "support/raw_client.h"
#include "support/test_certs.h"
#include "support/wait_until.h"

namespace sluice::testing {
namespace {

// Pumps a PING round trip: everything the server did before answering it has arrived.
void RoundTrip(H2Client& client) {
  const auto acked = client.pings_acked();
  client.Ping();
  ASSERT_TRUE(client.RunUntil([&] { return client.pings_acked() > acked; }));
}

TEST(H2ClientTest, GetReturnsStatusHeadersAndBody) {
  H2EchoServer server;
  H2Client client;
  ASSERT_TRUE(client.Connect(server.port())) << client.error();
  const auto response = client.Get("/echo");
  EXPECT_TRUE(response.complete());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("X-Method"), "GET");
  EXPECT_EQ(response.Header("x-path"), "/echo");
  EXPECT_EQ(response.body, "hello");
  EXPECT_TRUE(client.connection_open());
  EXPECT_TRUE(client.remote_settings_received());
  EXPECT_EQ(client.remote_setting(h2setting::kMaxConcurrentStreams), 100u);
}

TEST(H2ClientTest, ConvertsToHttpResponseForSharedAssertions) {
  H2EchoServer server;
  H2Client client;
  ASSERT_TRUE(client.Connect(server.port()));
  const auto response = client.Request("POST", "/echo", {{"x-a", "1"}}, "payload").ToHttpResponse();
  EXPECT_EQ(response.version, "HTTP/2");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("x-method"), "POST");
  EXPECT_FALSE(response.HasHeader(":status"));
  EXPECT_EQ(response.body, "payload");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].headers, (HeaderList{{"x-a", "1"}}));
}

TEST(H2ClientTest, RunsManyStreamsConcurrentlyOnOneConnection) {
  H2EchoServer server;
  H2Client client;
  ASSERT_TRUE(client.Connect(server.port()));
  std::vector<int32_t> ids;
  for (int i = 0; i < 50; ++i)
    ids.push_back(client.Submit("GET", "/bytes/" + std::to_string(i * 100)));
  for (int i = 0; i < 50; ++i) {
    const auto response = client.Await(ids[static_cast<std::size_t>(i)]);
    ASSERT_TRUE(response.complete()) << i;
    EXPECT_EQ(response.body.size(), static_cast<std::size_t>(i * 100));
  }
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST(H2ClientTest, ReportsTheServersResetCode) {
  H2EchoServer server;
  H2Client client;
  ASSERT_TRUE(client.Connect(server.port()));
  const auto response = client.Get("/reset/11");
  EXPECT_TRUE(response.closed);
  EXPECT_EQ(response.reset_code, h2error::kEnhanceYourCalm);
  EXPECT_FALSE(response.complete());
  EXPECT_EQ(client.frames_received(H2FrameType::kRstStream), 1u);
}

TEST(H2ClientTest, ReadsGoawayRefusesLaterStreamsAndSeesTheClose) {
  H2EchoServer server;
  H2Client client;
  ASSERT_TRUE(client.Connect(server.port()));
  const auto first = client.Submit("GET", "/goaway/11");
  const auto later = client.Submit("GET", "/hold");
  ASSERT_TRUE(client.WaitForGoaway());
  EXPECT_EQ(client.goaway()->error_code, h2error::kEnhanceYourCalm);
  EXPECT_EQ(client.goaway()->last_stream_id, static_cast<uint32_t>(first));
  // RFC 9113 §6.8: streams above the last stream id were not processed.
  EXPECT_EQ(client.Await(later).reset_code, h2error::kRefusedStream);
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_FALSE(client.connection_open());
  EXPECT_FALSE(client.Await(first, std::chrono::milliseconds(0)).closed);
}

TEST(H2ClientTest, SeparatesTrailersAndSkipsInterimResponses) {
  H2EchoServer server;
  H2Client client;
  ASSERT_TRUE(client.Connect(server.port()));
  const auto trailers = client.Get("/trailers");
  EXPECT_TRUE(trailers.complete());
  EXPECT_EQ(trailers.body, "body");
  EXPECT_EQ(trailers.trailers, (HeaderList{{"x-trailer", "done"}}));
  EXPECT_FALSE(trailers.Header("x-trailer").has_value());
  const auto interim = client.Get("/interim");
  EXPECT_EQ(interim.status, 200);
  EXPECT_EQ(interim.body, "final");
  EXPECT_FALSE(interim.Header("link").has_value());
}

TEST(H2ClientTest, ZeroWindowStallsTheBodyUntilTheWindowOpens) {
  H2EchoServer server;
  H2ClientOptions options;
  options.initial_window_size = 0;
  H2Client client(options);
  ASSERT_TRUE(client.Connect(server.port()));
  const auto id = client.Submit("GET", "/bytes/100000");
  ASSERT_TRUE(client.RunUntil([&] { return client.Snapshot(id).status == 200; }));
  RoundTrip(client);
  EXPECT_TRUE(client.Snapshot(id).body.empty());
  EXPECT_EQ(server.body_bytes_sent(), 0u);
  client.SetLocalWindow(65535);
  const auto response = client.Await(id);
  EXPECT_TRUE(response.complete());
  EXPECT_EQ(response.body.size(), 100000u);
}

TEST(H2ClientTest, WithoutWindowUpdatesTheServerStopsAtTheWindow) {
  H2EchoServer server;
  H2Client client;
  ASSERT_TRUE(client.Connect(server.port()));
  client.SetAutoWindowUpdate(false);
  const auto id = client.Submit("GET", "/bytes/200000");
  ASSERT_TRUE(client.RunUntil([&] { return client.Snapshot(id).body.size() == 65535; }));
  RoundTrip(client);
  EXPECT_EQ(client.Snapshot(id).body.size(), 65535u);
  EXPECT_EQ(client.unconsumed_bytes(id), 65535u);
  EXPECT_EQ(client.stream_local_window(id), 0);
  EXPECT_EQ(server.body_bytes_sent(), 65535u);
  client.SetAutoWindowUpdate(true);
  EXPECT_EQ(client.Await(id).body.size(), 200000u);
}

TEST(H2ClientTest, PausedReadingDeliversNothingUntilResumed) {
  H2EchoServer server;
  H2Client client;
  ASSERT_TRUE(client.Connect(server.port()));
  client.PauseReading(true);
  const auto id = client.Submit("GET", "/bytes/50000");
  ASSERT_TRUE(client.RunUntil([&] { return server.body_bytes_sent() > 0; }));
  EXPECT_EQ(client.Snapshot(id).status, 0);
  client.PauseReading(false);
  EXPECT_EQ(client.Await(id).body.size(), 50000u);
}

TEST(H2ClientTest, StreamsARequestBodyInPieces) {
  H2EchoServer server;
  H2Client client;
  ASSERT_TRUE(client.Connect(server.port()));
  const auto id = client.Submit("PUT", "/echo", {}, std::nullopt, /*end_stream=*/false);
  ASSERT_TRUE(client.SendData(id, "abc"));
  ASSERT_TRUE(client.RunUntil([&] { return server.body_bytes_received() == 3; }));
  ASSERT_TRUE(client.SendData(id, "def", /*end_stream=*/true));
  EXPECT_EQ(client.Await(id).body, "abcdef");
}

TEST(H2ClientTest, RequestBodyWaitsForTheServersWindow) {
  H2EchoServerOptions server_options;
  server_options.initial_window_size = 1000;
  server_options.consume_request_body = false;
  H2EchoServer server(server_options);
  H2Client client;
  ASSERT_TRUE(client.Connect(server.port()));
  ASSERT_TRUE(client.RunUntil([&] { return client.remote_settings_received(); }));
  const auto id = client.Submit("POST", "/echo", {}, std::string(5000, 'b'));
  ASSERT_TRUE(client.RunUntil([&] { return server.body_bytes_received() == 1000; }));
  RoundTrip(client);
  EXPECT_EQ(server.body_bytes_received(), 1000u);
  EXPECT_EQ(client.stream_remote_window(id), 0);
  EXPECT_FALSE(client.Snapshot(id).closed);
}

TEST(H2ClientTest, SubmitRawSendsFieldsTheServerMustReject) {
  H2EchoServer server;
  H2Client client;
  ASSERT_TRUE(client.Connect(server.port()));
  // RFC 9113 §8.2.2: connection-specific fields make a request malformed.
  const auto id = client.SubmitRaw(H2RequestHeaders("GET", "/echo", {{"connection", "close"}}));
  EXPECT_EQ(client.Await(id).reset_code, h2error::kProtocolError);
}

TEST(H2ClientTest, ClientResetReachesTheServer) {
  H2EchoServer server;
  H2Client client;
  ASSERT_TRUE(client.Connect(server.port()));
  const auto id = client.Submit("GET", "/hold");
  RoundTrip(client);
  client.ResetStream(id);
  RoundTrip(client);
  EXPECT_EQ(server.resets_received(), 1u);
  EXPECT_TRUE(client.Get("/echo").complete());  // the connection is still usable
}

TEST(H2ClientTest, ConnectFailsWhenNothingListens) {
  H2Client client;
  EXPECT_FALSE(client.Connect(UnusedPort()));
  EXPECT_FALSE(client.error().empty());
  EXPECT_FALSE(client.connection_open());
  EXPECT_EQ(client.Get("/").status, 0);
}

TEST(H2ClientTest, RawClientReadsServerFramesThroughTheFrameReader) {
  H2EchoServer server;
  RawClient raw(server.port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send(FrameWriter()
                           .ClientStart()
                           .Request(1, "GET", "/echo")
                           .Request(3, "GET", "/reset/7")
                           .bytes()));
  const auto rst = ReadUntilFrame(
      raw, [](const H2Frame& f) { return f.Is(H2FrameType::kRstStream) && f.stream_id == 3; });
  ASSERT_TRUE(rst.has_value());
  EXPECT_EQ(DecodeRstStream(*rst), 7u);
  ASSERT_TRUE(raw.Send(FrameWriter().Request(5, "GET", "/goaway/11").bytes()));
  const auto frames = ParseFrames(raw.ReadUntilClosed());
  EXPECT_TRUE(raw.server_closed());
  const auto goaway = FindGoaway(frames);
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->error_code, h2error::kEnhanceYourCalm);
  EXPECT_EQ(goaway->last_stream_id, 5u);
  int echo_status = 0;
  for (const auto& f : frames) {
    if (f.stream_id == 1 && f.headers) echo_status = f.status();
  }
  EXPECT_EQ(echo_status, 200);
  EXPECT_EQ(FindRstStream(frames, 3), 7u);
}

TEST(H2ClientTlsTest, NegotiatesH2AndVerifiesAgainstTheCa) {
  TestCerts certs;
  ASSERT_TRUE(certs.ok()) << certs.error();
  H2EchoServerOptions server_options;
  server_options.tls = TlsServerConfig{certs.server_cert(), certs.server_key()};
  H2EchoServer server(server_options);
  H2ClientOptions options;
  options.tls = true;
  options.tls_config.ca_file = certs.ca_cert();
  H2Client client(options);
  ASSERT_TRUE(client.Connect(server.port())) << client.error();
  EXPECT_EQ(client.alpn(), "h2");
  const auto response = client.Get("/bytes/100000");
  EXPECT_TRUE(response.complete());
  EXPECT_EQ(response.body.size(), 100000u);
}

TEST(H2ClientTlsTest, RejectsAServerCertificateFromAnotherCa) {
  TestCerts certs;
  TestCerts other;
  ASSERT_TRUE(certs.ok() && other.ok());
  H2EchoServerOptions server_options;
  server_options.tls = TlsServerConfig{certs.server_cert(), certs.server_key()};
  H2EchoServer server(server_options);
  H2ClientOptions options;
  options.tls = true;
  options.tls_config.ca_file = other.ca_cert();
  H2Client client(options);
  EXPECT_FALSE(client.Connect(server.port()));
  EXPECT_NE(client.error().find("TLS handshake failed"), std::string::npos) << client.error();
  H2ClientOptions unverified;
  unverified.tls = true;
  H2Client lenient(unverified);
  ASSERT_TRUE(lenient.Connect(server.port())) << lenient.error();
  EXPECT_EQ(lenient.Get("/echo").status, 200);
}

}  // namespace
}  // namespace sluice::testing
