#include "capacity_stub/stub_server.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <utility>

namespace sluice::loadtest {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t kMaxRequestBody = 1 << 20;

}  // namespace

StubServer::StubServer(asio::io_context& ioc, const tcp::endpoint& listen, SlotPool& slots,
                       ServiceTime service_time)
    : acceptor_(ioc), slots_(slots), service_time_(service_time) {
  acceptor_.open(listen.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(listen);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void StubServer::Start() { asio::co_spawn(acceptor_.get_executor(), AcceptLoop(), asio::detached); }

asio::awaitable<void> StubServer::AcceptLoop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(kUse);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      // E.g. EMFILE: back off instead of spinning.
      asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(10));
      co_await pause.async_wait(kUse);
      continue;
    }
    asio::co_spawn(acceptor_.get_executor(), Session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> StubServer::Serve() {
  const auto arrived = std::chrono::steady_clock::now();
  SlotPool::Permit permit = co_await slots_.Acquire();
  const auto waited = std::chrono::steady_clock::now() - arrived;
  stats_.total_wait += waited;
  stats_.max_wait = std::max<std::chrono::nanoseconds>(stats_.max_wait, waited);
  // The slot is held for the service time only; writing the reply is not part of the work.
  asio::steady_timer work(acceptor_.get_executor(), service_time_.Next());
  co_await work.async_wait(kUse);
  ++stats_.served;
}

asio::awaitable<void> StubServer::Session(tcp::socket socket) {
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBody);
    auto [read_ec, n] = co_await http::async_read(socket, buffer, parser, kUse);
    if (read_ec) break;
    const bool keep_alive = parser.get().keep_alive();
    const unsigned version = parser.get().version();

    co_await Serve();

    http::response<http::string_body> res{http::status::ok, version};
    res.set(http::field::server, "sluice-capacity-stub");
    res.set(http::field::content_type, "text/plain");
    res.keep_alive(keep_alive);
    res.body() = "ok\n";
    res.prepare_payload();
    auto [write_ec, written] = co_await http::async_write(socket, res, kUse);
    if (write_ec || !keep_alive) break;
  }
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace sluice::loadtest
