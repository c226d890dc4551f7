#pragma once
// One request/response exchange as a front end (HTTP/1.1 session, later an HTTP/2 stream)
// offers it to the RequestHandler. The handler reads the request body and writes the response
// through it, chunk by chunk, so nothing is ever buffered whole and a slow side slows the other.
//
// Thread-safety: owned by one worker; all calls come from the connection's executor.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <span>
#include <string_view>

#include "http/types.h"

namespace sluice::http {

using boost::system::error_code;

// Why reading a request body stopped early, in terms a handler can answer (400/408/413) or
// give up on (client gone).
enum class BodyError { kNone, kClientGone, kMalformed, kTooLarge, kTimeout };

struct ReadResult {
  BodyError error = BodyError::kNone;
  std::size_t bytes = 0;  // 0 with no error = end of body
  [[nodiscard]] bool ok() const { return error == BodyError::kNone; }
};

class ServerExchange {
 public:
  virtual ~ServerExchange() = default;

  [[nodiscard]] virtual RequestHeader& request() = 0;
  [[nodiscard]] virtual const ConnectionInfo& connection() const = 0;
  // Request body framing as received; content_length == 0 means no body.
  [[nodiscard]] virtual BodyLength request_body_length() const = 0;
  // When the front end finished reading the request head (for durations in the access log).
  [[nodiscard]] virtual std::chrono::steady_clock::time_point received_at() const = 0;

  // Reads decoded request body bytes. The first call answers a pending `Expect: 100-continue`.
  // Returns bytes == 0 at end of body; past the limit set by SetBodyLimit: kTooLarge.
  virtual boost::asio::awaitable<ReadResult> ReadBody(boost::asio::mutable_buffer buf) = 0;
  // Caps the request body (per route); must be called before the first ReadBody.
  virtual void SetBodyLimit(uint64_t max_bytes) = 0;

  // Starts the response. The head is held back and sent with the first body bytes, so until
  // then another head may replace it (e.g. a 502 when the upstream body fails at once).
  // Hop-by-hop and framing headers in `head` are replaced by the front end's own. `added` are
  // written after the head's own fields (what a proxy adds, without inserting into the head's
  // field tree); they must stay valid until the response has ended.
  virtual boost::asio::awaitable<error_code> WriteHead(ResponseHeader head, BodyLength length,
                                                       std::span<const FieldLine> added) = 0;
  boost::asio::awaitable<error_code> WriteHead(ResponseHeader head, BodyLength length) {
    return WriteHead(std::move(head), length, {});
  }
  // Sends response body bytes; `last` ends the body (with them, or alone when data is empty).
  virtual boost::asio::awaitable<error_code> WriteBody(boost::asio::const_buffer data,
                                                       bool last) = 0;
  // After a response the connection must not be reused (e.g. unread request body, framing error).
  virtual void CloseAfterResponse() = 0;
  // True once response bytes went to the client; a different reply is then impossible.
  [[nodiscard]] virtual bool response_started() const = 0;

  // While a request waits (in the admission queue) nothing reads from the client, so a client
  // that gave up would go unnoticed and keep its place. Between these two calls the front end
  // calls `on_gone` (on the connection's executor, at most once) as soon as it sees the client
  // disconnect or reset the stream. Best effort: a front end that cannot tell stays silent.
  virtual void WatchForClientGone(std::function<void()> on_gone) { (void)on_gone; }
  virtual void StopWatchingForClientGone() {}
};

}  // namespace sluice::http
