#include "app/protocol_sniffer.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

namespace sluice::app {

namespace asio = boost::asio;

SniffedProtocol ClassifyPreface(std::string_view received) {
  const std::size_t n = std::min(received.size(), kHttp2Preface.size());
  if (received.substr(0, n) != kHttp2Preface.substr(0, n)) return SniffedProtocol::kHttp1;
  return n == kHttp2Preface.size() ? SniffedProtocol::kHttp2 : SniffedProtocol::kNeedMore;
}

asio::awaitable<SniffResult> SniffProtocol(asio::ip::tcp::socket& socket,
                                           std::chrono::milliseconds timeout) {
  using namespace asio::experimental::awaitable_operators;
  SniffResult result;
  asio::steady_timer deadline(co_await asio::this_coro::executor);
  deadline.expires_after(timeout);
  // On the heap, not in the coroutine frame: a frame this large trips GCC 12's
  // -Wmismatched-new-delete on asio's frame allocator under the sanitizer build.
  std::vector<char> chunk(4096);
  while (true) {
    auto read = socket.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    auto expire = deadline.async_wait(asio::as_tuple(asio::use_awaitable));
    auto outcome = co_await (std::move(read) || std::move(expire));
    if (outcome.index() == 1) {  // the deadline passed first: the read was cancelled
      result.failed = true;
      co_return result;
    }
    const auto [ec, n] = std::get<0>(outcome);
    if (ec) {
      result.failed = true;
      co_return result;
    }
    result.received.append(chunk.data(), n);
    result.protocol = ClassifyPreface(result.received);
    if (result.protocol != SniffedProtocol::kNeedMore) co_return result;
  }
}

}  // namespace sluice::app
