#pragma once
// One request/response on a pooled upstream connection, written and read piece by piece so
// the proxy can stream both bodies. The response is framed strictly: anything ambiguous
// (duplicate Content-Length, Content-Length with Transfer-Encoding, bad chunking) is a bad
// response, and the connection is never reused after a response that did not end exactly.
//
// Thread-safety: owned by one worker, used by one request at a time.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <optional>
#include <span>
#include <string>

#include "config/schema/config.h"
#include "http/types.h"
#include "upstream/connection.h"
#include "upstream/upstream_error.h"

namespace sluice::upstream {

struct BodyRead {
  UpstreamError error = UpstreamError::kNone;
  std::size_t bytes = 0;  // 0 without error = end of body
};

class UpstreamExchange {
 public:
  UpstreamExchange(Connection& conn, const config::ClusterConfig& cfg);

  // Serialises the head, `added` after the request's own fields. Nothing is sent yet: the head
  // goes with the first SendBody, which for a request without a body is SendBody({}, true).
  // Fields must already be free of hop-by-hop and framing headers.
  void StageHead(const http::RequestHeader& request, http::BodyLength length,
                 std::span<const http::FieldLine> added = {});
  // Sends body bytes (and the staged head before the first); `last` ends the body. Not a
  // coroutine of its own: one coroutine frame fewer per request (its caller awaits Write's).
  boost::asio::awaitable<UpstreamError> SendBody(boost::asio::const_buffer data, bool last);

  // Waits (up to the cluster's response timeout) for the final response head; 1xx interim
  // responses are skipped.
  boost::asio::awaitable<UpstreamError> ReadHead(bool head_request);
  [[nodiscard]] http::ResponseHeader& response() { return parser_->get().base(); }
  [[nodiscard]] http::BodyLength response_length() const;
  boost::asio::awaitable<BodyRead> ReadBody(boost::asio::mutable_buffer buf);

  // True once the response ended exactly where its framing said and the server allows reuse.
  [[nodiscard]] bool reusable() const;
  // True when the server answered nothing at all (a stale keep-alive connection looks so).
  [[nodiscard]] bool nothing_received() const { return !head_received_ && conn_.buffer.size() == 0; }
  [[nodiscard]] bool body_done() const { return parser_ && parser_->is_done(); }

 private:
  using Parser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;
  boost::asio::awaitable<UpstreamError> Write(boost::asio::const_buffer data,
                                              std::string_view suffix);
  [[nodiscard]] UpstreamError Classify(const boost::system::error_code& ec) const;
  [[nodiscard]] bool FramingIsAmbiguous() const;

  Connection& conn_;
  const config::ClusterConfig& cfg_;
  std::optional<Parser> parser_;
  std::string out_;
  bool request_chunked_ = false;
  bool request_done_ = false;
  bool head_received_ = false;
  bool head_request_ = false;
  bool server_keep_alive_ = false;  // read at ReadHead: the caller may move the head away
  bool failed_ = false;
};

}  // namespace sluice::upstream
