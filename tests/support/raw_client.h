#pragma once
// A blocking TCP client for integration tests: sends arbitrary bytes (including ones no HTTP
// library would produce) and reads responses with a deadline, telling "the server closed the
// connection" apart from "nothing arrived in time". Responses are parsed leniently from raw
// text (status line, headers, body framed by Content-Length / chunked / close), so a test can
// assert on exactly what went over the wire.
//
// Thread-safety: one RawClient per thread; the free functions are thread-safe.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::testing {

using std::chrono_literals::operator""ms;
using std::chrono_literals::operator""s;

struct HttpResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // wire order
  std::string body;                                          // decoded (chunked framing removed)
  bool chunked = false;
  std::string raw;  // the exact bytes of this response

  [[nodiscard]] std::optional<std::string> Header(std::string_view name) const;
  [[nodiscard]] std::size_t HeaderCount(std::string_view name) const;
  [[nodiscard]] bool HasHeader(std::string_view name) const { return HeaderCount(name) > 0; }
};

enum class ParseStatus { kComplete, kNeedMore, kError };

struct ParsedResponse {
  ParseStatus status = ParseStatus::kNeedMore;
  HttpResponse response;
  std::size_t consumed = 0;  // bytes of input the response used
};

// Parses one response from the start of `data`. `head_request`: the response has no body.
// `at_eof`: no more bytes will come (a response delimited by close is then complete).
[[nodiscard]] ParsedResponse ParseResponse(std::string_view data, bool head_request = false,
                                           bool at_eof = false);

// Parses every complete response in `data` (as read until the server closed), in order.
// 1xx interim responses are returned as responses of their own.
[[nodiscard]] std::vector<HttpResponse> ParseResponses(std::string_view data);

class RawClient {
 public:
  // Connects to 127.0.0.1:port (blocking). connected() tells whether it worked.
  explicit RawClient(uint16_t port);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  [[nodiscard]] bool connected() const { return fd_ >= 0; }
  // errno of the failed connect (ECONNREFUSED, ...), 0 when connected.
  [[nodiscard]] int connect_error() const { return connect_errno_; }

  // Writes all of `bytes`; false when the peer is gone.
  bool Send(std::string_view bytes);

  // Reads one response within `timeout`; nullopt when the connection closed (or the time ran
  // out) before a complete one arrived — check server_closed() to tell which.
  std::optional<HttpResponse> ReadResponse(std::chrono::milliseconds timeout = 5s,
                                           bool head_request = false);
  // Reads until the server closes or `timeout` passes; returns every byte not yet consumed.
  std::string ReadUntilClosed(std::chrono::milliseconds timeout = 5s);
  // True when the server closes (FIN or RST) within `timeout` without sending anything else.
  // Unexpected bytes are kept in buffered().
  bool WaitForClose(std::chrono::milliseconds timeout = 5s);

  // Waits until at least one more byte arrives (kept in buffered()); false on timeout/close.
  bool ReadSome(std::chrono::milliseconds timeout = 5s);

  [[nodiscard]] bool server_closed() const { return closed_; }
  [[nodiscard]] const std::string& buffered() const { return buffer_; }
  // Client-side half close (shutdown SHUT_WR): the server sees end of input.
  void ShutdownWrite();

 private:
  // Waits for and appends more bytes; false on timeout or close (then closed_ is set).
  bool Fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  int connect_errno_ = 0;
  bool closed_ = false;
  std::string buffer_;
};

struct RawExchange {
  std::optional<HttpResponse> response;
  bool server_closed = false;  // the server closed the connection after the response
  std::string extra;           // bytes that followed the response (should be none)
};

// Connects, sends `bytes`, reads one response, then waits up to `close_wait` for the server to
// close. Use for requests the server must answer and then close (errors, Connection: close);
// for a keep-alive answer the wait costs `close_wait`.
RawExchange SendAndReadResponse(uint16_t port, std::string_view bytes,
                                std::chrono::milliseconds close_wait = 3s,
                                bool head_request = false);

struct RawStream {
  std::string data;  // every byte received
  bool server_closed = false;
};

// Connects, sends `bytes`, reads until the server closes (or `timeout`).
RawStream ReadUntilClosed(uint16_t port, std::string_view bytes,
                          std::chrono::milliseconds timeout = 5s);

// A minimal request: "METHOD target HTTP/1.1", Host, extra header lines (each "Name: value"),
// Content-Length when `body` is non-empty, then the body.
std::string MakeRequest(std::string_view method, std::string_view target,
                        const std::vector<std::string>& headers = {}, std::string_view body = {},
                        std::string_view host = "example.test");

}  // namespace sluice::testing
