#include "upstream/upstream_exchange.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <charconv>

#include "http/head_writer.h"
#include "net/write_now.h"

namespace sluice::upstream {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

constexpr std::uint32_t kMaxResponseHeadBytes = 64 * 1024;

bool MethodExpectsBody(http::Verb v) {
  return v == http::Verb::post || v == http::Verb::put || v == http::Verb::patch;
}

void AppendHex(std::string& out, std::size_t n) {
  char hex[20];
  auto [end, ec] = std::to_chars(hex, hex + sizeof(hex), n, 16);
  out.append(hex, end);
  out += "\r\n";
}

// Room beyond the fields' own bytes: the request line's spaces and version, and the framing line
// (the longest is "Content-Length: " with 20 digits) and the blank line that end the head.
constexpr std::size_t kHeadSlack = 64;

// The request head as the upstream gets it: the request's own fields, then `added`, then the
// framing sluice chose.
void AppendRequestHead(std::string& out, const http::RequestHeader& req, http::BodyLength length,
                       std::span<const http::FieldLine> added) {
  std::size_t most = req.method_string().size() + req.target().size() + kHeadSlack;
  for (const auto& f : req) most += http::HeadWriter::LineSize(f.name_string(), f.value());
  for (const auto& f : added) most += http::HeadWriter::LineSize(f.name, f.value);
  http::HeadWriter head(out, most);
  head.Put(req.method_string());
  head.Put(" ");
  head.Put(req.target());
  head.Put(" HTTP/1.1\r\n");
  for (const auto& f : req) head.Line(f.name_string(), f.value());
  for (const auto& f : added) head.Line(f.name, f.value);
  if (!length.content_length) {
    head.Put("Transfer-Encoding: chunked\r\n");
  } else if (*length.content_length > 0 || MethodExpectsBody(req.method())) {
    head.Line("Content-Length", http::Digits(*length.content_length).view());
  }
  head.Put("\r\n");
}

}  // namespace

UpstreamExchange::UpstreamExchange(Connection& conn, const config::ClusterConfig& cfg)
    : conn_(conn), cfg_(cfg) {}

void UpstreamExchange::StageHead(const http::RequestHeader& req, http::BodyLength length,
                                 std::span<const http::FieldLine> added) {
  out_.clear();
  AppendRequestHead(out_, req, length, added);
  request_chunked_ = !length.content_length;
}

asio::awaitable<UpstreamError> UpstreamExchange::SendBody(asio::const_buffer data, bool last) {
  // After the last bytes, nothing more goes out (out_ is empty then: Write sends nothing).
  if (request_done_) return Write({}, {});
  std::string_view suffix;
  if (request_chunked_) {
    if (data.size() > 0) AppendHex(out_, data.size());
    if (data.size() > 0) {
      suffix = last ? std::string_view("\r\n0\r\n\r\n") : std::string_view("\r\n");
    } else if (last) {
      suffix = "0\r\n\r\n";
    }
  }
  if (last) request_done_ = true;
  return Write(data, suffix);
}

asio::awaitable<UpstreamError> UpstreamExchange::Write(asio::const_buffer data,
                                                       std::string_view suffix) {
  const std::array<asio::const_buffer, 3> parts{asio::buffer(out_), data, asio::buffer(suffix)};
  const std::size_t total = asio::buffer_size(parts);
  if (total == 0) co_return UpstreamError::kNone;
  const std::size_t sent = net::WriteNow(conn_.socket, parts);
  if (sent == total) {
    out_.clear();
    co_return UpstreamError::kNone;
  }
  conn_.deadline->ArmAfter(cfg_.response_timeout);
  auto [ec, n] =
      co_await asio::async_write(conn_.socket, net::Skip(parts, sent), as_tuple(use_awaitable));
  conn_.deadline->Disarm();
  out_.clear();
  if (ec) {
    failed_ = true;
    co_return conn_.deadline->expired() ? UpstreamError::kTimeout : UpstreamError::kReset;
  }
  co_return UpstreamError::kNone;
}

UpstreamError UpstreamExchange::Classify(const boost::system::error_code& ec) const {
  if (conn_.deadline->expired()) return UpstreamError::kTimeout;
  const auto& http_errors = make_error_code(beast::http::error::end_of_stream).category();
  if (ec.category() == http_errors && ec != beast::http::error::end_of_stream &&
      ec != beast::http::error::partial_message) {
    return UpstreamError::kBadResponse;  // a parse error: bad status line, chunking, length
  }
  return UpstreamError::kReset;
}

