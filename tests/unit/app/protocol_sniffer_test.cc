#include "app/protocol_sniffer.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <optional>

namespace sluice::app {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST(ClassifyPrefaceTest, TheWholePrefaceIsHttp2) {
  EXPECT_EQ(ClassifyPreface(kHttp2Preface), SniffedProtocol::kHttp2);
  EXPECT_EQ(ClassifyPreface(std::string(kHttp2Preface) + "\x00\x00\x12\x04"),
            SniffedProtocol::kHttp2);
}

TEST(ClassifyPrefaceTest, APrefixOfThePrefaceNeedsMore) {
  EXPECT_EQ(ClassifyPreface(""), SniffedProtocol::kNeedMore);
  EXPECT_EQ(ClassifyPreface("PRI * HTTP/2.0\r\n"), SniffedProtocol::kNeedMore);
}

TEST(ClassifyPrefaceTest, AnythingElseIsHttp1AsSoonAsItDiffers) {
  EXPECT_EQ(ClassifyPreface("GET / HTTP/1.1\r\n"), SniffedProtocol::kHttp1);
  EXPECT_EQ(ClassifyPreface("P"), SniffedProtocol::kNeedMore);
  EXPECT_EQ(ClassifyPreface("POST"), SniffedProtocol::kHttp1);
  EXPECT_EQ(ClassifyPreface("PRI * HTTP/1.1\r\n"), SniffedProtocol::kHttp1);
}

// A connected pair over loopback: the sniffer reads `server`, the test writes `client`.
struct SocketPair {
  asio::io_context io;
  asio::ip::tcp::socket server{io};
  asio::ip::tcp::socket client{io};
  SocketPair() {
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }
  SniffResult Sniff(std::chrono::milliseconds timeout) {
    std::optional<SniffResult> out;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto r = co_await SniffProtocol(server, timeout);
          out = std::move(r);
        },
        asio::detached);
    io.run();
    return *out;
  }
};

TEST(SniffProtocolTest, KeepsEveryByteItReadForTheSession) {
  SocketPair p;
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(p.client, asio::buffer(request));
  const auto r = p.Sniff(5s);
  EXPECT_FALSE(r.failed);
  EXPECT_EQ(r.protocol, SniffedProtocol::kHttp1);
  EXPECT_EQ(r.received, request);
}

TEST(SniffProtocolTest, WaitsForThePrefaceSentInPieces) {
  SocketPair p;
  asio::write(p.client, asio::buffer(kHttp2Preface.substr(0, 5)));
  std::optional<SniffResult> out;
  asio::co_spawn(
      p.io,
      [&]() -> asio::awaitable<void> {
        auto r = co_await SniffProtocol(p.server, 5s);
        out = std::move(r);
      },
      asio::detached);
  p.io.run_one();  // the first piece is read; the sniffer needs more
  EXPECT_FALSE(out.has_value());
  asio::write(p.client, asio::buffer(kHttp2Preface.substr(5)));
  p.io.run();
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->protocol, SniffedProtocol::kHttp2);
  EXPECT_EQ(out->received, kHttp2Preface);
}

TEST(SniffProtocolTest, ASilentClientFailsAtTheDeadline) {
  SocketPair p;
  const auto r = p.Sniff(20ms);
  EXPECT_TRUE(r.failed);
}

TEST(SniffProtocolTest, AClosedConnectionFails) {
  SocketPair p;
  asio::write(p.client, asio::buffer(std::string_view("PRI")));
  p.client.close();
  const auto r = p.Sniff(5s);
  EXPECT_TRUE(r.failed);
  EXPECT_EQ(r.received, "PRI");
}

}  // namespace
}  // namespace sluice::app
