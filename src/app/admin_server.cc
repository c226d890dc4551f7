#include "app/admin_server.h"

#include <fmt/format.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <exception>
#include <set>
#include <system_error>
#include <utility>

#include "app/admin_router.h"
#include "core/version.h"

namespace sluice::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Touched only from the io_context's single thread (see the header), hence no locks.
struct AdminServerState {
  AdminServerState(asio::io_context& io, AdminOptions opts, std::shared_ptr<spdlog::logger> log,
                   AdminHandlers hs)
      : options(std::move(opts)), logger(std::move(log)), handlers(std::move(hs)), acceptor(io) {}

  const AdminOptions options;
  const std::shared_ptr<spdlog::logger> logger;
  const AdminHandlers handlers;
  tcp::acceptor acceptor;
  uint16_t port = 0;
  bool stopped = false;
  std::set<beast::tcp_stream*> connections;  // open ones, so Stop can close them
};

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

std::string FormatHostPort(const std::string& host, uint16_t port) {
  return host.find(':') == std::string::npos ? fmt::format("{}:{}", host, port)
                                             : fmt::format("[{}]:{}", host, port);
}

// One accepted connection; registered in the state for its whole life so Stop can reach it,
// including before its coroutine first runs.
class AdminConnection {
 public:
  AdminConnection(std::shared_ptr<AdminServerState> state, tcp::socket socket)
      : state_(std::move(state)), stream_(std::make_unique<beast::tcp_stream>(std::move(socket))) {
    state_->connections.insert(stream_.get());
  }
  AdminConnection(AdminConnection&&) = default;
  ~AdminConnection() {
    if (state_) state_->connections.erase(stream_.get());
  }

  AdminServerState& state() { return *state_; }
  beast::tcp_stream& stream() { return *stream_; }

 private:
  std::shared_ptr<AdminServerState> state_;
  std::unique_ptr<beast::tcp_stream> stream_;
};

// Logs what escapes a coroutine instead of losing it silently (asio::detached would).
auto LogFailure(std::shared_ptr<spdlog::logger> logger) {
  return [logger = std::move(logger)](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      logger->error("admin listener: {}", e.what());
    } catch (...) {
      logger->error("admin listener: unknown exception");
    }
  };
}

// Status to answer a failed read with, or 0 to just close (the peer left or timed out).
unsigned StatusForReadError(const beast::error_code& ec) {
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) return 431;
  if (ec == http::error::body_limit || ec == http::error::unexpected_body) return 413;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return 0;
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) return 400;
  return 0;
}

http::response<http::string_body> BuildResponse(AdminResponse reply, unsigned version,
                                                bool head_only, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(reply.status), version};
  res.set(http::field::server, core::kServerName);
  res.set(http::field::content_type, reply.content_type);
  // Probes and scrapes must see live state, never a cached copy.
  res.set(http::field::cache_control, "no-store");
  for (auto& [name, value] : reply.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  if (head_only) {
    res.content_length(reply.body.size());
  } else {
    res.body() = std::move(reply.body);
    res.prepare_payload();
  }
  return res;
}

// After an error reply the client may still be sending the rest of its request. Closing with
// unread bytes makes the kernel send a reset, which can destroy the reply before the client reads
// it, so half-close and discard input for a short, bounded while first (nginx: lingering_close).
asio::awaitable<void> LingeringClose(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  std::array<char, 4096> discard;
  size_t total = 0;
  stream.expires_after(std::chrono::seconds(1));
  while (total < 64 * 1024) {
    auto [read_ec, n] = co_await stream.async_read_some(asio::buffer(discard), kUseTuple);
    if (read_ec) break;
    total += n;
  }
}

