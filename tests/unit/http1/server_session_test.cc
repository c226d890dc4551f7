#include "http1/server_session.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <functional>
#include <optional>
#include <string>

#include "net/tls_context.h"
#include "unit/net/self_signed_cert.h"

// The session end to end in one io_context: a client coroutine against a session on a loopback
// socket, over TLS (handshake by net::TlsHandshake, protocol by ALPN) and over TCP with bytes a
// sniffer read first. The io_context runs until every coroutine is done, so no sleeps.

namespace sluice::http1 {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using asio::as_tuple;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Answers "hello <target>".
class HelloHandler final : public http::RequestHandler {
 public:
  asio::awaitable<void> Handle(http::ServerExchange& exchange) override {
    const std::string body = "hello " + std::string(exchange.request().target());
    http::ResponseHeader head;
    head.result(http::Status::ok);
    const http::BodyLength length{body.size()};
    [[maybe_unused]] const auto head_ec = co_await exchange.WriteHead(std::move(head), length);
    [[maybe_unused]] const auto body_ec = co_await exchange.WriteBody(asio::buffer(body), true);
  }
};

// Waits (like a queued request) until the client-gone watch fires or 5 s pass; tells the test
// once it waits.
class WaitForGoneHandler final : public http::RequestHandler {
 public:
  asio::awaitable<void> Handle(http::ServerExchange& exchange) override {
    asio::steady_timer wait(co_await asio::this_coro::executor, 5s);
    exchange.WatchForClientGone([&] {
      gone = true;
      wait.cancel();
    });
    on_waiting();
    [[maybe_unused]] auto [ec] = co_await wait.async_wait(as_tuple(use_awaitable));
    exchange.StopWatchingForClientGone();
  }
  std::function<void()> on_waiting;
  bool gone = false;
};

struct ClientResult {
  std::string alpn;
  std::vector<std::string> bodies;
  boost::system::error_code end;  // how reading past the last response ended
  bool done = false;
};

std::string Alpn(ssl::stream<tcp::socket>& s) { return std::string(net::NegotiatedAlpn(s)); }

class ServerSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = pki_.Make("server");
    ASSERT_FALSE(files_.cert.empty());
    net::TlsOptions o;
    o.cert_file = files_.cert;
    o.key_file = files_.key;
    tls_ = net::TlsContext::Load(o).context;
    ASSERT_NE(tls_, nullptr);
    context_.handler = &hello_;
    context_.log = std::make_shared<spdlog::logger>("test");  // no sinks: silent
  }

  // Accepts one connection, handshakes, and hands it to a TLS session (if ALPN says HTTP/1).
  asio::awaitable<void> ServeTls() {
    auto [ec, socket] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
    if (ec) co_return;
    auto stream = tls_->Wrap(std::move(socket));
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    const auto handshake = co_await net::TlsHandshake(stream, deadline);
    if (handshake) co_return;
    protocol_ = tls_->Protocol(stream);
    if (protocol_ != net::AppProtocol::kHttp1) co_return;
    http::ConnectionInfo info;
    info.tls = true;
    std::make_shared<TlsServerSession>(std::move(stream), std::move(info), context_, tracker_)
        ->Start();
  }

  // Two requests on one connection, the second asking to close; then reads to the end.
  asio::awaitable<void> TlsClient(ClientResult& out, std::string alpn_wire) {
    ssl::context client_ctx(ssl::context::tls_client);
    ssl::stream<tcp::socket> stream(co_await asio::this_coro::executor, client_ctx);
    SSL_set_alpn_protos(stream.native_handle(),
                        reinterpret_cast<const unsigned char*>(alpn_wire.data()),
                        static_cast<unsigned int>(alpn_wire.size()));
    const auto endpoint = acceptor_.local_endpoint();
    auto [connect_ec] =
        co_await stream.next_layer().async_connect(endpoint, as_tuple(use_awaitable));
    auto [handshake_ec] =
        co_await stream.async_handshake(ssl::stream_base::client, as_tuple(use_awaitable));
    if (connect_ec || handshake_ec) co_return;
    out.alpn = Alpn(stream);
    beast::flat_buffer buffer;
    for (const char* target : {"/one", "/two"}) {
      beast::http::request<beast::http::string_body> req{beast::http::verb::get, target, 11};
      req.set(beast::http::field::host, "localhost");
      if (std::string_view(target) == "/two") req.set(beast::http::field::connection, "close");
      auto [write_ec, w] = co_await beast::http::async_write(stream, req, as_tuple(use_awaitable));
      beast::http::response<beast::http::string_body> res;
      auto [read_ec, r] =
          co_await beast::http::async_read(stream, buffer, res, as_tuple(use_awaitable));
      if (write_ec || read_ec) co_return;
      out.bodies.push_back(res.body());
    }
    char byte = 0;
    auto [end_ec, n] =
        co_await stream.async_read_some(asio::buffer(&byte, 1), as_tuple(use_awaitable));
    out.end = end_ec;
    // Answer the server's close_notify so its shutdown ends now rather than at its deadline.
    [[maybe_unused]] auto [shutdown_ec] = co_await stream.async_shutdown(as_tuple(use_awaitable));
    out.done = true;
  }

  void Run() {
    io_.run_for(10s);
    EXPECT_TRUE(io_.stopped()) << "coroutines still running after 10 s";
  }

  asio::io_context io_;
  tcp::acceptor acceptor_{io_, {asio::ip::address_v4::loopback(), 0}};
  testing::TempPki pki_;
  testing::TempPki::Files files_;
  std::shared_ptr<net::TlsContext> tls_;
  HelloHandler hello_;
  SessionContext context_;
  std::atomic<std::size_t> open_total_{0};
  net::ConnectionTracker tracker_{open_total_};
  std::optional<net::AppProtocol> protocol_;
};

