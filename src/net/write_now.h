#pragma once
// Writing without a round trip through the event loop. An asynchronous write that the socket
// takes at once still posts its completion and resumes the coroutine on a later turn; for the
// small messages a proxy mostly writes (a request head, a response), the socket's send buffer
// nearly always has room. WriteNow tries once without blocking; the caller sends the rest, if
// any, asynchronously (Skip says what is left).
//
// Thread-safety: as the socket.
#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>

namespace sluice::net {

// Writes what `socket` takes now (one gather send): the bytes written, 0 when it would block.
// Other failures are left for the asynchronous write that follows to report.
template <class ConstBufferSequence>
std::size_t WriteNow(boost::asio::ip::tcp::socket& socket, const ConstBufferSequence& buffers) {
  boost::system::error_code ec;
  // Only this call's mode: asynchronous operations do not depend on it.
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  if (ec) return 0;
  const std::size_t written = socket.write_some(buffers, ec);
  return ec ? 0 : written;
}

// The same for a gather of parts; when only one part has bytes (a request head without a body,
// say), that part alone, as a plain send: the kernel then has no vector to copy in (sendmsg with
// one full and two empty parts cost more per call than send, perf, HTTP/2 at 10 streams).
template <std::size_t N>
std::size_t WriteNow(boost::asio::ip::tcp::socket& socket,
                     const std::array<boost::asio::const_buffer, N>& parts) {
  const auto full = [](const boost::asio::const_buffer& b) { return b.size() > 0; };
  if (std::count_if(parts.begin(), parts.end(), full) == 1) {
    return WriteNow(socket, *std::find_if(parts.begin(), parts.end(), full));
  }
  return WriteNow<std::array<boost::asio::const_buffer, N>>(socket, parts);
}

// `parts` without their first `n` bytes.
template <std::size_t N>
std::array<boost::asio::const_buffer, N> Skip(std::array<boost::asio::const_buffer, N> parts,
                                              std::size_t n) {
  for (auto& part : parts) {
    const std::size_t k = std::min(n, part.size());
    part += k;
    n -= k;
  }
  return parts;
}

}  // namespace sluice::net
