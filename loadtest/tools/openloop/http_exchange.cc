#include "openloop/http_exchange.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <utility>

namespace sluice::loadtest {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t kMaxResponseBody = 1 << 20;

// One try on the connection as it is; `got_some` says whether any response byte arrived.
asio::awaitable<ExchangeResult> Attempt(Connection& connection,
                                        const asio::ip::tcp::endpoint& target,
                                        std::string_view request, bool& got_some) {
  got_some = false;
  if (!connection.connected) {
    auto [connect_ec] = co_await connection.stream.async_connect(target, kUse);
    if (connect_ec) co_return ExchangeResult{.error = connect_ec};
    beast::error_code ignored;
    connection.stream.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
    connection.connected = true;
  }
  const asio::const_buffer out = asio::buffer(request);
  auto [write_ec, written] = co_await asio::async_write(connection.stream, out, kUse);
  if (write_ec) co_return ExchangeResult{.error = write_ec};

  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  auto [read_ec, read] =
      co_await http::async_read(connection.stream, connection.buffer, parser, kUse);
  got_some = parser.got_some();
  if (read_ec) co_return ExchangeResult{.error = read_ec};
  co_return ExchangeResult{.status = parser.get().result_int(),
                           .keep_alive = parser.get().keep_alive(),
                           .body = std::move(parser.get().body())};
}

}  // namespace

asio::awaitable<ExchangeResult> Exchange(Connection& connection,
                                         const asio::ip::tcp::endpoint& target,
                                         std::string_view request,
                                         std::chrono::nanoseconds timeout) {
  // One deadline for the whole exchange, retry included: the caller's latency budget.
  connection.stream.expires_after(timeout);
  const bool reused = connection.connected;
  bool got_some = false;
  ExchangeResult result = co_await Attempt(connection, target, request, got_some);
  if (result.status == 0 && reused && !got_some && result.error != beast::error::timeout) {
    beast::error_code ignored;
    connection.stream.socket().close(ignored);
    connection.buffer.clear();
    connection.connected = false;
    result = co_await Attempt(connection, target, request, got_some);
  }
  connection.stream.expires_never();
  co_return result;
}

}  // namespace sluice::loadtest
