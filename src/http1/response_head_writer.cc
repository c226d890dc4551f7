#include "http1/response_head_writer.h"

#include <boost/beast/core/string.hpp>
#include <charconv>

#include "http/head_writer.h"

namespace sluice::http1 {

namespace {

// Room beyond the reason and the fields' own bytes: the status line's version, code, spaces and
// CRLF (15), the longest framing line ("Content-Length: " with 20 digits, 38), a Connection
// line (24) and the blank line (2).
constexpr std::size_t kHeadSlack = 96;

// The head's own fields that the framing sluice writes replaces: the hop-by-hop ones (see
// IsHopByHop) and Content-Length. Beast gives every known name its enum, and all of these are
// known, so the enum says it without comparing strings.
bool ReplacedByFraming(const http::Fields::value_type& f) {
  switch (f.name()) {
    case http::Field::connection:
    case http::Field::keep_alive:
    case http::Field::proxy_connection:
    case http::Field::transfer_encoding:
    case http::Field::te:
    case http::Field::trailer:
    case http::Field::upgrade:
    case http::Field::proxy_authenticate:
    case http::Field::proxy_authorization:
    case http::Field::content_length:
      return true;
    default:
      return false;
  }
}

}  // namespace

ResponseFraming ChooseFraming(unsigned status, bool head_request, unsigned request_version,
                              http::BodyLength length, bool keep_alive) {
  ResponseFraming f;
  f.keep_alive = keep_alive;
  const bool no_body_status = status < 200 || status == 204 || status == 304;
  f.bodyless = head_request || no_body_status;
  if (status < 200 || status == 204) return f;
  if (length.content_length) {
    f.content_length = true;
  } else if (!f.bodyless) {
    if (request_version >= 11) {
      f.chunked = true;
    } else {
      f.keep_alive = false;  // HTTP/1.0 without a length: the close delimits the body
    }
  }
  return f;
}

bool IsHopByHop(std::string_view name) {
  using boost::beast::iequals;
  return iequals(name, "connection") || iequals(name, "keep-alive") ||
         iequals(name, "proxy-connection") || iequals(name, "transfer-encoding") ||
         iequals(name, "te") || iequals(name, "trailer") || iequals(name, "upgrade") ||
         iequals(name, "proxy-authenticate") || iequals(name, "proxy-authorization");
}

void AppendResponseHead(std::string& out, const http::ResponseHeader& head,
                        std::span<const http::FieldLine> added, const ResponseFraming& framing,
                        http::BodyLength length, unsigned request_version) {
  const auto own_reason = head.reason();
  const auto reason =
      own_reason.empty() ? boost::beast::http::obsolete_reason(head.result()) : own_reason;
  std::size_t most = reason.size() + kHeadSlack;
  for (const auto& f : head) most += http::HeadWriter::LineSize(f.name_string(), f.value());
  for (const auto& f : added) most += http::HeadWriter::LineSize(f.name, f.value);
  http::HeadWriter w(out, most);
  w.Put("HTTP/1.1 ");
  w.Put(http::Digits(head.result_int()).view());
  w.Put(" ");
  w.Put(reason);
  w.Put("\r\n");
  for (const auto& f : head) {
    if (!ReplacedByFraming(f)) w.Line(f.name_string(), f.value());
  }
  for (const auto& f : added) {
    if (!IsHopByHop(f.name) && !boost::beast::iequals(f.name, "content-length")) {
      w.Line(f.name, f.value);
    }
  }
  if (framing.content_length) {
    w.Line("Content-Length", http::Digits(*length.content_length).view());
  } else if (framing.chunked) {
    w.Put("Transfer-Encoding: chunked\r\n");
  }
  if (!framing.keep_alive) {
    w.Put("Connection: close\r\n");
  } else if (request_version < 11) {
    w.Put("Connection: keep-alive\r\n");
  }
  w.Put("\r\n");
}

void AppendChunkHeader(std::string& out, std::size_t size) {
  char hex[20];
  auto [end, ec] = std::to_chars(hex, hex + sizeof(hex), size, 16);
  out.append(hex, end);
  out += "\r\n";
}

std::string_view ChunkSuffix(bool had_data, bool last) {
  if (had_data) return last ? std::string_view("\r\n0\r\n\r\n") : std::string_view("\r\n");
  return last ? std::string_view("0\r\n\r\n") : std::string_view();
}

}  // namespace sluice::http1
