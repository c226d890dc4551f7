#include "app/reload_client.h"

#include <yaml-cpp/yaml.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <utility>
#include <vector>

#include "core/version.h"

namespace sluice::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

std::string Describe(const beast::error_code& ec) {
  return ec == beast::error::timeout ? "no answer in time" : ec.message();
}

asio::awaitable<void> Exchange(AdminEndpoint endpoint, std::chrono::milliseconds timeout,
                               AdminReply& reply) {
  const auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  const std::string service = std::to_string(endpoint.address.port);
  auto [resolve_ec, addresses] =
      co_await resolver.async_resolve(endpoint.address.host, service, kUseTuple);
  if (resolve_ec) {
    reply.error = resolve_ec.message();
    co_return;
  }
  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);  // one deadline for connect, write and read together
  auto [connect_ec, connected] = co_await stream.async_connect(addresses, kUseTuple);
  if (connect_ec) {
    reply.error = Describe(connect_ec);
    co_return;
  }
  http::request<http::empty_body> request{http::verb::post, "/reload", 11};
  request.set(http::field::host, endpoint.address.ToString());
  request.set(http::field::user_agent, std::string("sluice/") + core::kVersion);
  if (!endpoint.token.empty()) request.set(http::field::authorization, "Bearer " + endpoint.token);
  request.content_length(0);
  request.keep_alive(false);
  auto [write_ec, written] = co_await http::async_write(stream, request, kUseTuple);
  if (write_ec) {
    reply.error = Describe(write_ec);
    co_return;
  }
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  auto [read_ec, read] = co_await http::async_read(stream, buffer, response, kUseTuple);
  if (read_ec) {
    reply.error = Describe(read_ec);
    co_return;
  }
  reply.status = response.result_int();
  reply.body = std::move(response.body());
}

struct ParsedOutcome {
  bool ok = false;
  std::string generation;
  std::string config_hash;
  std::vector<std::string> errors;
};

// The outcome JSON (reload_outcome.h). JSON is YAML 1.2 flow style, so the YAML parser the config
// already depends on reads it; anything that does not have the expected shape is refused.
bool ParseOutcome(const std::string& body, ParsedOutcome& out) {
  try {
    const YAML::Node root = YAML::Load(body);
    const std::string result = root["result"].as<std::string>();
    if (result != "success" && result != "failure") return false;
    out.ok = result == "success";
    out.generation = root["generation"].as<std::string>();
    out.config_hash = root["config_hash"].as<std::string>();
    for (const auto& error : root["errors"]) out.errors.push_back(error.as<std::string>());
    return true;
  } catch (const YAML::Exception&) {
    return false;
  }
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

AdminReply PostReload(const AdminEndpoint& endpoint, std::chrono::milliseconds timeout) {
  AdminReply reply;
  asio::io_context io;
  asio::co_spawn(io, Exchange(endpoint, timeout, reply), [&reply](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      reply.error = e.what();
    }
  });
  io.run();
  return reply;
}

int ReportReload(const AdminReply& reply, const std::string& where, std::ostream& out,
                 std::ostream& err) {
  if (reply.status == 0) {
    err << "sluice reload: cannot reach the admin listener at " << where << ": " << reply.error
        << "\n";
    return kReloadUnreachable;
  }
  ParsedOutcome outcome;
  if ((reply.status != 200 && reply.status != 422) || !ParseOutcome(reply.body, outcome) ||
      outcome.ok != (reply.status == 200)) {
    err << "sluice reload: the admin listener at " << where << " answered " << reply.status << ": "
        << FirstLine(reply.body) << "\n";
    return kReloadUnreachable;
  }
  if (outcome.ok) {
    out << "reloaded: generation " << outcome.generation << ", config " << outcome.config_hash
        << "\n";
    return kReloadApplied;
  }
  for (const auto& error : outcome.errors) err << error << "\n";
  err << "reload rejected: " << outcome.errors.size() << " error(s); generation "
      << outcome.generation << " keeps serving\n";
  return kReloadRejected;
}

int RunReloadCommand(const CommandLine& command_line, std::ostream& out, std::ostream& err) {
  const auto found = FindAdminEndpoint(command_line.config_path, command_line.admin_address,
                                       command_line.admin_token);
  if (!found.endpoint) {
    err << found.errors.ToString();
    return kReloadUnreachable;
  }
  const AdminReply reply = PostReload(*found.endpoint, kReloadTimeout);
  return ReportReload(reply, found.endpoint->address.ToString(), out, err);
}

}  // namespace sluice::app