TEST_F(ServerSessionTest, AlpnH2IsReportedSoTheAppStartsNoHttp1Session) {
  ClientResult client;
  asio::co_spawn(io_, ServeTls(), asio::detached);
  asio::co_spawn(io_, TlsClient(client, "\x02h2\x08http/1.1"), asio::detached);
  Run();
  EXPECT_EQ(protocol_, net::AppProtocol::kH2);
  EXPECT_EQ(client.alpn, "h2");
}

TEST_F(ServerSessionTest, ServesHttp11OverTlsAndEndsWithCloseNotify) {
  ClientResult client;
  asio::co_spawn(io_, ServeTls(), asio::detached);
  asio::co_spawn(io_, TlsClient(client, "\x08http/1.1"), asio::detached);
  Run();
  EXPECT_EQ(protocol_, net::AppProtocol::kHttp1);
  EXPECT_EQ(client.alpn, "http/1.1");
  ASSERT_EQ(client.bodies.size(), 2u);
  EXPECT_EQ(client.bodies[0], "hello /one");
  EXPECT_EQ(client.bodies[1], "hello /two");
  // eof (not stream_truncated): the server sent close_notify before closing TCP.
  EXPECT_EQ(client.end, asio::error::eof) << client.end.message();
  EXPECT_TRUE(client.done);
  EXPECT_EQ(tracker_.size(), 0u);
}

TEST_F(ServerSessionTest, ClientWithoutAlpnIsServedHttp1) {
  ClientResult client;
  asio::co_spawn(io_, ServeTls(), asio::detached);
  asio::co_spawn(io_, TlsClient(client, ""), asio::detached);
  Run();
  EXPECT_EQ(protocol_, net::AppProtocol::kHttp1);
  EXPECT_EQ(client.alpn, "");
  EXPECT_EQ(client.bodies.size(), 2u);
}

TEST_F(ServerSessionTest, H2OnlyListenerHasNoProtocolForAClientWithoutAlpn) {
  net::TlsOptions o = tls_->options();
  o.offer_http1 = false;
  tls_ = net::TlsContext::Load(o).context;
  ASSERT_NE(tls_, nullptr);
  ClientResult client;
  asio::co_spawn(io_, ServeTls(), asio::detached);
  asio::co_spawn(io_, TlsClient(client, ""), asio::detached);
  Run();
  EXPECT_EQ(protocol_, std::nullopt);
}

TEST_F(ServerSessionTest, ClientGoneWatchSeesATlsClientDisconnect) {
  ssl::context client_ctx(ssl::context::tls_client);
  ssl::stream<tcp::socket> client(io_, client_ctx);
  WaitForGoneHandler waiting;
  // The client vanishes (no close_notify) once its request waits in the handler.
  waiting.on_waiting = [&] { client.next_layer().close(); };
  context_.handler = &waiting;
  const auto started = std::chrono::steady_clock::now();
  asio::co_spawn(io_, ServeTls(), asio::detached);
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        const auto endpoint = acceptor_.local_endpoint();
        auto [c_ec] = co_await client.next_layer().async_connect(endpoint, as_tuple(use_awaitable));
        auto [h_ec] =
            co_await client.async_handshake(ssl::stream_base::client, as_tuple(use_awaitable));
        if (c_ec || h_ec) co_return;
        const std::string req = "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n";
        [[maybe_unused]] auto [w_ec, n] =
            co_await asio::async_write(client, asio::buffer(req), as_tuple(use_awaitable));
      },
      asio::detached);
  Run();
  EXPECT_TRUE(waiting.gone);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s);
  EXPECT_EQ(tracker_.size(), 0u);
}

TEST_F(ServerSessionTest, ParsesBytesASnifferReadBeforeTheSessionStarted) {
  std::string response;
  boost::system::error_code end;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        auto [ec, socket] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
        if (ec) co_return;
        std::make_shared<ServerSession>(std::move(socket), http::ConnectionInfo{}, context_,
                                        tracker_, "GET /sniffed HT")
            ->Start();
      },
      asio::detached);
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        tcp::socket socket(co_await asio::this_coro::executor);
        const auto endpoint = acceptor_.local_endpoint();
        auto [c_ec] = co_await socket.async_connect(endpoint, as_tuple(use_awaitable));
        if (c_ec) co_return;
        const std::string rest = "TP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        auto [w_ec, w] =
            co_await asio::async_write(socket, asio::buffer(rest), as_tuple(use_awaitable));
        if (w_ec) co_return;
        auto [r_ec, r] = co_await asio::async_read(socket, asio::dynamic_buffer(response),
                                                   as_tuple(use_awaitable));
        end = r_ec;  // the session closes after "Connection: close"
      },
      asio::detached);
  Run();
  EXPECT_NE(response.find("200 OK"), std::string::npos) << response;
  EXPECT_NE(response.find("hello /sniffed"), std::string::npos) << response;
  EXPECT_EQ(end, asio::error::eof);
}

}  // namespace
}  // namespace sluice::http1