bool UpstreamExchange::FramingIsAmbiguous() const {
  // One pass over the few fields rather than two tree searches (http/field_scan.h says why).
  std::size_t cl = 0;
  std::size_t te = 0;
  std::string_view te_value;
  for (const auto& f : parser_->get()) {
    if (f.name() == http::Field::content_length) {
      ++cl;
    } else if (f.name() == http::Field::transfer_encoding) {
      ++te;
      te_value = f.value();
    }
  }
  if (cl > 1 || (cl > 0 && te > 0) || te > 1) return true;
  return te == 1 && !beast::iequals(te_value, "chunked");
}

asio::awaitable<UpstreamError> UpstreamExchange::ReadHead(bool head_request) {
  for (;;) {
    parser_.emplace();
    parser_->header_limit(kMaxResponseHeadBytes);
    parser_->body_limit(boost::none);
    head_request_ = head_request;
    if (head_request) parser_->skip(true);
    conn_.deadline->ArmAfter(cfg_.response_timeout);
    if (conn_.buffer.size() == 0) {
      // Let the worker's other ready work run first. The request has only just been written, and
      // Asio tries a read at once: straight after the write, that read found no answer yet for
      // one request in six (HTTP/2, 10 streams), a wasted recvfrom (EAGAIN) as dear as a real
      // one. One turn later, for one in 1,400. The turn costs more instructions than it saves,
      // but fewer syscalls: 5 % less proxy CPU per request (loadtest/RESULTS.md).
      co_await asio::post(use_awaitable);  // on this coroutine's executor
    }
    auto [ec, n] = co_await beast::http::async_read_header(conn_.socket, conn_.buffer, *parser_,
                                                           as_tuple(use_awaitable));
    conn_.deadline->Disarm();
    if (ec) {
      failed_ = true;
      co_return Classify(ec);
    }
    head_received_ = true;
    const auto status = parser_->get().result_int();
    if (status == 101) break;  // upgrades are not proxied: reported as a bad response below
    if (status >= 100 && status < 200) continue;  // interim (100, 103): the final one follows
    break;
  }
  if (parser_->get().result_int() < 200 || FramingIsAmbiguous()) {
    failed_ = true;
    co_return UpstreamError::kBadResponse;
  }
  server_keep_alive_ = parser_->get().keep_alive();
  co_return UpstreamError::kNone;
}

http::BodyLength UpstreamExchange::response_length() const {
  if (parser_->is_done()) {
    // HEAD/204/304: no body follows. An advertised length is passed on; none is invented.
    if (auto cl = parser_->content_length()) return {*cl};
    const auto status = parser_->get().result_int();
    if (head_request_ || status == 204 || status == 304) return {};
    return {0};
  }
  if (parser_->chunked()) return {};
  if (auto cl = parser_->content_length()) return {*cl};
  return {};  // delimited by close
}

asio::awaitable<BodyRead> UpstreamExchange::ReadBody(asio::mutable_buffer buf) {
  if (parser_->is_done() || buf.size() == 0) co_return BodyRead{};
  for (;;) {
    auto& body = parser_->get().body();
    body.data = buf.data();
    body.size = buf.size();
    // Bytes that came with the head (a small body often did) are parsed here and now: an
    // asynchronous read would only post its completion and resume this coroutine for them.
    // (The parser stops after each chunk header: parse on while it uses bytes.)
    while (conn_.buffer.size() > 0) {
      boost::system::error_code ec;
      const std::size_t used = parser_->put(conn_.buffer.data(), ec);
      conn_.buffer.consume(used);
      const std::size_t got = buf.size() - parser_->get().body().size;
      if (ec && ec != beast::http::error::need_buffer && ec != beast::http::error::need_more) {
        failed_ = true;
        // Reported a turn later, as an asynchronous read would: an HTTP/2 front end first
        // sends what it already queued for the client (a reset now would discard its head).
        co_await asio::post(use_awaitable);  // on this coroutine's executor
        co_return BodyRead{UpstreamError::kBadResponse};
      }
      if (got > 0 || parser_->is_done()) co_return BodyRead{UpstreamError::kNone, got};
      if (used == 0) break;  // the rest needs bytes still to come
    }
    conn_.deadline->ArmAfter(cfg_.response_timeout);
    auto [ec, n] = co_await beast::http::async_read_some(conn_.socket, conn_.buffer, *parser_,
                                                         as_tuple(use_awaitable));
    conn_.deadline->Disarm();
    if (ec == beast::http::error::need_buffer) ec = {};
    const std::size_t got = buf.size() - parser_->get().body().size;
    if (ec == beast::http::error::end_of_stream && parser_->is_done()) ec = {};
    if (ec) {
      failed_ = true;
      co_return BodyRead{Classify(ec)};
    }
    if (got > 0 || parser_->is_done()) co_return BodyRead{UpstreamError::kNone, got};
  }
}

bool UpstreamExchange::reusable() const {
  return !failed_ && request_done_ && parser_ && parser_->is_done() && server_keep_alive_ &&
         conn_.buffer.size() == 0;
}

}  // namespace sluice::upstream
