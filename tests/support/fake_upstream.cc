#include "support/fake_upstream.h"

// GCC 12 reports a false -Wmismatched-new-delete on Asio's awaitable frame allocator for some
// coroutine bodies (GCC bug 109224); the frame's operator new/delete do match.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <charconv>
#include <set>
#include <stdexcept>

namespace sluice::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

bool HasHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(n, name)) return true;
  }
  return false;
}

bool AsksToClose(const HeaderList& headers) {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(n, "connection") && v.find("close") != std::string::npos) return true;
  }
  return false;
}

void AppendHex(std::string& out, std::size_t n) {
  char hex[20];
  auto [end, ec] = std::to_chars(hex, hex + sizeof(hex), n, 16);
  out.append(hex, end);
}

std::string Serialize(const Reply& reply, bool head_request) {
  if (reply.raw) return *reply.raw;
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " ";
  out += reply.reason.empty() ? std::string(bhttp::obsolete_reason(
                                    bhttp::int_to_status(static_cast<unsigned>(reply.status))))
                              : reply.reason;
  out += "\r\n";
  for (const auto& [n, v] : reply.headers) out += n + ": " + v + "\r\n";
  const bool no_body_status = reply.status < 200 || reply.status == 204 || reply.status == 304;
  const bool framed =
      HasHeader(reply.headers, "content-length") || HasHeader(reply.headers, "transfer-encoding");
  if (!framed && !no_body_status) {
    out += reply.chunked ? "Transfer-Encoding: chunked\r\n"
                         : "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  }
  out += "\r\n";
  if (head_request || no_body_status) return out;
  if (!reply.chunked) return out + reply.body;
  const std::size_t step = reply.chunk_size == 0 ? reply.body.size() : reply.chunk_size;
  for (std::size_t pos = 0; pos < reply.body.size(); pos += step) {
    const auto piece = std::string_view(reply.body).substr(pos, step);
    AppendHex(out, piece.size());
    out += "\r\n";
    out += piece;
    out += "\r\n";
  }
  out += "0\r\n\r\n";
  return out;
}

RecordedRequest ToRecord(const bhttp::request<bhttp::string_body>& req, std::size_t connection,
                         std::size_t index) {
  RecordedRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  r.version = req.version();
  for (const auto& f : req) r.headers.emplace_back(f.name_string(), f.value());
  r.body = req.body();
  r.connection = connection;
  r.index_on_connection = index;
  return r;
}

}  // namespace

// --- RecordedRequest / Reply -------------------------------------------------------------------

std::optional<std::string> RecordedRequest::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (beast::iequals(n, name)) return v;
  }
  return std::nullopt;
}

std::size_t RecordedRequest::HeaderCount(std::string_view name) const {
  std::size_t count = 0;
  for (const auto& [n, v] : headers) count += beast::iequals(n, name) ? 1 : 0;
  return count;
}

Reply Reply::Ok(std::string body) {
  Reply r;
  r.headers.emplace_back("Content-Type", "text/plain");
  r.body = std::move(body);
  return r;
}

Reply Reply::Status(int status, std::string body) {
  Reply r = Ok(std::move(body));
  r.status = status;
  return r;
}

Reply Reply::Raw(std::string bytes, bool close_after) {
  Reply r;
  r.raw = std::move(bytes);
  r.close_after = close_after;
  return r;
}

Reply Reply::Close() {
  Reply r;
  r.action = Action::kClose;
  return r;
}

Reply Reply::Never() {
  Reply r;
  r.action = Action::kNeverRespond;
  return r;
}

Reply Reply::Held(std::string body) {
  Reply r = Ok(std::move(body));
  r.hold = true;
  return r;
}

// --- the server --------------------------------------------------------------------------------

// Lives on the io thread: everything below is touched only there (posted to from outside).
struct FakeUpstream::Impl {
  explicit Impl(FakeUpstream& o) : owner(o), acceptor(io) {}

  FakeUpstream& owner;
  asio::io_context io{1};
  tcp::acceptor acceptor;
  std::set<std::shared_ptr<tcp::socket>> sockets;
  std::set<asio::steady_timer*> timers;  // delays and holds, so Stop can cancel them
  std::set<asio::steady_timer*> holds;
  std::size_t next_connection = 0;
  bool stopping = false;

  asio::awaitable<void> Accept();
  asio::awaitable<void> Serve(std::shared_ptr<tcp::socket> socket, std::size_t id);
  asio::awaitable<bool> Wait(asio::steady_timer& timer, bool hold);
  asio::awaitable<void> DrainSilently(tcp::socket& socket);
  void StopAll();
};

asio::awaitable<void> FakeUpstream::Impl::Accept() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
    if (ec || stopping) co_return;
    owner.accepted_.fetch_add(1);
    auto shared = std::make_shared<tcp::socket>(std::move(socket));
    sockets.insert(shared);
    asio::co_spawn(io, Serve(shared, ++next_connection), asio::detached);
  }
}

asio::awaitable<bool> FakeUpstream::Impl::Wait(asio::steady_timer& timer, bool hold) {
  timers.insert(&timer);
  if (hold) {
    holds.insert(&timer);
    owner.held_.fetch_add(1);
  }
  co_await timer.async_wait(kUseTuple);
  timers.erase(&timer);
  if (hold) {
    holds.erase(&timer);
    owner.held_.fetch_sub(1);
  }
  co_return !stopping;
}

