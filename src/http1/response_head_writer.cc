#include "http1/response_head_writer.h"

#include <boost/beast/core/string.hpp>
#include <charconv>

namespace sluice::http1 {

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
  out += "HTTP/1.1 ";
  out += std::to_string(head.result_int());
  out += ' ';
  const auto reason = head.reason();
  out += reason.empty() ? boost::beast::http::obsolete_reason(head.result()) : reason;
  out += "\r\n";
  for (const auto& f : head) {
    const auto name = f.name_string();
    if (IsHopByHop(name) || boost::beast::iequals(name, "content-length")) continue;
    out += name;
    out += ": ";
    out += f.value();
    out += "\r\n";
  }
  for (const auto& f : added) {
    out += f.name;
    out += ": ";
    out += f.value;
    out += "\r\n";
  }
  if (framing.content_length) {
    out += "Content-Length: ";
    out += std::to_string(*length.content_length);
    out += "\r\n";
  } else if (framing.chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  }
  if (!framing.keep_alive) {
    out += "Connection: close\r\n";
  } else if (request_version < 11) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
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
