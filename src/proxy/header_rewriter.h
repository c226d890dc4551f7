#pragma once
// What a proxy must change in headers as a message passes through (RFC 9110 §7.6):
// drop hop-by-hop fields (the fixed list plus every name listed in Connection), re-frame the
// body ourselves, record ourselves in Via, and tell the backend who the client is.
//
// Via's received-protocol (RFC 9110 §7.6.3) is the protocol of the message as sluice received
// it: on a request, the client's ("2 sluice" for HTTP/2, "1.0"/"1.1" by the request line); on a
// response, the upstream's (its status line's version; upstreams speak HTTP/1.x).
#include <array>
#include <span>
#include <string>
#include <string_view>

#include "http/types.h"

namespace sluice::proxy {

struct ForwardingContext {
  std::string_view client_address;  // peer IP as text
  bool peer_trusted = false;        // keep an incoming X-Forwarded-For only from trusted peers
  bool tls = false;
  std::string_view request_id;
  http::Protocol protocol = http::Protocol::kHttp1;  // what the request came in over
};

// The fields a forwarded request gets from sluice: Via with this hop appended, X-Forwarded-For
// with the client appended (to a trusted peer's), X-Forwarded-Proto (unless a trusted peer
// sent one) and X-Request-Id. Written after the request's own fields (UpstreamExchange::
// SendHead), not inserted among them: see http::FieldLine.
struct ForwardedFields {
  std::string via;
  std::string forwarded_for;
  std::string_view forwarded_proto;  // empty: a trusted peer's own is kept in the request
  std::string_view request_id;

  // At most four; valid while this object is.
  [[nodiscard]] std::span<const http::FieldLine> lines();

 private:
  std::array<http::FieldLine, 4> lines_{};
};

// Rewrites the client's request head in place for the upstream: hop-by-hop fields, Expect and
// the fields sluice replaces (the returned ones) are removed.
[[nodiscard]] ForwardedFields RewriteRequestHeaders(http::RequestHeader& request,
                                                    const ForwardingContext& ctx);
// The fields a forwarded response gets from sluice: Via with this hop appended and X-Request-Id.
// Written after the response's own fields by the front end (http::ServerExchange::WriteHead).
struct ForwardedResponseFields {
  std::string via;
  std::string_view request_id;

  // Valid while this object is.
  [[nodiscard]] std::span<const http::FieldLine> lines();

 private:
  std::array<http::FieldLine, 2> lines_{};
};

// Rewrites the backend's response head in place for the client: hop-by-hop fields and the
// fields sluice replaces (the returned ones) are removed.
[[nodiscard]] ForwardedResponseFields RewriteResponseHeaders(http::ResponseHeader& response,
                                                             std::string_view request_id);

// Removes Connection-listed names and the fixed hop-by-hop set, plus framing headers.
void StripHopByHop(http::Fields& fields);

// A client-supplied X-Request-Id is kept only if short and printable; else a new one is made.
[[nodiscard]] bool IsAcceptableRequestId(std::string_view id);

}  // namespace sluice::proxy