asio::awaitable<void> Serve(AdminConnection connection) {
  AdminServerState& state = connection.state();
  beast::tcp_stream& stream = connection.stream();
  // Twice the head limit: room for one full head plus the start of a pipelined next request.
  beast::flat_buffer buffer(2 * AdminServer::kMaxHeaderBytes);
  const auto timeout = std::chrono::seconds(AdminServer::kRequestTimeoutSeconds);
  while (!state.stopped) {
    http::request_parser<http::empty_body> parser;
    parser.header_limit(AdminServer::kMaxHeaderBytes);
    parser.body_limit(0);  // admin endpoints take no body ("Content-Length: 0" is no body)
    stream.expires_after(timeout);
    auto [read_ec, read_bytes] = co_await http::async_read(stream, buffer, parser, kUseTuple);
    if (read_ec) {
      if (const unsigned status = StatusForReadError(read_ec); status != 0 && !state.stopped) {
        AdminResponse reply;
        reply.status = status;
        reply.body = read_ec.message();
        auto res = BuildResponse(std::move(reply), 11, false, false);
        stream.expires_after(timeout);
        auto [write_ec, write_bytes] = co_await http::async_write(stream, res, kUseTuple);
        if (!write_ec) co_await LingeringClose(stream);
      }
      break;
    }
    const auto& req = parser.get();
    AdminResponse reply =
        HandleAdminRequest({req.method_string(), req.target(), req[http::field::authorization]},
                           state.options.token, state.handlers);
    auto res = BuildResponse(std::move(reply), req.version(), req.method() == http::verb::head,
                             req.keep_alive() && !state.stopped);
    stream.expires_after(timeout);
    auto [write_ec, write_bytes] = co_await http::async_write(stream, res, kUseTuple);
    if (write_ec || !res.keep_alive()) break;
  }
  if (!state.stopped) {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
}

asio::awaitable<void> AcceptLoop(std::shared_ptr<AdminServerState> state) {
  for (;;) {
    auto [ec, socket] = co_await state->acceptor.async_accept(kUseTuple);
    if (state->stopped) co_return;
    if (ec) {
      state->logger->warn("admin listener: accept failed: {}", ec.message());
      // Out of descriptors and similar errors persist; back off so the control thread does not
      // spin on them.
      asio::steady_timer backoff(state->acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await backoff.async_wait(kUseTuple);
      if (state->stopped) co_return;
      continue;
    }
    if (state->connections.size() >= AdminServer::kMaxConnections) {
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(state->acceptor.get_executor(), Serve(AdminConnection(state, std::move(socket))),
                   LogFailure(state->logger));
  }
}

tcp::endpoint ResolveEndpoint(const tcp::acceptor::executor_type& executor,
                              const AdminOptions& options) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.host, ec);
  if (!ec) return {address, options.port};
  tcp::resolver resolver(executor);
  const auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
  if (ec || results.empty()) {
    if (!ec) ec = asio::error::host_not_found;
    throw std::system_error(
        ec, "admin listener: cannot resolve " + FormatHostPort(options.host, options.port));
  }
  return results.begin()->endpoint();
}

}  // namespace

AdminServer::AdminServer(asio::io_context& io, AdminOptions options,
                         std::function<std::string()> metrics_text,
                         std::shared_ptr<spdlog::logger> logger, std::function<bool()> is_ready,
                         std::function<std::string()> config_json,
                         std::function<std::string()> controller_json,
                         std::function<ReloadOutcome()> reload) {
  // A logger with no sinks discards everything, which keeps every log call unconditional.
  if (!logger) logger = std::make_shared<spdlog::logger>("sluice.admin");
  AdminHandlers handlers{std::move(metrics_text), std::move(is_ready), std::move(config_json),
                         std::move(controller_json), std::move(reload)};
  state_ = std::make_shared<AdminServerState>(io, std::move(options), std::move(logger),
                                              std::move(handlers));
}

AdminServer::~AdminServer() { Stop(); }

void AdminServer::Start() {
  AdminServerState& state = *state_;
  if (state.acceptor.is_open() || state.stopped) return;
  const tcp::endpoint endpoint = ResolveEndpoint(state.acceptor.get_executor(), state.options);
  const std::string where = FormatHostPort(state.options.host, state.options.port);

  beast::error_code ec;
  state.acceptor.open(endpoint.protocol(), ec);
  // Lets a restarted process rebind while old connections sit in TIME_WAIT.
  if (!ec) state.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) state.acceptor.bind(endpoint, ec);
  if (!ec) state.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) state.port = state.acceptor.local_endpoint(ec).port();
  if (ec) {
    beast::error_code ignored;
    state.acceptor.close(ignored);
    throw std::system_error(ec, "admin listener: cannot listen on " + where);
  }

  if (!endpoint.address().is_loopback() && state.options.token.empty()) {
    state.logger->warn("admin listener on non-loopback {} has no bearer token", where);
  }
  state.logger->info("admin listener on {}", FormatHostPort(state.options.host, state.port));
  asio::co_spawn(state.acceptor.get_executor(), AcceptLoop(state_), LogFailure(state.logger));
}

uint16_t AdminServer::port() const { return state_->port; }

void AdminServer::Stop() {
  AdminServerState& state = *state_;
  if (state.stopped) return;
  state.stopped = true;
  beast::error_code ignored;
  state.acceptor.close(ignored);
  // Closing only cancels: the sessions wake with operation_aborted and unregister themselves,
  // so the set is not modified while we walk it.
  for (beast::tcp_stream* stream : state.connections) stream->close();
}

}  // namespace sluice::app
