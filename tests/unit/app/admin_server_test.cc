#include "app/admin_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <future>
#include <optional>
#include <system_error>
#include <thread>

#include "core/version.h"
#include "observability/gateway_metrics.h"
#include "observability/metrics_text.h"

namespace sluice::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::string www_authenticate;
  std::string content_length;
  bool keep_alive = false;
};

// A blocking HTTP/1.1 client with its own io_context; one connection, reused across requests.
// Reads time out after a few seconds so a broken server fails the test instead of hanging it.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    timeval timeout{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }

  Reply Request(http::verb method, std::string_view target, std::string_view token = "",
                std::string_view body = "") {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + std::string(token));
    if (!body.empty()) {
      req.body() = std::string(body);
      req.prepare_payload();
    }
    http::write(socket_, req);
    return ReadReply(method == http::verb::head);
  }

  Reply ReadReply(bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.skip(head);
    http::read(socket_, buffer_, parser);
    const auto& res = parser.get();
    Reply reply;
    reply.status = res.result_int();
    reply.body = res.body();
    reply.content_type = std::string(res[http::field::content_type]);
    reply.www_authenticate = std::string(res[http::field::www_authenticate]);
    reply.content_length = std::string(res[http::field::content_length]);
    reply.keep_alive = res.keep_alive();
    return reply;
  }

  // Sends raw bytes (for requests a well-behaved client would not produce).
  void SendRaw(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes)); }

  // Half-closes: tells the server this client will send nothing more.
  void ShutdownSend() { socket_.shutdown(tcp::socket::shutdown_send); }

  // True when the server closed the connection (EOF or reset) before sending anything more.
  bool ClosedByPeer() {
    char byte;
    beast::error_code ec;
    socket_.read_some(asio::buffer(&byte, 1), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

class AdminServerTest : public ::testing::Test {
 protected:
  void StartServer(std::string token = "") {
    server_ = std::make_unique<AdminServer>(
        io_, AdminOptions{"127.0.0.1", 0, std::move(token)},
        [this] {
          metrics_.Flush();
          return observability::RenderMetrics(*registry_);
        },
        nullptr, [this] { return ready_.load(); },
        [] { return std::string(R"({"admin":"redacted"})"); }, nullptr, reload_);
    server_->Start();
    ASSERT_NE(server_->port(), 0);
    thread_ = std::thread([this] { io_.run(); });
  }

  // Stops the server on its own thread (the documented contract), then waits for run() to
  // return on its own: that only happens once every socket and coroutine is gone.
  void StopServer() {
    if (!thread_.joinable()) return;
    std::promise<void> stopped;
    asio::post(io_, [&] {
      server_->Stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
    thread_.join();
  }

  void TearDown() override { StopServer(); }

  uint16_t port() const { return server_->port(); }

  std::atomic<bool> ready_{true};
  std::function<ReloadOutcome()> reload_;  // set before StartServer; runs on the server thread
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  observability::GatewayMetrics metrics_{registry_};
  asio::io_context io_;  // outlives server_: the acceptor and sockets belong to it
  std::unique_ptr<AdminServer> server_;
  std::thread thread_;
};

TEST_F(AdminServerTest, MetricsServesTextExpositionWithBuildInfo) {
  StartServer();
  metrics_.Route("public", "api").Record(0, 200, 0.01);
  const Reply reply = Client(port()).Request(http::verb::get, "/metrics");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(reply.body.find(std::string("sluice_build_info{version=\"") + core::kVersion + "\"} 1"),
            std::string::npos)
      << reply.body;
  EXPECT_NE(reply.body.find(R"(sluice_requests_total{code="200",listener="public",route="api"} 1)"),
            std::string::npos);
}

TEST_F(AdminServerTest, HealthzConfigAndNotFound) {
  StartServer();
  Client client(port());
  const Reply health = client.Request(http::verb::get, "/healthz");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.body, "ok");
  const Reply config = client.Request(http::verb::get, "/config");
  EXPECT_EQ(config.status, 200u);
  EXPECT_EQ(config.content_type, "application/json");
  EXPECT_EQ(config.body, R"({"admin":"redacted"})");
  EXPECT_EQ(client.Request(http::verb::get, "/nope").status, 404u);
  EXPECT_EQ(client.Request(http::verb::delete_, "/healthz").status, 405u);
}

TEST_F(AdminServerTest, ReadyzFlipsTo503WhenNotReady) {
  StartServer();
  Client client(port());
  const Reply ready = client.Request(http::verb::get, "/readyz");
  EXPECT_EQ(ready.status, 200u);
  EXPECT_EQ(ready.body, "ready");
  ready_ = false;
  const Reply draining = client.Request(http::verb::get, "/readyz");
  EXPECT_EQ(draining.status, 503u);
  EXPECT_EQ(draining.body, "draining");
  ready_ = true;
  EXPECT_EQ(client.Request(http::verb::get, "/readyz").status, 200u);
}

TEST_F(AdminServerTest, TokenIsEnforced) {
  StartServer("s3cret");
  Client client(port());
  const Reply missing = client.Request(http::verb::get, "/metrics");
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(missing.www_authenticate, "Bearer");
  EXPECT_EQ(client.Request(http::verb::get, "/metrics", "wrong").status, 401u);
  EXPECT_EQ(client.Request(http::verb::get, "/nope").status, 401u);
  EXPECT_EQ(client.Request(http::verb::get, "/metrics", "s3cret").status, 200u);
  EXPECT_EQ(client.Request(http::verb::get, "/healthz", "s3cret").body, "ok");
}

TEST_F(AdminServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  Client client(port());
  for (int i = 0; i < 5; ++i) {
    const Reply reply = client.Request(http::verb::get, "/healthz");
    EXPECT_EQ(reply.status, 200u);
    EXPECT_TRUE(reply.keep_alive);
  }
}

TEST_F(AdminServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  Client client(port());
  client.SendRaw(
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.ReadReply().body, "ok");
  EXPECT_EQ(client.ReadReply().body, "ready");
}

TEST_F(AdminServerTest, HeadSendsLengthWithoutBody) {
  StartServer();
  Client client(port());
  const Reply head = client.Request(http::verb::head, "/config");
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.content_length, std::to_string(std::string(R"({"admin":"redacted"})").size()));
  // The connection is still in sync: the next response parses.
  EXPECT_EQ(client.Request(http::verb::get, "/healthz").body, "ok");
}

TEST_F(AdminServerTest, RequestBodyIsRefusedWith413AndConnectionClosed) {
  StartServer();
  Client client(port());
  const Reply reply = client.Request(http::verb::get, "/healthz", "", "some body");
  EXPECT_EQ(reply.status, 413u);
  EXPECT_FALSE(reply.keep_alive);
  client.ShutdownSend();  // ends the server's lingering close at once
  EXPECT_TRUE(client.ClosedByPeer());
}

TEST_F(AdminServerTest, OversizedHeadIsRefusedWith431) {
  StartServer();
  Client client(port());
  client.SendRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
                 std::string(AdminServer::kMaxHeaderBytes, 'a') + "\r\n\r\n");
  EXPECT_EQ(client.ReadReply().status, 431u);
}

TEST_F(AdminServerTest, MalformedRequestIsRefusedWith400) {
  StartServer();
  Client client(port());
  client.SendRaw("GET /healthz HTTP/9.9\r\n\r\n");
  EXPECT_EQ(client.ReadReply().status, 400u);
}

TEST_F(AdminServerTest, StopClosesAcceptorAndOpenConnections) {
  StartServer();
  Client client(port());
  EXPECT_EQ(client.Request(http::verb::get, "/healthz").status, 200u);
  const uint16_t bound = port();
  StopServer();  // returns only after io_context::run() ran out of work
  EXPECT_TRUE(client.ClosedByPeer());
  asio::io_context io;
  tcp::socket late(io);
  beast::error_code ec;
  late.connect({asio::ip::make_address("127.0.0.1"), bound}, ec);
  EXPECT_EQ(ec, asio::error::connection_refused);
}

class AdminServerReloadTest : public AdminServerTest {
 protected:
  void SetUp() override {
    reload_ = [this] {
      ReloadOutcome outcome;
      outcome.ok = reload_ok_.load();
      outcome.generation = ++reloads_;
      if (!outcome.ok) outcome.errors = {"s.yaml:1:1: workers: bad"};
      return outcome;
    };
  }

  std::atomic<bool> reload_ok_{true};
  std::atomic<uint64_t> reloads_{0};
};

TEST_F(AdminServerReloadTest, PostWithContentLengthZeroReloadsAndKeepsTheConnection) {
  StartServer();
  Client client(port());
  client.SendRaw("POST /reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  const Reply first = client.ReadReply();
  EXPECT_EQ(first.status, 200u) << first.body;
  EXPECT_EQ(first.content_type, "application/json");
  EXPECT_EQ(first.body, R"({"result":"success","generation":1,"config_hash":"","errors":[]})");
  EXPECT_TRUE(first.keep_alive);
  // Without Content-Length (no body either), on the same connection.
  EXPECT_EQ(client.Request(http::verb::post, "/reload").status, 200u);
  EXPECT_EQ(reloads_.load(), 2u);
}

TEST_F(AdminServerReloadTest, RejectedFileIs422WithTheErrors) {
  reload_ok_ = false;
  StartServer();
  const Reply reply = Client(port()).Request(http::verb::post, "/reload");
  EXPECT_EQ(reply.status, 422u);
  EXPECT_EQ(reply.body, R"({"result":"failure","generation":1,"config_hash":"",)"
                        R"("errors":["s.yaml:1:1: workers: bad"]})");
}

TEST_F(AdminServerReloadTest, PostWithABodyIsRefusedWith413AndDoesNotReload) {
  StartServer();
  Client client(port());
  EXPECT_EQ(client.Request(http::verb::post, "/reload", "", "now please").status, 413u);
  EXPECT_EQ(reloads_.load(), 0u);
}

TEST_F(AdminServerReloadTest, TokenIsEnforcedOnReload) {
  StartServer("s3cret");
  Client client(port());
  EXPECT_EQ(client.Request(http::verb::post, "/reload").status, 401u);
  EXPECT_EQ(client.Request(http::verb::post, "/reload", "wrong").status, 401u);
  EXPECT_EQ(reloads_.load(), 0u);
  EXPECT_EQ(client.Request(http::verb::post, "/reload", "s3cret").status, 200u);
  EXPECT_EQ(reloads_.load(), 1u);
}

TEST_F(AdminServerTest, ReloadIs404WhenTheServerHasNoReloadHandler) {
  StartServer();
  EXPECT_EQ(Client(port()).Request(http::verb::post, "/reload").status, 404u);
}

TEST_F(AdminServerTest, StartThrowsSystemErrorNamingTheAddressWhenPortIsTaken) {
  asio::io_context io;
  tcp::acceptor taken(io, {asio::ip::make_address("127.0.0.1"), 0});
  const uint16_t busy = taken.local_endpoint().port();
  AdminServer server(
      io_, AdminOptions{"127.0.0.1", busy, ""}, [] { return std::string(); }, nullptr,
      [] { return true; }, [] { return std::string("{}"); });
  try {
    server.Start();
    FAIL() << "expected std::system_error";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::address_in_use);
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(busy)), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sluice::app