asio::awaitable<void> FakeUpstream::Impl::DrainSilently(tcp::socket& socket) {
  std::array<char, 4096> sink;
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(sink), kUseTuple);
    owner.bytes_received_.fetch_add(n);
    if (ec) co_return;
  }
}

asio::awaitable<void> FakeUpstream::Impl::Serve(std::shared_ptr<tcp::socket> socket,
                                                std::size_t id) {
  beast::flat_buffer buffer;
  std::size_t index = 0;
  bool open = true;
  while (open && !stopping) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.eager(true);
    parser.header_limit(1 << 20);
    parser.body_limit(boost::none);
    bool failed = false;
    // Parse what is buffered; read more while the parser needs it. Bytes are counted here,
    // which is why this does not use beast::http::async_read.
    while (!parser.is_done()) {
      if (buffer.size() > 0) {
        beast::error_code ec;
        const auto used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec && ec != bhttp::error::need_more) {
          owner.parse_errors_.fetch_add(1);
          failed = true;
          break;
        }
        if (parser.is_done()) break;
        if (used > 0 && !ec) continue;
      }
      auto [ec, n] = co_await socket->async_read_some(buffer.prepare(64 * 1024), kUseTuple);
      buffer.commit(n);
      owner.bytes_received_.fetch_add(n);
      if (ec) {
        if (buffer.size() > 0 || parser.got_some()) owner.parse_errors_.fetch_add(1);
        failed = true;
        break;
      }
    }
    if (failed) break;

    const auto& req = parser.get();
    RecordedRequest record = ToRecord(req, id, index++);
    const bool head_request = req.method() == bhttp::verb::head;
    const bool client_keep_alive = req.keep_alive();
    Reply reply;
    try {
      reply = owner.NextReply(record);
    } catch (const std::exception& e) {
      reply = Reply::Status(500, std::string("fake upstream handler threw: ") + e.what());
    }
    owner.Record(std::move(record));

    if (reply.action == Reply::Action::kClose) break;
    if (reply.action == Reply::Action::kNeverRespond) {
      co_await DrainSilently(*socket);
      break;
    }
    if (reply.delay.count() > 0) {
      asio::steady_timer timer(io, reply.delay);
      if (!co_await Wait(timer, false)) break;
    }
    if (reply.hold) {
      asio::steady_timer timer(io, asio::steady_timer::time_point::max());
      if (!co_await Wait(timer, true)) break;
    }
    const std::string out = Serialize(reply, head_request);
    auto [ec, n] = co_await asio::async_write(*socket, asio::buffer(out), kUseTuple);
    if (ec) break;
    if (reply.close_after || !client_keep_alive || AsksToClose(reply.headers)) open = false;
  }
  boost::system::error_code ignored;
  socket->shutdown(tcp::socket::shutdown_send, ignored);
  socket->close(ignored);
  sockets.erase(socket);
  owner.closed_.fetch_add(1);
}

void FakeUpstream::Impl::StopAll() {
  stopping = true;
  boost::system::error_code ignored;
  acceptor.close(ignored);
  for (auto* t : timers) t->cancel();
  for (const auto& s : sockets) s->close(ignored);
}

FakeUpstream::FakeUpstream(std::string name) : name_(std::move(name)) {
  handler_ = [body = name_](const RecordedRequest&) { return Reply::Ok(body); };
  impl_ = std::make_unique<Impl>(*this);
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->Accept(), asio::detached);
  thread_ = std::thread([this] { impl_->io.run(); });
}

FakeUpstream::~FakeUpstream() {
  // Graceful: closing everything ends every coroutine, and run() returns once none is left,
  // so no frame is destroyed while it still points into this object.
  asio::post(impl_->io, [impl = impl_.get()] { impl->StopAll(); });
  thread_.join();
}

void FakeUpstream::SetHandler(Handler handler) {
  std::lock_guard lock(mu_);
  handler_ = std::move(handler);
}

void FakeUpstream::Enqueue(Reply reply) {
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(reply));
}

void FakeUpstream::ReleaseHeld() {
  asio::post(impl_->io, [impl = impl_.get()] {
    for (auto* t : impl->holds) t->cancel();
  });
}

Reply FakeUpstream::NextReply(const RecordedRequest& request) {
  Handler handler;
  {
    std::lock_guard lock(mu_);
    if (!queue_.empty()) {
      Reply r = std::move(queue_.front());
      queue_.pop_front();
      return r;
    }
    handler = handler_;
  }
  return handler(request);  // outside the lock: a handler may inspect the upstream
}

void FakeUpstream::Record(RecordedRequest request) {
  std::lock_guard lock(mu_);
  requests_.push_back(std::move(request));
}

std::vector<RecordedRequest> FakeUpstream::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::size_t FakeUpstream::request_count() const {
  std::lock_guard lock(mu_);
  return requests_.size();
}

uint16_t UnusedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find an unused port");
  }
  ::close(fd);  // never listened: connecting to it is refused
  return ntohs(addr.sin_port);
}

}  // namespace sluice::testing
