#include "capacity_stub/stub_server.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <optional>
#include <tuple>
#include <utility>

#include "common/cli_parse.h"

namespace sluice::loadtest {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t kMaxRequestBody = 1 << 20;

// The value of `key` in a query string such as "a=1&b=2", or nullopt.
std::optional<std::string_view> QueryValue(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.size() > key.size() && item.substr(0, key.size()) == key && item[key.size()] == '=') {
      return item.substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

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

void StubServer::ArmSchedule(std::vector<ServiceStep> steps) {
  asio::co_spawn(acceptor_.get_executor(), RunSchedule(std::move(steps), ++schedule_generation_),
                 asio::detached);
}

asio::awaitable<void> StubServer::RunSchedule(std::vector<ServiceStep> steps,
                                              std::uint64_t generation) {
  const auto armed = std::chrono::steady_clock::now();
  asio::steady_timer timer(acceptor_.get_executor());
  for (const auto& step : steps) {
    timer.expires_at(armed + step.at);
    co_await timer.async_wait(kUse);
    if (generation != schedule_generation_) co_return;  // replaced, or stopping
    SetFactor(step.factor, "schedule");
  }
}

void StubServer::SetFactor(double factor, std::string_view why) {
  service_time_.set_factor(factor);
  const double since_start =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  // A line per change, so a run's log says when the backend changed speed.
  std::printf("t=%.3fs service x%g (%.3f ms) by %.*s\n", since_start, factor,
              static_cast<double>(service_time_.mean().count()) * factor / 1e6,
              static_cast<int>(why.size()), why.data());
  std::fflush(stdout);
}

std::pair<unsigned, std::string> StubServer::Control(std::string_view method,
                                                     std::string_view query) {
  if (method != "GET" && method != "POST") return {405, "GET or POST\n"};
  if (method == "POST") {
    if (const auto text = QueryValue(query, "factor")) {
      const auto factor = ParseNumber(*text);
      if (!factor || *factor <= 0) return {400, "factor: expected a number > 0\n"};
      ++schedule_generation_;
      SetFactor(*factor, "control");
    } else if (const auto service = QueryValue(query, "service")) {
      const auto d = ParseDuration(*service);
      if (!d) return {400, "service: expected a duration such as 150ms\n"};
      ++schedule_generation_;
      SetFactor(static_cast<double>(d->count()) / static_cast<double>(service_time_.mean().count()),
                "control");
    } else if (const auto schedule = QueryValue(query, "schedule")) {
      auto steps = ParseServiceSchedule(*schedule);
      if (!steps) return {400, "schedule: expected e.g. 10s:x3,25s:x1\n"};
      ArmSchedule(std::move(*steps));
    } else {
      return {400, "expected factor=, service= or schedule=\n"};
    }
  }
  char body[64];
  std::snprintf(body, sizeof body, "factor %g\n", service_time_.factor());
  return {200, body};
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
    const std::string_view target = parser.get().target();
    const std::string_view path = target.substr(0, target.find('?'));

    unsigned status = 200;
    std::string body = "ok\n";
    if (path == "/control") {
      const std::string_view query =
          path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view{};
      std::tie(status, body) = Control(parser.get().method_string(), query);
    } else {
      co_await Serve();
    }

    http::response<http::string_body> res{static_cast<http::status>(status), version};
    res.set(http::field::server, "sluice-capacity-stub");
    res.set(http::field::content_type, "text/plain");
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    auto [write_ec, written] = co_await http::async_write(socket, res, kUse);
    if (write_ec || !keep_alive) break;
  }
  socket.shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace sluice::loadtest
