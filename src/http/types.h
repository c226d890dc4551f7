#pragma once
// Protocol-neutral request/response heads. Beast's field container is used as a plain
// case-insensitive multimap (no Beast I/O here), so HTTP/1.1 parses straight into it and
// HTTP/2 can fill it from HPACK without a translation layer.
#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::http {

using Fields = boost::beast::http::fields;
using Field = boost::beast::http::field;
using Verb = boost::beast::http::verb;
using Status = boost::beast::http::status;
using RequestHeader = boost::beast::http::request_header<Fields>;
using ResponseHeader = boost::beast::http::response_header<Fields>;

enum class Protocol { kHttp1, kHttp2 };

// A field written after a head's own fields rather than inserted among them (the proxy's
// additions: an insertion into Beast's field tree per added field cost more than writing it).
struct FieldLine {
  std::string_view name;
  std::string_view value;
};

// The protocol version as RFC 9110 §2.5 names it ("HTTP/1.1", "HTTP/2"), for the access log;
// whether TLS carried it is a separate fact (ConnectionInfo::tls), so h2 and h2c both read
// "HTTP/2".
[[nodiscard]] constexpr std::string_view ProtocolName(Protocol protocol) {
  return protocol == Protocol::kHttp2 ? "HTTP/2" : "HTTP/1.1";
}

// What the front end knows about the downstream connection; lives as long as the connection.
struct ConnectionInfo {
  std::string listener;
  // The listener's slot: stable by name across reloads (snapshots index listener stats by it).
  std::size_t listener_index = 0;
  Protocol protocol = Protocol::kHttp1;
  bool tls = false;
  boost::asio::ip::address peer_address;
  uint16_t peer_port = 0;
  // Whether the peer is a configured trusted proxy (its X-Forwarded-For is kept).
  bool peer_trusted = false;
  // Index of the worker thread serving the connection: selects that worker's upstream pools.
  std::size_t worker = 0;
  // What the connection's session refers to and a reload may retire (the listener's session
  // settings of the generation that accepted it): alive as long as the connection.
  std::shared_ptr<const void> keep_alive;
};

// How a body is framed on the wire. Request framing comes from the parser; response framing
// is chosen by the handler (known length, or streamed: chunked on HTTP/1.1, DATA frames on h2).
struct BodyLength {
  std::optional<uint64_t> content_length;  // nullopt = unknown length (streamed)
  [[nodiscard]] bool empty() const { return content_length && *content_length == 0; }
};

}  // namespace sluice::http
