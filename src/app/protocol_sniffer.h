#pragma once
// Tells an HTTP/2 connection (prior knowledge, RFC 9113 §3.3) from an HTTP/1.1 one on a cleartext
// listener that accepts both: every HTTP/2 client opens with the same 24-byte preface, and no
// HTTP/1.1 request line can start with "PRI * HTTP/2.0". The bytes read to decide are handed to
// the session that takes over, so nothing is lost.
//
// Thread-safety: stateless functions; SniffProtocol runs on the socket's executor.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>
#include <string_view>

namespace sluice::app {

enum class SniffedProtocol {
  kHttp1,     // the first bytes differ from the preface
  kHttp2,     // the whole preface arrived
  kNeedMore,  // a prefix of the preface so far
};

inline constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Classifies the bytes a connection sent so far.
[[nodiscard]] SniffedProtocol ClassifyPreface(std::string_view received);

struct SniffResult {
  SniffedProtocol protocol = SniffedProtocol::kHttp1;
  std::string received;  // every byte read, for the session to consume first
  bool failed = false;   // the peer closed, reset or stayed silent past the deadline
};

// Reads until ClassifyPreface can decide (at most the preface's 24 bytes are needed, though one
// read may return more), or until `timeout` passes.
[[nodiscard]] boost::asio::awaitable<SniffResult> SniffProtocol(
    boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout);

}  // namespace sluice::app
