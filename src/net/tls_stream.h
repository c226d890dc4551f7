#pragma once
// The TLS byte stream of a downstream connection and the steps around it that every protocol
// session shares: the server handshake and the close_notify on a graceful close, each bounded
// by a deadline, and the ALPN result. Deadlines and the client-gone watch act on the TCP
// socket underneath (TcpSocket), since cancelling it ends any TLS operation pending on it.
//
// Thread-safety: free functions; call them on the stream's executor, one operation at a time.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <string_view>

namespace sluice::net {

using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

// The TCP socket under a session's stream (so templates on the stream type can reach it).
inline boost::asio::ip::tcp::socket& TcpSocket(boost::asio::ip::tcp::socket& s) { return s; }
inline boost::asio::ip::tcp::socket& TcpSocket(TlsStream& s) { return s.next_layer(); }

// Server handshake; at `deadline` it is cancelled and returns asio::error::timed_out. On any
// error the stream is unusable: close its socket.
[[nodiscard]] boost::asio::awaitable<boost::system::error_code> TlsHandshake(
    TlsStream& stream, std::chrono::steady_clock::time_point deadline);

// Sends close_notify and waits for the peer's until `deadline` (many clients never answer, so
// keep it short); then the caller closes the TCP socket. Errors only mean the peer left first.
boost::asio::awaitable<void> TlsShutdown(TlsStream& stream,
                                         std::chrono::steady_clock::time_point deadline);

// The protocol ALPN selected in the handshake ("h2", "http/1.1"); empty when none was.
[[nodiscard]] std::string_view NegotiatedAlpn(TlsStream& stream);

}  // namespace sluice::net
