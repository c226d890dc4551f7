#include "net/listener.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/socket_base.hpp>
#include <system_error>

namespace sluice::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// How long to stop accepting after EMFILE: long enough for some connections to close, short
// enough that a transient spike costs little.
constexpr auto kDescriptorExhaustedPause = std::chrono::milliseconds(100);

bool IsResourceExhaustion(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec.value() == ENFILE ||
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

}  // namespace

struct Listener::Acceptor {
  Acceptor(asio::io_context& ctx, std::size_t w) : acceptor(ctx), timer(ctx), worker(w) {}
  tcp::acceptor acceptor;
  asio::steady_timer timer;
  std::size_t worker;
  bool paused = false;  // in an EMFILE episode (for logging once)
};

Listener::Listener(std::string name, WorkerPool& workers, std::shared_ptr<spdlog::logger> log,
                   OnConnection on_connection)
    : name_(std::move(name)),
      workers_(workers),
      log_(std::move(log)),
      on_connection_(std::move(on_connection)) {}

Listener::~Listener() = default;

void Listener::Open(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) throw std::system_error(ec, "listener " + name_ + ": bad address " + host);
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    auto a = std::make_shared<Acceptor>(workers_.context(i), i);
    tcp::endpoint ep(address, port);
    a->acceptor.open(ep.protocol());
    a->acceptor.set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    ::setsockopt(a->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    a->acceptor.bind(ep, ec);
    if (ec) {
      throw std::system_error(ec, "listener " + name_ + ": cannot bind " + host + ":" +
                                      std::to_string(port));
    }
    a->acceptor.listen(asio::socket_base::max_listen_connections);
    // All workers share the port the first one was given.
    port = a->acceptor.local_endpoint().port();
    acceptors_.push_back(std::move(a));
  }
  port_ = port;
}

void Listener::Start() {
  for (auto& a : acceptors_) {
    asio::co_spawn(
        a->acceptor.get_executor(),
        [a, this]() -> asio::awaitable<void> {
          for (;;) {
            auto [ec, socket] = co_await a->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec == asio::error::operation_aborted || !a->acceptor.is_open()) co_return;
            if (IsResourceExhaustion(ec)) {
              // Once per episode: a long shortage would otherwise log ten lines a second.
              if (!a->paused) {
                log_->warn("listener {}: {}: pausing accept ({} ms steps) until descriptors free up",
                           name_, ec.message(), kDescriptorExhaustedPause.count());
              }
              a->paused = true;
              a->timer.expires_after(kDescriptorExhaustedPause);
              co_await a->timer.async_wait(asio::as_tuple(asio::use_awaitable));
              continue;
            }
            if (ec) continue;  // e.g. connection reset before accept: nothing to serve
            if (a->paused) {
              a->paused = false;
              log_->info("listener {}: accepting again", name_);
            }
            on_connection_(std::move(socket), a->worker);
          }
        },
        asio::detached);
  }
}

void Listener::Close() {
  for (auto& a : acceptors_) {
    asio::post(a->acceptor.get_executor(), [a] {
      boost::system::error_code ignored;
      a->acceptor.close(ignored);
      a->timer.cancel();
    });
  }
}

}  // namespace sluice::net
