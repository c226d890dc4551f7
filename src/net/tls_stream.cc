#include "net/tls_stream.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/socket_deadline.h"

namespace sluice::net {

namespace asio = boost::asio;
using asio::as_tuple;
using asio::use_awaitable;

asio::awaitable<boost::system::error_code> TlsHandshake(
    TlsStream& stream, std::chrono::steady_clock::time_point deadline) {
  const auto timer = SocketDeadline::Create(stream.next_layer());
  timer->ArmAt(deadline);
  auto [ec] =
      co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
  const bool expired = timer->expired();
  timer->Detach();
  if (ec && expired) ec = asio::error::timed_out;
  co_return ec;
}

asio::awaitable<void> TlsShutdown(TlsStream& stream,
                                  std::chrono::steady_clock::time_point deadline) {
  const auto timer = SocketDeadline::Create(stream.next_layer());
  timer->ArmAt(deadline);
  // Our close_notify is written first; the wait that follows is for the peer's, which a client
  // that simply closes (or never answers) does not send: the deadline or its FIN ends it.
  auto [ec] = co_await stream.async_shutdown(as_tuple(use_awaitable));
  (void)ec;
  timer->Detach();
}

std::string_view NegotiatedAlpn(TlsStream& stream) {
  const unsigned char* data = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &data, &len);
  if (data == nullptr) return {};
  return {reinterpret_cast<const char*>(data), len};
}

}  // namespace sluice::net
